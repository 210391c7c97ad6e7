// IEEE binary16 (fp16) and bfloat16 conversions, bit-exact with ggml's scalar conversions
// (GGML_FP16_TO_FP32 / GGML_FP32_TO_FP16 / GGML_BF16_TO_FP32 / GGML_FP32_TO_BF16): GGUF weights
// and the GPU kernels both depend on every rounding matching llama.cpp's.
#pragma once
#include <bit>
#include <cstdint>

namespace vkchat::quant {

// Exact (every fp16 value is a float). NaN keeps its payload and comes out quiet.
constexpr float fp16_to_f32(std::uint16_t h) {
  const std::uint32_t sign = static_cast<std::uint32_t>(h & 0x8000u) << 16;
  const std::uint32_t exp = (h >> 10) & 0x1fu;
  const std::uint32_t mant = h & 0x3ffu;
  if (exp == 0) {
    // Zero or subnormal: mant * 2^-24, exact in float.
    const float v = static_cast<float>(mant) * 0x1p-24f;
    return sign ? -v : v;
  }
  if (exp == 31) {
    const std::uint32_t quiet = mant ? 0x400000u : 0u;
    return std::bit_cast<float>(sign | 0x7f800000u | (mant << 13) | quiet);
  }
  return std::bit_cast<float>(sign | ((exp + 112u) << 23) | (mant << 13));
}

// Round to nearest, ties to even; overflow gives infinity; every NaN becomes 0x7E00 with its
// sign, as ggml's portable conversion does.
constexpr std::uint16_t f32_to_fp16(float f) {
  const std::uint32_t w = std::bit_cast<std::uint32_t>(f);
  const std::uint32_t sign = w & 0x80000000u;
  const std::uint32_t abs = w & 0x7fffffffu;
  if (abs > 0x7f800000u) return static_cast<std::uint16_t>((sign >> 16) | 0x7e00u);
  if (abs >= 0x477ff000u) {
    // At or past 65520 (halfway between the largest fp16, 65504, and 2^16): infinity.
    return static_cast<std::uint16_t>((sign >> 16) | 0x7c00u);
  }
  const std::uint32_t exp = abs >> 23;
  if (exp < 113) {
    // Result is subnormal or zero: scale so that the fp16 quantum 2^-24 becomes one unit and let
    // the float adder round to nearest even.
    const float scaled = std::bit_cast<float>(abs) + 0.5f;  // 0.5 = 2^-1: ulp 2^-24 there
    const std::uint32_t bits = std::bit_cast<std::uint32_t>(scaled) - 0x3f000000u;
    return static_cast<std::uint16_t>((sign >> 16) | bits);
  }
  // Normal: drop 13 mantissa bits with round to nearest even; a carry rolls into the exponent.
  const std::uint32_t mant_odd = (abs >> 13) & 1u;
  const std::uint32_t rounded = abs + 0xfffu + mant_odd;
  return static_cast<std::uint16_t>((sign >> 16) | ((rounded - (112u << 23)) >> 13));
}

constexpr float bf16_to_f32(std::uint16_t h) {
  return std::bit_cast<float>(static_cast<std::uint32_t>(h) << 16);
}

// Round to nearest even; NaN is forced quiet (ggml_compute_fp32_to_bf16).
constexpr std::uint16_t f32_to_bf16(float f) {
  const std::uint32_t u = std::bit_cast<std::uint32_t>(f);
  if ((u & 0x7fffffffu) > 0x7f800000u) return static_cast<std::uint16_t>((u >> 16) | 64u);
  return static_cast<std::uint16_t>((u + (0x7fffu + ((u >> 16) & 1u))) >> 16);
}

}  // namespace vkchat::quant
