// The gemma2/gemma3 CPU reference: the hyperparameters llama.cpp derives for the zoo files
// (sliding-window pattern, per-kind RoPE, scales, soft-caps), the new reference ops against
// hand-computed values, and both forward passes against llama.cpp's zoo goldens
// (../shared/golden/zoo) by teacher forcing, in float and with llama.cpp's rounding.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "engine/ref_golden.h"
#include "gguf/gguf_reader.h"
#include "model/weights.h"
#include "ref/ref_forward.h"
#include "ref/ref_ops.h"
#include "support/golden.h"
#include "support/quantized.h"
#include "support/test_support.h"

namespace test = vkchat::test;
namespace ref = vkchat::ref;
using vkchat::model::Arch;

namespace {

vkchat::gguf::GgufFile open_zoo(const std::string& model) {
  return vkchat::gguf::GgufFile::open(test::shared_path("models/zoo/" + model + ".gguf"));
}

// Every golden of a zoo model through the reference: top-1 where the gap is >= 0.05 and the
// given tolerance.
void check_goldens(const std::string& model, ref::KvPrecision kv, ref::Rounding rounding,
                   test::Tolerance tol) {
  const auto f = open_zoo(model);
  const auto spec = vkchat::model::read_model_spec(f);
  int cases = 0;
  for (const test::GoldenCase& g : test::zoo_goldens(model)) {
    ++cases;
    test::expect_clean(g.name, test::ref_teacher_force(spec, g, tol, rounding, kv));
  }
  EXPECT_EQ(cases, 4);
}

}  // namespace

TEST(GemmaHParams, Gemma3ZooFile) {
  const auto f = open_zoo("synth-gemma3-f16");
  const auto spec = vkchat::model::read_model_spec(f);
  const auto& hp = spec.hp;
  EXPECT_EQ(hp.arch, Arch::Gemma3);
  EXPECT_EQ(hp.swa.window, 16);
  // No pattern key: period 6, layers 0-4 sliding, 5 global.
  for (int il = 0; il < 6; ++il) EXPECT_EQ(hp.swa.is_swa(il), il < 5) << il;
  EXPECT_EQ(hp.layer_window(0), 16);
  EXPECT_EQ(hp.layer_window(5), 0);
  EXPECT_FLOAT_EQ(hp.layer_rope(5).freq_base, 1e6f);
  EXPECT_FLOAT_EQ(hp.layer_rope(5).freq_scale, 1.f / 8);
  EXPECT_FLOAT_EQ(hp.layer_rope(0).freq_base, 1e4f);
  EXPECT_FLOAT_EQ(hp.layer_rope(0).freq_scale, 1.f);
  EXPECT_EQ(hp.rope.type, vkchat::model::RopeType::NeoX);
  EXPECT_FLOAT_EQ(hp.attention_scale(), 1.f / 8);  // 1 / sqrt(head_dim 64)
  EXPECT_FLOAT_EQ(hp.embd_scale, std::sqrt(128.f));
  EXPECT_EQ(hp.attn_softcap, 0.f);
  EXPECT_EQ(hp.final_softcap, 0.f);
  EXPECT_TRUE(spec.w.tied_output);
  ASSERT_NE(spec.w.layers[0].q_norm, nullptr);
  ASSERT_NE(spec.w.layers[0].attn_post_norm, nullptr);
  ASSERT_NE(spec.w.layers[0].ffn_post_norm, nullptr);
}

TEST(GemmaHParams, Gemma2ZooFile) {
  const auto f = open_zoo("synth-gemma2-f16");
  const auto spec = vkchat::model::read_model_spec(f);
  const auto& hp = spec.hp;
  EXPECT_EQ(hp.arch, Arch::Gemma2);
  EXPECT_EQ(hp.swa.window, 16);
  // Period 2: even layers sliding.
  for (int il = 0; il < 4; ++il) EXPECT_EQ(hp.swa.is_swa(il), il % 2 == 0) << il;
  // No rope.freq_base: 10000 for both kinds.
  EXPECT_FLOAT_EQ(hp.layer_rope(0).freq_base, 1e4f);
  EXPECT_FLOAT_EQ(hp.layer_rope(1).freq_base, 1e4f);
  EXPECT_FLOAT_EQ(hp.attn_softcap, 50.f);
  EXPECT_FLOAT_EQ(hp.final_softcap, 30.f);
  EXPECT_FLOAT_EQ(hp.attention_scale(), 1.f / 8);
  EXPECT_TRUE(spec.w.tied_output);
  EXPECT_EQ(spec.w.layers[0].q_norm, nullptr);
  ASSERT_NE(spec.w.layers[3].ffn_post_norm, nullptr);
}

