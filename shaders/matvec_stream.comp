// y = W x for each of n_tok vectors on a CPU driver (decode): a workgroup of one SIMD row walks
// its ROWS rows of W in memory order, so that its loads form one forward stream the CPU's
// prefetchers follow (docs/PERFORMANCE.md). Its invocations take a row's 32-element units in
// turn (unit tid + WG_SIZE j, j < UPL), so that each step reads consecutive texels; each
// invocation loads its UPL units of x once and keeps them for all ROWS rows. UPL is chosen per
// K so that one pass covers the row: UPL * WG_SIZE * 32 >= K.
// With -DSWIGLU, binding 0 is the gate and binding 1 the up projection (same type and shape)
// and y = silu(W_gate x) * (W_up x).
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
// variant: swiglu_f32 -DW_F32 -DSWIGLU
// variant: swiglu_f16 -DW_F16 -DSWIGLU
// variant: swiglu_bf16 -DW_BF16 -DSWIGLU
// variant: swiglu_q4_0 -DW_Q4_0 -DSWIGLU
// variant: swiglu_q4_1 -DW_Q4_1 -DSWIGLU
// variant: swiglu_q5_0 -DW_Q5_0 -DSWIGLU
// variant: swiglu_q5_1 -DW_Q5_1 -DSWIGLU
// variant: swiglu_q8_0 -DW_Q8_0 -DSWIGLU
// variant: swiglu_q4_k -DW_Q4_K -DSWIGLU
// variant: swiglu_q5_k -DW_Q5_K -DSWIGLU
// variant: swiglu_q6_k -DW_Q6_K -DSWIGLU
// variant: swiglu_q2_k -DW_Q2_K -DSWIGLU
// variant: swiglu_q3_k -DW_Q3_K -DSWIGLU
// variant: swiglu_iq4_nl -DW_IQ4_NL -DSWIGLU
// variant: swiglu_iq4_xs -DW_IQ4_XS -DSWIGLU
// variant: swiglu_mxfp4 -DW_MXFP4 -DSWIGLU
// variant: swiglu_nvfp4 -DW_NVFP4 -DSWIGLU
// variant: swiglu_tq1_0 -DW_TQ1_0 -DSWIGLU
// variant: swiglu_tq2_0 -DW_TQ2_0 -DSWIGLU
// variant: swiglu_q1_0 -DW_Q1_0 -DSWIGLU
// variant: swiglu_q2_0 -DW_Q2_0 -DSWIGLU
// variant: swiglu_iq2_xxs -DW_IQ2_XXS -DSWIGLU
// variant: swiglu_iq2_xs -DW_IQ2_XS -DSWIGLU
// variant: swiglu_iq2_s -DW_IQ2_S -DSWIGLU
// variant: swiglu_iq3_xxs -DW_IQ3_XXS -DSWIGLU
// variant: swiglu_iq3_s -DW_IQ3_S -DSWIGLU
// variant: swiglu_iq1_s -DW_IQ1_S -DSWIGLU
// variant: swiglu_iq1_m -DW_IQ1_M -DSWIGLU
// fallback: nosg
layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint ROWS = 32;
layout(constant_id = 2) const uint UPL = 4;  // units per invocation
#include "common.glsl"

// Mirrors LinearPush in engine/ops/kernels.h.
layout(push_constant) uniform Push {
  uint K;          // elements per row (x's length)
  uint N;          // rows (y's length)
  uint row_bytes;  // bytes per row of W (device layout: a multiple of 16)
  uint w_off;      // byte offset of W (and of W_up at w2_off) in its binding
  uint w2_off;
  uint x_off;      // element offsets and per-vector strides of x and y
  uint y_off;
  uint x_stride;
  uint y_stride;
  uint n_tok;
} pc;

// The IQ codebook table (weights_iq.glsl) after the other bindings.
#ifdef SWIGLU
#define GRID_BINDING 4
#else
#define GRID_BINDING 3
#endif
#define WNAME wa
#define WBINDING 0
#include "weights.glsl"
#undef WNAME
#undef WBINDING
#ifdef SWIGLU
#define WNAME wb
#define WBINDING 1
#include "weights.glsl"
#define XBINDING 2
#define YBINDING 3
#else
#define XBINDING 1
#define YBINDING 2
#endif

layout(binding = XBINDING, rgba32ui) uniform readonly uimageBuffer x_tex;  // f32 as texels
layout(std430, binding = YBINDING) writeonly buffer Y { float y[]; };
#define VNAME x
#define VTEX x_tex
#include "vector_load.glsl"

void main() {
  uint row0 = (gl_WorkGroupID.x + gl_WorkGroupID.y * gl_NumWorkGroups.x) * ROWS;
  uint tok = gl_WorkGroupID.z;
  if (row0 >= pc.N) return;  // uniform over the workgroup: no barrier is skipped by some only
  uint tid = gl_LocalInvocationIndex;
  uint units = (pc.K + 31u) / 32u;

  float xv[UPL][32];
  [[unroll]] for (uint j = 0; j < UPL; ++j) {
    uint u = tid + WG_SIZE * j;
    if (u < units) {
      x_load32(pc.x_off + tok * pc.x_stride, 32u * u, pc.K, xv[j]);
    } else {
      [[unroll]] for (uint i = 0; i < 32u; ++i) xv[j][i] = 0.0;
    }
  }

  uint yb = pc.y_off + tok * pc.y_stride;
  uint rows = min(ROWS, pc.N - row0);
  for (uint r = 0; r < rows; ++r) {
    uint rb = (row0 + r) * pc.row_bytes;
    float s = 0.0;
#ifdef SWIGLU
    float s2 = 0.0;
#endif
    [[unroll]] for (uint j = 0; j < UPL; ++j) {
      uint u = tid + WG_SIZE * j;
      uint uc = min(u, units - 1u);  // past the row: a repeated unit, not counted
      float d = wa_unit_dot(pc.w_off + rb, uc, pc.K, xv[j]);
      s += u < units ? d : 0.0;
#ifdef SWIGLU
      float d2 = wb_unit_dot(pc.w2_off + rb, uc, pc.K, xv[j]);
      s2 += u < units ? d2 : 0.0;
#endif
    }
    float total = wg_sum(s);
#ifdef SWIGLU
    float up = wg_sum(s2);
    total = total / (1.0 + exp(-total)) * up;
#endif
    if (tid == 0u) y[yb + row0 + r] = total;
  }
}
