// Element-wise ops over n elements: out = a + b[i % nb] (residual add with nb = n; bias add
// with nb = the bias length), out = silu(a) * b (SwiGLU, nb = n), or qwen35's gates (nb = n):
// out = a * silu(b) (the delta net's output gate z) and out = a * sigmoid(b) (full attention's).
#version 450
// variant: add -DOP_ADD
// variant: swiglu -DOP_SWIGLU
// variant: mul_silu -DOP_MUL_SILU
// variant: mul_sigmoid -DOP_MUL_SIGMOID
layout(local_size_x_id = 0) in;
#include "common.glsl"

// Mirrors ElementwisePush in engine/ops/kernels.h.
layout(push_constant) uniform Push {
  uint n;
  uint nb;
  uint a_off;
  uint b_off;
  uint out_off;
} pc;

layout(std430, binding = 0) readonly buffer A { float a[]; };
layout(std430, binding = 1) readonly buffer B { float b[]; };
layout(std430, binding = 2) writeonly buffer Out { float o[]; };

void main() {
  uint i = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * WG_SIZE;
  if (i >= pc.n) return;
#ifdef OP_ADD
  o[pc.out_off + i] = a[pc.a_off + i] + b[pc.b_off + i % pc.nb];
#elif defined(OP_MUL_SILU)
  float z = b[pc.b_off + i];
  o[pc.out_off + i] = a[pc.a_off + i] * (z / (1.0 + exp(-z)));
#elif defined(OP_MUL_SIGMOID)
  o[pc.out_off + i] = a[pc.a_off + i] / (1.0 + exp(-b[pc.b_off + i]));
#else
  float g = a[pc.a_off + i];
  o[pc.out_off + i] = g / (1.0 + exp(-g)) * b[pc.b_off + i];
#endif
}
