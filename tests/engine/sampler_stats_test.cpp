// The sampler's draws against the exact distribution of each transform: 200k seeded samples from a
// 10-token distribution per configuration, a chi-square goodness-of-fit test at p > 0.001, and
// tokens that the transforms exclude never drawn.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <ostream>
#include <string>
#include <vector>

#include "sampler/sampler.h"
#include "sampler_reference.h"

namespace vkchat::sampler {
namespace {

// Regularized upper incomplete gamma Q(a, x): the series for P when x < a + 1, else the continued
// fraction (modified Lentz), as in Numerical Recipes (gser/gcf).
double gamma_q(double a, double x) {
  if (x <= 0.0) return 1.0;
  const double log_prefix = -x + a * std::log(x) - std::lgamma(a);
  if (x < a + 1.0) {
    double term = 1.0 / a;
    double sum = term;
    for (int n = 1; n < 10000 && term > sum * 1e-16; ++n) {
      term *= x / (a + n);
      sum += term;
    }
    return 1.0 - sum * std::exp(log_prefix);
  }
  constexpr double kTiny = 1e-300;
  double b = x + 1.0 - a;
  double c = 1.0 / kTiny;
  double d = 1.0 / b;
  double h = d;
  for (int i = 1; i < 10000; ++i) {
    const double an = -i * (i - a);
    b += 2.0;
    d = an * d + b;
    if (std::fabs(d) < kTiny) d = kTiny;
    c = b + an / c;
    if (std::fabs(c) < kTiny) c = kTiny;
    d = 1.0 / d;
    const double delta = d * c;
    h *= delta;
    if (std::fabs(delta - 1.0) < 1e-16) break;
  }
  return std::exp(log_prefix) * h;
}

// P(X > x) for X chi-square distributed with df degrees of freedom.
double chi2_survival(double x, int df) {
  return gamma_q(df / 2.0, x / 2.0);
}

TEST(ChiSquare, SurvivalFunctionMatchesKnownValues) {
  // df = 2 is an exponential distribution: P(X > x) = exp(-x / 2) exactly.
  for (double x : {0.1, 1.0, 3.0, 10.0, 40.0}) {
    EXPECT_NEAR(chi2_survival(x, 2), std::exp(-x / 2.0), 1e-12) << x;
  }
  // Upper critical values at p = 0.001 from the NIST/SEMATECH e-Handbook of Statistical Methods,
  // table 1.3.6.7.4: df 1 -> 10.828, df 5 -> 20.515, df 9 -> 27.877.
  EXPECT_NEAR(chi2_survival(10.828, 1), 0.001, 2e-6);
  EXPECT_NEAR(chi2_survival(20.515, 5), 0.001, 2e-6);
  EXPECT_NEAR(chi2_survival(27.877, 9), 0.001, 2e-6);
  // The median of chi-square with 1 degree of freedom is 0.454936...
  EXPECT_NEAR(chi2_survival(0.454936423119573, 1), 0.5, 1e-9);
}

// Ten tokens with distinct logits, out of id order so no step can lean on the order.
const std::vector<float> kLogits = {0.3f, 2.1f, -1.2f, 1.4f, 0.9f, -0.4f, 1.8f, -2.6f, 0.0f, 1.1f};

// Accepted before sampling when penalties are on; the window of 6 drops the first two tokens, so
// token 1 counts once, token 6 twice, and negative logits (tokens 2 and 7) get multiplied.
const std::vector<std::int32_t> kHistory = {1, 1, 6, 3, 7, 1, 6, 2};

SamplerSettings plain(float temperature) {
  SamplerSettings s;
  s.temperature = temperature;
  s.top_k = 0;
  s.top_p = 1.0f;
  s.min_p = 0.0f;
  return s;
}

SamplerSettings with_penalties(SamplerSettings s) {
  s.repeat_penalty = 1.3f;
  s.frequency_penalty = 0.25f;
  s.presence_penalty = 0.4f;
  s.repeat_last_n = 6;
  return s;
}

struct StatCase {
  std::string name;
  SamplerSettings settings;
};

std::vector<StatCase> stat_cases() {
  std::vector<StatCase> base;
  base.push_back({"temp_0_5", plain(0.5f)});
  base.push_back({"temp_1", plain(1.0f)});
  base.push_back({"temp_2", plain(2.0f)});
  SamplerSettings s = plain(1.0f);
  s.top_k = 3;
  base.push_back({"top_k_3", s});
  s = plain(1.0f);
  s.top_p = 0.9f;
  base.push_back({"top_p_0_9", s});
  s = plain(1.0f);
  s.min_p = 0.1f;
  base.push_back({"min_p_0_1", s});
  s = plain(0.7f);
  s.top_k = 6;
  s.top_p = 0.9f;
  s.min_p = 0.1f;
  base.push_back({"chain", s});
  std::vector<StatCase> out;
  std::uint64_t seed = 1000;
  for (const StatCase& c : base) {
    StatCase plain_case = c;
    plain_case.settings.seed = ++seed;
    out.push_back(plain_case);
    StatCase penalised = {c.name + "_penalties", with_penalties(c.settings)};
    penalised.settings.seed = ++seed;
    out.push_back(penalised);
  }
  return out;
}

void PrintTo(const StatCase& c, std::ostream* os) {
  *os << c.name;
}

class SamplerStats : public ::testing::TestWithParam<StatCase> {};

TEST_P(SamplerStats, DrawsFollowTheExactDistribution) {
  const StatCase& c = GetParam();
  const bool penalties = c.settings.penalties_active();
  const Reference ref = reference(kLogits, c.settings, penalties ? kHistory : std::vector<int>{});
  // Keep clear of float-vs-double ties at the top-p and min-p cuts.
  ASSERT_GT(ref.margin, 1e-4) << "test distribution sits on a cut boundary";

  Sampler sampler(c.settings);
  if (penalties) {
    for (std::int32_t t : kHistory) sampler.accept(t);
  }

  // The reported distribution is the exact one.
  const auto probs = sampler.probabilities(kLogits);
  std::vector<double> reported(kLogits.size(), 0.0);
  for (const TokenProb& tp : probs) reported[static_cast<std::size_t>(tp.id)] = tp.p;
  for (std::size_t i = 0; i < kLogits.size(); ++i) {
    EXPECT_NEAR(reported[i], ref.p[i], 1e-6) << "token " << i;
  }

  constexpr int kDraws = 200000;
  std::vector<int> counts(kLogits.size(), 0);
  for (int i = 0; i < kDraws; ++i) {
    const std::int32_t t = sampler.sample(kLogits);
    ASSERT_GE(t, 0);
    ASSERT_LT(t, static_cast<std::int32_t>(kLogits.size()));
    ++counts[static_cast<std::size_t>(t)];
  }

  // Categories expected fewer than 5 times are pooled into one, as the chi-square approximation
  // asks; a pool still short of 5 joins the least likely regular category.
  constexpr double kMinExpected = 5.0;
  std::vector<double> expected_bins;
  std::vector<double> observed_bins;
  double pool_expected = 0.0;
  double pool_observed = 0.0;
  for (std::size_t i = 0; i < kLogits.size(); ++i) {
    if (ref.p[i] == 0.0) {
      EXPECT_EQ(counts[i], 0) << "excluded token " << i << " was drawn";
      continue;
    }
    const double expected = kDraws * ref.p[i];
    if (expected < kMinExpected) {
      pool_expected += expected;
      pool_observed += counts[i];
    } else {
      expected_bins.push_back(expected);
      observed_bins.push_back(counts[i]);
    }
  }
  ASSERT_FALSE(expected_bins.empty());
  if (pool_expected >= kMinExpected) {
    expected_bins.push_back(pool_expected);
    observed_bins.push_back(pool_observed);
  } else if (pool_expected > 0.0) {
    const auto smallest = static_cast<std::size_t>(
        std::min_element(expected_bins.begin(), expected_bins.end()) - expected_bins.begin());
    expected_bins[smallest] += pool_expected;
    observed_bins[smallest] += pool_observed;
  }
  double chi2 = 0.0;
  for (std::size_t b = 0; b < expected_bins.size(); ++b) {
    const double d = observed_bins[b] - expected_bins[b];
    chi2 += d * d / expected_bins[b];
  }
  const int df = static_cast<int>(expected_bins.size()) - 1;
  if (df > 0) {
    const double p = chi2_survival(chi2, df);
    EXPECT_GT(p, 0.001) << "chi2 " << chi2 << " with " << df << " df";
  }
}

INSTANTIATE_TEST_SUITE_P(Transforms, SamplerStats, ::testing::ValuesIn(stat_cases()),
                         [](const ::testing::TestParamInfo<StatCase>& info) {
                           return info.param.name;
                         });

TEST(SamplerStatsSetup, CasesExcludeWhatTheyShould) {
  // The cases are only meaningful if the truncating ones drop tokens and the others do not.
  for (const StatCase& c : stat_cases()) {
    const bool penalties = c.settings.penalties_active();
    const Reference ref = reference(kLogits, c.settings, penalties ? kHistory : std::vector<int>{});
    int kept = 0;
    for (double p : ref.p) kept += p > 0.0 ? 1 : 0;
    const bool truncates = c.settings.top_k > 0 || c.settings.top_p < 1.0f || c.settings.min_p > 0;
    if (truncates) {
      EXPECT_LT(kept, 10) << c.name;
      EXPECT_GT(kept, 1) << c.name;
    } else {
      EXPECT_EQ(kept, 10) << c.name;
    }
  }
}

}  // namespace
}  // namespace vkchat::sampler
