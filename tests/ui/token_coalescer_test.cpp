// Token batching for the GUI: about 30 batches a second, whole UTF-8 characters only.
#include "token_coalescer.h"

#include <gtest/gtest.h>

namespace vkchat::gui {
namespace {

using namespace std::chrono_literals;

TEST(TokenCoalescer, FirstTokenAtOnceThenOneBatchPerInterval) {
  TokenCoalescer c;
  const auto t0 = TokenCoalescer::Clock::time_point{} + 1s;
  EXPECT_EQ(c.add("Hello", t0), "Hello");
  EXPECT_EQ(c.add(",", t0 + 5ms), std::nullopt);
  EXPECT_EQ(c.add(" wor", t0 + 20ms), std::nullopt);
  EXPECT_EQ(c.add("ld", t0 + 34ms), ", world");
  EXPECT_EQ(c.add("!", t0 + 40ms), std::nullopt);
  EXPECT_EQ(c.finish(), "!");
  EXPECT_EQ(c.finish(), "");
  EXPECT_EQ(c.tokens(), 5);
}

TEST(TokenCoalescer, ThousandTokensASecondBecomeAboutThirtyBatches) {
  TokenCoalescer c;
  int batches = 0;
  std::string all;
  for (int i = 0; i < 1000; ++i) {
    if (auto out = c.add("x", TokenCoalescer::Clock::time_point{} + i * 1ms)) {
      ++batches;
      all += *out;
    }
  }
  all += c.finish();
  EXPECT_EQ(all.size(), 1000u);
  EXPECT_GE(batches, 29);
  EXPECT_LE(batches, 31);
}

TEST(TokenCoalescer, HoldsBackASplitCharacter) {
  TokenCoalescer c(0ms);
  const auto t = TokenCoalescer::Clock::time_point{};
  const std::string euro = "\xE2\x82\xAC";  // U+20AC in three bytes
  EXPECT_EQ(c.add("5 " + euro.substr(0, 1), t), "5 ");
  EXPECT_EQ(c.add(euro.substr(1, 1), t), std::nullopt);
  EXPECT_EQ(c.add(euro.substr(2), t), euro);
  const std::string smile = "\xF0\x9F\x98\x80";  // U+1F600 in four bytes
  EXPECT_EQ(c.add(smile.substr(0, 3), t), std::nullopt);
  EXPECT_EQ(c.finish(), smile.substr(0, 3));  // the end flushes whatever came
}

TEST(Utf8CompletePrefix, Cases) {
  EXPECT_EQ(utf8_complete_prefix(""), 0u);
  EXPECT_EQ(utf8_complete_prefix("abc"), 3u);
  EXPECT_EQ(utf8_complete_prefix("a\xC3"), 1u);
  EXPECT_EQ(utf8_complete_prefix("a\xC3\xA9"), 3u);
  EXPECT_EQ(utf8_complete_prefix("\xE2\x82"), 0u);
  EXPECT_EQ(utf8_complete_prefix("\x80\x80"), 2u);
}

}  // namespace
}  // namespace vkchat::gui
