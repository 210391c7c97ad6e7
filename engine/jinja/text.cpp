// UTF-8 code-point handling, Unicode whitespace and case (ICU), and a locale-free strftime.
#include "jinja/text.h"

#include <unicode/uchar.h>
#include <unicode/ustring.h>

#include <algorithm>
#include <cstdio>
#include <vector>

namespace vkchat::jinja::text {

namespace {

constexpr char32_t kEscapeBase = 0xDC00;  // invalid byte b decodes to U+DC00 + b (b >= 0x80)

void put_utf8(std::string& out, char32_t cp) {
  if (cp >= 0xDC80 && cp <= 0xDCFF) {
    out += static_cast<char>(cp - kEscapeBase);  // an escaped invalid byte
  } else if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// One code point starting at s[i]; advances i. Invalid sequences yield one escaped byte.
char32_t next_cp(std::string_view s, std::size_t& i) {
  auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = b(i);
  if (c < 0x80) {
    ++i;
    return c;
  }
  int n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
  if (n == 0 || c > 0xF4 || i + static_cast<std::size_t>(n) > s.size()) {
    ++i;
    return kEscapeBase + c;
  }
  char32_t cp = c & (0x7F >> n);
  for (int k = 1; k < n; ++k) {
    if ((b(i + k) & 0xC0) != 0x80) {
      ++i;
      return kEscapeBase + c;
    }
    cp = (cp << 6) | (b(i + k) & 0x3F);
  }
  if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
      (cp >= 0xD800 && cp <= 0xDFFF)) {
    ++i;
    return kEscapeBase + c;
  }
  i += static_cast<std::size_t>(n);
  return cp;
}

bool is_cased(char32_t c) {
  return u_hasBinaryProperty(static_cast<UChar32>(c), UCHAR_CASED);
}

// Full-string case mapping through ICU's root locale (handles ß -> SS and the like).
std::string map_case(std::string_view s, bool to_upper) {
  if (std::all_of(s.begin(), s.end(),
                  [](char c) { return static_cast<unsigned char>(c) < 0x80; })) {
    std::string out(s);
    for (char& c : out) {
      if (to_upper && c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
      if (!to_upper && c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
    }
    return out;
  }
  std::u32string cps = decode(s);
  std::string out;
  for (char32_t cp : cps) {
    if (cp >= 0xDC80 && cp <= 0xDCFF) {  // an invalid byte stays as it is
      put_utf8(out, cp);
      continue;
    }
    UChar src[2];
    int32_t src_len = 0;
    U16_APPEND_UNSAFE(src, src_len, static_cast<UChar32>(cp));
    UChar dst[8];
    UErrorCode err = U_ZERO_ERROR;
    int32_t n = to_upper ? u_strToUpper(dst, 8, src, src_len, "", &err)
                         : u_strToLower(dst, 8, src, src_len, "", &err);
    if (U_FAILURE(err)) {
      put_utf8(out, cp);
      continue;
    }
    for (int32_t k = 0; k < n;) {
      UChar32 c;
      U16_NEXT(dst, k, n, c);
      put_utf8(out, static_cast<char32_t>(c));
    }
  }
  return out;
}

}  // namespace

std::u32string decode(std::string_view s) {
  std::u32string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) out += next_cp(s, i);
  return out;
}

std::string encode(std::u32string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char32_t c : s) put_utf8(out, c);
  return out;
}

std::size_t length(std::string_view s) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < s.size(); ++n) next_cp(s, i);
  return n;
}

bool is_space(char32_t c) {
  switch (c) {
    case 0x09:
    case 0x0A:
    case 0x0B:
    case 0x0C:
    case 0x0D:
    case 0x1C:
    case 0x1D:
    case 0x1E:
    case 0x1F:
    case 0x20:
    case 0x85:
    case 0xA0:
    case 0x1680:
    case 0x2028:
    case 0x2029:
    case 0x202F:
    case 0x205F:
    case 0x3000: return true;
    default: return c >= 0x2000 && c <= 0x200A;
  }
}

bool is_word(char32_t c) {
  if (c >= 0xDC80 && c <= 0xDCFF) return false;  // an escaped invalid byte
  return c == '_' || u_isalnum(static_cast<UChar32>(c));
}

