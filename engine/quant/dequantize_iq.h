// Dequantization of the codebook-grid IQ types (IQ2_XXS, IQ2_XS, IQ2_S, IQ3_XXS, IQ3_S, IQ1_S,
// IQ1_M), value for value as ggml's dequantize_row_iq*. Called by quant/dequantize.cpp, which
// validates the type and the length; here nb is the number of 256-element super-blocks.
#pragma once
#include <cstdint>

#include "gguf/ggml_types.h"

namespace vkchat::quant {

// Whether the type is one of the seven above.
bool is_grid_iq_type(gguf::GgmlType type);

// y[0 .. 256 nb) = the nb blocks at src (any alignment). type must satisfy is_grid_iq_type.
void dequantize_grid_iq(gguf::GgmlType type, const std::uint8_t* src, float* y, std::int64_t nb);

}  // namespace vkchat::quant
