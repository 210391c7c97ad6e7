// y = W x for each of n_tok vectors: decode's matrix x vector, reading W's blocks in place
// (weights.glsl: device row layout, 16-byte texel loads).
// Workgroup: NUM_ROWS consecutive rows of W for one vector; its invocations take the row's
// 32-element units in turn, each loading its unit of x once (as texels) for all NUM_ROWS rows,
// and the partial dot products are summed across the workgroup.
// With -DSWIGLU, binding 0 is the gate and binding 1 the up projection (same type and shape)
// and y = silu(W_gate x) * (W_up x): the feed-forward's two matrices in one pass over x.
// With -DBY_ID (a mixture of experts' "matrix x vector by id"), W is n_expert stacked matrices
// and workgroup z serves slot s of the routing: it reads expert ids[s]'s matrix only, x row
// s / x_div (x_div = experts per token: the tokens' shared input; 1: one input per slot) and
// writes y row s.
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
// variant: id_f32 -DW_F32 -DBY_ID
// variant: id_f16 -DW_F16 -DBY_ID
// variant: id_bf16 -DW_BF16 -DBY_ID
// variant: id_q4_0 -DW_Q4_0 -DBY_ID
// variant: id_q4_1 -DW_Q4_1 -DBY_ID
// variant: id_q5_0 -DW_Q5_0 -DBY_ID
// variant: id_q5_1 -DW_Q5_1 -DBY_ID
// variant: id_q8_0 -DW_Q8_0 -DBY_ID
// variant: id_q4_k -DW_Q4_K -DBY_ID
// variant: id_q5_k -DW_Q5_K -DBY_ID
// variant: id_q6_k -DW_Q6_K -DBY_ID
// variant: id_q2_k -DW_Q2_K -DBY_ID
// variant: id_q3_k -DW_Q3_K -DBY_ID
// variant: id_iq4_nl -DW_IQ4_NL -DBY_ID
// variant: id_iq4_xs -DW_IQ4_XS -DBY_ID
// variant: id_mxfp4 -DW_MXFP4 -DBY_ID
// variant: id_nvfp4 -DW_NVFP4 -DBY_ID
// variant: id_tq1_0 -DW_TQ1_0 -DBY_ID
// variant: id_tq2_0 -DW_TQ2_0 -DBY_ID
// variant: id_q1_0 -DW_Q1_0 -DBY_ID
// variant: id_q2_0 -DW_Q2_0 -DBY_ID
// variant: id_iq2_xxs -DW_IQ2_XXS -DBY_ID
// variant: id_iq2_xs -DW_IQ2_XS -DBY_ID
// variant: id_iq2_s -DW_IQ2_S -DBY_ID
// variant: id_iq3_xxs -DW_IQ3_XXS -DBY_ID
// variant: id_iq3_s -DW_IQ3_S -DBY_ID
// variant: id_iq1_s -DW_IQ1_S -DBY_ID
// variant: id_iq1_m -DW_IQ1_M -DBY_ID
// variant: id_swiglu_f32 -DW_F32 -DSWIGLU -DBY_ID
// variant: id_swiglu_f16 -DW_F16 -DSWIGLU -DBY_ID
// variant: id_swiglu_bf16 -DW_BF16 -DSWIGLU -DBY_ID
// variant: id_swiglu_q4_0 -DW_Q4_0 -DSWIGLU -DBY_ID
// variant: id_swiglu_q4_1 -DW_Q4_1 -DSWIGLU -DBY_ID
// variant: id_swiglu_q5_0 -DW_Q5_0 -DSWIGLU -DBY_ID
// variant: id_swiglu_q5_1 -DW_Q5_1 -DSWIGLU -DBY_ID
// variant: id_swiglu_q8_0 -DW_Q8_0 -DSWIGLU -DBY_ID
// variant: id_swiglu_q4_k -DW_Q4_K -DSWIGLU -DBY_ID
// variant: id_swiglu_q5_k -DW_Q5_K -DSWIGLU -DBY_ID
// variant: id_swiglu_q6_k -DW_Q6_K -DSWIGLU -DBY_ID
// variant: id_swiglu_q2_k -DW_Q2_K -DSWIGLU -DBY_ID
// variant: id_swiglu_q3_k -DW_Q3_K -DSWIGLU -DBY_ID
// variant: id_swiglu_iq4_nl -DW_IQ4_NL -DSWIGLU -DBY_ID
// variant: id_swiglu_iq4_xs -DW_IQ4_XS -DSWIGLU -DBY_ID
// variant: id_swiglu_mxfp4 -DW_MXFP4 -DSWIGLU -DBY_ID
// variant: id_swiglu_nvfp4 -DW_NVFP4 -DSWIGLU -DBY_ID
// variant: id_swiglu_tq1_0 -DW_TQ1_0 -DSWIGLU -DBY_ID
// variant: id_swiglu_tq2_0 -DW_TQ2_0 -DSWIGLU -DBY_ID
// variant: id_swiglu_q1_0 -DW_Q1_0 -DSWIGLU -DBY_ID
// variant: id_swiglu_q2_0 -DW_Q2_0 -DSWIGLU -DBY_ID
// variant: id_swiglu_iq2_xxs -DW_IQ2_XXS -DSWIGLU -DBY_ID
// variant: id_swiglu_iq2_xs -DW_IQ2_XS -DSWIGLU -DBY_ID
// variant: id_swiglu_iq2_s -DW_IQ2_S -DSWIGLU -DBY_ID
// variant: id_swiglu_iq3_xxs -DW_IQ3_XXS -DSWIGLU -DBY_ID
// variant: id_swiglu_iq3_s -DW_IQ3_S -DSWIGLU -DBY_ID
// variant: id_swiglu_iq1_s -DW_IQ1_S -DSWIGLU -DBY_ID
// variant: id_swiglu_iq1_m -DW_IQ1_M -DSWIGLU -DBY_ID
// fallback: nosg
layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint NUM_ROWS = 1;
#include "common.glsl"