std::string strip(std::string_view s, bool left, bool right,
                  const std::optional<std::string>& chars) {
  std::u32string set = chars ? decode(*chars) : std::u32string();
  auto strippable = [&](char32_t c) {
    return chars ? set.find(c) != std::u32string::npos : is_space(c);
  };
  std::u32string cps = decode(s);
  std::size_t b = 0, e = cps.size();
  if (left) {
    while (b < e && strippable(cps[b])) ++b;
  }
  if (right) {
    while (e > b && strippable(cps[e - 1])) --e;
  }
  return encode(std::u32string_view(cps).substr(b, e - b));
}

std::string upper(std::string_view s) {
  return map_case(s, true);
}
std::string lower(std::string_view s) {
  return map_case(s, false);
}

std::string title(std::string_view s) {
  std::string out;
  bool prev_cased = false;
  for (char32_t cp : decode(s)) {
    bool escaped = cp >= 0xDC80 && cp <= 0xDCFF;
    char32_t mapped = escaped      ? cp
                      : prev_cased ? static_cast<char32_t>(u_tolower(static_cast<UChar32>(cp)))
                                   : static_cast<char32_t>(u_totitle(static_cast<UChar32>(cp)));
    put_utf8(out, mapped);
    prev_cased = !escaped && is_cased(cp);
  }
  return out;
}

std::string capitalize(std::string_view s) {
  std::u32string cps = decode(s);
  if (cps.empty()) return "";
  std::string out;
  char32_t first = cps[0];
  bool escaped = first >= 0xDC80 && first <= 0xDCFF;
  put_utf8(out, escaped ? first : static_cast<char32_t>(u_totitle(static_cast<UChar32>(first))));
  return out + lower(encode(std::u32string_view(cps).substr(1)));
}

std::string strftime(std::string_view format, const std::tm& t) {
  static const char* const kDays[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                      "Thursday", "Friday", "Saturday"};
  static const char* const kMonths[] = {"January",   "February", "March",    "April",
                                        "May",       "June",     "July",     "August",
                                        "September", "October",  "November", "December"};
  auto num = [](int v, int width, char pad = '0') {
    char buf[16];
    std::snprintf(buf, sizeof buf, pad == '0' ? "%0*d" : "%*d", width, v);
    return std::string(buf);
  };
  int wday = std::clamp(t.tm_wday, 0, 6);
  int mon = std::clamp(t.tm_mon, 0, 11);
  std::string out;
  for (std::size_t i = 0; i < format.size(); ++i) {
    if (format[i] != '%' || i + 1 == format.size()) {
      out += format[i];
      continue;
    }
    char f = format[++i];
    switch (f) {
      case 'a': out += std::string(kDays[wday]).substr(0, 3); break;
      case 'A': out += kDays[wday]; break;
      case 'b':
      case 'h': out += std::string(kMonths[mon]).substr(0, 3); break;
      case 'B': out += kMonths[mon]; break;
      case 'd': out += num(t.tm_mday, 2); break;
      case 'e': out += num(t.tm_mday, 2, ' '); break;
      case 'H': out += num(t.tm_hour, 2); break;
      case 'I': out += num(t.tm_hour % 12 == 0 ? 12 : t.tm_hour % 12, 2); break;
      case 'j': out += num(t.tm_yday + 1, 3); break;
      case 'm': out += num(mon + 1, 2); break;
      case 'M': out += num(t.tm_min, 2); break;
      case 'p': out += t.tm_hour < 12 ? "AM" : "PM"; break;
      case 'S': out += num(t.tm_sec, 2); break;
      case 'y': out += num((t.tm_year + 1900) % 100, 2); break;
      case 'Y': out += std::to_string(t.tm_year + 1900); break;
      case 'F': out += strftime("%Y-%m-%d", t); break;
      case 'T': out += strftime("%H:%M:%S", t); break;
      case 'D': out += strftime("%m/%d/%y", t); break;
      case '%': out += '%'; break;
      default:
        out += '%';
        out += f;
        break;
    }
  }
  return out;
}

}  // namespace vkchat::jinja::text
