// Combines attn.comp's per-chunk partials (m, l, o) of each query head into the output:
// M = max m_c, out = sum o_c e^(m_c - M) / sum l_c e^(m_c - M). Queries that fit in one chunk
// were written by attn.comp and are skipped. One workgroup per (head, token).
#version 450
layout(local_size_x_id = 0) in;
#include "common.glsl"

// Mirrors AttnReducePush in engine/ops/kernels.h.
layout(push_constant) uniform Push {
  uint n_head;
  uint head_dim;
  uint pos_off;
  uint n_tok;
  uint chunk;
  uint n_chunks;
  uint scratch_off;
  uint out_off;
  uint out_stride;
  uint window;  // 0: the whole context; else chunks start at max(0, pos - window + 1)
  uint step_off;
} pc;

layout(std430, binding = 0) readonly buffer Scratch { float scratch[]; };
layout(std430, binding = 1) writeonly buffer Out { float o[]; };
// The pass's first position, written by the host before each submit (ops::Positions).
layout(std430, binding = 2) readonly buffer Step { int step[]; };

void main() {
  uint h = gl_WorkGroupID.x;
  uint t = gl_WorkGroupID.y;
  uint n_kv = uint(step[pc.step_off]) + pc.pos_off + t + 1u;
  uint lo = pc.window > 0u && n_kv > pc.window ? n_kv - pc.window : 0u;
  uint nct = (n_kv - lo + pc.chunk - 1u) / pc.chunk;
  if (nct == 1u) return;
  uint hd = pc.head_dim;
  uint base = pc.scratch_off + (t * pc.n_head + h) * pc.n_chunks * (hd + 2u);
  float M = uintBitsToFloat(0xFF800000u);
  for (uint c = 0; c < nct; ++c) M = max(M, scratch[base + c * (hd + 2u)]);
  float L = 0.0;
  for (uint c = 0; c < nct; ++c) {
    uint sb = base + c * (hd + 2u);
    L += scratch[sb + 1u] * exp(scratch[sb] - M);
  }
  uint ob = pc.out_off + t * pc.out_stride + h * hd;
  for (uint d = gl_LocalInvocationIndex; d < hd; d += WG_SIZE) {
    float acc = 0.0;
    for (uint c = 0; c < nct; ++c) {
      uint sb = base + c * (hd + 2u);
      acc += scratch[sb + 2u + d] * exp(scratch[sb] - M);
    }
    o[ob + d] = acc / L;
  }
}
