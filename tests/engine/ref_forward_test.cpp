// The CPU reference forward pass against llama.cpp: teacher forcing over every golden in
// ../shared/golden (rounding as llama.cpp does) and the dequantized-weight goldens (computing
// exactly), one test per model, with the forward-pass issue's tolerances. Also checks
// that batching and truncation do not change the logits.
#include "ref/ref_forward.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

#include "engine/ref_golden.h"
#include "gguf/gguf_reader.h"
#include "model/weights.h"
#include "support/golden.h"
#include "support/quantized.h"
#include "support/test_support.h"

using vkchat::gguf::GgufFile;
using vkchat::ref::RefForward;
namespace test = vkchat::test;

namespace {

// Feeds a golden's tokens in one batch and compares every checked step: computing exactly (f32
// cache), or rounding like llama.cpp (f16 cache, as llama.cpp keeps it).
test::GoldenReport run_golden(const vkchat::model::ModelSpec& spec, const test::GoldenCase& g,
                              test::Tolerance tol, vkchat::ref::Rounding rounding) {
  const bool exact = rounding == vkchat::ref::Rounding::Exact;
  return test::ref_teacher_force(
      spec, g, tol, rounding,
      exact ? vkchat::ref::KvPrecision::F32 : vkchat::ref::KvPrecision::F16);
}

class RefGolden : public ::testing::TestWithParam<std::string> {};

}  // namespace

// Computing exactly and rounding like llama.cpp, each with its tolerances (golden.h); rounding
// must also reproduce a fifth of the steps or more to 1e-4 (test::kReproducedAbs), where
// computing exactly reproduces few steps of a quantized model, if any.
TEST_P(RefGolden, TeacherForcingMatchesLlamaCpp) {
  const std::string model = GetParam();
  const GgufFile f = GgufFile::open(test::shared_path("models/" + model + ".gguf"));
  const auto spec = vkchat::model::read_model_spec(f);
  const bool quantized = test::is_quantized(f);
  const test::Tolerance tol = test::shared_golden_tolerance(quantized);
  int cases = 0, steps = 0, reproduced_exact = 0, reproduced_rounded = 0;
  for (const auto& path : test::golden_files()) {
    const test::GoldenCase g = test::read_golden(path);
    if (g.model != model) continue;
    ++cases;
    const test::GoldenReport exact = run_golden(spec, g, tol, vkchat::ref::Rounding::Exact);
    test::expect_clean(g.name, exact);
    const test::GoldenReport rounded = run_golden(spec, g, {1, 1}, vkchat::ref::Rounding::LlamaCpp);
    test::expect_clean(g.name + " (rounded)", rounded);
    steps += exact.steps;
    reproduced_exact += exact.reproduced;
    reproduced_rounded += rounded.reproduced;
  }
  EXPECT_GT(cases, 0) << "no golden for " << model;
  std::printf("%s: steps reproduced computing exactly %d, rounding like llama.cpp %d, of %d\n",
              model.c_str(), reproduced_exact, reproduced_rounded, steps);
  EXPECT_GE(reproduced_rounded * 5, steps);
  if (quantized) {
    EXPECT_GT(reproduced_rounded, 2 * reproduced_exact);
  }
}

TEST_P(RefGolden, DequantizedWeights) {
  const std::string model = GetParam();
  const GgufFile f = GgufFile::open(test::shared_path("models/" + model + ".gguf"));
  if (!test::is_quantized(f)) return;
  const auto spec = vkchat::model::read_model_spec(f);
  int cases = 0;
  for (const auto& path : test::dequant_golden_files()) {
    const test::GoldenCase g = test::read_golden(path);
    if (g.model != model) continue;
    ++cases;
    // Float weights in llama.cpp: no product's input is rounded, the F32/F16 tolerances apply.
    test::expect_clean(g.name + " (dequantized)", run_golden(spec, g, test::golden_tolerance(false),
                                                             vkchat::ref::Rounding::Exact));
  }
  EXPECT_GT(cases, 0) << "no dequantized-weights golden for " << model;
}

INSTANTIATE_TEST_SUITE_P(Goldens, RefGolden, ::testing::ValuesIn(test::golden_models()),
                         [](const auto& info) { return test::test_name(info.param); });

TEST(RefForward, EveryGoldenModelIsCovered) {
  EXPECT_GE(test::golden_models().size(), 10u);
  for (const auto& e : std::filesystem::directory_iterator(test::shared_path("models"))) {
    if (e.path().extension() != ".gguf") continue;
    const auto models = test::golden_models();
    EXPECT_NE(std::find(models.begin(), models.end(), e.path().stem().string()), models.end())
        << e.path() << " has no golden";
  }
}