TEST(GemmaRefOps, SwaPatternAndWindow) {
  EXPECT_EQ(vkchat::model::swa_layer_pattern(7, 3),
            (std::vector<bool>{true, true, false, true, true, false, true}));
  EXPECT_EQ(vkchat::model::swa_layer_pattern(2, 0), (std::vector<bool>{true, true}));
  EXPECT_EQ(vkchat::model::swa_layer_pattern(3, 1), (std::vector<bool>{false, false, false}));
  // llama.cpp masks key p0 for query p when p - p0 >= window.
  EXPECT_EQ(vkchat::model::window_first_key(15, 16), 0);
  EXPECT_EQ(vkchat::model::window_first_key(16, 16), 1);
  EXPECT_EQ(vkchat::model::window_first_key(40, 16), 25);
  EXPECT_EQ(vkchat::model::window_first_key(40, 0), 0);
}

TEST(GemmaRefOps, GeluTanhAndGeglu) {
  EXPECT_EQ(ref::gelu_tanh(0.f), 0.f);
  const double x = 1.5;
  const double want = 0.5 * x * (1 + std::tanh(std::sqrt(2 / M_PI) * (x + 0.044715 * x * x * x)));
  EXPECT_NEAR(ref::gelu_tanh(1.5f), want, 1e-7);
  EXPECT_NEAR(ref::gelu_tanh(-20.f), 0.0, 1e-7);
  const std::vector<float> gate{1.5f, -0.5f, 12.f, -11.f}, up{2.f, 3.f, 0.5f, 4.f};
  std::vector<float> out(4), ll(4);
  ref::geglu(gate, up, out);
  ref::geglu_llama_cpp(gate, up, ll);
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_NEAR(out[i], ref::gelu_tanh(gate[i]) * up[i], 1e-6) << i;
    // fp16 table lookups: within fp16 rounding of the exact value.
    EXPECT_NEAR(ll[i], out[i], 2e-3 * std::abs(out[i]) + 1e-6) << i;
  }
  EXPECT_EQ(ll[2], 6.f);  // at or above 10: the gate itself
  EXPECT_EQ(ll[3], 0.f);  // at or below -10: 0
}

TEST(GemmaRefOps, SoftcapBoundsAndKeepsSmallValues) {
  std::vector<float> x{0.f, 1.f, -1000.f, 1000.f};
  ref::softcap(x, 30.f);
  EXPECT_EQ(x[0], 0.f);
  EXPECT_NEAR(x[1], 30 * std::tanh(1.0 / 30), 1e-6);
  EXPECT_NEAR(x[2], -30.f, 1e-5);
  EXPECT_NEAR(x[3], 30.f, 1e-5);
}

// The window masks keys before first_key exactly as if they were not in the cache, and the
// soft-cap bounds every score: a query that would put all weight on one huge score spreads it.
TEST(GemmaRefOps, AttentionWindowAndSoftcap) {
  const int hd = 2;
  const std::vector<float> k{1, 0, 0, 1, 1, 1, -1, 0};  // 4 rows, one head
  const std::vector<float> v{1, 2, 3, 4, 5, 6, 7, 8};
  const std::vector<float> q{0.7f, -0.3f};
  std::vector<float> windowed(2), tail(2);
  ref::attention(q, k, v, 4, 1, 1, hd, 0.5f, windowed, {.first_key = 2});
  ref::attention(q, std::span(k).subspan(4), std::span(v).subspan(4), 2, 1, 1, hd, 0.5f, tail);
  EXPECT_NEAR(windowed[0], tail[0], 1e-6);
  EXPECT_NEAR(windowed[1], tail[1], 1e-6);
  // Scores 100 and 0 under cap 1: tanh bounds them to ~1 and 0, weights e^1 : e^0.
  const std::vector<float> qq{100.f, 0.f}, kk{1, 0, 0, 1}, vv{1, 0, 0, 1};
  std::vector<float> capped(2);
  ref::attention(qq, kk, vv, 2, 1, 1, hd, 1.f, capped, {.softcap = 1.f});
  const double w0 = std::exp(std::tanh(100.0)) / (std::exp(std::tanh(100.0)) + 1);
  EXPECT_NEAR(capped[0], w0, 1e-6);
  EXPECT_NEAR(capped[1], 1 - w0, 1e-6);
  std::vector<float> ll(2);
  ref::attention_llama_cpp(qq, kk, vv, 2, 1, 1, hd, 1.f, ll, {.softcap = 1.f});
  EXPECT_NEAR(ll[0], w0, 2e-3);
  EXPECT_THROW(ref::attention(q, k, v, 4, 1, 1, hd, 0.5f, windowed, {.first_key = 4}),
               std::invalid_argument);
}

