// RoPE angles, in double or in ggml's float sequence (ggml-cpu/ops.cpp: ggml_rope_cache_init,
// rope_yarn, rope_yarn_ramp; ggml.c: ggml_rope_yarn_corr_dims).
#include "model/rope.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace vkchat::model {

namespace {

// The ramp of rope_yarn_ramp: 1 for pairs below low, 0 above high, linear between (a span under
// 0.001 counts as 0.001, so that low == high is a step).
template <class T>
T yarn_ramp(T low, T high, int i) {
  const T y = (static_cast<T>(i) - low) / std::max(static_cast<T>(0.001), high - low);
  return 1 - std::min<T>(1, std::max<T>(0, y));
}

}  // namespace

YarnCorrDims yarn_corr_dims(const RopeParams& p, RopeAngles angles) {
  if (angles == RopeAngles::Exact) {
    auto dim = [&](double beta) {
      return p.n_rot * std::log(static_cast<double>(p.n_ctx_orig) / (beta * 2 * std::numbers::pi)) /
             (2 * std::log(static_cast<double>(p.freq_base)));
    };
    return {std::max(0.0, std::floor(dim(p.beta_fast))),
            std::min(p.n_rot - 1.0, std::ceil(dim(p.beta_slow)))};
  }
  auto dim = [&](float beta) {
    return static_cast<float>(p.n_rot) *
           std::log(static_cast<float>(p.n_ctx_orig) / (beta * 2 * std::numbers::pi_v<float>)) /
           (2 * std::log(p.freq_base));
  };
  return {std::max(0.f, std::floor(dim(p.beta_fast))),
          std::min(static_cast<float>(p.n_rot - 1), std::ceil(dim(p.beta_slow)))};
}

bool RopeParams::pair_rotates(int i) const {
  if (!mrope()) return true;
  const auto& sec = mrope_sections;
  // ggml_mrope_cache_init, interleaved (GGML_ROPE_TYPE_IMROPE).
  const int sector = i % (sec[0] + sec[1] + sec[2] + sec[3]);
  const int lane = sector % 3;
  return sector < 3 * sec[static_cast<std::size_t>(lane)];
}

void rope_cos_sin(const RopeParams& p, std::int64_t pos, std::span<const float> freq_factors,
                  RopeAngles angles, std::span<float> cs) {
  const int half = p.n_rot / 2;
  const bool yarn = p.ext_factor != 0.f;
  const YarnCorrDims corr = yarn ? yarn_corr_dims(p, angles) : YarnCorrDims{};
  if (angles == RopeAngles::Exact) {
    const double mscale =
        p.attn_factor * (yarn ? 1 + 0.1 * std::log(1.0 / static_cast<double>(p.freq_scale)) : 1.0);
    for (int i = 0; i < half; ++i) {
      double extrap =
          static_cast<double>(pos) * std::pow(static_cast<double>(p.freq_base), -2.0 * i / p.n_rot);
      if (!freq_factors.empty()) extrap /= freq_factors[i];
      double theta = p.freq_scale * extrap;
      if (yarn) {
        const double mix = yarn_ramp(corr.low, corr.high, i) * p.ext_factor;
        theta = theta * (1 - mix) + extrap * mix;
      }
      if (!p.pair_rotates(i)) theta = 0.0;
      cs[2 * i] = static_cast<float>(std::cos(theta) * mscale);
      cs[2 * i + 1] = static_cast<float>(std::sin(theta) * mscale);
    }
    return;
  }
  const float low = static_cast<float>(corr.low), high = static_cast<float>(corr.high);
  float mscale = p.attn_factor;
  if (yarn) mscale *= 1.0f + 0.1f * std::log(1.0f / p.freq_scale);
  const float theta_scale = std::pow(p.freq_base, -2.0f / static_cast<float>(p.n_rot));
  float theta_base = static_cast<float>(pos);
  for (int i = 0; i < half; ++i, theta_base *= theta_scale) {
    const float extrap = freq_factors.empty() ? theta_base : theta_base / freq_factors[i];
    const float interp = p.freq_scale * extrap;
    float theta = interp;
    if (yarn) {
      const float mix = yarn_ramp(low, high, i) * p.ext_factor;
      theta = interp * (1 - mix) + extrap * mix;
    }
    if (!p.pair_rotates(i)) theta = 0.f;
    cs[2 * i] = std::cos(theta) * mscale;
    cs[2 * i + 1] = std::sin(theta) * mscale;
  }
}

}  // namespace vkchat::model
