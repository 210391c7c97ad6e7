// The forward pass on the GPU (lavapipe, validation on): stories260K's greedy continuation,
// teacher forcing over every golden of llama.cpp, the CPU reference forward pass logit for
// logit, prefill chunking against token-by-token decoding, truncation, one submit per token,
// and the load errors (unsupported architecture, too big for memory).
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>

#include "gguf/gguf_reader.h"
#include "llm/model.h"
#include "llm/session.h"
#include "ref/ref_ops.h"
#include "support/golden.h"
#include "support/quantized.h"
#include "support/test_support.h"
#include "util/errors.h"
#include "vk/device_core.h"
#include "vk/gpu_reference.h"
#include "vk/kernel_rig.h"

namespace vkchat::test {
namespace {

using llm::Model;
using llm::Session;

llm::LoadOptions validated(std::int64_t n_ctx = 0, bool llama_cpp_rounding = false) {
  llm::LoadOptions o;
  o.n_ctx = n_ctx;
  o.device.validation = true;
  o.llama_cpp_rounding = llama_cpp_rounding;
  return o;
}

std::unique_ptr<Model> load(const std::string& name, std::int64_t n_ctx = 0,
                            bool llama_cpp_rounding = false) {
  return Model::load(shared_path("models/" + name + ".gguf"), validated(n_ctx, llama_cpp_rounding));
}

// The largest element-wise difference of two logit rows, relative to the row's largest magnitude.
double max_rel_diff(std::span<const float> a, std::span<const float> b) {
  double diff = 0, scale = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    diff = std::max(diff, std::fabs(static_cast<double>(a[i]) - b[i]));
    scale = std::max(scale, std::fabs(static_cast<double>(b[i])));
  }
  return diff / std::max(scale, 1e-30);
}

std::vector<std::int32_t> stories_tokens(std::size_t n) {
  std::vector<std::int32_t> t(n);
  t[0] = 1;  // BOS
  for (std::size_t i = 1; i < n; ++i) t[i] = static_cast<std::int32_t>(3 + (i * 7919) % 509);
  return t;
}

TEST(Forward, Stories260KGreedyContinuesAsLlamaCpp) {
  const auto model = load("stories260K");
  const tokenizer::Tokenizer& tok = model->tokenizer();
  Session s(*model);
  const std::vector<std::int32_t> prompt = tok.encode("Once upon a time", true, true);
  s.feed(prompt);
  std::vector<std::int32_t> out{static_cast<std::int32_t>(ref::argmax(s.logits()))};
  while (out.size() < 40) out.push_back(s.decode_argmax(out.back()));

  const std::string text = tok.decode(out);
  const std::string want =
      ", there was a little girl named Lily. She loved to play outside in the park.";
  EXPECT_EQ(text.substr(0, want.size()), want) << text;
  // The same ids as llama.cpp's greedy run from this prompt.
  const GoldenCase g = read_golden(shared_path("golden/stories260K.0.jsonl"));
  ASSERT_EQ(std::vector<std::int32_t>(g.tokens.begin(), g.tokens.begin() + 5), prompt);
  for (std::size_t i = 0; i + g.checked_from + 1 < g.tokens.size(); ++i) {
    EXPECT_EQ(out[i], g.tokens[g.checked_from + 1 + i]) << "step " << i;
  }
}

class GpuGolden : public ::testing::TestWithParam<std::string> {};

// Every golden of `files` made on model `name`, each checked under `tol`; returns how many.
int run_goldens(Session& s, const std::vector<std::filesystem::path>& files,
                const std::string& name, const std::string& label, Tolerance tol) {
  int cases = 0;
  for (const auto& path : files) {
    const GoldenCase g = read_golden(path);
    if (g.model != name) continue;
    ++cases;
    expect_clean(g.name + label, teacher_force(s, g, tol));
  }
  return cases;
}

// Rounding like llama.cpp (--llama-rounding): its tolerances (golden.h).
TEST_P(GpuGolden, TeacherForcingMatchesLlamaCpp) {
  const std::string name = GetParam();
  const auto model = load(name, 0, true);
  const bool quantized = is_quantized(model->gguf());
  Session s(*model, 128);
  EXPECT_GT(run_goldens(s, golden_files(), name, "", rounded_golden_tolerance(quantized)), 0)
      << "no golden for " << name;
}

// Computing in float (the default): the tolerances but the relative bound of
// quantized models (golden.h); and against llama.cpp on the same weights dequantized to F32,
// which rounds no product's input (its float path), the F32 tolerances.
TEST_P(GpuGolden, ExactActivationsMatchLlamaCpp) {
  const std::string name = GetParam();
  const auto model = load(name, 0, false);
  const bool quantized = is_quantized(model->gguf());
  Session s(*model, 128);
  EXPECT_GT(run_goldens(s, golden_files(), name, " (exact)", shared_golden_tolerance(quantized)), 0)
      << "no golden for " << name;
  if (!quantized) return;
  EXPECT_GT(run_goldens(s, dequant_golden_files(), name, " (dequantized)", golden_tolerance(false)),
            0)
      << "no dequantized-weights golden for " << name;
}

INSTANTIATE_TEST_SUITE_P(Goldens, GpuGolden, ::testing::ValuesIn(golden_models()),
                         [](const auto& info) { return test_name(info.param); });

// The files of shared/models/quant (llama.cpp's own llama-quantize output, issue 13) against
// their goldens in shared/golden/quant, rounding every product's input like llama.cpp's CPU
// backend (the goldens' source): top-1 equal where llama.cpp's gap is >= 0.05 and every listed
// probability within 0.03 (quant_file_golden_tolerance).
class QuantGolden : public ::testing::TestWithParam<std::string> {};

TEST_P(QuantGolden, TeacherForcingMatchesLlamaCpp) {
  const std::string name = GetParam();
  const auto model = Model::load(shared_path("models/quant/" + name + ".gguf"), validated(0, true));
  Session s(*model, 128);
  std::vector<std::filesystem::path> files;
  for (const auto& f : quant_golden_files()) {
    if (f.filename().string().starts_with(name + ".")) files.push_back(f);
  }
  EXPECT_EQ(run_goldens(s, files, name, "", quant_file_golden_tolerance()), 2)
      << "goldens missing for " << name;
}

// The low-bit types Q2_K..Q2_0: pure files and llama.cpp's K-quant and IQ4_XS mixes of them.
INSTANTIATE_TEST_SUITE_P(
    QuantA, QuantGolden,
    ::testing::Values("synth-llama-pure-q2_k", "synth-llama-pure-q3_k", "synth-llama-pure-iq4_nl",
                      "synth-llama-pure-iq4_xs", "synth-llama-pure-tq1_0", "synth-llama-pure-tq2_0",
                      "synth-llama-pure-mxfp4", "synth-llama-pure-nvfp4", "synth-llama-pure-q1_0",
                      "synth-llama-pure-q2_0", "synth-llama-q2_k", "synth-llama-q3_k_m",
                      "synth-llama-q3_k_l", "synth-llama-q4_k_m", "synth-llama-iq4_xs"),
    [](const auto& info) { return test_name(info.param); });

// The codebook-grid IQ types: pure files and llama.cpp's IQ2_M and IQ3_M mixes.
INSTANTIATE_TEST_SUITE_P(QuantIQ, QuantGolden,
                         ::testing::Values("synth-llama-pure-iq2_xxs", "synth-llama-pure-iq2_xs",
                                           "synth-llama-pure-iq2_s", "synth-llama-pure-iq3_xxs",
                                           "synth-llama-pure-iq3_s", "synth-llama-pure-iq1_s",
                                           "synth-llama-pure-iq1_m", "synth-llama-iq2_m",
                                           "synth-llama-iq3_m"),
                         [](const auto& info) { return test_name(info.param); });

// The whole forward pass against engine/ref, which keeps its KV cache in f16 like the GPU, both
// computing in float and rounding like llama.cpp (stories260K is F32: there only attention and
// the RoPE angles round). Over 16 positions (the prompt "Once upon a time ..." and what follows
// in the score text) the logits agree to a relative L2 of ~4e-5, through the prefill and the
// decode kernels. Longer sequences drift further apart, up to ~2e-4 over 36 positions, for a
// reason both engines share: where a K or V value lies within an f32 rounding error of an f16
// rounding midpoint the two engines store neighbouring f16 values (one f16 ulp, 5e-4 relative),
// and stories260K's later layers amplify that. The goldens cover the longer sequences.
class CpuReference : public ::testing::TestWithParam<bool> {};

TEST_P(CpuReference, Stories260KMatchesIt) {
  const auto model = load("stories260K", 0, GetParam());
  std::vector<std::int32_t> tokens =
      read_golden(shared_path("golden/stories260K.score.jsonl")).tokens;
  tokens.resize(16);
  const ReferenceErrors e = compare_with_cpu_reference(*model, tokens, "stories260K");
  EXPECT_LE(e.prefill, 1e-4);
  EXPECT_LE(e.decode, 1e-4);
}

INSTANTIATE_TEST_SUITE_P(Rounding, CpuReference, ::testing::Bool(), [](const auto& info) {
  return std::string(info.param ? "LlamaCpp" : "Exact");
});

// Quantized models rounding like llama.cpp, on the GPU and in the CPU reference: every product's
// input on its weight's 8-bit (or fp16) grid (bit for bit the same rounding, see
// round_act_test.cpp). Where the GPU's float sums and the reference's double sums put a value on
// either side of a grid midpoint, one input moves by a whole step of the grid; such steps are
// rare (most models agree to float rounding over these 16 positions), but each moves the
// logits of the positions after it by up to a few percent (relative L2); at least half the
// positions agree to 1e-3.
TEST(Forward, QuantizedModelsRoundLikeTheCpuReference) {
  for (const char* name : {"stories260K-q4_0", "synth-llama-q4_k_m", "synth-llama-q6_k",
                           "synth-phi3-q8_0", "synth-qwen2-q4_0", "synth-qwen3-f16"}) {
    SCOPED_TRACE(name);
    const auto model = load(name, 0, true);
    std::vector<std::int32_t> tokens =
        read_golden(shared_path(std::string("golden/") + name + ".score.jsonl")).tokens;
    tokens.resize(16);
    const std::vector<float> want = cpu_reference_logits(*model, tokens);
    Session s(*model, 16);
    const std::vector<float> got = s.feed_all(tokens);
    const auto V = static_cast<std::size_t>(s.n_vocab());
    double worst = 0;
    int close = 0;
    for (std::size_t t = 0; t < tokens.size(); ++t) {
      const double e = rel_l2(std::span(got).subspan(t * V, V), std::span(want).subspan(t * V, V));
      worst = std::max(worst, e);
      close += e <= 1e-3;
    }
    std::printf("%s: relative L2 %.3g, worst position %.3g, %d of %zu positions within 1e-3\n",
                name, rel_l2(got, want), worst, close, tokens.size());
    EXPECT_LE(worst, 0.06);
    EXPECT_GE(close, 8);
  }
}

TEST(Forward, LongPrefillChunkingDoesNotChangeTheLogits) {
  // 520 tokens in one feed: chunks of 512 + 8, attention split over several cache chunks;
  // against feed_all's chunks of 32 and the CPU reference. Computed in float: with llama.cpp's
  // rounding the attention of each cache chunk would round on its own, where ggml's walks all
  // rows in one pass.
  const auto model = load("stories260K", 528, false);
  const std::vector<std::int32_t> tokens = stories_tokens(520);
  Session s(*model, 528);
  s.feed(tokens);
  const std::vector<float> one(s.logits().begin(), s.logits().end());
  s.truncate(0);
  const std::vector<float> all = s.feed_all(tokens);
  const auto V = static_cast<std::size_t>(s.n_vocab());
  EXPECT_LE(max_rel_diff(one, std::span(all).last(V)), 1e-5);
  const std::vector<float> want = cpu_reference_logits(*model, tokens);
  const double err = rel_l2(one, std::span(want).last(V));
  std::printf("position 519: relative L2 against the CPU reference %.3g\n", err);
  EXPECT_LE(err, 1e-4);
}

TEST(Forward, PrefillEqualsTokenByTokenAndTruncateRefeeds) {
  // In float: llama.cpp's rounding turns the two kernels' different summation orders into
  // occasional whole steps of its 8-bit grid.
  for (const char* name : {"stories260K-q4_0", "synth-phi3-q8_0", "synth-qwen3-f16"}) {
    SCOPED_TRACE(name);
    const auto model = load(name, 0, false);
    const std::vector<std::int32_t> tokens = {1, 403, 407, 261, 378, 432, 383, 286, 261, 376};
    const auto V = static_cast<std::size_t>(model->hparams().n_vocab);
    Session s(*model, 32);
    const std::vector<float> batch = s.feed_all(tokens);  // the matrix x matrix kernels
    s.truncate(0);
    s.feed(std::span(tokens).first(1));
    double worst = 0;
    for (std::size_t t = 0; t < tokens.size(); ++t) {
      const std::span<const float> one = t == 0 ? s.logits() : s.decode(tokens[t]);
      worst = std::max(worst, max_rel_diff(one, std::span(batch).subspan(t * V, V)));
    }
    // The matrix x matrix and matrix x vector kernels sum in different orders, and where a K or
    // V value then rounds to a neighbouring f16 the difference grows (see above).
    std::printf("%s: batch vs token by token, largest difference %.3g of the largest logit\n", name,
                worst);
    EXPECT_LE(worst, 1e-3);
    // Back to position 4, another continuation, back again and the original decoded the same
    // way: bit for bit the same logits.
    const std::vector<float> last(s.logits().begin(), s.logits().end());
    s.truncate(4);
    EXPECT_EQ(s.position(), 4);
    EXPECT_TRUE(s.logits().empty());
    s.feed(std::vector<std::int32_t>{300, 301, 302});
    s.truncate(4);
    for (std::size_t t = 4; t < tokens.size(); ++t) s.decode(tokens[t]);
    EXPECT_EQ(std::vector<float>(s.logits().begin(), s.logits().end()), last);
    // And fed as one batch, the same within rounding.
    s.truncate(4);
    s.feed(std::span(tokens).subspan(4));
    EXPECT_LE(max_rel_diff(s.logits(), last), 1e-4);
  }
}

TEST(Forward, DecodeIsOneSubmitWithNoNewDescriptorSets) {
  const auto model = load("synth-qwen2-q4_0");
  Session s(*model, 64);
  s.feed(std::vector<std::int32_t>{1, 2, 3, 4, 5, 6, 7, 8, 9});
  std::int32_t t = s.decode_argmax(10);
  t = static_cast<std::int32_t>(ref::argmax(s.decode(t)));
  const std::int64_t submits = s.stats().submits;
  const std::size_t sets = model->context().core().descriptors.size();
  for (int i = 0; i < 8; ++i)
    t = i % 2 ? s.decode_argmax(t) : static_cast<std::int32_t>(ref::argmax(s.decode(t)));
  EXPECT_EQ(s.stats().submits - submits, 8);
  EXPECT_EQ(model->context().core().descriptors.size(), sets);
  EXPECT_EQ(s.stats().decode_tokens, 10);
  // Replayed: recorded once for decode_argmax, once for decode, at the first of each.
  EXPECT_EQ(s.stats().decode_recordings, 2);
}

// A decode step is recorded once per session and output and replayed (the position and the
// token id read from mapped memory): over tokens past a sliding window's ring (gemma3, rings of
// 16 + 8 rows) and through a recurrent state (qwen35), the replayed logits are bit for bit those
// of a pass recorded afresh for each token; a change of output records again, once.
TEST(Forward, ReplayedDecodeEqualsAFreshRecordingBitForBit) {
  for (const char* name : {"stories260K-q4_0", "zoo/synth-gemma3-f16", "zoo/synth-qwen35-f16"}) {
    SCOPED_TRACE(name);
    const auto model = load(name);
    Session replayed(*model, 64, 8), fresh(*model, 64, 8);
    fresh.set_replay(false);
    const std::vector<std::int32_t> prompt = {1, 5, 9, 13};
    replayed.feed(prompt);
    fresh.feed(prompt);
    const auto V = static_cast<std::int32_t>(model->hparams().n_vocab);
    auto same = [](std::span<const float> a, std::span<const float> b) {
      return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * 4) == 0;
    };
    const int n = 30;  // to position 34: past the ring's 24 rows
    for (int i = 0; i < n; ++i) {
      const std::int32_t t = (7 + 31 * i) % V;
      const std::span<const float> a = replayed.decode(t);
      ASSERT_TRUE(same(a, fresh.decode(t))) << "token " << i;
    }
    EXPECT_EQ(replayed.stats().decode_recordings, 1);
    EXPECT_EQ(fresh.stats().decode_recordings, n);
    // Each change of output records the pass again, and only then.
    llm::TopLogits top;
    replayed.decode_top(3, 5, top);
    replayed.decode_top(4, 5, top);
    EXPECT_EQ(replayed.stats().decode_recordings, 2);
    replayed.decode_top(5, 6, top);
    EXPECT_EQ(replayed.stats().decode_recordings, 3);
    const std::int32_t best = replayed.decode_argmax(6);
    EXPECT_EQ(replayed.stats().decode_recordings, 4);
    for (std::int32_t t : {3, 4, 5}) fresh.decode_top(t, 5, top);
    EXPECT_EQ(fresh.decode_argmax(6), best);
    // decode's recording is still there (one per output, up to four); a fifth output replaces
    // the least recently used.
    ASSERT_TRUE(same(replayed.decode(best), fresh.decode(best)));
    EXPECT_EQ(replayed.stats().decode_recordings, 4);
    replayed.decode_top(7, 7, top);
    EXPECT_EQ(replayed.stats().decode_recordings, 5);
    fresh.decode_top(7, 7, top);
    ASSERT_TRUE(same(replayed.decode(8), fresh.decode(8)));
    EXPECT_EQ(replayed.stats().decode_recordings, 5);
    replayed.decode_top(9, 5, top);  // k = 5's was the least recently used: replaced
    EXPECT_EQ(replayed.stats().decode_recordings, 6);
    fresh.decode_top(9, 5, top);
    // Back to a checkpoint or the start, then replaying again at the earlier positions.
    replayed.truncate(replayed.truncation_point(2));
    fresh.truncate(fresh.truncation_point(2));
    EXPECT_EQ(replayed.position(), fresh.position());
    if (replayed.position() == 0) {
      replayed.feed(std::span(prompt).first(1));
      fresh.feed(std::span(prompt).first(1));
    }
    for (std::int32_t t : {20, 21, 22}) ASSERT_TRUE(same(replayed.decode(t), fresh.decode(t)));
  }
}

