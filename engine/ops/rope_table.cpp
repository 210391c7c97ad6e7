// Host-side RoPE angles in double precision.
#include "ops/rope_table.h"

#include <cmath>
#include <stdexcept>
#include <string>

#include "vk/context.h"

namespace vkchat::ops {

std::vector<float> rope_cos_sin(const ref::RopeParams& p, std::int64_t n_pos,
                                std::span<const float> freq_factors) {
  if (p.n_rot <= 0 || p.n_rot % 2 != 0) {
    throw std::invalid_argument("rope: n_rot " + std::to_string(p.n_rot) + " must be even");
  }
  const int half = p.n_rot / 2;
  if (!freq_factors.empty() && freq_factors.size() != static_cast<std::size_t>(half)) {
    throw std::invalid_argument("rope: " + std::to_string(freq_factors.size()) +
                                " frequency factors for n_rot " + std::to_string(p.n_rot));
  }
  std::vector<double> inv_freq(static_cast<std::size_t>(half));
  for (int i = 0; i < half; ++i) {
    inv_freq[i] = std::pow(static_cast<double>(p.freq_base), -2.0 * i / p.n_rot);
  }
  std::vector<float> out(static_cast<std::size_t>(n_pos) * p.n_rot);
  for (std::int64_t pos = 0; pos < n_pos; ++pos) {
    for (int i = 0; i < half; ++i) {
      double theta = static_cast<double>(pos) * p.freq_scale * inv_freq[i];
      if (!freq_factors.empty()) theta /= freq_factors[i];
      float* cs = out.data() + (pos * half + i) * 2;
      cs[0] = static_cast<float>(std::cos(theta));
      cs[1] = static_cast<float>(std::sin(theta));
    }
  }
  return out;
}

RopeTable RopeTable::create(vk::Context& ctx, const ref::RopeParams& params, std::int64_t n_pos,
                            std::span<const float> freq_factors) {
  std::vector<float> cs = rope_cos_sin(params, n_pos, freq_factors);
  RopeTable t{params, n_pos,
              vk::Buffer(ctx, cs.size() * sizeof(float), vk::BufferKind::Device, "rope table")};
  ctx.upload(t.buffer, 0, std::as_bytes(std::span<const float>(cs)));
  return t;
}

}  // namespace vkchat::ops