TEST(RefForward, BatchTokenByTokenAndTruncateAgree) {
  for (const char* name : {"models/stories260K-q4_0.gguf", "models/synth-phi3-q8_0.gguf"}) {
    SCOPED_TRACE(name);
    const GgufFile f = GgufFile::open(test::shared_path(name));
    const auto spec = vkchat::model::read_model_spec(f);
    const std::vector<std::int32_t> tokens = {1, 403, 407, 261, 378, 432, 383};
    const auto V = static_cast<std::size_t>(spec.hp.n_vocab);

    RefForward batch(spec, 16);
    const std::vector<float> all = batch.feed(tokens);
    EXPECT_EQ(batch.position(), 7);

    RefForward single(spec, 16);
    for (std::size_t t = 0; t < tokens.size(); ++t) {
      const std::vector<float> one = single.feed(std::span(tokens).subspan(t, 1));
      for (std::size_t i = 0; i < V; ++i)
        ASSERT_NEAR(one[i], all[t * V + i], 1e-4) << t << " " << i;
    }
    // Back to position 4 and a different continuation, then the original one again.
    single.truncate(4);
    const std::vector<std::int32_t> other = {300, 301};
    single.feed(other);
    single.truncate(4);
    const std::vector<float> again = single.feed(std::span(tokens).subspan(4));
    for (std::size_t i = 0; i < again.size(); ++i) ASSERT_NEAR(again[i], all[4 * V + i], 1e-4);
    EXPECT_THROW(single.feed(std::vector<std::int32_t>(10, 1)), std::out_of_range);
    EXPECT_THROW(single.truncate(8), std::out_of_range);
    EXPECT_THROW(RefForward(spec, 4).feed(std::vector<std::int32_t>{1, static_cast<int>(V)}),
                 std::out_of_range);
  }
}

TEST(RefForward, F16KvCacheRoundsOnlySlightly) {
  const GgufFile f = GgufFile::open(test::shared_path("models/stories260K.gguf"));
  const auto spec = vkchat::model::read_model_spec(f);
  const std::vector<std::int32_t> tokens = {1, 403, 407, 261, 378, 432, 383, 286};
  const std::vector<float> exact = RefForward(spec, 8).feed(tokens);
  const std::vector<float> f16 = RefForward(spec, 8, vkchat::ref::KvPrecision::F16).feed(tokens);
  double num = 0, den = 0;
  for (std::size_t i = 0; i < exact.size(); ++i) {
    num += (double(f16[i]) - exact[i]) * (double(f16[i]) - exact[i]);
    den += double(exact[i]) * exact[i];
  }
  const double rel_l2 = std::sqrt(num / den);
  EXPECT_GT(rel_l2, 0.0);  // the rounding happened
  EXPECT_LT(rel_l2, 1e-3);
  std::printf("f16 KV cache vs f32: relative L2 of logits %.2e\n", rel_l2);
}

// ---- The codebook-grid IQ files of ../shared/models/quant (llama-quantize with an importance
// matrix) against ../shared/golden/quant through the CPU reference rounding like llama.cpp
// (Q8_K inputs to every IQ product): top-1 equal where llama.cpp's gap is >= 0.05, and the
// measured bound of rounded quantized goldens, kQuantizedRoundingNoiseAbs (golden.h). Measured
// max |dp| 0.014-0.032 (pure-iq3_xxs.0 step 30: 0.0324); computing exactly, 0.025-0.039.
class RefQuantGridIqGolden : public ::testing::TestWithParam<std::string> {};

TEST_P(RefQuantGridIqGolden, TeacherForcingMatchesLlamaCpp) {
  const std::string model = GetParam();
  const GgufFile f = GgufFile::open(test::shared_path("models/quant/" + model + ".gguf"));
  const auto spec = vkchat::model::read_model_spec(f);
  for (const char* suffix : {".0.jsonl", ".score.jsonl"}) {
    const test::GoldenCase g =
        test::read_golden(test::shared_path("golden/quant/" + model + suffix));
    test::expect_clean(
        g.name + " (rounded)",
        run_golden(spec, g, test::rounded_golden_tolerance(true), vkchat::ref::Rounding::LlamaCpp));
  }
}

INSTANTIATE_TEST_SUITE_P(GridIq, RefQuantGridIqGolden,
                         ::testing::Values("synth-llama-pure-iq3_xxs", "synth-llama-pure-iq3_s",
                                           "synth-llama-pure-iq2_xxs", "synth-llama-pure-iq2_xs",
                                           "synth-llama-pure-iq2_s", "synth-llama-pure-iq1_s",
                                           "synth-llama-pure-iq1_m"),
                         [](const auto& info) { return test::test_name(info.param); });
// ---- end of the codebook-grid IQ files
