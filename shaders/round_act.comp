// Rounds rows of f32 activations to the grid llama.cpp's CPU backend converts a matrix
// product's input to (engine/quant/act_rounding.h, bit for bit): out = the value each element
// stands for after the conversion. Q8 variants: one workgroup per block (BLOCK invocations, one
// element each); F16 / BF16: one element per invocation. out may be x.
#version 450
// variant: f16 -DGRID_F16
// variant: bf16 -DGRID_BF16
// variant: q8_0 -DGRID_Q8 -DBLOCK=32
// variant: q8_k -DGRID_Q8 -DGRID_Q8_K -DBLOCK=256
// fallback: nosg
layout(local_size_x_id = 0) in;
#include "common.glsl"
#include "rounding.glsl"

// Mirrors RoundActPush in engine/ops/round_act.cpp.
layout(push_constant) uniform Push {
  uint n;  // elements per row (a multiple of BLOCK)
  uint rows;
  uint x_off;
  uint x_stride;
  uint out_off;
  uint out_stride;
} pc;

layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) writeonly buffer Out { float o[]; };

#ifdef GRID_Q8
shared float block_mul, block_d;
#endif

void main() {
#ifdef GRID_Q8
  // Uniform per workgroup: the block.
  uint block = gl_WorkGroupID.x + gl_WorkGroupID.y * gl_NumWorkGroups.x;
  uint per_row = pc.n / BLOCK;
  uint row = block / per_row;
  if (row >= pc.rows) return;
  uint col = (block % per_row) * BLOCK + gl_LocalInvocationIndex;
  float v = x[pc.x_off + row * pc.x_stride + col];
  float amax = wg_max(abs(v));
  // The block's multiplier and scale, once: the exact divisions are long.
  if (gl_LocalInvocationIndex == 0u) {
#ifdef GRID_Q8_K
    // quantize_row_q8_K_ref: iscale = -127 / max, d = 1 / iscale (f32); the sign of max cancels
    // in q * d.
    float iscale = amax != 0.0 ? div_rn(127.0, amax) : 0.0;
    block_mul = iscale;
    block_d = amax != 0.0 ? div_rn(1.0, iscale) : 0.0;
#else
    // quantize_row_q8_0 / q8_1 (x86): multiplier 127 / amax, scale amax / 127 stored as fp16.
    block_mul = amax != 0.0 ? div_rn(127.0, amax) : 0.0;
    block_d = round_fp16(div_rn(amax, 127.0));
#endif
  }
  barrier();
  precise float q = clamp(roundEven(v * block_mul), -128.0, 127.0);
  float r = q * block_d;
  o[pc.out_off + row * pc.out_stride + col] = r;
#else
  uint i = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * WG_SIZE;
  uint row = i / pc.n, col = i % pc.n;
  if (row >= pc.rows) return;
  float v = x[pc.x_off + row * pc.x_stride + col];
#ifdef GRID_F16
  o[pc.out_off + row * pc.out_stride + col] = round_fp16(v);
#else
  o[pc.out_off + row * pc.out_stride + col] = round_bf16(v);
#endif
#endif
}
