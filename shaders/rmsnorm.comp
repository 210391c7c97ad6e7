// RMSNorm of each row, fused with the weight multiply: out = x / sqrt(mean(x^2) + eps) * w.
// One workgroup per row. The same weight serves every row, so per-head norms (qwen3's q_norm,
// k_norm) are this kernel over rows of head_dim. With -DFUSE_ADD, x = a + b is formed on the
// way, stored to `sum` (the residual stream) and normalized: one pass instead of two.
#version 450
// variant: plain
// variant: add -DFUSE_ADD
// fallback: nosg
layout(local_size_x_id = 0) in;
#include "common.glsl"

// Mirrors RmsnormPush in engine/ops/kernels.h.
layout(push_constant) uniform Push {
  uint n;         // elements per row
  uint rows;
  uint x_off;     // elements; rows are `stride` apart in x, b, sum and out
  uint b_off;
  uint w_off;
  uint sum_off;
  uint out_off;
  uint stride;
  float eps;
} pc;

#ifdef FUSE_ADD
layout(std430, binding = 0) readonly buffer A { float a[]; };
layout(std430, binding = 1) readonly buffer B { float b[]; };
layout(std430, binding = 2) readonly buffer W { float w[]; };
layout(std430, binding = 3) buffer Sum { float sum[]; };
layout(std430, binding = 4) writeonly buffer Out { float o[]; };
#else
layout(std430, binding = 0) readonly buffer A { float a[]; };
layout(std430, binding = 1) readonly buffer W { float w[]; };
layout(std430, binding = 2) writeonly buffer Out { float o[]; };
#endif

void main() {
  uint row = gl_WorkGroupID.x + gl_WorkGroupID.y * gl_NumWorkGroups.x;
  if (row >= pc.rows) return;  // uniform over the workgroup
  uint tid = gl_LocalInvocationIndex;
  uint base = row * pc.stride;
  float ss = 0.0;
  for (uint i = tid; i < pc.n; i += WG_SIZE) {
#ifdef FUSE_ADD
    float v = a[pc.x_off + base + i] + b[pc.b_off + base + i];
    sum[pc.sum_off + base + i] = v;
#else
    float v = a[pc.x_off + base + i];
#endif
    ss += v * v;
  }
  float scale = inversesqrt(wg_sum(ss) / float(pc.n) + pc.eps);
  for (uint i = tid; i < pc.n; i += WG_SIZE) {
#ifdef FUSE_ADD
    float v = sum[pc.sum_off + base + i];  // this invocation's own write above
#else
    float v = a[pc.x_off + base + i];
#endif
    o[pc.out_off + base + i] = v * scale * w[pc.w_off + i];
  }
}
