// Row dequantizers of the types in blocks_lowbit.h, each taking nb blocks at src (any
// alignment) to nb * block_size floats at y, value for value as ggml's dequantize_row_*.
// Internal to quant/: dequantize_row dispatches here.
#pragma once
#include <cstdint>

namespace vkchat::quant::lowbit {

void dequant_iq4_nl(const std::uint8_t* src, float* y, std::int64_t nb);
void dequant_iq4_xs(const std::uint8_t* src, float* y, std::int64_t nb);
void dequant_mxfp4(const std::uint8_t* src, float* y, std::int64_t nb);
void dequant_nvfp4(const std::uint8_t* src, float* y, std::int64_t nb);
void dequant_tq1_0(const std::uint8_t* src, float* y, std::int64_t nb);
void dequant_tq2_0(const std::uint8_t* src, float* y, std::int64_t nb);
void dequant_q1_0(const std::uint8_t* src, float* y, std::int64_t nb);
void dequant_q2_0(const std::uint8_t* src, float* y, std::int64_t nb);

}  // namespace vkchat::quant::lowbit