// Against llama.cpp's goldens (prompt 2, the score text and every greedy run pass the
// 16-position window), computing in float and rounding like llama.cpp, with gemma_zoo_tolerance
// (golden.h says why those bounds).
namespace {

void check_gemma(const std::string& model) {
  const bool quantized = test::is_quantized(open_zoo(model));
  for (bool rounded : {false, true}) {
    SCOPED_TRACE(rounded ? "llama.cpp rounding" : "float");
    check_goldens(model, ref::KvPrecision::F16,
                  rounded ? ref::Rounding::LlamaCpp : ref::Rounding::Exact,
                  test::gemma_zoo_tolerance(quantized));
  }
}

}  // namespace

TEST(ZooRefGolden, Gemma3MatchesLlamaCpp) {
  check_gemma("synth-gemma3-f16");
}

TEST(ZooRefGolden, Gemma2MatchesLlamaCpp) {
  check_gemma("synth-gemma2-f16");
}

// gemma4 (dense): the zoo file's per-layer head counts and sizes, its sliding-window pattern
// array, per-kind RoPE (proportional on the full layer) and scales as llama.cpp reads them.
TEST(GemmaHParams, Gemma4ZooFile) {
  const auto f = open_zoo("synth-gemma4-f16");
  const auto spec = vkchat::model::read_model_spec(f);
  const auto& hp = spec.hp;
  EXPECT_EQ(hp.arch, Arch::Gemma4);
  ASSERT_EQ(hp.n_layer, 6);
  EXPECT_EQ(hp.swa.window, 16);
  for (int il = 0; il < 6; ++il) {
    SCOPED_TRACE(il);
    const auto la = hp.layer_attention(il);
    EXPECT_EQ(hp.swa.is_swa(il), il < 5);
    EXPECT_EQ(la.n_head, 4);
    EXPECT_EQ(la.n_head_kv, il < 5 ? 2 : 1);
    EXPECT_EQ(la.head_dim, il < 5 ? 32 : 64);
    EXPECT_EQ(hp.kv_layer(il), il);                       // shared_kv_layers 0
    EXPECT_EQ(spec.w.layers[il].wv == nullptr, il == 5);  // the full layer's V is K
    ASSERT_NE(spec.w.layers[il].out_scale, nullptr);
  }
  // The scratch is sized by the largest of each.
  EXPECT_EQ(hp.n_head_kv, 2);
  EXPECT_EQ(hp.head_dim, 64);
  EXPECT_EQ(hp.layer_rope(5).n_rot, 64);
  EXPECT_FLOAT_EQ(hp.layer_rope(5).freq_base, 1e6f);
  EXPECT_EQ(hp.layer_rope(0).n_rot, 32);
  EXPECT_FLOAT_EQ(hp.layer_rope(0).freq_base, 1e4f);
  EXPECT_TRUE(hp.rope_freqs_full_layers_only);
  ASSERT_NE(spec.w.rope_freqs, nullptr);
  EXPECT_EQ(hp.rope.type, vkchat::model::RopeType::NeoX);
  EXPECT_FLOAT_EQ(hp.attention_scale(), 1.f);
  EXPECT_FLOAT_EQ(hp.embd_scale, std::sqrt(128.f));
  EXPECT_FLOAT_EQ(hp.final_softcap, 30.f);
  EXPECT_EQ(hp.attn_softcap, 0.f);
  EXPECT_TRUE(spec.w.tied_output);
}

// Rounding like llama.cpp only: gemma4_zoo_tolerance (golden.h) says why.
TEST(ZooRefGolden, Gemma4MatchesLlamaCpp) {
  check_goldens("synth-gemma4-f16", ref::KvPrecision::F16, ref::Rounding::LlamaCpp,
                test::gemma4_zoo_tolerance());
}
