// The k most probable entries of each row of logits under a temperature, on the device, so that a
// decoded token's alternatives (and its greedy choice, ids[0]) come back as 2k numbers instead of
// the whole row: ids in order of decreasing logit (equal logits: the smaller index first, as
// argmax), and each one's probability softmax(x * inv_temp), normalized over the whole row. One
// workgroup per row: each invocation keeps the k best of its strided slice, sorted, and an online
// softmax (its maximum and the sum of exp relative to it); k rounds of a workgroup argmax over the
// lists' heads then pick the row's k best. A NaN or infinite logit sets bad[row] to 1 (the host
// refuses such logits, as it does those it reads itself).
#version 450
// fallback: nosg
layout(local_size_x_id = 0) in;
#include "common.glsl"

#define MAX_K 16u

// Mirrors TopKPush in engine/ops/kernels.h.
layout(push_constant) uniform Push {
  uint n;         // logits per row
  uint x_off;
  uint x_stride;  // elements between rows
  uint k;         // at most MAX_K
  uint ids_off;   // k per row
  uint probs_off;
  uint bad_off;   // one per row
  float inv_temp;
} pc;

layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) writeonly buffer Ids { uint ids[]; };
layout(std430, binding = 2) writeonly buffer Probs { float probs[]; };
layout(std430, binding = 3) writeonly buffer Bad { uint bad[]; };

// v before w in the output order: larger first, the smaller index among equals.
bool before(float v, uint i, float w, uint j) {
  return v > w || (v == w && i < j);
}

void main() {
  uint row = gl_WorkGroupID.x;
  uint tid = gl_LocalInvocationIndex;
  uint base = pc.x_off + row * pc.x_stride;
  const float NEG_INF = uintBitsToFloat(0xFF800000u);
  float lv[MAX_K];
  uint li[MAX_K];
  [[unroll]] for (uint j = 0; j < MAX_K; ++j) {
    lv[j] = NEG_INF;
    li[j] = 0xFFFFFFFFu;
  }
  float m = NEG_INF, s = 0.0;
  uint nonfinite = 0u;
  for (uint i = tid; i < pc.n; i += WG_SIZE) {
    float v = x[base + i];
    if (isnan(v) || isinf(v)) {
      nonfinite = 1u;
      continue;
    }
    // The online softmax: keep s relative to the running maximum.
    float t = v * pc.inv_temp;
    if (t > m) {
      s = s * exp(m - t) + 1.0;
      m = t;
    } else {
      s += exp(t - m);
    }
    // Insertion into the sorted list of the k best (strided i only grows: equals go after).
    if (before(v, i, lv[pc.k - 1u], li[pc.k - 1u])) {
      uint p = pc.k - 1u;
      while (p > 0u && before(v, i, lv[p - 1u], li[p - 1u])) {
        lv[p] = lv[p - 1u];
        li[p] = li[p - 1u];
        --p;
      }
      lv[p] = v;
      li[p] = i;
    }
  }
  // The row's softmax: its maximum, then every invocation's sum rescaled to it.
  float row_m = wg_max(m);
  float row_s = wg_sum(m == NEG_INF ? 0.0 : s * exp(m - row_m));
  float any_bad = wg_max(float(nonfinite));
  // k rounds: the best head of all lists wins and leaves its list.
  uint head = 0u;
  for (uint r = 0u; r < pc.k; ++r) {
    float hv = head < pc.k ? lv[head] : NEG_INF;
    uint hi = head < pc.k ? li[head] : 0xFFFFFFFFu;
    float bv = hv;
    uint bi = hi;
    wg_argmax(bv, bi);
    if (bi != 0xFFFFFFFFu && bi == hi) ++head;  // indices are unique: only the owner matches
    if (tid == 0u) {
      ids[pc.ids_off + row * pc.k + r] = bi == 0xFFFFFFFFu ? 0u : bi;
      probs[pc.probs_off + row * pc.k + r] =
          bi == 0xFFFFFFFFu ? 0.0 : exp(bv * pc.inv_temp - row_m) / row_s;
    }
  }
  if (tid == 0u) bad[pc.bad_off + row] = any_bad > 0.0 ? 1u : 0u;
}
