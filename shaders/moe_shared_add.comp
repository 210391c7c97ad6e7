// A shared expert joining a mixture's output (qwen35moe, llama.cpp's build_layer_ffn):
// x[t] += sigmoid(gate[t]) * y[t], one scalar gate per token, in float as ggml's sigmoid, mul and
// add compute it (the product rounded to float before the sum).
#version 450
layout(local_size_x_id = 0) in;
#include "common.glsl"

// Mirrors MoeSharedAddPush in engine/ops/kernels.h.
layout(push_constant) uniform Push {
  uint n;      // elements per row
  uint n_tok;
  uint x_off;  // element offsets: x and y [n_tok x n], gate [n_tok]
  uint y_off;
  uint g_off;
} pc;

layout(std430, binding = 0) buffer X { float x[]; };
layout(std430, binding = 1) readonly buffer Y { float y[]; };
layout(std430, binding = 2) readonly buffer G { float g[]; };

void main() {
  uint i = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * WG_SIZE;
  if (i >= pc.n * pc.n_tok) return;
  uint t = i / pc.n;
  precise float s = 1.0 / (1.0 + exp(-g[pc.g_off + t]));
  precise float shared_part = y[pc.y_off + i] * s;
  x[pc.x_off + i] = x[pc.x_off + i] + shared_part;
}
