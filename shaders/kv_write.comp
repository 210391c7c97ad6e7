// Writes n_tok rows of K and V (f32) into the f16 caches for positions pos0 .. pos0 + n_tok - 1
// (pos0: the step buffer's word plus pos_off).
// A cache of `rows` rows keeps position p at row p % rows: a sliding-window layer's ring
// (llm::KvCache) wraps, a full cache (rows >= every position) is indexed by position.
// Each invocation converts two neighbouring elements of K and of V.
#version 450
layout(local_size_x_id = 0) in;
#include "common.glsl"

// Mirrors KvWritePush in engine/ops/kernels.h.
layout(push_constant) uniform Push {
  uint row;         // elements per token row (n_head_kv * head_dim), even
  uint n_tok;
  uint pos_off;
  uint k_off;       // source element offsets
  uint v_off;
  uint src_stride;  // elements between tokens in K and V
  uint kc_off;      // cache offsets in 32-bit words (element pairs)
  uint vc_off;
  uint rows;        // cache rows (n_tok <= rows)
  uint step_off;
} pc;

layout(std430, binding = 0) readonly buffer Ks { float k[]; };
layout(std430, binding = 1) readonly buffer Vs { float v[]; };
layout(std430, binding = 2) writeonly buffer Kc { uint kc[]; };
layout(std430, binding = 3) writeonly buffer Vc { uint vc[]; };
// The pass's first position, written by the host before each submit (ops::Positions).
layout(std430, binding = 4) readonly buffer Step { int step[]; };

void main() {
  uint pairs = pc.row / 2u;
  uint p = gl_GlobalInvocationID.x;
  uint t = gl_WorkGroupID.y;
  if (p >= pairs || t >= pc.n_tok) return;
  uint src = t * pc.src_stride + 2u * p;
  uint dst = ((uint(step[pc.step_off]) + pc.pos_off + t) % pc.rows) * pairs + p;
  kc[pc.kc_off + dst] = packHalf2x16(vec2(k[pc.k_off + src], k[pc.k_off + src + 1u]));
  vc[pc.vc_off + dst] = packHalf2x16(vec2(v[pc.v_off + src], v[pc.v_off + src + 1u]));
}
