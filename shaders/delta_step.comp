// The gated delta rule over n_tok tokens, token by token, each value head's state updated in
// place (ref::delta_step, with the L2 norm of q and k, ref::head_l2norm, done here):
//   q, k <- q / max(|q|, eps), k / max(|k|, eps)
//   S <- exp(g) S;  S <- S + beta (v - S k) k^T;  o = S q / sqrt(head_dim).
// One workgroup per value head, one invocation per state row j (value index; the row holds the
// head_dim key columns, S[j * head_dim + i], llama.cpp's layout), so rows never race; q and k
// are shared. Value head h reads key head h % n_k_heads. q, k and v are column ranges of the
// convolution's output rows (q_off, k_off, v_off within rows `in_stride` apart).
#version 450
// fallback: nosg
layout(local_size_x_id = 0) in;  // = head_dim
#include "common.glsl"

// Mirrors DeltaStepPush in engine/ops/kernels.h.
layout(push_constant) uniform Push {
  uint n_k_heads;
  uint n_v_heads;
  uint n_tok;
  uint q_off;
  uint k_off;
  uint v_off;
  uint in_stride;
  uint g_off;      // n_tok rows of n_v_heads: log decay and beta
  uint beta_off;
  uint state_off;  // n_v_heads states of head_dim x head_dim
  uint out_off;    // n_tok rows of n_v_heads * head_dim
  float eps;
  float scale;
} pc;

layout(std430, binding = 0) readonly buffer In { float qkv[]; };
layout(std430, binding = 1) readonly buffer G { float g[]; };
layout(std430, binding = 2) readonly buffer Beta { float beta[]; };
layout(std430, binding = 3) buffer State { float st[]; };
layout(std430, binding = 4) writeonly buffer Out { float o[]; };

shared float sq[WG_SIZE];
shared float sk[WG_SIZE];

void main() {
  const uint d = WG_SIZE;
  const uint h = gl_WorkGroupID.x;
  const uint j = gl_LocalInvocationIndex;
  const uint hk = h % pc.n_k_heads;
  const uint row = pc.state_off + (h * d + j) * d;
  for (uint t = 0; t < pc.n_tok; ++t) {
    const uint in_row = t * pc.in_stride;
    float qj = qkv[pc.q_off + in_row + hk * d + j];
    float kj = qkv[pc.k_off + in_row + hk * d + j];
    float vj = qkv[pc.v_off + in_row + h * d + j];
    float qn = qj / max(sqrt(wg_sum(qj * qj)), pc.eps);
    float kn = kj / max(sqrt(wg_sum(kj * kj)), pc.eps);
    sq[j] = qn;
    sk[j] = kn;
    barrier();
    const float decay = exp(g[pc.g_off + t * pc.n_v_heads + h]);
    const float b = beta[pc.beta_off + t * pc.n_v_heads + h];
    float sk_dot = 0.0;
    for (uint i = 0; i < d; ++i) {
      float s = st[row + i] * decay;
      st[row + i] = s;
      sk_dot += s * sk[i];
    }
    const float delta = (vj - sk_dot) * b;
    float out_j = 0.0;
    for (uint i = 0; i < d; ++i) {
      float s = st[row + i] + delta * sk[i];
      st[row + i] = s;
      out_j += s * sq[i];
    }
    o[pc.out_off + (t * pc.n_v_heads + h) * d + j] = out_j * pc.scale;
    barrier();  // sq and sk are rewritten for the next token
  }
}
