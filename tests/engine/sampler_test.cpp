// Sampler behaviour other than the draw statistics: argmax, determinism, the selection paths on
// large vocabularies against the reference, the penalty window, settings checks, allocation.
#include "sampler/sampler.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <new>
#include <random>
#include <stdexcept>
#include <vector>

#include "sampler_reference.h"

// Counts heap allocations, to check that sampling reuses its buffers. This replaces the global
// operators for the whole test binary; they stay plain malloc/free. GCC cannot see that the
// replaced new and delete pair up, hence the pragma.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
namespace {
std::atomic<long> g_allocations{0};
}  // namespace

void* operator new(std::size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t size) {
  return operator new(size);
}
// The nothrow forms too (std::stable_sort's temporary buffer uses them): every new and delete of
// the binary must go through malloc/free, or ASan reports an alloc-dealloc mismatch.
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(size == 0 ? 1 : size);
}
void* operator new[](std::size_t size, const std::nothrow_t& tag) noexcept {
  return operator new(size, tag);
}
void operator delete(void* p, const std::nothrow_t&) noexcept {
  std::free(p);
}
void operator delete[](void* p, const std::nothrow_t&) noexcept {
  std::free(p);
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete[](void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}
void operator delete[](void* p, std::size_t) noexcept {
  std::free(p);
}

namespace vkchat::sampler {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr std::size_t kQwenVocab = 151936;

// Logits in [-range, range), optionally rounded to `step` to make many exact ties.
std::vector<float> random_logits(std::size_t n, std::uint64_t seed, float range = 8.0f,
                                 float step = 0.0f) {
  std::mt19937_64 rng(seed);
  std::vector<float> out(n);
  for (float& x : out) {
    x = static_cast<float>((static_cast<double>(rng() >> 11) * 0x1.0p-53 * 2.0 - 1.0) * range);
    if (step > 0.0f) x = std::round(x / step) * step;
  }
  return out;
}

SamplerSettings seeded(std::uint64_t seed) {
  SamplerSettings s;
  s.seed = seed;
  return s;
}

TEST(SamplerRng, Mt19937_64IsTheStandardGenerator) {
  // [rand.predef]: the 10000th consecutive output of a default-constructed mt19937_64.
  std::mt19937_64 rng;
  rng.discard(9999);
  EXPECT_EQ(rng(), 9981545732273789042ull);
}

TEST(SamplerGreedy, TemperatureZeroIsArgmaxWithTiesToLowestId) {
  SamplerSettings s;
  s.temperature = 0.0f;
  Sampler sampler(s);
  EXPECT_EQ(sampler.sample(std::vector<float>{0.1f, 3.0f, -2.0f, 2.9f}), 1);
  EXPECT_EQ(sampler.sample(std::vector<float>{1.0f, 5.0f, 5.0f, 5.0f, 4.0f}), 1);
  EXPECT_EQ(sampler.sample(std::vector<float>{-1.0f, -1.0f}), 0);
  // Over a large vocabulary, the maximum placed late and repeated.
  std::vector<float> big = random_logits(kQwenVocab, 3);
  big[150001] = 20.0f;
  big[150777] = 20.0f;
  EXPECT_EQ(sampler.sample(big), 150001);
  const auto probs = sampler.probabilities(big);
  ASSERT_EQ(probs.size(), 1u);
  EXPECT_EQ(probs[0].id, 150001);
  EXPECT_EQ(probs[0].p, 1.0);
}

TEST(SamplerGreedy, NegativeTemperatureAndTinyTemperatureAreGreedy) {
  const std::vector<float> logits = {0.5f, 0.25f, 0.75f, 0.7f};
  for (float t : {-1.0f, 1e-45f}) {
    SamplerSettings s;
    s.temperature = t;
    EXPECT_TRUE(s.greedy()) << t;
    Sampler sampler(s);
    for (int i = 0; i < 20; ++i) EXPECT_EQ(sampler.sample(logits), 2);
  }
}

TEST(SamplerGreedy, TopKOneAndMinPOneAlwaysPickTheArgmax) {
  const std::vector<float> logits = random_logits(5000, 11);
  const auto best =
      static_cast<std::int32_t>(std::max_element(logits.begin(), logits.end()) - logits.begin());
  SamplerSettings k1 = seeded(5);
  k1.top_k = 1;
  SamplerSettings p1 = seeded(6);
  p1.top_k = 0;
  p1.min_p = 1.0f;
  for (const SamplerSettings& s : {k1, p1}) {
    Sampler sampler(s);
    for (int i = 0; i < 50; ++i) EXPECT_EQ(sampler.sample(logits), best);
  }
}

TEST(SamplerGreedy, PenaltiesApplyBeforeTheArgmax) {
  SamplerSettings s;
  s.temperature = 0.0f;
  s.repeat_penalty = 1.1f;  // 2.0 / 1.1 = 1.82 < 1.9
  Sampler sampler(s);
  const std::vector<float> logits = {2.0f, 1.9f, -3.0f};
  EXPECT_EQ(sampler.sample(logits), 0);
  sampler.accept(0);
  EXPECT_EQ(sampler.sample(logits), 1);
}

TEST(SamplerEdges, NanAndInfiniteLogits) {
  Sampler sampler(seeded(1));
  const float nan = std::numeric_limits<float>::quiet_NaN();
  // NaN never wins and is never drawn.
  for (int i = 0; i < 200; ++i) {
    const std::int32_t t = sampler.sample(std::vector<float>{nan, 0.0f, nan, 0.5f});
    EXPECT_TRUE(t == 1 || t == 3) << t;
  }
  // +inf takes everything; no finite logit at all falls back to token 0.
  EXPECT_EQ(sampler.sample(std::vector<float>{1.0f, kInf, 3.0f, kInf}), 1);
  EXPECT_EQ(sampler.sample(std::vector<float>{-kInf, -kInf, nan}), 0);
  // -inf tokens (masked) are never drawn, on every selection path.
  std::vector<float> masked = random_logits(3000, 2);
  for (std::size_t i = 0; i < masked.size(); i += 2) masked[i] = -kInf;
  for (std::int32_t k : {0, 40, 2000}) {
    SamplerSettings s = seeded(3);
    s.top_k = k;
    s.top_p = 1.0f;
    s.min_p = 0.0f;
    s.temperature = 5.0f;
    Sampler flat(s);
    for (int i = 0; i < 300; ++i) EXPECT_EQ(flat.sample(masked) % 2, 1) << "k " << k;
  }
  EXPECT_THROW(sampler.sample(std::vector<float>{}), std::invalid_argument);
}

TEST(SamplerDeterminism, SameSeedSameTokens) {
  const std::vector<float> a = random_logits(kQwenVocab, 7, 4.0f);
  const std::vector<float> b = random_logits(kQwenVocab, 8, 4.0f);
  SamplerSettings s = seeded(42);
  s.repeat_penalty = 1.2f;
  s.presence_penalty = 0.3f;
  auto run = [&](Sampler& sampler) {
    std::vector<std::int32_t> out;
    for (int i = 0; i < 200; ++i) {
      const std::int32_t t = sampler.sample(i % 2 ? a : b);
      sampler.accept(t);
      out.push_back(t);
    }
    return out;
  };
  Sampler first(s);
  Sampler second(s);
  const auto tokens = run(first);
  EXPECT_EQ(tokens, run(second));
  first.reset();
  EXPECT_EQ(tokens, run(first)) << "reset() restarts the same sequence";
  second.set_seed(42);
  second.reset();
  EXPECT_EQ(tokens, run(second));

  Sampler other(seeded(43));
  other.set_settings([&] {
    SamplerSettings t = s;
    t.seed = 43;
    return t;
  }());
  EXPECT_NE(tokens, run(other)) << "a different seed gives a different sequence";
}

TEST(SamplerDeterminism, RandomSeedIsDrawnAndReported) {
  Sampler a(seeded(kRandomSeed));
  Sampler b(seeded(a.seed()));
  const std::vector<float> logits = random_logits(1000, 9, 2.0f);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(a.sample(logits), b.sample(logits));
}

TEST(SamplerDeterminism, SettingsChangeKeepsTheRngStream) {
  // /set temp in a chat changes settings mid-stream: same seed, same stream position.
  const std::vector<float> logits = random_logits(2000, 10, 3.0f);
  Sampler a(seeded(77));
  Sampler b(seeded(77));
  for (int i = 0; i < 10; ++i) EXPECT_EQ(a.sample(logits), b.sample(logits));
  SamplerSettings hotter = seeded(77);
  hotter.temperature = 1.3f;
  a.set_settings(hotter);
  Sampler c(hotter);
  for (int i = 0; i < 10; ++i) c.sample(logits);  // advance to the same position
  for (int i = 0; i < 50; ++i) EXPECT_EQ(a.sample(logits), c.sample(logits));
}

// Each selection path (heap top-k, threshold top-k, bucketed and sorted top-p, min-p compaction)
// against the reference on vocabularies with many exact ties.
struct PathCase {
  std::int32_t top_k;
  float top_p;
  float min_p;
  float temperature;
};

TEST(SamplerPaths, LargeVocabularyDistributionsMatchTheReference) {
  const std::vector<PathCase> cases = {
      {40, 1.0f, 0.0f, 1.0f},   {40, 0.95f, 0.05f, 0.8f}, {1024, 0.9f, 0.0f, 1.0f},
      {2000, 1.0f, 0.0f, 1.0f}, {3000, 0.5f, 0.0f, 2.0f}, {0, 0.9f, 0.0f, 1.0f},
      {0, 0.99f, 0.0f, 3.0f},   {0, 0.8f, 0.05f, 1.5f},   {0, 1.0f, 0.2f, 1.0f},
      {0, 0.3f, 0.0f, 0.5f},    {0, 1.0f, 0.0f, 1.0f},    {100, 0.7f, 0.01f, 1.2f},
  };
  const std::vector<std::int32_t> history = {5, 17, 5, 4095, 99, 17, 5};
  for (float step : {0.0f, 0.25f}) {
    const std::vector<float> logits = random_logits(8192, 21, 6.0f, step);
    for (bool penalties : {false, true}) {
      for (const PathCase& c : cases) {
        SamplerSettings s = seeded(1);
        s.top_k = c.top_k;
        s.top_p = c.top_p;
        s.min_p = c.min_p;
        s.temperature = c.temperature;
        if (penalties) {
          s.repeat_penalty = 1.5f;
          s.frequency_penalty = 0.5f;
        }
        const Reference ref =
            reference(logits, s, penalties ? history : std::vector<std::int32_t>{});
        SCOPED_TRACE(::testing::Message()
                     << "k " << c.top_k << " p " << c.top_p << " min-p " << c.min_p << " t "
                     << c.temperature << " step " << step << " penalties " << penalties);
        ASSERT_GT(ref.margin, 1e-9) << "case sits on a cut boundary";
        Sampler sampler(s);
        for (std::int32_t t : history) sampler.accept(t);
        std::vector<double> got(logits.size(), 0.0);
        double sum = 0.0;
        double previous = 1.0;
        for (const TokenProb& tp : sampler.probabilities(logits)) {
          got[static_cast<std::size_t>(tp.id)] = tp.p;
          sum += tp.p;
          EXPECT_LE(tp.p, previous) << "not in descending order";
          previous = tp.p;
        }
        EXPECT_NEAR(sum, 1.0, 1e-9);
        for (std::size_t i = 0; i < logits.size(); ++i) {
          ASSERT_EQ(got[i] > 0.0, ref.p[i] > 0.0) << "support differs at token " << i;
          ASSERT_NEAR(got[i], ref.p[i], 1e-6 * ref.p[i] + 1e-12) << "token " << i;
        }
        // Every draw lands inside the support.
        for (int i = 0; i < 200; ++i) {
          const std::int32_t t = sampler.sample(logits);
          ASSERT_GT(ref.p[static_cast<std::size_t>(t)], 0.0) << "drew excluded token " << t;
        }
      }
    }
  }
}

TEST(SamplerPenalties, WindowKeepsTheLastNTokens) {
  SamplerSettings s;
  s.repeat_last_n = 3;
  s.repeat_penalty = 2.0f;
  Sampler sampler(s);
  for (std::int32_t t : {1, 2, 3, 4, 5}) sampler.accept(t);
  EXPECT_EQ(sampler.history(), (std::vector<std::int32_t>{3, 4, 5}));
  s.repeat_last_n = 2;
  sampler.set_settings(s);
  EXPECT_EQ(sampler.history(), (std::vector<std::int32_t>{4, 5}));
  sampler.accept(6);
  EXPECT_EQ(sampler.history(), (std::vector<std::int32_t>{5, 6}));
  s.repeat_last_n = -1;
  sampler.set_settings(s);
  for (std::int32_t t = 7; t < 200; ++t) sampler.accept(t);
  EXPECT_EQ(sampler.history().size(), 195u);
  s.repeat_last_n = 0;
  sampler.set_settings(s);
  sampler.accept(1);
  EXPECT_TRUE(sampler.history().empty());
  sampler.reset();
  EXPECT_TRUE(sampler.history().empty());
}

TEST(SamplerPenalties, LlamaCppSemantics) {
  // With temperature 1 and no truncation, p_i / p_j = exp(l'_i - l'_j) for the penalised l'.
  SamplerSettings s = seeded(1);
  s.temperature = 1.0f;
  s.top_k = 0;
  s.top_p = 1.0f;
  s.min_p = 0.0f;
  s.repeat_penalty = 2.0f;
  s.frequency_penalty = 0.5f;
  s.presence_penalty = 0.25f;
  Sampler sampler(s);
  for (std::int32_t t : {0, 1, 1}) sampler.accept(t);
  const std::vector<float> logits = {2.0f, -1.0f, 0.0f};
  std::vector<double> p(3);
  for (const TokenProb& tp : sampler.probabilities(logits))
    p[static_cast<std::size_t>(tp.id)] = tp.p;
  const double l0 = 2.0 / 2.0 - 0.5 - 0.25;       // positive: divided, counted once
  const double l1 = -1.0 * 2.0 - 2 * 0.5 - 0.25;  // negative: multiplied, counted twice
  const double l2 = 0.0;                          // never seen
  EXPECT_NEAR(std::log(p[0] / p[2]), l0 - l2, 1e-5);
  EXPECT_NEAR(std::log(p[1] / p[2]), l1 - l2, 1e-5);
}

TEST(SamplerPenalties, BadTokensAreErrors) {
  SamplerSettings s;
  s.repeat_penalty = 1.1f;
  Sampler sampler(s);
  EXPECT_THROW(sampler.accept(-1), std::invalid_argument);
  sampler.accept(10);
  EXPECT_THROW(sampler.sample(std::vector<float>{1.0f, 2.0f}), std::out_of_range);
}

TEST(SamplerSettingsTest, DefaultsAreLlamaCpps) {
  const SamplerSettings s;
  EXPECT_FLOAT_EQ(s.temperature, 0.8f);
  EXPECT_EQ(s.top_k, 40);
  EXPECT_FLOAT_EQ(s.top_p, 0.95f);
  EXPECT_FLOAT_EQ(s.min_p, 0.05f);
  EXPECT_FLOAT_EQ(s.repeat_penalty, 1.0f);
  EXPECT_EQ(s.repeat_last_n, 64);
  EXPECT_FLOAT_EQ(s.frequency_penalty, 0.0f);
  EXPECT_FLOAT_EQ(s.presence_penalty, 0.0f);
  EXPECT_EQ(s.seed, kRandomSeed);
  EXPECT_FALSE(s.penalties_active());
}

TEST(SamplerSettingsTest, OutOfRangeValuesAreRejected) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  auto bad = [](auto change) {
    SamplerSettings s;
    change(s);
    EXPECT_THROW(s.validate(), std::invalid_argument);
    EXPECT_THROW(Sampler{s}, std::invalid_argument);
  };
  bad([&](SamplerSettings& s) { s.temperature = nan; });
  bad([&](SamplerSettings& s) { s.temperature = kInf; });
  bad([&](SamplerSettings& s) { s.top_p = nan; });
  bad([&](SamplerSettings& s) { s.min_p = nan; });
  bad([&](SamplerSettings& s) { s.repeat_penalty = 0.0f; });
  bad([&](SamplerSettings& s) { s.repeat_penalty = -1.0f; });
  bad([&](SamplerSettings& s) { s.frequency_penalty = kInf; });
  bad([&](SamplerSettings& s) { s.presence_penalty = nan; });
  bad([&](SamplerSettings& s) { s.repeat_last_n = -2; });
}

TEST(SamplerAllocation, SamplingReusesItsBuffers) {
  const std::vector<float> logits = random_logits(kQwenVocab, 31, 4.0f);
  const std::vector<float> tied = random_logits(kQwenVocab, 32, 4.0f, 0.5f);
  std::vector<SamplerSettings> all;
  all.push_back(seeded(1));
  SamplerSettings s = seeded(2);
  s.top_k = 0;
  all.push_back(s);
  s.top_k = 5000;
  s.repeat_penalty = 1.3f;
  all.push_back(s);
  s.temperature = 0.0f;
  all.push_back(s);
  for (const SamplerSettings& settings : all) {
    Sampler sampler(settings);
    for (int i = 0; i < 3; ++i) sampler.accept(sampler.sample(i % 2 ? logits : tied));  // warm up
    const long before = g_allocations.load();
    for (int i = 0; i < 20; ++i) sampler.accept(sampler.sample(i % 2 ? logits : tied));
    EXPECT_EQ(g_allocations.load() - before, 0) << "top-k " << settings.top_k;
  }
}

}  // namespace
}  // namespace vkchat::sampler
