// The sampler's alternatives (sample() with k): the same token and randomness as sample(), the
// chosen token's probability and the top k of the very distribution probabilities() reports.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <span>
#include <vector>

#include "sampler/sampler.h"

namespace vkchat::sampler {
namespace {

std::vector<float> random_logits(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> dist(0.0f, 3.0f);
  std::vector<float> l(n);
  for (float& x : l) x = dist(rng);
  return l;
}

// Every selection path: top-k by heap, by threshold, none; top-p bucketed or not; min-p.
std::vector<SamplerSettings> settings_to_try() {
  std::vector<SamplerSettings> all;
  SamplerSettings s;
  s.seed = 7;
  all.push_back(s);  // llama.cpp's defaults
  s.top_k = 0;
  s.min_p = 0;
  all.push_back(s);  // top-p alone over the whole vocabulary (bucketed)
  s.top_p = 1.0f;
  s.temperature = 1.5f;
  all.push_back(s);  // nothing cut
  s.top_k = 2000;
  s.top_p = 0.9f;
  all.push_back(s);  // top-k by threshold
  s.top_k = 3;
  s.repeat_penalty = 1.3f;
  all.push_back(s);  // fewer survivors than alternatives asked for
  return all;
}

TEST(SamplerAlternatives, SameTokensAndTopOfTheSameDistribution) {
  for (const SamplerSettings& settings : settings_to_try()) {
    Sampler plain(settings), detailed(settings), probs(settings);
    for (int step = 0; step < 20; ++step) {
      const std::vector<float> logits = random_logits(4096, 100 + static_cast<unsigned>(step));
      SampleDetail detail;
      const std::int32_t a = plain.sample(logits);
      const std::int32_t b = detailed.sample(logits, 5, detail);
      ASSERT_EQ(a, b) << "step " << step;
      const std::span<const TokenProb> view = probs.probabilities(logits);
      const std::vector<TokenProb> dist(view.begin(), view.end());
      ASSERT_EQ(detail.top.size(), std::min<std::size_t>(5, dist.size()));
      for (std::size_t i = 0; i < detail.top.size(); ++i) {
        EXPECT_EQ(detail.top[i].id, dist[i].id) << "step " << step << " rank " << i;
        EXPECT_NEAR(detail.top[i].p, dist[i].p, 1e-12);
      }
      const auto chosen =
          std::find_if(dist.begin(), dist.end(), [&](const TokenProb& t) { return t.id == a; });
      ASSERT_NE(chosen, dist.end());
      EXPECT_NEAR(detail.p, chosen->p, 1e-12);
      plain.accept(a);
      probs.accept(a);
      detailed.accept(a);
    }
  }
}

TEST(SamplerAlternatives, GreedyReportsTheModelsOwnProbabilities) {
  SamplerSettings s;
  s.temperature = 0;
  Sampler sampler(s);
  const std::vector<float> logits = {1.0f, 3.0f, 2.0f, 3.0f, -1.0f};
  SampleDetail detail;
  EXPECT_EQ(sampler.sample(logits, 3, detail), 1);  // ties to the lowest id
  double sum = 0;
  for (float l : logits) sum += std::exp(l - 3.0);
  EXPECT_NEAR(detail.p, 1.0 / sum, 1e-6);  // the sum is of float exponentials
  ASSERT_EQ(detail.top.size(), 3u);
  EXPECT_EQ(detail.top[0].id, 1);
  EXPECT_EQ(detail.top[1].id, 3);
  EXPECT_EQ(detail.top[2].id, 2);
  EXPECT_NEAR(detail.top[2].p, std::exp(-1.0) / sum, 1e-6);
  // k above the vocabulary: all of it, in order; k is capped at kMaxAlternatives.
  EXPECT_EQ(sampler.sample(logits, 50, detail), 1);
  EXPECT_EQ(detail.top.size(), logits.size());
  const std::vector<float> wide = random_logits(100, 3);
  sampler.sample(wide, 50, detail);
  EXPECT_EQ(detail.top.size(), kMaxAlternatives);
}

TEST(SamplerAlternatives, KZeroAndDegenerateLogits) {
  Sampler sampler(SamplerSettings{});
  SampleDetail detail;
  const std::vector<float> logits = random_logits(64, 9);
  const std::int32_t t = sampler.sample(logits, 0, detail);
  EXPECT_TRUE(detail.top.empty());
  EXPECT_GT(detail.p, 0.0);
  EXPECT_GE(t, 0);
  const float inf = std::numeric_limits<float>::infinity();
  const std::vector<float> all_neg = {-inf, -inf, -inf};
  EXPECT_EQ(sampler.sample(all_neg, 2, detail), 0);
  EXPECT_EQ(detail.p, 1.0);
  SamplerSettings greedy;
  greedy.temperature = 0;
  Sampler g(greedy);
  const std::vector<float> pos_inf = {0.0f, inf, 1.0f};
  EXPECT_EQ(g.sample(pos_inf, 2, detail), 1);
  EXPECT_EQ(detail.p, 1.0);
  ASSERT_EQ(detail.top.size(), 1u);
}

}  // namespace
}  // namespace vkchat::sampler
