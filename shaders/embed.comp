// Embedding gather: out[t] = row ids[t] of the table, dequantized exactly as ggml does (no fused
// multiply-adds), one 32-element unit per invocation. A table larger than the device's storage
// buffer range is gathered window by window: this dispatch sees rows row_base .. row_base +
// n_rows - 1 and leaves the tokens of other rows alone. With rows_per_id r > 1 (gemma4's per-layer
// embeddings, a table of r sub-rows per token) each id selects the r rows id * r + z, z the
// workgroup's z, and row id * r + z goes to output row z * n_tok + t: z-major, so that each z's
// rows are one contiguous [n_tok x K] block.
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
#include "common.glsl"

// Mirrors EmbedPush in engine/ops/kernels.h.
layout(push_constant) uniform Push {
  uint K;          // elements per row
  uint n_rows;     // rows in the table
  uint row_bytes;
  uint w_off;      // bytes
  uint ids_off;    // elements
  uint out_off;
  uint out_stride;
  uint n_tok;
  uint row_base;
  uint rows_per_id;
} pc;

#define PRECISE precise
#define GRID_BINDING 3  // the IQ codebook table (weights_iq.glsl)
#define WNAME wa
#define WBINDING 0
#include "weights.glsl"

layout(std430, binding = 1) readonly buffer Ids { uint ids[]; };
layout(std430, binding = 2) writeonly buffer Out { float o[]; };

void main() {
  uint units = (pc.K + 31u) / 32u;
  uint u = gl_GlobalInvocationID.x;
  uint t = gl_WorkGroupID.y;
  if (u >= units || t >= pc.n_tok) return;
  uint z = gl_WorkGroupID.z;
  uint row = ids[pc.ids_off + t] * pc.rows_per_id + z;
  if (row < pc.row_base || row - pc.row_base >= pc.n_rows) return;
  float v[32];
  wa_unit(pc.w_off + (row - pc.row_base) * pc.row_bytes, u, pc.K, v);
  uint ob = pc.out_off + (z * pc.n_tok + t) * pc.out_stride + 32u * u;
  [[unroll]] for (uint i = 0; i < 32u; ++i) {
    if (32u * u + i < pc.K) o[ob + i] = v[i];
  }
}
