// RoPE angles with YaRN against llama.cpp's formula (ggml-cpu/ops.cpp rope_yarn and
// rope_yarn_ramp, ggml.c ggml_rope_yarn_corr_dims), written out here again in double: the
// correction dimensions floored and ceiled, the ramp mixing interpolated and extrapolated
// angles, the magnitude attn_factor * (1 + 0.1 ln(1 / freq_scale)). Both evaluations of
// model::rope_cos_sin (double, and ggml's float sequence) must agree with it.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <vector>

#include "model/rope.h"

namespace {

using vkchat::model::RopeAngles;
using vkchat::model::RopeParams;
using vkchat::model::RopeType;

struct Expected {
  std::vector<double> cos, sin;
};

// llama.cpp's YaRN, independently of engine/model/rope.cpp.
Expected llama_cpp_yarn(const RopeParams& p, std::int64_t pos, const std::vector<float>& ff) {
  const double n = p.n_rot, base = p.freq_base;
  auto corr_dim = [&](double rot) {
    return n * std::log(static_cast<double>(p.n_ctx_orig) / (rot * 2 * std::numbers::pi)) /
           (2 * std::log(base));
  };
  const double low = std::max(0.0, std::floor(corr_dim(p.beta_fast)));
  const double high = std::min(n - 1, std::ceil(corr_dim(p.beta_slow)));
  Expected e;
  for (int i = 0; i < p.n_rot / 2; ++i) {
    const double extrap = pos * std::pow(base, -2.0 * i / n) / (ff.empty() ? 1.0 : ff[i]);
    const double interp = p.freq_scale * extrap;
    const double y = (i - low) / std::max(0.001, high - low);
    const double mix = (1 - std::min(1.0, std::max(0.0, y))) * p.ext_factor;
    const double theta = interp * (1 - mix) + extrap * mix;
    const double mscale = p.attn_factor * (1 + 0.1 * std::log(1.0 / p.freq_scale));
    e.cos.push_back(std::cos(theta) * mscale);
    e.sin.push_back(std::sin(theta) * mscale);
  }
  return e;
}

void expect_matches(const RopeParams& p, const std::vector<float>& ff, double tol_exact,
                    double tol_float) {
  std::vector<float> cs(p.n_rot);
  for (std::int64_t pos : {0, 1, 7, 16, 17, 40, 100}) {
    const Expected e = llama_cpp_yarn(p, pos, ff);
    for (RopeAngles a : {RopeAngles::Exact, RopeAngles::LlamaCpp}) {
      vkchat::model::rope_cos_sin(p, pos, ff, a, cs);
      const double tol = a == RopeAngles::Exact ? tol_exact : tol_float;
      for (int i = 0; i < p.n_rot / 2; ++i) {
        EXPECT_NEAR(cs[2 * i], e.cos[i], tol) << "pos " << pos << " pair " << i;
        EXPECT_NEAR(cs[2 * i + 1], e.sin[i], tol) << "pos " << pos << " pair " << i;
      }
    }
  }
}

// mistral3's zoo file: factor 16 over an original context of 16, base 1e6, n_rot 32, betas
// 32/1: the correction dimensions fall inside the pairs, so all three regions
// (extrapolated, mixed, interpolated) occur: low 0, high 2; the magnitude nets to 1
// (yarn_log_multiplier 1).
TEST(RopeYarn, Mistral3ShapeMatchesLlamaCppFormula) {
  RopeParams p;
  p.type = RopeType::Normal;
  p.n_rot = 32;
  p.freq_base = 1e6f;
  p.freq_scale = 1.f / 16;
  p.ext_factor = 1.f;
  p.n_ctx_orig = 16;
  p.attn_factor = static_cast<float>(1 / (1 + 0.1 * std::log(16.0)));
  const auto dims = vkchat::model::yarn_corr_dims(p, RopeAngles::Exact);
  EXPECT_EQ(dims.low, 0);
  EXPECT_EQ(dims.high, 2);
  EXPECT_EQ(vkchat::model::yarn_corr_dims(p, RopeAngles::LlamaCpp).high, 2);
  expect_matches(p, {}, 1e-6, 2e-5);
}

// gpt-oss's shape (factor 32, original context 4096, base 150000, head 64) with frequency
// factors: the magnitude 1 + 0.1 ln 32 multiplies cos and sin.
TEST(RopeYarn, GptOssShapeWithFactorsMatchesLlamaCppFormula) {
  RopeParams p;
  p.type = RopeType::NeoX;
  p.n_rot = 64;
  p.freq_base = 150000.f;
  p.freq_scale = 1.f / 32;
  p.ext_factor = 1.f;
  p.n_ctx_orig = 4096;
  p.attn_factor = 1.f;
  const auto dims = vkchat::model::yarn_corr_dims(p, RopeAngles::Exact);
  EXPECT_GT(dims.low, 0);
  EXPECT_LT(dims.high, 63);
  std::vector<float> ff(32);
  for (int i = 0; i < 32; ++i) ff[i] = 1.f + 0.25f * static_cast<float>(i % 3);
  expect_matches(p, ff, 1e-6, 5e-5);
  std::vector<float> cs(64);
  vkchat::model::rope_cos_sin(p, 0, {}, RopeAngles::Exact, cs);
  EXPECT_NEAR(cs[0], 1 + 0.1 * std::log(32.0), 1e-6);
}

// Without YaRN the angles are linear scaling's and attn_factor multiplies them.
TEST(RopeYarn, LinearScalingKeepsAttnFactor) {
  RopeParams p;
  p.n_rot = 8;
  p.freq_scale = 0.5f;
  p.attn_factor = 0.5f;
  std::vector<float> cs(8);
  vkchat::model::rope_cos_sin(p, 3, {}, RopeAngles::LlamaCpp, cs);
  EXPECT_NEAR(cs[0], 0.5 * std::cos(1.5), 1e-6);
  EXPECT_NEAR(cs[1], 0.5 * std::sin(1.5), 1e-6);
  EXPECT_NEAR(cs[2], 0.5 * std::cos(1.5 * std::pow(10000.0, -0.25)), 1e-6);
}

}  // namespace
