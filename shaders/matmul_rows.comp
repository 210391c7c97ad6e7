// Y = X W^T for a batch of tokens (prefill) on a CPU driver: each invocation accumulates a
// block of ROWS rows of W by TOKS tokens in registers, without shared memory, whose loads
// llvmpipe runs lane by lane (docs/PERFORMANCE.md). Per 32-element unit an invocation loads
// its ROWS weight units once (weights.glsl) and each token's unit of x once, then does
// ROWS x TOKS x 32 multiply-adds. Neighbouring invocations take neighbouring row blocks.
#version 450
// variant: f32 -DW_F32
// variant: f16 -DW_F16
// variant: bf16 -DW_BF16
// variant: q4_0 -DW_Q4_0
// variant: q4_1 -DW_Q4_1
// variant: q5_0 -DW_Q5_0
// variant: q5_1 -DW_Q5_1
// variant: q8_0 -DW_Q8_0
// variant: q4_k -DW_Q4_K
// variant: q5_k -DW_Q5_K
// variant: q6_k -DW_Q6_K
// variant: q2_k -DW_Q2_K
// variant: q3_k -DW_Q3_K
// variant: iq4_nl -DW_IQ4_NL
// variant: iq4_xs -DW_IQ4_XS
// variant: mxfp4 -DW_MXFP4
// variant: nvfp4 -DW_NVFP4
// variant: tq1_0 -DW_TQ1_0
// variant: tq2_0 -DW_TQ2_0
// variant: q1_0 -DW_Q1_0
// variant: q2_0 -DW_Q2_0
// variant: iq2_xxs -DW_IQ2_XXS
// variant: iq2_xs -DW_IQ2_XS
// variant: iq2_s -DW_IQ2_S
// variant: iq3_xxs -DW_IQ3_XXS
// variant: iq3_s -DW_IQ3_S
// variant: iq1_s -DW_IQ1_S
// variant: iq1_m -DW_IQ1_M
layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint ROWS = 8;
layout(constant_id = 2) const uint TOKS = 8;
#include "common.glsl"

// Mirrors LinearPush in engine/ops/kernels.h.
layout(push_constant) uniform Push {
  uint K;
  uint N;          // rows of W
  uint row_bytes;
  uint w_off;      // bytes
  uint w2_off;     // unused here (matvec's fused SwiGLU)
  uint x_off;      // elements
  uint y_off;
  uint x_stride;   // elements between tokens
  uint y_stride;
  uint n_tok;
} pc;

#define GRID_BINDING 3  // the IQ codebook table (weights_iq.glsl)
#define WNAME wa
#define WBINDING 0
#include "weights.glsl"

layout(binding = 1, rgba32ui) uniform readonly uimageBuffer x_tex;  // f32 as texels
layout(std430, binding = 2) writeonly buffer Y { float y[]; };
#define VNAME x
#define VTEX x_tex
#include "vector_load.glsl"

void main() {
  uint row0 = gl_GlobalInvocationID.x * ROWS;
  uint tok0 = gl_WorkGroupID.y * TOKS;
  if (row0 >= pc.N) return;  // no barriers here: invocations may leave early
  uint units = (pc.K + 31u) / 32u;

  float acc[ROWS][TOKS];
  [[unroll]] for (uint r = 0; r < ROWS; ++r) {
    [[unroll]] for (uint t = 0; t < TOKS; ++t) acc[r][t] = 0.0;
  }
  for (uint u = 0; u < units; ++u) {
    float w[ROWS][32];
    [[unroll]] for (uint r = 0; r < ROWS; ++r) {
      uint row = min(row0 + r, pc.N - 1u);  // past the end: a repeated row, never stored
      wa_unit(pc.w_off + row * pc.row_bytes, u, pc.K, w[r]);
    }
    [[unroll]] for (uint t = 0; t < TOKS; ++t) {
      float xv[32];
      x_load32(pc.x_off + min(tok0 + t, pc.n_tok - 1u) * pc.x_stride, 32u * u, pc.K, xv);
      [[unroll]] for (uint r = 0; r < ROWS; ++r) {
        vec4 s = vec4(0.0);  // four partial sums: short dependency chains
        [[unroll]] for (uint i = 0; i < 32u; ++i) s[i % 4u] += w[r][i] * xv[i];
        acc[r][t] += (s.x + s.y) + (s.z + s.w);
      }
    }
  }

  [[unroll]] for (uint t = 0; t < TOKS; ++t) {
    if (tok0 + t >= pc.n_tok) break;
    [[unroll]] for (uint r = 0; r < ROWS; ++r) {
      if (row0 + r < pc.N) y[pc.y_off + (tok0 + t) * pc.y_stride + row0 + r] = acc[r][t];
    }
  }
}
