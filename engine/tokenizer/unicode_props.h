// Unicode facts the tokenizer needs, with llama.cpp's exact conventions: its lenient UTF-8
// codec, its codepoint categories (from ICU's general categories and White_Space property) and
// the GPT-2 byte<->unicode mapping used by byte-level BPE vocabularies.
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace vkchat::tokenizer::detail {

// Category flags of a codepoint, one category bit plus the White_Space bit. A codepoint that is
// unassigned (or beyond U+10FFFF) has kUndefined; "no flags at all" only means "outside the text".
enum CpFlag : std::uint8_t {
  kUndefined = 0x01,
  kNumber = 0x02,       // \p{N}
  kLetter = 0x04,       // \p{L}
  kSeparator = 0x08,    // \p{Z}
  kMark = 0x10,         // \p{M}
  kPunctuation = 0x20,  // \p{P}
  kSymbol = 0x40,       // \p{S}
  kControl = 0x80,      // \p{C} other than unassigned
};

struct CpInfo {
  std::uint8_t category = 0;  // one CpFlag
  bool whitespace = false;    // Unicode White_Space
};

// Looks up a codepoint (table built once from ICU, thread-safe).
CpInfo cp_info(std::uint32_t cp);

// Simple lowercase mapping (ICU u_tolower).
std::uint32_t cp_tolower(std::uint32_t cp);

// Length of a UTF-8 sequence from its first byte, as llama.cpp counts it (continuation and
// invalid lead bytes count as 1).
inline std::size_t utf8_len(unsigned char lead) {
  static constexpr std::uint8_t kLen[16] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4};
  return kLen[lead >> 4];
}

// Decodes UTF-8 leniently like llama.cpp: overlong forms and surrogates decode as written,
// each byte of a malformed sequence becomes U+FFFD.
std::vector<std::uint32_t> decode_utf8(std::string_view text);

// Appends a codepoint's UTF-8 form (codepoints beyond U+10FFFF become U+FFFD).
void append_utf8(std::string& out, std::uint32_t cp);

// The GPT-2 byte-level mapping: each byte has a printable codepoint standing for it.
const std::array<std::string, 256>& byte_to_unicode();
// Inverse: the byte a codepoint stands for, or -1.
int unicode_to_byte(std::uint32_t cp);

// Length of an incomplete UTF-8 sequence at the end of `s` that more bytes could complete
// (0 when `s` ends on a complete or malformed sequence).
std::size_t incomplete_utf8_tail(std::string_view s);

}  // namespace vkchat::tokenizer::detail