TEST(Forward, BadTokensAndFullContextThrowBeforeRunning) {
  const auto model = load("stories260K");
  Session s(*model, 8);
  EXPECT_THROW(s.feed(std::vector<std::int32_t>{1, 512}), std::out_of_range);
  EXPECT_THROW(s.decode(-1), std::out_of_range);
  EXPECT_EQ(s.position(), 0);
  s.feed(std::vector<std::int32_t>(8, 1));
  EXPECT_THROW(s.decode(1), std::out_of_range);
  EXPECT_THROW(s.truncate(9), std::out_of_range);
  std::atomic<bool> cancel{true};
  s.set_cancel_flag(&cancel);
  s.truncate(2);
  EXPECT_THROW(s.decode(1), Cancelled);
  EXPECT_EQ(s.position(), 2);
}

TEST(Forward, LoadReportsProgressAndCanBeCancelled) {
  const std::filesystem::path path = shared_path("models/synth-llama-q4_k_m.gguf");
  std::vector<std::pair<std::uint64_t, std::uint64_t>> calls;
  const auto model = Model::load(path, validated(), [&](std::uint64_t done, std::uint64_t total) {
    calls.emplace_back(done, total);
  });
  ASSERT_GE(calls.size(), 2u);
  EXPECT_EQ(calls.front().first, 0u);
  EXPECT_EQ(calls.back().first, calls.back().second);
  EXPECT_TRUE(std::is_sorted(calls.begin(), calls.end()));
  const llm::ModelSummary& m = model->summary();
  EXPECT_EQ(m.arch, "llama");
  EXPECT_EQ(m.n_ctx, std::min<std::int64_t>(m.n_ctx_train, 4096));
  EXPECT_GT(m.memory.weights, 0u);
  EXPECT_LE(m.memory.total(), m.budget);

  std::atomic<bool> cancel{false};
  llm::LoadOptions o = validated();
  o.cancel = &cancel;
  EXPECT_THROW(Model::load(path, o, [&](std::uint64_t, std::uint64_t) { cancel = true; }),
               Cancelled);
}

