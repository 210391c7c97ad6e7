// The answer-token blob (store/answer_tokens.h): what it writes reads back, probabilities to the
// format's precision, and damaged or foreign bytes are refused, never read past their end.
#include "store/answer_tokens.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

using namespace vkchat::store;

namespace {

std::vector<AnswerToken> sample_tokens() {
  std::vector<AnswerToken> t;
  t.push_back({1, stored_probability(0.9), "<think>", true, {}});
  t.push_back({300,
               stored_probability(0.61),
               " Hello",
               true,
               {{300, stored_probability(0.61), " Hello"},
                {42, stored_probability(0.2), " Hi"},
                {70000, stored_probability(0.0001), "\xE2\x82"}}});  // a partial character
  t.push_back({7, std::nullopt, "", false, {}});                     // given, no text yet
  t.push_back({2, 1.0, std::string(300, 'x'), false, {{2, 1.0, std::string(300, 'x')}}});
  return t;
}

}  // namespace

TEST(AnswerTokens, RoundTrip) {
  const std::vector<AnswerToken> tokens = sample_tokens();
  const std::string blob = encode_answer_tokens(tokens);
  EXPECT_EQ(blob.rfind("VKT\x01", 0), 0u);
  EXPECT_EQ(decode_answer_tokens(blob), tokens);
  EXPECT_EQ(encode_answer_tokens({}), "");
  EXPECT_EQ(decode_answer_tokens(""), std::vector<AnswerToken>{});
}

TEST(AnswerTokens, ProbabilitiesKeepFourDecimalsAndStayInRange) {
  for (double p : {0.0, 1e-6, 0.123456, 0.5, 0.99999, 1.0}) {
    EXPECT_NEAR(stored_probability(p), p, 1.0 / 65534 / 2 + 1e-15) << p;
  }
  EXPECT_EQ(stored_probability(1.5), 1.0);
  EXPECT_EQ(stored_probability(-0.5), 0.0);
  const std::vector<AnswerToken> in = {{3, 0.123456, "a", false, {{3, 0.123456, "a"}}}};
  const auto out = decode_answer_tokens(encode_answer_tokens(in));
  ASSERT_TRUE(out.has_value());
  EXPECT_NEAR(*out->at(0).p, 0.123456, 1e-5);
  EXPECT_NEAR(out->at(0).alternatives.at(0).p, 0.123456, 1e-5);
}

TEST(AnswerTokens, AtMostTenAlternativesAreKept) {
  AnswerToken t{1, 0.5, "a", false, {}};
  for (int i = 0; i < 15; ++i) t.alternatives.push_back({i, 0.01, "b"});
  const auto out = decode_answer_tokens(encode_answer_tokens(std::vector<AnswerToken>{t}));
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(out->at(0).alternatives.size(), kMaxAnswerAlternatives);
}

TEST(AnswerTokens, DamagedAndForeignBlobsAreRefused) {
  const std::string blob = encode_answer_tokens(sample_tokens());
  // Every truncation, and every single-byte change of the header, fails or reads something
  // whole: it never reads past the end (ASan checks that in the sanitizer build).
  for (std::size_t n = 0; n < blob.size(); ++n) {
    EXPECT_FALSE(decode_answer_tokens(blob.substr(0, n)).has_value() && n > 0) << n;
  }
  EXPECT_FALSE(decode_answer_tokens("VKT\x02" + blob.substr(4)).has_value());  // newer version
  EXPECT_FALSE(decode_answer_tokens("not a blob").has_value());
  EXPECT_FALSE(decode_answer_tokens(blob + "x").has_value());  // trailing bytes
  // A count far beyond the bytes there: refused before anything is allocated for it.
  EXPECT_FALSE(decode_answer_tokens(std::string("VKT\x01\xFF\xFF\xFF\xFF\x0F", 9)).has_value());
  for (std::size_t i = 4; i < blob.size(); ++i) {
    std::string bad = blob;
    bad[i] = static_cast<char>(bad[i] ^ 0xFF);
    (void)decode_answer_tokens(bad);  // any answer, but no crash and no overread
  }
}
