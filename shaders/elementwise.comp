// Element-wise ops over n elements: out = a + b[i % nb] (residual add with nb = n; bias add
// with nb = the bias length), out = silu(a) * b (SwiGLU, nb = n), out = gelu_tanh(a) * b
// (GeGLU, Gemma's feed-forward), or qwen35's gates (nb = n): out = a * silu(b) (the delta net's
// output gate z) and out = a * sigmoid(b) (full attention's). "geglu_llama" is GeGLU as ggml's
// CPU backend computes it (ref::geglu_llama_cpp): gelu of the gate rounded to fp16, the result
// rounded to fp16 (its table), 0 at or below -10 and the gate itself at or above 10.
#version 450
// variant: add -DOP_ADD
// variant: swiglu -DOP_SWIGLU
// variant: mul_silu -DOP_MUL_SILU
// variant: mul_sigmoid -DOP_MUL_SIGMOID
// variant: geglu -DOP_GEGLU
// variant: geglu_llama -DOP_GEGLU -DLLAMA_CPP
layout(local_size_x_id = 0) in;
#include "common.glsl"
#ifdef LLAMA_CPP
#include "rounding.glsl"
#endif

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
#if defined(OP_ADD)
  o[pc.out_off + i] = a[pc.a_off + i] + b[pc.b_off + i % pc.nb];
#elif defined(OP_MUL_SILU)
  float z = b[pc.b_off + i];
  o[pc.out_off + i] = a[pc.a_off + i] * (z / (1.0 + exp(-z)));
#elif defined(OP_MUL_SIGMOID)
  o[pc.out_off + i] = a[pc.a_off + i] / (1.0 + exp(-b[pc.b_off + i]));
#elif defined(OP_GEGLU)
  float g = a[pc.a_off + i];
#ifdef LLAMA_CPP
  float x = round_fp16(g);
  float act = g <= -10.0 ? 0.0
            : g >= 10.0  ? g
                         : round_fp16(0.5 * x * (1.0 + tanh_clamped(0.7978845608 * x * (1.0 + 0.044715 * x * x))));
#else
  float act = 0.5 * g * (1.0 + tanh_clamped(0.7978845608 * g * (1.0 + 0.044715 * g * g)));
#endif
  o[pc.out_off + i] = act * b[pc.b_off + i];
#else
  float g = a[pc.a_off + i];
  o[pc.out_off + i] = g / (1.0 + exp(-g)) * b[pc.b_off + i];
#endif
}
