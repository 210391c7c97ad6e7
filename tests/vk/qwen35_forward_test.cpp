// Qwen 3.5 (qwen35) on the GPU (lavapipe, validation on): the zoo file against llama.cpp's zoo
// goldens (../shared/golden/zoo) with the rules of the CPU reference's test
// (tests/engine/qwen35_ref_test.cpp), the forward pass against the CPU reference logit for logit
// through prefill and decode, the recurrent state across feeds, truncation only to 0 or to a
// checkpoint, and the checkpoints themselves.
#include <gtest/gtest.h>

#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "llm/model.h"
#include "llm/session.h"
#include "support/golden.h"
#include "support/test_support.h"
#include "vk/gpu_reference.h"
#include "vk/kernel_rig.h"

namespace vkchat::test {
namespace {

const char* const kModel = "synth-qwen35-f16";

std::unique_ptr<llm::Model> load_zoo(bool llama_cpp_rounding) {
  llm::LoadOptions o;
  o.device.validation = true;
  o.llama_cpp_rounding = llama_cpp_rounding;
  return llm::Model::load(shared_path("models/zoo/synth-qwen35-f16.gguf"), o);
}

std::vector<std::int32_t> score_tokens(std::size_t n) {
  std::vector<std::int32_t> t =
      read_golden(shared_path("golden/zoo/synth-qwen35-f16.score.jsonl")).tokens;
  t.resize(n);
  return t;
}

}  // namespace

// Every zoo golden by teacher forcing (feed_all: prefill kernels), rounding like llama.cpp: top-1
// where llama.cpp's gap is >= 0.05 (123 of 123 decisive steps equal). Looser than the CPU
// reference's test (0.01 and 10%, which its residual against llama.cpp needs, unexplained: 0.0091
// and 7.5%): probabilities within 0.015 and 12%, measured max 0.0125 and 10.8%, because the GPU
// adds the fp16 rounding flips that Qwen35GpuReference describes. (In float, without llama.cpp's
// rounding, the max is 0.026.)
constexpr Tolerance kGoldenTolerance{0.015, 0.12};
TEST(Qwen35GpuGolden, MatchesLlamaCpp) {
  const auto model = load_zoo(true);
  ASSERT_EQ(model->hparams().arch, model::Arch::Qwen35);
  llm::Session s(*model, 128);
  const Tolerance tol = kGoldenTolerance;
  int cases = 0;
  for (const GoldenCase& g : zoo_goldens(kModel)) {
    ++cases;
    const GoldenReport rep = teacher_force(s, g, tol);
    expect_clean(g.name, rep);
    EXPECT_GT(rep.top1_checked, 0);
  }
  EXPECT_EQ(cases, 4);
}

// The GPU against engine/ref (f16 KV like the GPU), both computing in float and rounding like
// llama.cpp: prefill in one pass, and token by token through the decode kernels (the conv window
// and the delta state carried across submits). In float the logits agree to a relative L2 of
// 4.5e-6 over 16 positions. Rounding like llama.cpp, positions agree to 9e-8 until a product's
// input lies within a float rounding error of an fp16 midpoint and the two engines (float vs
// double sums) round it to neighbouring fp16 values: from there (position 2 of these 16) the
// recurrent state carries the difference on, 2.5e-3 in all; hence the looser bound.
constexpr double kRoundedBound = 1e-2;

class Qwen35GpuReference : public ::testing::TestWithParam<bool> {};

TEST_P(Qwen35GpuReference, MatchesCpuReference) {
  const auto model = load_zoo(GetParam());
  const ReferenceErrors e = compare_with_cpu_reference(*model, score_tokens(16), kModel);
  const double bound = GetParam() ? kRoundedBound : 1e-4;
  EXPECT_LE(e.prefill, bound);
  EXPECT_LE(e.decode, bound);
}

INSTANTIATE_TEST_SUITE_P(Rounding, Qwen35GpuReference, ::testing::Bool(), [](const auto& info) {
  return std::string(info.param ? "LlamaCpp" : "Exact");
});

// qwen35moe on the GPU (synth-qwen35moe-q8_0: the same hybrid, 8 routed experts, top 2, and a
// shared expert gated by sigmoid(ffn_gate_inp_shexp . x)): every zoo golden by teacher forcing,
// rounding like llama.cpp, held as the CPU reference is (Qwen35MoeRefGolden: the case with a
// routing flip, ".1", to the top-1 rule), and the GPU against the CPU reference in float,
// prefill and decode.
TEST(Qwen35MoeGpu, MatchesLlamaCppAndTheCpuReference) {
  const std::string name = "synth-qwen35moe-q8_0";
  const std::filesystem::path path = shared_path("models/zoo/synth-qwen35moe-q8_0.gguf");
  for (bool rounded : {true, false}) {
    SCOPED_TRACE(rounded ? "llama.cpp rounding" : "exact");
    llm::LoadOptions o;
    o.device.validation = true;
    o.llama_cpp_rounding = rounded;
    const auto model = llm::Model::load(path, o);
    ASSERT_EQ(model->hparams().arch, model::Arch::Qwen35Moe);
    if (!rounded) {
      const ReferenceErrors e = compare_with_cpu_reference(*model, score_tokens(16), name);
      EXPECT_LE(e.prefill, 1e-4);
      EXPECT_LE(e.decode, 1e-4);
      continue;
    }
    llm::Session s(*model, 128);
    int cases = 0;
    for (const GoldenCase& g : zoo_goldens(name)) {
      ++cases;
      const Tolerance tol = g.name.ends_with(".1") ? Tolerance{1, 1e9} : kGoldenTolerance;
      const GoldenReport rep = teacher_force(s, g, tol);
      expect_clean(g.name, rep);
      EXPECT_GT(rep.top1_checked, 0);
    }
    EXPECT_EQ(cases, 4);
  }
}

// A recurrent model forgets positions only by starting over: truncating to 0 zeroes the state
// (the same logits again), to the current position is a no-op, anything between is refused and
// truncation_point says where a prefix reuse must go instead.
TEST(Qwen35Gpu, TruncatesOnlyToZero) {
  const auto model = load_zoo(false);
  const std::vector<std::int32_t> tokens = score_tokens(8);
  llm::Session s(*model, 16);
  s.feed(tokens);
  const std::vector<float> first(s.logits().begin(), s.logits().end());
  EXPECT_EQ(s.truncation_point(8), 8);
  EXPECT_EQ(s.truncation_point(5), 0);
  EXPECT_THROW(s.truncate(5), std::invalid_argument);
  EXPECT_EQ(s.position(), 8);
  s.truncate(8);
  s.truncate(0);
  s.feed(std::span(tokens).first(3));
  s.feed(std::span(tokens).subspan(3));
  const std::vector<float> again(s.logits().begin(), s.logits().end());
  EXPECT_LE(rel_l2(again, first), 1e-5);
}

// Checkpoints: truncating to one restores the state saved there, so what follows gives the
// logits a fresh session gives for the same tokens; later checkpoints are dropped by the
// truncation, and past KvCache::kCheckpoints the least recently used goes.
TEST(Qwen35Gpu, TruncatesToACheckpointAndGoesOnFromItsState) {
  const auto model = load_zoo(false);
  const std::vector<std::int32_t> tokens = score_tokens(12);
  const std::span<const std::int32_t> all(tokens);
  llm::Session fresh(*model, 16);
  fresh.feed(all.first(5));
  fresh.feed(all.subspan(8));  // the first 5 tokens, then other ones: tokens 8..11
  const std::vector<float> want(fresh.logits().begin(), fresh.logits().end());

  llm::Session s(*model, 16);
  s.feed(all.first(3));
  s.checkpoint();
  s.feed(all.subspan(3, 2));
  s.checkpoint();
  s.feed(all.subspan(5, 3));
  s.checkpoint();  // at 8
  EXPECT_EQ(s.truncation_point(7), 5);
  EXPECT_EQ(s.truncation_point(4), 3);
  EXPECT_EQ(s.truncation_point(2), 0);
  EXPECT_THROW(s.truncate(6), std::invalid_argument);
  s.truncate(5);
  EXPECT_EQ(s.truncation_point(7), 5);  // the checkpoint at 8 went with positions 5..
  s.feed(all.subspan(8));
  EXPECT_LE(rel_l2(std::vector<float>(s.logits().begin(), s.logits().end()), want), 1e-5);

  // Fill every slot past the two in use (3 and 5): the oldest, at 3, is replaced first.
  for (int i = 0; i < llm::KvCache::kCheckpoints - 1; ++i) {
    s.checkpoint();
    if (s.position() < s.n_ctx()) s.decode(tokens[static_cast<std::size_t>(i)]);
  }
  EXPECT_EQ(s.truncation_point(4), 0);
  EXPECT_EQ(s.truncation_point(5), 5);
}

}  // namespace vkchat::test
