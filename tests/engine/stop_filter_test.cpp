// Stop strings over streamed text: held-back prefixes, matches across pieces, whole UTF-8
// characters, and the concatenation property over random texts and splits.
#include "chat/stop_filter.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace vkchat::chat {
namespace {

TEST(StopFilter, PassesTextThroughWithoutStopStrings) {
  StopFilter f({});
  EXPECT_EQ(f.push("Hello"), "Hello");
  EXPECT_EQ(f.push(" <|im_end|>"), " <|im_end|>");
  EXPECT_EQ(f.finish(), "");
  EXPECT_FALSE(f.stopped());
}

TEST(StopFilter, HoldsBackWhatCouldStartAStopStringUntilDecided) {
  StopFilter f({"<|im_end|>"});
  EXPECT_EQ(f.push("Hello <|im"), "Hello ");
  EXPECT_EQ(f.push("_"), "");
  EXPECT_EQ(f.push("x"), "<|im_x");  // no longer a prefix: released
  EXPECT_EQ(f.push("<"), "");
  EXPECT_EQ(f.finish(), "<");  // the answer ended: nothing can follow
  EXPECT_FALSE(f.stopped());
}

TEST(StopFilter, StopsAtAStopStringSplitOverPiecesAndNeverShowsIt) {
  StopFilter f({"<|im_end|>", "User:"});
  EXPECT_EQ(f.push("Hi <|im_"), "Hi ");
  EXPECT_EQ(f.push("end|> and more"), "");
  EXPECT_TRUE(f.stopped());
  EXPECT_EQ(f.matched(), "<|im_end|>");
  EXPECT_EQ(f.push("later"), "");
  EXPECT_EQ(f.finish(), "");
}

TEST(StopFilter, EarliestMatchWinsAndOfTwoTogetherTheLonger) {
  StopFilter a({"world", "lo w"});
  EXPECT_EQ(a.push("hello world"), "hel");
  EXPECT_EQ(a.matched(), "lo w");
  StopFilter b({"ab", "abc"});
  EXPECT_EQ(b.push("xxabcd"), "xx");
  EXPECT_EQ(b.matched(), "abc");
}

TEST(StopFilter, CutsOnlyBetweenWholeUtf8Characters) {
  StopFilter f({"\xC3\xA9!"});  // "é!"
  EXPECT_EQ(f.push("caf\xC3\xA9"), "caf");
  EXPECT_EQ(f.push("?"), "\xC3\xA9?");
  EXPECT_EQ(f.push("caf\xC3\xA9"), "caf");
  EXPECT_EQ(f.push("!"), "");
  EXPECT_TRUE(f.stopped());
}

TEST(StopFilter, EmptyStopStringsAreIgnored) {
  StopFilter f({"", "END"});
  EXPECT_EQ(f.push("abc"), "abc");
  EXPECT_FALSE(f.stopped());
}

// Every split of every text gives the text up to its first stop string, whatever the pieces.
TEST(StopFilter, ConcatenationIsTheTextBeforeTheFirstStopString) {
  std::mt19937 rng(12345);
  const std::string alphabet = "ab<|>";
  auto random_text = [&](int max_len) {
    std::string s(std::uniform_int_distribution<int>(0, max_len)(rng), ' ');
    for (char& c : s) c = alphabet[std::uniform_int_distribution<std::size_t>(0, 4)(rng)];
    return s;
  };
  for (int round = 0; round < 3000; ++round) {
    std::vector<std::string> stops;
    for (int i = 0, n = round % 3; i < n; ++i) stops.push_back(random_text(4));
    const std::string text = random_text(24);
    std::size_t end = text.size();
    for (const std::string& s : stops) {
      if (!s.empty()) end = std::min(end, text.find(s));
    }
    StopFilter f(stops);
    std::string out;
    for (std::size_t at = 0; at < text.size();) {
      const std::size_t n = std::uniform_int_distribution<std::size_t>(1, 5)(rng);
      out += f.push(std::string_view(text).substr(at, n));
      at += n;
    }
    out += f.finish();
    ASSERT_EQ(out, text.substr(0, end)) << "text '" << text << "', round " << round;
    ASSERT_EQ(f.stopped(), end != text.size());
  }
}

}  // namespace
}  // namespace vkchat::chat
