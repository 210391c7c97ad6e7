// Special-token partitioning (see special_tokens.h).
#include "tokenizer/special_tokens.h"

#include <algorithm>
#include <map>
#include <utility>

namespace vkchat::tokenizer::detail {
namespace {

// C isspace in the "C" locale, which is what llama.cpp's lstrip/rstrip use.
bool c_space(char c) {
  return c == ' ' || (c >= '\t' && c <= '\r');
}

}  // namespace

SpecialMatcher::SpecialMatcher(std::vector<SpecialToken> tokens) : tokens_(std::move(tokens)) {
  ends_.emplace_back();  // root
  for (std::size_t i = 0; i < tokens_.size(); ++i) {
    const std::string_view t = tokens_[i].text;
    if (t.empty()) continue;
    first_byte_[static_cast<std::uint8_t>(t[0])] = true;
    std::int32_t node = 0;
    for (char c : t) {
      const std::uint64_t key =
          (static_cast<std::uint64_t>(node) << 8) | static_cast<std::uint8_t>(c);
      const auto [it, inserted] = trie_.try_emplace(key, static_cast<std::int32_t>(ends_.size()));
      if (inserted) ends_.emplace_back();
      node = it->second;
    }
    ends_[static_cast<std::size_t>(node)].push_back(static_cast<std::int32_t>(i));
  }
}

std::vector<Fragment> SpecialMatcher::partition(std::string_view text, bool parse_special) const {
  std::vector<Fragment> frags;
  if (text.empty()) return frags;
  if (tokens_.empty()) {
    frags.push_back({-1, 0, text.size()});
    return frags;
  }

  // Every occurrence of a token that may match, as (index into tokens_, position). Of tokens
  // with the same text only the first that may match counts: it takes every occurrence before
  // the others get their turn.
  std::vector<std::pair<std::int32_t, std::size_t>> found;
  for (std::size_t pos = 0; pos < text.size(); ++pos) {
    if (!first_byte_[static_cast<std::uint8_t>(text[pos])]) continue;
    std::int32_t node = 0;
    for (std::size_t k = pos; k < text.size(); ++k) {
      const std::uint64_t key =
          (static_cast<std::uint64_t>(node) << 8) | static_cast<std::uint8_t>(text[k]);
      const auto it = trie_.find(key);
      if (it == trie_.end()) break;
      node = it->second;
      for (std::int32_t t : ends_[static_cast<std::size_t>(node)]) {
        if (parse_special || tokens_[static_cast<std::size_t>(t)].always) {
          found.emplace_back(t, pos);
          break;
        }
      }
    }
  }
  if (found.empty()) {
    frags.push_back({-1, 0, text.size()});
    return frags;
  }
  // llama.cpp's order: by priority, and each token's occurrences from the left.
  std::sort(found.begin(), found.end());

  std::map<std::size_t, std::size_t> free{{0, text.size()}};  // text fragments: start -> end
  std::vector<std::pair<std::size_t, std::int32_t>> matched;  // (position, token id)
  for (const auto& [t, pos] : found) {
    const SpecialToken& tok = tokens_[static_cast<std::size_t>(t)];
    auto it = free.upper_bound(pos);
    if (it == free.begin()) continue;
    --it;
    const std::size_t begin = it->first, end = it->second;
    // Not inside one fragment: it overlaps an earlier match or the whitespace one stripped.
    if (pos + tok.text.size() > end) continue;
    free.erase(it);
    std::size_t left_end = pos;
    if (tok.lstrip) {
      while (left_end > begin && c_space(text[left_end - 1])) --left_end;
    }
    if (left_end > begin) free.emplace(begin, left_end);
    std::size_t right = pos + tok.text.size();
    if (tok.rstrip) {
      while (right < end && c_space(text[right])) ++right;
    }
    if (right < end) free.emplace(right, end);
    matched.emplace_back(pos, tok.id);
  }

  std::sort(matched.begin(), matched.end());
  frags.reserve(free.size() + matched.size());
  auto m = matched.begin();
  for (const auto& [begin, end] : free) {
    for (; m != matched.end() && m->first < begin; ++m) frags.push_back({m->second, 0, 0});
    frags.push_back({-1, begin, end - begin});
  }
  for (; m != matched.end(); ++m) frags.push_back({m->second, 0, 0});
  return frags;
}

}  // namespace vkchat::tokenizer::detail
