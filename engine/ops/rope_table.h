// The cos/sin table RoPE reads: for each position p < n_pos and pair i < n_rot / 2, the angle
// p * freq_scale * freq_base^(-2i / n_rot) evaluated in double (as the CPU reference does) and
// stored as two floats. Built once per model; positions index it directly.
#pragma once
#include <cstdint>
#include <vector>

#include "ops/tensor.h"
#include "ref/ref_ops.h"
#include "vk/buffer.h"

namespace vkchat::vk {
class Context;
}

namespace vkchat::ops {

// (cos, sin) pairs, position-major: [n_pos][n_rot / 2][2].
std::vector<float> rope_cos_sin(const ref::RopeParams& params, std::int64_t n_pos);

struct RopeTable {
  ref::RopeParams params;
  std::int64_t n_pos = 0;
  vk::Buffer buffer;

  // Uploads rope_cos_sin(params, n_pos); std::invalid_argument for an odd or zero n_rot.
  static RopeTable create(vk::Context& ctx, const ref::RopeParams& params, std::int64_t n_pos);
  Tensor tensor() const { return Tensor::f32(buffer, params.n_rot, n_pos); }
};

}  // namespace vkchat::ops
