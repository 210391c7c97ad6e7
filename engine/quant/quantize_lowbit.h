// Reference quantizers of the simple low-bit types (Q1_0, Q2_0, TQ1_0, TQ2_0, MXFP4, NVFP4), byte
// for byte as ggml's quantize_row_*_ref. Internal to quant/: quantize_row dispatches here.
#pragma once
#include <cstdint>

namespace vkchat::quant::lowbit {

void quantize_q1_0(const float* x, std::uint8_t* dst, std::int64_t nb);
void quantize_q2_0(const float* x, std::uint8_t* dst, std::int64_t nb);
void quantize_tq1_0(const float* x, std::uint8_t* dst, std::int64_t nb);
void quantize_tq2_0(const float* x, std::uint8_t* dst, std::int64_t nb);
void quantize_mxfp4(const float* x, std::uint8_t* dst, std::int64_t nb);
void quantize_nvfp4(const float* x, std::uint8_t* dst, std::int64_t nb);

// ggml_fp32_to_ue4m3: the UE4M3 code nearest x (saturating at 448, 0 for x <= 0 or NaN).
std::uint8_t f32_to_ue4m3(float x);

}  // namespace vkchat::quant::lowbit