// Mirrors LinearPush in engine/ops/kernels.h (LinearIdPush with -DBY_ID).
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
#ifdef BY_ID
  uint ids_off;       // element offset of the I32 expert ids, one per slot
  uint x_div;         // slots per row of x
  uint expert_bytes;  // bytes of one expert's matrix (N rows)
  uint n_expert;      // ids are clamped below it
#endif
} pc;

// The IQ codebook table (weights_iq.glsl) after the other bindings: W (and W_up), x, y, the ids.
#if defined(SWIGLU) && defined(BY_ID)
#define GRID_BINDING 5
#elif defined(SWIGLU) || defined(BY_ID)
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

// x as texels of four floats: one load per four elements (vector_load.glsl).
layout(binding = XBINDING, rgba32ui) uniform readonly uimageBuffer x_tex;
layout(std430, binding = YBINDING) writeonly buffer Y { float y[]; };
#define VNAME x
#define VTEX x_tex
#include "vector_load.glsl"
#ifdef BY_ID
layout(std430, binding = YBINDING + 1) readonly buffer Ids { int ids[]; };
#endif

void main() {
  uint row0 = (gl_WorkGroupID.x + gl_WorkGroupID.y * gl_NumWorkGroups.x) * NUM_ROWS;
  uint tok = gl_WorkGroupID.z;
#ifdef BY_ID
  // Slot tok reads its expert's matrix (a bad id is clamped, never read out of bounds).
  uint w_base = min(uint(ids[pc.ids_off + tok]), pc.n_expert - 1u) * pc.expert_bytes;
  uint x_row = tok / pc.x_div;
#else
  uint w_base = 0u;
  uint x_row = tok;
#endif
  if (row0 >= pc.N) return;  // uniform over the workgroup: no barrier is skipped by some only
  uint tid = gl_LocalInvocationIndex;
  uint xb = pc.x_off + x_row * pc.x_stride;
  uint units = (pc.K + 31u) / 32u;

  float acc[NUM_ROWS];
#ifdef SWIGLU
  float acc2[NUM_ROWS];
#endif
  [[unroll]] for (uint r = 0; r < NUM_ROWS; ++r) {
    acc[r] = 0.0;
#ifdef SWIGLU
    acc2[r] = 0.0;
#endif
  }

  for (uint u = tid; u < units; u += WG_SIZE) {
    float xv[32];
    x_load32(xb, 32u * u, pc.K, xv);
    [[unroll]] for (uint r = 0; r < NUM_ROWS; ++r) {
      uint row = min(row0 + r, pc.N - 1u);  // past the end: recompute the last row, unused
      acc[r] += wa_unit_dot(pc.w_off + w_base + row * pc.row_bytes, u, pc.K, xv);
#ifdef SWIGLU
      acc2[r] += wb_unit_dot(pc.w2_off + w_base + row * pc.row_bytes, u, pc.K, xv);
#endif
    }
  }

  uint yb = pc.y_off + tok * pc.y_stride;
  [[unroll]] for (uint r = 0; r < NUM_ROWS; ++r) {
    float total = wg_sum(acc[r]);
#ifdef SWIGLU
    float up = wg_sum(acc2[r]);
    total = total / (1.0 + exp(-total)) * up;
#endif
    if (tid == 0u && row0 + r < pc.N) y[yb + row0 + r] = total;
  }
}
