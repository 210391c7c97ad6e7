// The k (<= 10) largest elements of one row, by descending value and then ascending index (NaN
// and -inf never count), and the row's softmax denominator sum(exp(x - max)): what a greedy
// answer shows as each token's alternatives, without reading the logits back. One workgroup.
// Each invocation keeps its own top k in registers and an online (max, sum) over its stride;
// then k rounds of a workgroup argmax over the invocations' heads merge the lists.
// Output, uint words at out_off: [0, k) the indices (0xFFFFFFFF past the last one that
// counts), [k, 2k) their values' bits, 2k the maximum's bits, 2k + 1 the sum's bits.
#version 450
layout(local_size_x_id = 0) in;
#include "common.glsl"

// Mirrors TopkPush in engine/ops/kernels.h.
layout(push_constant) uniform Push {
  uint n;
  uint x_off;
  uint k;
  uint out_off;
} pc;

layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) writeonly buffer Out { uint o[]; };

const uint KMAX = 10u;
const uint NONE = 0xFFFFFFFFu;

// The workgroup's sum, in shared memory alone (no subgroup operations: every device runs it).
float sum_shared(float v) {
  uint tid = gl_LocalInvocationIndex;
  red_f[tid] = v;
  barrier();
  for (uint s = WG_SIZE / 2; s > 0; s >>= 1) {
    if (tid < s) red_f[tid] += red_f[tid + s];
    barrier();
  }
  float t = red_f[0];
  barrier();
  return t;
}

void main() {
  const float NEG_INF = uintBitsToFloat(0xFF800000u);
  uint tid = gl_LocalInvocationIndex;
  uint k = min(pc.k, KMAX);
  float tv[KMAX];
  uint ti[KMAX];
  for (uint j = 0; j < KMAX; ++j) {
    tv[j] = NEG_INF;
    ti[j] = NONE;
  }
  float m = NEG_INF;
  float s = 0.0;
  for (uint i = tid; i < pc.n; i += WG_SIZE) {
    float v = x[pc.x_off + i];
    if (isnan(v) || v == NEG_INF) continue;
    if (v > m) {
      s = s * exp(m - v) + 1.0;  // m = -inf at first: exp(-inf) = 0
      m = v;
    } else {
      s += exp(v - m);
    }
    // This invocation's indices only grow: an equal value never displaces an earlier one.
    if (v > tv[k - 1]) {
      uint j = k - 1;
      while (j > 0 && v > tv[j - 1]) {
        tv[j] = tv[j - 1];
        ti[j] = ti[j - 1];
        --j;
      }
      tv[j] = v;
      ti[j] = i;
    }
  }

  // The maximum over the workgroup (wg_argmax: the value, ties to the lower index), then each
  // invocation's sum rescaled to it.
  float best = m;
  uint best_tid = tid;
  wg_argmax(best, best_tid);
  float total = sum_shared(m == NEG_INF ? 0.0 : s * exp(m - best));

  // k rounds: every invocation offers the head of its list, the best one moves on.
  uint head = 0;
  for (uint r = 0; r < k; ++r) {
    float v = head < k ? tv[head] : NEG_INF;
    uint i = head < k ? ti[head] : NONE;
    float wv = v;
    uint wi = i;
    wg_argmax(wv, wi);
    if (wi != NONE && i == wi) ++head;
    if (tid == 0u) {
      o[pc.out_off + r] = wi;
      o[pc.out_off + k + r] = floatBitsToUint(wv);
    }
  }
  if (tid == 0u) {
    o[pc.out_off + 2u * k] = floatBitsToUint(best);
    o[pc.out_off + 2u * k + 1u] = floatBitsToUint(total);
  }
}
