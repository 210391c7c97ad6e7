// The gated delta net's causal depthwise convolution over n_tok tokens, token by token, with its
// rolling window (ref::conv_step): out[t][c] = silu(sum_k w[c][k] x_{t - d_conv + 1 + k}[c]),
// where inputs before the first token come from the window (the previous d_conv - 1 inputs,
// oldest first), which ends holding the last d_conv - 1 inputs. One invocation per channel: the
// channels are independent and each keeps its window in registers.
#version 450
layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint MAX_TAPS = 8;  // d_conv <= MAX_TAPS
#include "common.glsl"

// Mirrors DeltaConvPush in engine/ops/kernels.h.
layout(push_constant) uniform Push {
  uint channels;
  uint n_tok;
  uint d_conv;
  uint x_off;      // elements; token rows `x_stride` apart
  uint x_stride;
  uint w_off;      // channels rows of d_conv taps
  uint win_off;    // (d_conv - 1) rows of `channels`
  uint out_off;    // token rows `out_stride` apart
  uint out_stride;
} pc;

layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) readonly buffer W { float w[]; };
layout(std430, binding = 2) buffer Win { float win[]; };
layout(std430, binding = 3) writeonly buffer Out { float o[]; };

void main() {
  uint c = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * WG_SIZE;
  if (c >= pc.channels) return;
  const uint hist_n = pc.d_conv - 1u;
  float hist[MAX_TAPS];
  float taps[MAX_TAPS];
  for (uint k = 0; k < pc.d_conv; ++k) taps[k] = w[pc.w_off + c * pc.d_conv + k];
  for (uint k = 0; k < hist_n; ++k) hist[k] = win[pc.win_off + k * pc.channels + c];
  for (uint t = 0; t < pc.n_tok; ++t) {
    float xt = x[pc.x_off + t * pc.x_stride + c];
    float acc = taps[hist_n] * xt;
    for (uint k = 0; k < hist_n; ++k) acc += taps[k] * hist[k];
    o[pc.out_off + t * pc.out_stride + c] = acc / (1.0 + exp(-acc));
    // Roll: drop the oldest input, append this one.
    for (uint k = 0; k + 1u < hist_n; ++k) hist[k] = hist[k + 1u];
    if (hist_n > 0u) hist[hist_n - 1u] = xt;
  }
  for (uint k = 0; k < hist_n; ++k) win[pc.win_off + k * pc.channels + c] = hist[k];
}
