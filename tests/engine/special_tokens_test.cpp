// Special-token partitioning in one pass gives exactly what llama.cpp's tokenizer_st_partition
// gives (one pass over the fragments per token, longest token first), checked against a direct
// transcription of that algorithm on random texts and token sets with overlaps, duplicates,
// lstrip/rstrip and parse_special on and off.
#include "tokenizer/special_tokens.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

namespace vkchat::tokenizer::detail {
namespace {

bool c_space(char c) {
  return c == ' ' || (c >= '\t' && c <= '\r');
}

// llama.cpp's order: each token in turn splits every text fragment at all its occurrences.
std::vector<Fragment> reference(const std::vector<SpecialToken>& tokens, std::string_view text,
                                bool parse_special) {
  std::vector<Fragment> frags;
  if (text.empty()) return frags;
  frags.push_back({-1, 0, text.size()});
  for (const SpecialToken& tok : tokens) {
    if (tok.text.empty() || (!parse_special && !tok.always)) continue;
    std::vector<Fragment> next;
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

std::string show(const std::vector<Fragment>& f) {
  std::string s;
  for (const Fragment& x : f) {
    s += x.token >= 0 ? "<" + std::to_string(x.token) + ">"
                      : "[" + std::to_string(x.offset) + "+" + std::to_string(x.length) + "]";
  }
  return s;
}

TEST(SpecialMatcher, OnePassMatchesLlamaCppOrderOnRandomCases) {
  std::mt19937 rng(7);
  const std::string alphabet = "ab <> ";
  auto random_text = [&](std::size_t max_len) {
    std::string s(rng() % (max_len + 1), ' ');
    for (char& c : s) c = alphabet[rng() % alphabet.size()];
    return s;
  };
  int compared = 0;
  for (int round = 0; round < 400; ++round) {
    std::vector<std::string> texts;
    const int n = 1 + static_cast<int>(rng() % 8);
    for (int i = 0; i < n; ++i) {
      std::string t = random_text(4);
      if (t.empty()) t = "a";
      texts.push_back(t);
    }
    if (rng() % 3 == 0) texts.push_back(texts[0]);  // a duplicate text
    std::vector<SpecialToken> tokens;
    for (std::size_t i = 0; i < texts.size(); ++i) {
      tokens.push_back(
          {static_cast<std::int32_t>(i), texts[i], rng() % 2 == 0, rng() % 3 == 0, rng() % 3 == 0});
    }
    // The loader's priority: longest text first, ties by id.
    std::sort(tokens.begin(), tokens.end(), [](const SpecialToken& a, const SpecialToken& b) {
      return a.text.size() != b.text.size() ? a.text.size() > b.text.size() : a.id < b.id;
    });
    const SpecialMatcher m(tokens);
    for (int k = 0; k < 10; ++k) {
      const std::string text = random_text(40);
      for (const bool parse : {true, false}) {
        const auto want = reference(tokens, text, parse);
        const auto got = m.partition(text, parse);
        ASSERT_EQ(show(got), show(want)) << "text '" << text << "' parse " << parse;
        ++compared;
      }
    }
  }
  EXPECT_EQ(compared, 8000);
}

TEST(SpecialMatcher, LongerTokenWinsOverAnEarlierShorterOverlap) {
  // "bcd" is tried before "ab": in "abcd" it takes b..d and "ab" no longer fits.
  const std::vector<SpecialToken> tokens = {{1, "bcd", true, false, false},
                                            {2, "ab", true, false, false}};
  const SpecialMatcher m(tokens);
  EXPECT_EQ(show(m.partition("abcd", true)), "[0+1]<1>");
}

}  // namespace
}  // namespace vkchat::tokenizer::detail
