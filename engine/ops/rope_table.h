// The cos/sin table RoPE reads: for each position p < n_pos and pair i < n_rot / 2, the angle
// p * freq_scale * freq_base^(-2i / n_rot) / freq_factors[i] evaluated by model::rope_cos_sin (in
// double, or as llama.cpp does) and stored as two floats. freq_factors is empty or holds n_rot / 2
// divisors (llama 3's rope_freqs tensor). YaRN's angles and magnitude come with the parameters
// (model::RopeParams). position_scale is empty or holds n_pos factors that multiply each
// position's cos and sin: a query table with mistral3's attention temperature folded in (RoPE is
// linear in them, and that model rotates whole heads). Built once per model; positions index it
// directly.
#pragma once
#include <cstdint>
#include <span>
#include <vector>

#include "ops/tensor.h"
#include "ref/ref_ops.h"
#include "vk/buffer.h"

namespace vkchat::vk {
class Context;
}

namespace vkchat::ops {

// (cos, sin) pairs, position-major: [n_pos][n_rot / 2][2].
std::vector<float> rope_cos_sin(const ref::RopeParams& params, std::int64_t n_pos,
                                std::span<const float> freq_factors = {},
                                model::RopeAngles angles = model::RopeAngles::Exact,
                                std::span<const float> position_scale = {});

struct RopeTable {
  ref::RopeParams params;
  std::int64_t n_pos = 0;
  vk::Buffer buffer;

  // Uploads rope_cos_sin(params, n_pos, freq_factors, angles, position_scale);
  // std::invalid_argument for an odd or zero n_rot or a wrong number of factors.
  static RopeTable create(vk::Context& ctx, const ref::RopeParams& params, std::int64_t n_pos,
                          std::span<const float> freq_factors = {},
                          model::RopeAngles angles = model::RopeAngles::Exact,
                          std::span<const float> position_scale = {});
  Tensor tensor() const { return Tensor::f32(buffer, params.n_rot, n_pos); }
};

}  // namespace vkchat::ops
