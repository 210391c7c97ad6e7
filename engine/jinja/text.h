// Text helpers with Python's string semantics: strings are UTF-8, indexed and measured in code
// points; whitespace and case follow Unicode (case mapping through ICU). Invalid UTF-8 bytes
// survive a decode/encode round trip unchanged (as lone surrogates U+DC80..U+DCFF, the way
// Python's surrogateescape does).
#pragma once
#include <ctime>
#include <optional>
#include <string>
#include <string_view>

namespace vkchat::jinja::text {

std::u32string decode(std::string_view s);
std::string encode(std::u32string_view s);
std::size_t length(std::string_view s);  // in code points

bool is_space(char32_t c);  // Python's str.isspace()
bool is_word(char32_t c);   // matches regex \w: a Unicode letter or digit, or '_'

// str.strip / lstrip / rstrip: Unicode whitespace, or any of the code points in `chars`.
std::string strip(std::string_view s, bool left, bool right,
                  const std::optional<std::string>& chars = std::nullopt);

std::string upper(std::string_view s);  // full case mapping (ß -> SS)
std::string lower(std::string_view s);
std::string title(std::string_view s);       // str.title(): words are runs of cased letters
std::string capitalize(std::string_view s);  // str.capitalize()

// strftime with English (C locale) names whatever the process locale, so a GUI that sets a
// locale renders the same prompt. Supports %a %A %b %B %d %e %H %I %j %m %M %p %S %y %Y %F %T
// %D %%; any other sequence is copied through.
std::string strftime(std::string_view format, const std::tm& t);

}  // namespace vkchat::jinja::text
