// Host-side RoPE angles (model::rope_cos_sin), one row per position.
#include "ops/rope_table.h"

#include <stdexcept>
#include <string>

#include "vk/context.h"

namespace vkchat::ops {

std::vector<float> rope_cos_sin(const ref::RopeParams& p, std::int64_t n_pos,
                                std::span<const float> freq_factors, model::RopeAngles angles,
                                std::span<const float> position_scale) {
  if (p.n_rot <= 0 || p.n_rot % 2 != 0) {
    throw std::invalid_argument("rope: n_rot " + std::to_string(p.n_rot) + " must be even");
  }
  const int half = p.n_rot / 2;
  if (!freq_factors.empty() && freq_factors.size() != static_cast<std::size_t>(half)) {
    throw std::invalid_argument("rope: " + std::to_string(freq_factors.size()) +
                                " frequency factors for n_rot " + std::to_string(p.n_rot));
  }
  if (!position_scale.empty() && position_scale.size() != static_cast<std::size_t>(n_pos)) {
    throw std::invalid_argument("rope: " + std::to_string(position_scale.size()) +
                                " position scales for " + std::to_string(n_pos) + " positions");
  }
  std::vector<float> out(static_cast<std::size_t>(n_pos) * p.n_rot);
  for (std::int64_t pos = 0; pos < n_pos; ++pos) {
    const std::span<float> row = std::span<float>(out).subspan(
        static_cast<std::size_t>(pos * p.n_rot), static_cast<std::size_t>(p.n_rot));
    model::rope_cos_sin(p, pos, freq_factors, angles, row);
    if (!position_scale.empty()) {
      for (float& c : row) c *= position_scale[static_cast<std::size_t>(pos)];
    }
  }
  return out;
}

RopeTable RopeTable::create(vk::Context& ctx, const ref::RopeParams& params, std::int64_t n_pos,
                            std::span<const float> freq_factors, model::RopeAngles angles,
                            std::span<const float> position_scale) {
  std::vector<float> cs = rope_cos_sin(params, n_pos, freq_factors, angles, position_scale);
  RopeTable t{params, n_pos,
              vk::Buffer(ctx, cs.size() * sizeof(float), vk::BufferKind::Device, "rope table")};
  ctx.upload(t.buffer, 0, std::as_bytes(std::span<const float>(cs)));
  return t;
}

}  // namespace vkchat::ops
