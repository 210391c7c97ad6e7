// Text -> id lookup over a vocabulary whose strings live elsewhere (the Tokenizer owns them).
#pragma once
#include <cstdint>
#include <string_view>
#include <unordered_map>

namespace vkchat::tokenizer::detail {

using TokenMap = std::unordered_map<std::string_view, std::int32_t>;

inline std::int32_t lookup(const TokenMap& map, std::string_view text) {
  const auto it = map.find(text);
  return it == map.end() ? -1 : it->second;
}

}  // namespace vkchat::tokenizer::detail
