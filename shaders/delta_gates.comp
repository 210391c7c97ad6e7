// The gated delta net's per-head gates of each token (ref::delta_gates): g = softplus(alpha +
// dt_bias) * a (the log of the state's decay; a = ssm_a = -exp(A_log)) and beta =
// sigmoid(beta_raw). Rows of n_heads values, one per token; one invocation per value.
#version 450
layout(local_size_x_id = 0) in;
#include "common.glsl"

// Mirrors DeltaGatesPush in engine/ops/kernels.h.
layout(push_constant) uniform Push {
  uint n;        // n_tok * n_heads
  uint n_heads;
  uint alpha_off;
  uint beta_off;
  uint dt_off;
  uint a_off;
  uint g_off;
  uint b_off;
} pc;

layout(std430, binding = 0) readonly buffer Alpha { float alpha[]; };
layout(std430, binding = 1) readonly buffer BetaRaw { float beta_raw[]; };
layout(std430, binding = 2) readonly buffer Dt { float dt[]; };
layout(std430, binding = 3) readonly buffer A { float a[]; };
layout(std430, binding = 4) writeonly buffer G { float g[]; };
layout(std430, binding = 5) writeonly buffer Beta { float beta[]; };

void main() {
  uint i = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * WG_SIZE;
  if (i >= pc.n) return;
  uint h = i % pc.n_heads;
  float z = alpha[pc.alpha_off + i] + dt[pc.dt_off + h];
  // ggml_softplus: z itself above 20, where log1p(exp(z)) equals it in float.
  float sp = z > 20.0 ? z : log(1.0 + exp(z));
  g[pc.g_off + i] = sp * a[pc.a_off + h];
  beta[pc.b_off + i] = 1.0 / (1.0 + exp(-beta_raw[pc.beta_off + i]));
}
