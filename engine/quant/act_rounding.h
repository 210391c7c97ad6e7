// The rounding llama.cpp's CPU backend applies to the f32 input of every matrix product whose
// weight is not F32: before the dot products it converts the input rows to the weight type's
// `vec_dot_type` (ggml-cpu's type traits) and multiplies in that format. Emulating it (x' = the
// value the converted row stands for) lets a float engine see the same inputs llama.cpp does, so
// that its probabilities match llama.cpp's on quantized models as closely as on float ones.
//
// Grids, as ggml-cpu's x86 (AVX2 / AVX-512) code computes them, per block of the input row:
// - Q8_0, Q8_1 (blocks of 32): amax = max |x|, d = amax / 127, q = round-half-even(x * (127 /
//   amax)) (0 when amax = 0), stored d = fp16(d); x' = q * fp16(d). Q8_1 blocks hold the same q
//   and d plus s = fp16(d * sum q), which Q4_1 / Q5_1 dot products multiply by the weight
//   block's offset m; a float dot product over x' uses fp16(d) * sum q there instead, a
//   difference of at most 2^-11 of that term (documented, not emulated: no shared model has
//   Q4_1 or Q5_1 weights).
// - Q8_K (blocks of 256, quantize_row_q8_K_ref): max = the first element of largest magnitude,
//   iscale = -127 / max, q = min(127, nearest_int(iscale * x)), d = 1 / iscale kept in f32;
//   x' = q * d. The sign convention cancels in q * d, so x' is odd in x.
// - F16, BF16: each element rounded to nearest even (F16C / ggml_compute_fp32_to_bf16).
// Dequantized values only: where llama.cpp's dot products then sum in another order the
// difference is ordinary float rounding.
#pragma once
#include <cstdint>
#include <span>
#include <string_view>

#include "gguf/ggml_types.h"

namespace vkchat::quant {

enum class ActGrid { Exact, F16, BF16, Q8_0, Q8_1, Q8_K };

// The grid llama.cpp's CPU backend rounds a product's input to for weights of `weight` type:
// Exact for F32 (and for types ggml-cpu has no dot product with, which no kernel reads).
ActGrid act_grid_for(gguf::GgmlType weight);

// Elements per block of the grid (1 for Exact, F16, BF16).
int act_grid_block(ActGrid grid);

// "exact", "f16", "bf16", "q8_0", "q8_1", "q8_k".
std::string_view act_grid_name(ActGrid grid);

// Rounds x in place to the grid, block by block from x[0]. std::invalid_argument when x.size()
// is not a multiple of the block size.
void round_to_grid(ActGrid grid, std::span<float> x);

}  // namespace vkchat::quant
