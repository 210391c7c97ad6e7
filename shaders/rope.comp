// Rotary position embedding in place over x[token][head][head_dim], token t at position
// pos0 + t (pos0: the step buffer's word plus pos_off). cos and sin come from a table built on the host in double precision
// (engine/ops/rope_table.h): table[pos][i] = (cos, sin) of pair i's angle. Normal (llama)
// rotates (x[2i], x[2i+1]); NeoX (qwen2, qwen3, phi3) rotates (x[i], x[i + n_rot/2]).
// Dimensions past n_rot pass through.
#version 450
layout(local_size_x_id = 0) in;
#include "common.glsl"

// Mirrors RopePush in engine/ops/kernels.h.
layout(push_constant) uniform Push {
  uint n_heads;
  uint head_dim;
  uint n_rot;
  uint pos_off;
  uint n_tok;
  uint x_off;
  uint x_stride;   // elements between tokens
  uint table_off;  // elements
  uint neox;
  uint step_off;
} pc;

layout(std430, binding = 0) buffer Xb { float x[]; };
layout(std430, binding = 1) readonly buffer Table { vec2 cs[]; };
// The pass's first position, written by the host before each submit (ops::Positions).
layout(std430, binding = 2) readonly buffer Step { int step[]; };

void main() {
  uint half_rot = pc.n_rot / 2u;
  uint i = gl_GlobalInvocationID.x;  // pair
  uint h = gl_WorkGroupID.y;
  uint t = gl_WorkGroupID.z;
  if (i >= half_rot || h >= pc.n_heads || t >= pc.n_tok) return;
  uint base = pc.x_off + t * pc.x_stride + h * pc.head_dim;
  uint i0 = pc.neox != 0u ? i : 2u * i;
  uint i1 = pc.neox != 0u ? i + half_rot : 2u * i + 1u;
  vec2 c = cs[pc.table_off / 2u + (uint(step[pc.step_off]) + pc.pos_off + t) * half_rot + i];
  float x0 = x[base + i0];
  float x1 = x[base + i1];
  x[base + i0] = x0 * c.x - x1 * c.y;
  x[base + i1] = x0 * c.y + x1 * c.x;
}
