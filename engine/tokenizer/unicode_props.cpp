// Codepoint categories from ICU, and llama.cpp-compatible UTF-8 handling.
#include "tokenizer/unicode_props.h"

#include <unicode/uchar.h>

#include <bit>
#include <memory>

namespace vkchat::tokenizer::detail {
namespace {

constexpr std::uint32_t kMaxCodepoint = 0x110000;

std::uint8_t category_flag(std::int8_t icu_type) {
  switch (icu_type) {
    case U_UNASSIGNED: return kUndefined;
    case U_UPPERCASE_LETTER:
    case U_LOWERCASE_LETTER:
    case U_TITLECASE_LETTER:
    case U_MODIFIER_LETTER:
    case U_OTHER_LETTER: return kLetter;
    case U_NON_SPACING_MARK:
    case U_ENCLOSING_MARK:
    case U_COMBINING_SPACING_MARK: return kMark;
    case U_DECIMAL_DIGIT_NUMBER:
    case U_LETTER_NUMBER:
    case U_OTHER_NUMBER: return kNumber;
    case U_SPACE_SEPARATOR:
    case U_LINE_SEPARATOR:
    case U_PARAGRAPH_SEPARATOR: return kSeparator;
    case U_CONTROL_CHAR:
    case U_FORMAT_CHAR:
    case U_PRIVATE_USE_CHAR:
    case U_SURROGATE: return kControl;
    case U_DASH_PUNCTUATION:
    case U_START_PUNCTUATION:
    case U_END_PUNCTUATION:
    case U_CONNECTOR_PUNCTUATION:
    case U_OTHER_PUNCTUATION:
    case U_INITIAL_PUNCTUATION:
    case U_FINAL_PUNCTUATION: return kPunctuation;
    case U_MATH_SYMBOL:
    case U_CURRENCY_SYMBOL:
    case U_MODIFIER_SYMBOL:
    case U_OTHER_SYMBOL: return kSymbol;
    default: return kUndefined;
  }
}

// One byte per codepoint: bits 0-2 hold the category's bit index, bit 7 the White_Space property.
struct Table {
  std::unique_ptr<std::uint8_t[]> packed{new std::uint8_t[kMaxCodepoint]};
  Table() {
    for (std::uint32_t cp = 0; cp < kMaxCodepoint; ++cp) {
      const auto c = static_cast<UChar32>(cp);
      const std::uint8_t flag = category_flag(static_cast<std::int8_t>(u_charType(c)));
      const bool ws = u_hasBinaryProperty(c, UCHAR_WHITE_SPACE) != 0;
      packed[cp] = static_cast<std::uint8_t>(std::countr_zero(flag) | (ws ? 0x80 : 0));
    }
  }
};

const Table& table() {
  static const Table t;
  return t;
}

}  // namespace

CpInfo cp_info(std::uint32_t cp) {
  if (cp >= kMaxCodepoint) return {kUndefined, false};
  const std::uint8_t p = table().packed[cp];
  return {static_cast<std::uint8_t>(1u << (p & 0x07)), (p & 0x80) != 0};
}

std::uint32_t cp_tolower(std::uint32_t cp) {
  if (cp >= kMaxCodepoint) return cp;
  return static_cast<std::uint32_t>(u_tolower(static_cast<UChar32>(cp)));
}

std::vector<std::uint32_t> decode_utf8(std::string_view s) {
  std::vector<std::uint32_t> out;
  out.reserve(s.size());
  const auto b = [&](std::size_t i) { return static_cast<std::uint8_t>(s[i]); };
  const auto cont = [&](std::size_t i) { return i < s.size() && (b(i) & 0xC0) == 0x80; };
  std::size_t i = 0;
  while (i < s.size()) {
    const std::uint8_t c = b(i);
    if (c < 0x80) {
      out.push_back(c);
      i += 1;
    } else if ((c & 0xE0) == 0xC0 && cont(i + 1)) {
      out.push_back((std::uint32_t(c & 0x1F) << 6) | (b(i + 1) & 0x3F));
      i += 2;
    } else if ((c & 0xF0) == 0xE0 && cont(i + 1) && cont(i + 2)) {
      out.push_back((std::uint32_t(c & 0x0F) << 12) | (std::uint32_t(b(i + 1) & 0x3F) << 6) |
                    (b(i + 2) & 0x3F));
      i += 3;
    } else if ((c & 0xF8) == 0xF0 && cont(i + 1) && cont(i + 2) && cont(i + 3)) {
      out.push_back((std::uint32_t(c & 0x07) << 18) | (std::uint32_t(b(i + 1) & 0x3F) << 12) |
                    (std::uint32_t(b(i + 2) & 0x3F) << 6) | (b(i + 3) & 0x3F));
      i += 4;
    } else {
      out.push_back(0xFFFD);
      i += 1;
    }
  }
  return out;
}

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp <= 0x7F) {
    out.push_back(static_cast<char>(cp));
  } else if (cp <= 0x7FF) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp <= 0xFFFF) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp <= 0x10FFFF) {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    append_utf8(out, 0xFFFD);
  }
}

namespace {

// Printable bytes stand for themselves; the others take codepoints from U+0100 on, in order.
std::array<std::uint32_t, 256> byte_codepoints() {
  std::array<std::uint32_t, 256> cps{};
  std::uint32_t next = 256;
  for (std::uint32_t b = 0; b < 256; ++b) {
    const bool printable = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE;
    cps[b] = printable ? b : next++;
  }
  return cps;
}

}  // namespace

const std::array<std::string, 256>& byte_to_unicode() {
  static const std::array<std::string, 256> map = [] {
    std::array<std::string, 256> m;
    const auto cps = byte_codepoints();
    for (std::size_t b = 0; b < 256; ++b) append_utf8(m[b], cps[b]);
    return m;
  }();
  return map;
}

int unicode_to_byte(std::uint32_t cp) {
  static const std::array<std::int16_t, 512> inverse = [] {
    std::array<std::int16_t, 512> inv{};
    inv.fill(-1);
    const auto cps = byte_codepoints();
    for (std::size_t b = 0; b < 256; ++b) inv[cps[b]] = static_cast<std::int16_t>(b);
    return inv;
  }();
  return cp < inverse.size() ? inverse[cp] : -1;
}

std::size_t incomplete_utf8_tail(std::string_view s) {
  // Look back at most 3 bytes for a lead byte whose sequence runs past the end.
  const std::size_t n = s.size();
  for (std::size_t back = 1; back <= 3 && back <= n; ++back) {
    const auto c = static_cast<std::uint8_t>(s[n - back]);
    if ((c & 0xC0) == 0x80) continue;  // continuation: keep looking for the lead
    std::size_t need = 0;
    if ((c & 0xE0) == 0xC0)
      need = 2;
    else if ((c & 0xF0) == 0xE0)
      need = 3;
    else if ((c & 0xF8) == 0xF0)
      need = 4;
    return need > back ? back : 0;
  }
  return 0;
}

}  // namespace vkchat::tokenizer::detail
