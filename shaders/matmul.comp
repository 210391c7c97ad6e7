// Y = X W^T for a batch of tokens (prefill): W's blocks (weights.glsl) are dequantized into shared-memory
// tiles, and each invocation accumulates a 4 x 4 block of outputs. Tile: BM = 32 rows of W by
// BN = 32 tokens, BK = 64 elements (two 32-element units) per step; 64 invocations.
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
layout(local_size_x = 64) in;
#include "common.glsl"

#define BM 32u
#define BN 32u
#define BK 64u

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

shared float ws[BK * BM];  // ws[k * BM + row]
shared float xs[BK * BN];  // xs[k * BN + token]

void main() {
  uint tid = gl_LocalInvocationIndex;
  uint n0 = gl_WorkGroupID.x * BM;
  uint t0 = gl_WorkGroupID.y * BN;
  uint tx = tid % 8u;  // rows tx + 8i
  uint ty = tid / 8u;  // tokens ty + 8j
  uint units = (pc.K + 31u) / 32u;

  float acc[4][4];
  [[unroll]] for (uint i = 0; i < 4u; ++i) {
    [[unroll]] for (uint j = 0; j < 4u; ++j) acc[i][j] = 0.0;
  }

  // Loader roles: one 32-element unit of one row of W, and 32 elements of one token of X.
  uint lrow = tid / 2u;
  uint lhalf = tid % 2u;

  for (uint k0 = 0; k0 < pc.K; k0 += BK) {
    uint u = k0 / 32u + lhalf;
    float v[32];
    if (n0 + lrow < pc.N && u < units) {
      wa_unit(pc.w_off + (n0 + lrow) * pc.row_bytes, u, pc.K, v);
    } else {
      [[unroll]] for (uint i = 0; i < 32u; ++i) v[i] = 0.0;
    }
    [[unroll]] for (uint i = 0; i < 32u; ++i) ws[(32u * lhalf + i) * BM + lrow] = v[i];

    uint tok = t0 + lrow;
    if (u < units) {
      x_load32(pc.x_off + min(tok, pc.n_tok - 1u) * pc.x_stride, 32u * u, pc.K, v);
    }
    [[unroll]] for (uint i = 0; i < 32u; ++i) {
      xs[(32u * lhalf + i) * BN + lrow] = tok < pc.n_tok && u < units ? v[i] : 0.0;
    }
    barrier();  // tiles complete before anyone multiplies

    for (uint k = 0; k < BK; ++k) {
      float a[4], b[4];
      [[unroll]] for (uint i = 0; i < 4u; ++i) a[i] = ws[k * BM + tx + 8u * i];
      [[unroll]] for (uint j = 0; j < 4u; ++j) b[j] = xs[k * BN + ty + 8u * j];
      [[unroll]] for (uint i = 0; i < 4u; ++i) {
        [[unroll]] for (uint j = 0; j < 4u; ++j) acc[i][j] += a[i] * b[j];
      }
    }
    barrier();  // everyone is done with the tiles before they are overwritten
  }

  [[unroll]] for (uint j = 0; j < 4u; ++j) {
    uint tok = t0 + ty + 8u * j;
    if (tok >= pc.n_tok) continue;
    [[unroll]] for (uint i = 0; i < 4u; ++i) {
      uint n = n0 + tx + 8u * i;
      if (n < pc.N) y[pc.y_off + tok * pc.y_stride + n] = acc[i][j];
    }
  }
}
