// The pre-tokenizer regexes, matched the way llama.cpp matches them: an ECMAScript-style
// backtracking matcher (leftmost match, alternatives in order, greedy quantifiers, lookaheads)
// over a codepoint sequence. Like llama.cpp, a pattern that uses Unicode categories (\p{L} ...)
// runs on "collapsed" text, where every non-ASCII codepoint is replaced by one marker byte per
// category (whitespace by \v); a pattern without categories runs on the codepoints themselves.
#pragma once
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

namespace vkchat::tokenizer::detail {

class SplitRegex {
 public:
  enum class Input { Collapsed, Codepoints };

  // Compiles a pattern. Throws std::invalid_argument naming the pattern on syntax this matcher
  // does not support (backreferences, lazy quantifiers, \b, patterns that can match empty).
  explicit SplitRegex(std::string_view pattern);
  ~SplitRegex();
  SplitRegex(SplitRegex&&) noexcept;
  SplitRegex& operator=(SplitRegex&&) noexcept;

  Input input() const;

  // Splits each chunk of `symbols` (chunk lengths in `chunks`, summing to symbols.size()) into
  // its matches and the unmatched gaps between them; returns the new chunk lengths. Matches
  // never cross a chunk boundary: lookaheads and `$` see the chunk's end as the text's end.
  std::vector<std::size_t> split(std::span<const std::uint32_t> symbols,
                                 std::span<const std::size_t> chunks) const;

 private:
  struct Program;
  std::unique_ptr<Program> prog_;
};

// The symbol sequences the two input kinds expect, from codepoints.
std::vector<std::uint32_t> collapse_codepoints(std::span<const std::uint32_t> cps);
std::vector<std::uint32_t> widen_codepoints(std::span<const std::uint32_t> cps);

}  // namespace vkchat::tokenizer::detail
