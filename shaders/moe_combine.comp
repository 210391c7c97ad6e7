// The end of a mixture of experts' feed-forward: out[t] = sum_j w[t][j] * y[t * n_used + j], each
// expert's output scaled by its routing weight and summed in slot order in float, as llama.cpp's
// build_moe_ffn does (ggml_mul by the weights, then ggml_add of the slots left to right).
#version 450
layout(local_size_x_id = 0) in;
#include "common.glsl"

// Mirrors MoeCombinePush in engine/ops/kernels.h.
layout(push_constant) uniform Push {
  uint n;        // elements per row
  uint n_tok;
  uint n_used;   // slots per token
  uint y_off;    // element offsets: y [n_tok * n_used x n], w [n_tok x n_used], out [n_tok x n]
  uint w_off;
  uint out_off;
} pc;

layout(std430, binding = 0) readonly buffer Y { float y[]; };
layout(std430, binding = 1) readonly buffer W { float w[]; };
layout(std430, binding = 2) writeonly buffer Out { float o[]; };

void main() {
  uint i = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * WG_SIZE;
  if (i >= pc.n * pc.n_tok) return;
  uint t = i / pc.n, c = i % pc.n;
  uint slot0 = t * pc.n_used;
  float acc = y[pc.y_off + slot0 * pc.n + c] * w[pc.w_off + slot0];
  for (uint j = 1; j < pc.n_used; ++j) {
    acc += y[pc.y_off + (slot0 + j) * pc.n + c] * w[pc.w_off + slot0 + j];
  }
  o[pc.out_off + i] = acc;
}
