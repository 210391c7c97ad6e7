// Index of the largest element of each row (the first of equals; NaN never wins). One
// workgroup per row.
#version 450
layout(local_size_x_id = 0) in;
#include "common.glsl"

// Mirrors ArgmaxPush in engine/ops/kernels.h.
layout(push_constant) uniform Push {
  uint n;
  uint x_off;
  uint x_stride;
  uint out_off;
} pc;

layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) writeonly buffer Out { uint o[]; };

void main() {
  uint row = gl_WorkGroupID.x;
  uint tid = gl_LocalInvocationIndex;
  float best = uintBitsToFloat(0xFF800000u);  // -inf
  uint best_i = 0xFFFFFFFFu;
  uint base = pc.x_off + row * pc.x_stride;
  for (uint i = tid; i < pc.n; i += WG_SIZE) {
    float v = x[base + i];
    if (v > best || (best_i == 0xFFFFFFFFu && v == best)) {
      best = v;
      best_i = i;
    }
  }
  wg_argmax(best, best_i);
  if (tid == 0u) o[pc.out_off + row] = best_i == 0xFFFFFFFFu ? 0u : best_i;
}
