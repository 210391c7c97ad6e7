// The CPU reference forward pass of the llama variants mistral3 (YaRN + attention temperature),
// smollm3 (NoPE layers) and granite (multipliers) against llama.cpp's zoo goldens
// (../shared/golden/zoo) by teacher forcing, rounding like llama.cpp; their token_embd and
// output are Q8_0 (README of ../shared/models/zoo), so the quantized rounded tolerances apply.
// And computing exactly against llama.cpp on the same weights widened to F32
// (tests/data/golden-dequant), which rounds no product's input: the F32 tolerances. The second is
// the sharp one: smollm3 and granite are sensitive enough to fp16 input rounding that llama.cpp's
// own F16 and F32 runs differ by up to 0.034, and few of their rounded steps are reproduced.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "engine/ref_golden.h"
#include "gguf/gguf_reader.h"
#include "model/weights.h"
#include "ref/ref_forward.h"
#include "support/golden.h"
#include "support/quantized.h"
#include "support/test_support.h"

namespace test = vkchat::test;

namespace {

// The F32 absolute bound (0.01); the relative one 10% instead of 2%: llama.cpp's flash
// attention rounds Q and its running output to fp16 even on F32 weights, and smollm3 moves by up
// to 8% relative (0.0085 absolute) under it. With that rounding emulated (vkchat-cli score
// --llama-rounding on the widened file) the same steps agree to 0.0015 absolute.
constexpr test::Tolerance kF32WeightsTolerance{0.01, 0.10};

class LlamaVariantRefGolden : public ::testing::TestWithParam<std::string> {};

// Every zoo golden of the model, rounding like llama.cpp: top-1 where the gap is >= 0.05,
// probabilities within the rounded tolerances.
TEST_P(LlamaVariantRefGolden, RoundedMatchesLlamaCpp) {
  const std::string model = GetParam();
  const auto f = vkchat::gguf::GgufFile::open(test::shared_path("models/zoo/" + model + ".gguf"));
  const auto spec = vkchat::model::read_model_spec(f);
  const test::Tolerance tol = test::rounded_golden_tolerance(test::is_quantized(f));
  int cases = 0;
  for (const test::GoldenCase& g : test::zoo_goldens(model)) {
    ++cases;
    test::expect_clean(g.name,
                       test::ref_teacher_force(spec, g, tol, vkchat::ref::Rounding::LlamaCpp));
  }
  EXPECT_EQ(cases, 4);
}

// llama.cpp on the weights widened to F32: the F32/F16 tolerances.
TEST_P(LlamaVariantRefGolden, ExactMatchesLlamaCppOnF32Weights) {
  const std::string model = GetParam();
  const auto f = vkchat::gguf::GgufFile::open(test::shared_path("models/zoo/" + model + ".gguf"));
  const auto spec = vkchat::model::read_model_spec(f);
  const test::GoldenCase g = test::read_golden(std::filesystem::path(VKCHAT_TEST_DATA_DIR) /
                                               "golden-dequant" / (model + ".score.jsonl"));
  test::expect_clean(
      g.name + " (F32 weights)",
      test::ref_teacher_force(spec, g, kF32WeightsTolerance, vkchat::ref::Rounding::Exact));
}

INSTANTIATE_TEST_SUITE_P(Zoo, LlamaVariantRefGolden,
                         ::testing::Values("synth-mistral3-f16", "synth-smollm3-f16",
                                           "synth-granite-f16"),
                         [](const auto& info) { return test::test_name(info.param); });

}  // namespace
