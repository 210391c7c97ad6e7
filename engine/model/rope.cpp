// RoPE angles, in double or in ggml's float sequence.
#include "model/rope.h"

#include <cmath>

namespace vkchat::model {

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
  if (angles == RopeAngles::Exact) {
    for (int i = 0; i < half; ++i) {
      double theta = static_cast<double>(pos) * p.freq_scale *
                     std::pow(static_cast<double>(p.freq_base), -2.0 * i / p.n_rot);
      if (!freq_factors.empty()) theta /= freq_factors[i];
      if (!p.pair_rotates(i)) theta = 0.0;
      cs[2 * i] = static_cast<float>(std::cos(theta));
      cs[2 * i + 1] = static_cast<float>(std::sin(theta));
    }
    return;
  }
  const float theta_scale = std::pow(p.freq_base, -2.0f / static_cast<float>(p.n_rot));
  float theta = static_cast<float>(pos);
  for (int i = 0; i < half; ++i, theta *= theta_scale) {
    const float extrap = freq_factors.empty() ? theta : theta / freq_factors[i];
    const float angle = p.pair_rotates(i) ? p.freq_scale * extrap : 0.f;
    cs[2 * i] = std::cos(angle);
    cs[2 * i + 1] = std::sin(angle);
  }
}

}  // namespace vkchat::model