TEST(Forward, TooBigForMemoryGivesBothNumbers) {
  const std::filesystem::path path = shared_path("models/stories260K.gguf");
  // A context whose KV cache cannot fit any device.
  try {
    Model::load(path, validated(std::int64_t{1} << 28));
    FAIL() << "no error";
  } catch (const InsufficientMemory& e) {
    const std::string msg = e.what();
    EXPECT_GT(e.needed(), e.available());
    EXPECT_NE(msg.find("needs"), std::string::npos) << msg;
    EXPECT_NE(msg.find("KV cache"), std::string::npos) << msg;
    EXPECT_NE(msg.find("available"), std::string::npos) << msg;
    std::printf("%s\n", msg.c_str());
  }
  // A budget smaller than the weights.
  llm::LoadOptions o = validated();
  o.memory_budget = 100000;
  try {
    Model::load(path, o);
    FAIL() << "no error";
  } catch (const InsufficientMemory& e) {
    EXPECT_EQ(e.available(), 100000u);
    EXPECT_NE(std::string(e.what()).find("97.66 KiB available"), std::string::npos) << e.what();
  }
}

TEST(Forward, UnsupportedArchitectureIsNamed) {
  // stories260K with general.architecture "llama" rewritten to "mamba".
  std::string bytes = read_file(shared_path("models/stories260K.gguf"));
  const std::string key = "general.architecture";
  const std::size_t at = bytes.find(key);
  ASSERT_NE(at, std::string::npos);
  const std::size_t value = at + key.size() + 4 + 8;  // type, then the string's length
  ASSERT_EQ(bytes.substr(value, 5), "llama");
  bytes.replace(value, 5, "mamba");
  const std::filesystem::path path = std::filesystem::temp_directory_path() /
                                     ("vkchat-mamba-" + std::to_string(::getpid()) + ".gguf");
  std::ofstream(path, std::ios::binary) << bytes;
  try {
    Model::load(path, validated());
    ADD_FAILURE() << "no error";
  } catch (const UnsupportedModel& e) {
    EXPECT_NE(std::string(e.what()).find("unsupported architecture mamba"), std::string::npos)
        << e.what();
  }
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace vkchat::test
