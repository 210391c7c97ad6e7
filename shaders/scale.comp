// In place over n elements: x = a * x (Gemma's embedding scale), or with SOFTCAP
// x = cap * tanh(x / cap) (Gemma 2's final logit soft-cap), each in float as ggml's scale and
// tanh ops compute them.
#version 450
// variant: mul
// variant: softcap -DSOFTCAP
layout(local_size_x_id = 0) in;
#include "common.glsl"

// Mirrors ScalePush in engine/ops/kernels.h.
layout(push_constant) uniform Push {
  uint n;
  uint x_off;
  float a;  // the factor; for SOFTCAP, 1 / cap
  float cap;
} pc;

layout(std430, binding = 0) buffer X { float x[]; };

void main() {
  uint i = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * WG_SIZE;
  if (i >= pc.n) return;
#ifdef SOFTCAP
  x[pc.x_off + i] = tanh_clamped(x[pc.x_off + i] * pc.a) * pc.cap;
#else
  x[pc.x_off + i] = x[pc.x_off + i] * pc.a;
#endif
}
