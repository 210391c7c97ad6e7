// Splitting text around special tokens before tokenization, with exactly the result of llama.cpp's
// tokenizer_st_partition: tokens are tried longest text first, each splitting every text fragment
// at all of its occurrences from the left, with the lstrip/rstrip attributes trimming whitespace.
// llama.cpp makes one pass over the fragments per token (tokens x text); here one trie walk finds
// every occurrence, and the occurrences are then taken in that same order (token, then position),
// each accepted when it still lies inside one text fragment: linear in the text for a given
// vocabulary (times the depth of the trie walks, which is the length of the special tokens).
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace vkchat::tokenizer::detail {

struct Fragment {
  std::int32_t token;  // >= 0: a special token; -1: text [offset, offset + length)
  std::size_t offset = 0;
  std::size_t length = 0;
};

struct SpecialToken {
  std::int32_t id;
  std::string_view text;
  bool always;  // user-defined: matched even when special tokens are not parsed
  bool lstrip, rstrip;
};

class SpecialMatcher {
 public:
  SpecialMatcher() = default;
  // `tokens` in priority order (longest text first).
  explicit SpecialMatcher(std::vector<SpecialToken> tokens);

  std::vector<Fragment> partition(std::string_view text, bool parse_special) const;

 private:
  std::vector<SpecialToken> tokens_;
  // A byte trie over the token texts.
  std::unordered_map<std::uint64_t, std::int32_t> trie_;  // (node << 8 | byte) -> node
  std::vector<std::vector<std::int32_t>> ends_;           // node -> indexes into tokens_
  bool first_byte_[256] = {};
};

}  // namespace vkchat::tokenizer::detail
