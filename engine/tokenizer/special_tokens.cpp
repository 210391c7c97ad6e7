// Special-token partitioning (see special_tokens.h).
#include "tokenizer/special_tokens.h"

#include <algorithm>

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
  frags.push_back({-1, 0, text.size()});
  if (tokens_.empty()) return frags;

  // Which tokens occur anywhere in the text.
  std::vector<bool> present(tokens_.size(), false);
  bool any = false;
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
        present[static_cast<std::size_t>(t)] = true;
        any = true;
      }
    }
  }
  if (!any) return frags;

  for (std::size_t t = 0; t < tokens_.size(); ++t) {
    if (!present[t]) continue;
    const SpecialToken& tok = tokens_[t];
    if (!parse_special && !tok.always) continue;
    std::vector<Fragment> next;
    next.reserve(frags.size() + 2);
    for (const Fragment& f : frags) {
      if (f.token >= 0) {
        next.push_back(f);
        continue;
      }
      std::size_t base = f.offset, len = f.length;
      for (;;) {
        const std::size_t match = text.substr(0, base + len).find(tok.text, base);
        if (match == std::string_view::npos) {
          if (len > 0) next.push_back({-1, base, len});
          break;
        }
        std::size_t left_len = match - base;
        if (tok.lstrip) {
          while (left_len > 0 && c_space(text[base + left_len - 1])) --left_len;
        }
        if (left_len > 0) next.push_back({-1, base, left_len});
        next.push_back({tok.id, 0, 0});
        std::size_t right = match + tok.text.size();
        std::size_t right_len = base + len - right;
        if (tok.rstrip) {
          while (right_len > 0 && c_space(text[right])) {
            ++right;
            --right_len;
          }
        }
        base = right;
        len = right_len;
        if (len == 0) break;
      }
    }
    frags = std::move(next);
  }
  return frags;
}

}  // namespace vkchat::tokenizer::detail
