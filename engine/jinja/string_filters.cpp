// format, wordwrap, wordcount and urlencode, with Python's (and Jinja2's) behaviour.
#include "jinja/string_filters.h"

#include <cstdio>
#include <string_view>
#include <vector>

#include "jinja/text.h"

namespace vkchat::jinja {

namespace {

struct Spec {
  bool left = false, zero = false, plus = false, space = false, alt = false;
  std::int64_t width = -1, precision = -1;
  char conv = 's';
};

// Pads `body` (already signed and prefixed) to the spec's width, in code points.
std::string pad(Env& env, std::string body, const Spec& sp, bool numeric) {
  std::int64_t len = static_cast<std::int64_t>(text::length(body));
  if (sp.width <= len) return body;
  std::size_t fill = static_cast<std::size_t>(sp.width - len);
  check_size(env, body.size() + fill);
  if (sp.left) return body + std::string(fill, ' ');
  if (sp.zero && numeric) {
    // zeros go after the sign and the 0x/0o prefix
    std::size_t at = 0;
    if (!body.empty() && (body[0] == '-' || body[0] == '+' || body[0] == ' ')) at = 1;
    if (body.size() >= at + 2 && body[at] == '0' &&
        (body[at + 1] == 'x' || body[at + 1] == 'X' || body[at + 1] == 'o')) {
      at += 2;
    }
    return body.insert(at, fill, '0');
  }
  return std::string(fill, ' ') + body;
}

std::string sign_of(bool negative, const Spec& sp) {
  return negative ? "-" : sp.plus ? "+" : sp.space ? " " : "";
}

std::string format_int(Env& env, const Value& v, const Spec& sp) {
  if (!v.is_int() && !v.is_bool()) {
    if (v.is_float() && (sp.conv == 'd' || sp.conv == 'i')) {
      double d = v.as_double();
      if (!(d > -9.2e18 && d < 9.2e18)) throw EvalError("cannot convert float to integer");
      return format_int(env, Value(static_cast<std::int64_t>(d)), sp);
    }
    throw EvalError(std::string("%") + sp.conv + " format: " +
                    (sp.conv == 'd' || sp.conv == 'i' ? "a real number" : "an integer") +
                    " is required, not " + type_name(v));
  }
  std::int64_t i = v.as_int();
  bool negative = i < 0;
  std::uint64_t mag = negative ? 0 - static_cast<std::uint64_t>(i) : static_cast<std::uint64_t>(i);
  int base = sp.conv == 'x' || sp.conv == 'X' ? 16 : sp.conv == 'o' ? 8 : 10;
  const char* digits = sp.conv == 'X' ? "0123456789ABCDEF" : "0123456789abcdef";
  std::string ds;
  do {
    ds.insert(ds.begin(), digits[mag % static_cast<unsigned>(base)]);
    mag /= static_cast<unsigned>(base);
  } while (mag);
  if (sp.precision > static_cast<std::int64_t>(ds.size())) {
    check_size(env, static_cast<std::size_t>(sp.precision));
    ds.insert(0, static_cast<std::size_t>(sp.precision) - ds.size(), '0');
  }
  std::string prefix;
  if (sp.alt && base == 16) prefix = sp.conv == 'X' ? "0X" : "0x";
  if (sp.alt && base == 8) prefix = "0o";
  return pad(env, sign_of(negative, sp) + prefix + ds, sp, true);
}

std::string format_float(Env& env, const Value& v, const Spec& sp) {
  if (!v.is_number()) {
    throw EvalError(std::string("%") + sp.conv + " format: a real number is required, not " +
                    type_name(v));
  }
  std::int64_t precision = sp.precision < 0 ? 6 : sp.precision;
  check_size(env, static_cast<std::size_t>(precision) + 32);
  std::string cfmt = "%";
  if (sp.plus) cfmt += '+';
  if (sp.space) cfmt += ' ';
  if (sp.alt) cfmt += '#';
  cfmt += "." + std::to_string(precision) + sp.conv;
  double d = v.as_double();
  int n = std::snprintf(nullptr, 0, cfmt.c_str(), d);
  if (n < 0) throw EvalError("format: cannot format the number");
  check_size(env, static_cast<std::size_t>(n));
  std::string out(static_cast<std::size_t>(n) + 1, '\0');
  std::snprintf(out.data(), out.size(), cfmt.c_str(), d);
  out.resize(static_cast<std::size_t>(n));
  return pad(env, out, sp, true);
}

std::string format_one(Env& env, const Value& v, const Spec& sp) {
  switch (sp.conv) {
    case 's':
    case 'r': {
      std::string s = sp.conv == 's' ? to_str(v) : repr(v);
      if (sp.precision >= 0) {
        std::u32string cps = decode_within_limits(s);
        if (static_cast<std::int64_t>(cps.size()) > sp.precision) {
          s = text::encode(
              std::u32string_view(cps).substr(0, static_cast<std::size_t>(sp.precision)));
        }
      }
      return pad(env, std::move(s), sp, false);
    }
    case 'd':
    case 'i':
    case 'x':
    case 'X':
    case 'o': return format_int(env, v, sp);
    case 'f':
    case 'F':
    case 'e':
    case 'E':
    case 'g':
    case 'G': return format_float(env, v, sp);
    case 'c': {
      if (v.is_string()) {
        if (text::length(v.str()) != 1)
          throw EvalError("%c requires an int or a unicode character");
        return pad(env, v.str(), sp, false);
      }
      if (!v.is_int() || v.as_int() < 0 || v.as_int() > 0x10FFFF)
        throw EvalError("%c requires an int in range(0x110000) or a character");
      return pad(env, text::encode(std::u32string(1, static_cast<char32_t>(v.as_int()))), sp,
                 false);
    }
    default: throw EvalError(std::string("unsupported format character '") + sp.conv + "'");
  }
}

}  // namespace

std::string percent_format(Env& env, const std::string& fmt, const Args& args) {
  if (!args.positional.empty() && !args.keyword.empty()) {
    throw EvalError("format(): can't handle positional and keyword arguments at the same time");
  }
  const bool mapping = !args.keyword.empty();
  std::size_t next_arg = 0;
  auto take = [&]() -> const Value& {
    if (mapping) throw EvalError("format requires a mapping");
    if (next_arg >= args.positional.size())
      throw EvalError("not enough arguments for format string");
    return args.positional[next_arg++];
  };
  auto star = [&](std::string_view what) {
    const Value& v = take();
    if (!v.is_int()) throw EvalError(std::string("* wants int for ") + std::string(what));
    return v.as_int();
  };
  std::string out;
  std::size_t i = 0;
  while (i < fmt.size()) {
    std::size_t pct = fmt.find('%', i);
    if (pct == std::string::npos) pct = fmt.size();
    out.append(fmt, i, pct - i);
    check_size(env, out.size());
    if (pct == fmt.size()) break;
    i = pct + 1;
    auto end = [&] {
      if (i >= fmt.size()) throw EvalError("incomplete format");
    };
    end();
    if (fmt[i] == '%') {
      out += '%';
      ++i;
      continue;
    }
    const Value* arg = nullptr;
    if (fmt[i] == '(') {
      std::size_t close = fmt.find(')', i);
      if (close == std::string::npos) throw EvalError("incomplete format key");
      if (!mapping) throw EvalError("format requires a mapping");
      std::string key = fmt.substr(i + 1, close - i - 1);
      for (const auto& [k, v] : args.keyword) {
        if (k == key) arg = &v;
      }
      if (!arg) throw EvalError("format: no value for key '" + key + "'");
      i = close + 1;
    }
    Spec sp;
    for (; i < fmt.size(); ++i) {
      char c = fmt[i];
      if (c == '-')
        sp.left = true;
      else if (c == '0')
        sp.zero = true;
      else if (c == '+')
        sp.plus = true;
      else if (c == ' ')
        sp.space = true;
      else if (c == '#')
        sp.alt = true;
      else
        break;
    }
    end();
    auto number = [&]() -> std::int64_t {
      std::int64_t n = 0;
      while (i < fmt.size() && fmt[i] >= '0' && fmt[i] <= '9') {
        n = n * 10 + (fmt[i++] - '0');
        if (n > (1 << 30)) throw EvalError("format: width or precision too big");
      }
      return n;
    };
    if (fmt[i] == '*') {
      ++i;
      sp.width = star("width");
      if (sp.width < 0) {
        sp.left = true;
        sp.width = -sp.width;
      }
    } else {
      sp.width = number();
    }
    end();
    if (fmt[i] == '.') {
      ++i;
      end();
      if (fmt[i] == '*') {
        ++i;
        sp.precision = std::max<std::int64_t>(0, star("precision"));
      } else {
        sp.precision = number();
      }
    }
    end();
    while (i < fmt.size() && (fmt[i] == 'h' || fmt[i] == 'l' || fmt[i] == 'L')) ++i;
    end();
    sp.conv = fmt[i++];
    const Value& v = arg ? *arg : sp.conv == '%' ? Value() : take();
    if (sp.conv == '%') {
      out += '%';
      continue;
    }
    out += format_one(env, v, sp);
    check_size(env, out.size());
  }
  if (!mapping && next_arg < args.positional.size()) {
    throw EvalError("not all arguments converted during string formatting");
  }
  return out;
}

std::string wordwrap(Env& env, const std::string& s, std::int64_t width, bool break_long_words,
                     const std::string& wrapstring) {
  if (width <= 0)
    throw EvalError("wordwrap(): invalid width " + std::to_string(width) + " (must be > 0)");
  std::u32string cps = decode_within_limits(s);
  std::string out;
  auto put = [&](std::string_view piece) {
    out += piece;
    check_size(env, out.size());
  };
  // str.splitlines(), then textwrap.wrap() on each line
  std::size_t start = 0;
  bool first_line = true;
  const std::size_t w = static_cast<std::size_t>(width);
  while (start < cps.size()) {
    std::size_t nl = start;
    while (nl < cps.size() && cps[nl] != '\n' && cps[nl] != '\r') ++nl;
    std::u32string_view line(cps.data() + start, nl - start);
    start =
        nl +
        (nl < cps.size() && cps[nl] == '\r' && nl + 1 < cps.size() && cps[nl + 1] == '\n' ? 2 : 1);
    // chunks: runs of whitespace and runs of anything else
    std::vector<std::u32string> chunks;
    for (std::size_t k = 0; k < line.size();) {
      bool sp = text::is_space(line[k]);
      std::size_t e = k;
      while (e < line.size() && text::is_space(line[e]) == sp) ++e;
      chunks.emplace_back(line.substr(k, e - k));
      k = e;
    }
    charge(env, kItem * chunks.size());
    std::vector<std::u32string> lines;
    std::size_t c = 0;
    auto blank = [](const std::u32string& x) { return !x.empty() && text::is_space(x[0]); };
    while (c < chunks.size()) {
      if (!lines.empty() && blank(chunks[c])) ++c;  // drop_whitespace at a line's start
      std::u32string cur;
      while (c < chunks.size() && cur.size() + chunks[c].size() <= w) cur += chunks[c++];
      if (c < chunks.size() && chunks[c].size() > w) {  // a word longer than a line
        if (break_long_words) {
          std::size_t room = w - cur.size();  // 0 when the line is full: the word starts the next
          cur += chunks[c].substr(0, room);
          chunks[c].erase(0, room);
        } else if (cur.empty()) {
          cur = chunks[c++];
        }
      }
      if (!cur.empty() && text::is_space(cur.back())) {  // drop_whitespace at a line's end
        std::size_t e = cur.size();
        while (e > 0 && text::is_space(cur[e - 1])) --e;
        // only the trailing whitespace chunk goes, as textwrap drops the last chunk
        cur.erase(e);
      }
      if (!cur.empty()) lines.push_back(std::move(cur));
    }
    if (!first_line) put(wrapstring);
    first_line = false;
    for (std::size_t k = 0; k < lines.size(); ++k) {
      if (k) put(wrapstring);
      put(text::encode(lines[k]));
    }
  }
  return out;
}

std::int64_t wordcount(Env& env, const std::string& s) {
  std::u32string cps = decode_within_limits(s);
  charge(env, cps.size());
  std::int64_t n = 0;
  bool in_word = false;
  for (char32_t c : cps) {
    bool w = text::is_word(c);
    if (w && !in_word) ++n;
    in_word = w;
  }
  return n;
}

namespace {

// Percent-encoding of UTF-8 bytes: letters, digits and _.-~ stay, and `safe`.
std::string quote(Env& env, const std::string& s, std::string_view safe, bool plus_for_space) {
  std::string out;
  static const char* hex = "0123456789ABCDEF";
  for (char ch : s) {
    unsigned char c = static_cast<unsigned char>(ch);
    bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '_' || c == '.' || c == '-' || c == '~' ||
                safe.find(ch) != std::string_view::npos;
    if (keep) {
      out += ch;
    } else if (c == ' ' && plus_for_space) {
      out += '+';
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  check_size(env, out.size());
  return out;
}

}  // namespace

std::string urlencode(Env& env, const Value& v) {
  if (v.is_string() || !(v.is_object() || v.is_array())) return quote(env, to_str(v), "/", false);
  std::string out;
  auto pair = [&](const Value& k, const Value& x) {
    if (!out.empty()) out += '&';
    out += quote(env, to_str(k), "", true) + "=" + quote(env, to_str(x), "", true);
    check_size(env, out.size());
  };
  if (v.is_object()) {
    for (const auto& [k, x] : v.object().items) pair(Value(k), x);
  } else {
    for (const Value& item : v.array()) {
      if (!item.is_array() || item.array().size() != 2)
        throw EvalError("urlencode: a list must hold (key, value) pairs");
      pair(item.array()[0], item.array()[1]);
    }
  }
  return out;
}

}  // namespace vkchat::jinja
