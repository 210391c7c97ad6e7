// out = x * factor over n elements (granite's embedding, residual and logit multipliers); out
// may be x.
#version 450
layout(local_size_x_id = 0) in;
#include "common.glsl"

// Mirrors ScalePush in engine/ops/kernels.h.
layout(push_constant) uniform Push {
  uint n;
  uint x_off;
  uint out_off;
  float factor;
} pc;

layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) writeonly buffer Out { float o[]; };

void main() {
  uint i = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * WG_SIZE;
  if (i >= pc.n) return;
  o[pc.out_off + i] = x[pc.x_off + i] * pc.factor;
}
