// ggml's 4-bit codebook (IQ4_NL, IQ4_XS), FP4 (MXFP4, NVFP4), ternary (TQ1_0, TQ2_0) and 1-/2-bit
// (Q1_0, Q2_0) block layouts (ggml-common.h), byte for byte, with their value tables and scale
// decodings. The GLSL decode in shaders/weights.glsl mirrors these; sizes are asserted against
// ggml_types.cpp's table by tests.
#pragma once
#include <bit>
#include <cstdint>

#include "quant/blocks.h"

namespace vkchat::quant {

inline constexpr int kQK_NVFP4_SUB = 16;  // elements per NVFP4 scale

// kvalues_iq4nl: the 16 non-linear levels of IQ4_NL and IQ4_XS.
inline constexpr std::int8_t kIq4nlValues[16] = {-127, -104, -83, -65, -49, -35, -22, -10,
                                                 1,    13,   25,  38,  53,  69,  89,  113};
// kvalues_fp4: E2M1 values doubled (MXFP4 and NVFP4 halve their scales to match).
inline constexpr std::int8_t kFp4Values[16] = {0, 1,  2,  3,  4,  6,  8,  12,
                                               0, -1, -2, -3, -4, -6, -8, -12};

// d * kIq4nlValues[q]; element j in the low nibble of qs[j], j + 16 in the high nibble.
struct [[gnu::packed]] BlockIQ4_NL {
  std::uint16_t d;
  std::uint8_t qs[kQK / 2];
};

// 8 groups of 32: d * (scale6 - 32) * kIq4nlValues[q]; group g's scale is nibble g % 2 of
// scales_l[g / 2] with bits 2g..2g+1 of scales_h on top. Nibbles of a group as IQ4_NL.
struct [[gnu::packed]] BlockIQ4_XS {
  std::uint16_t d;
  std::uint16_t scales_h;
  std::uint8_t scales_l[kQK_K / 64];
  std::uint8_t qs[kQK_K / 2];
};

// e8m0_half(e) * kFp4Values[q]; nibbles as IQ4_NL.
struct [[gnu::packed]] BlockMXFP4 {
  std::uint8_t e;
  std::uint8_t qs[kQK / 2];
};

// 64 elements in 4 groups of 16: ue4m3_half(d[s]) * kFp4Values[q]; within group s, element j
// is the low nibble of qs[8s + j], j + 8 the high nibble.
struct [[gnu::packed]] BlockNVFP4 {
  std::uint8_t d[4];
  std::uint8_t qs[32];
};

// Ternary d * (t - 1): qs bytes hold 5 base-3 digits each as a fixed-point fraction of 256
// (digit n of byte b is (uint8(b * 3^n) * 3) >> 8), qh bytes 4 digits each.
struct [[gnu::packed]] BlockTQ1_0 {
  std::uint8_t qs[(kQK_K - 4 * kQK_K / 64) / 5];
  std::uint8_t qh[kQK_K / 64];
  std::uint16_t d;
};

// d * (q - 1), q 2 bits: value 128*h + 32*l + m is bits 2l.. of qs[32*h + m].
struct [[gnu::packed]] BlockTQ2_0 {
  std::uint8_t qs[kQK_K / 4];
  std::uint16_t d;
};

// 128 signs: bit j of the block (qs[j / 8] bit j % 8) set gives +d, clear -d.
struct [[gnu::packed]] BlockQ1_0 {
  std::uint16_t d;
  std::uint8_t qs[128 / 8];
};

// 64 values d * (q - 1), q in bits 2(j % 4).. of qs[j / 4].
struct [[gnu::packed]] BlockQ2_0 {
  std::uint16_t d;
  std::uint8_t qs[64 / 4];
};

static_assert(sizeof(BlockIQ4_NL) == 18);
static_assert(sizeof(BlockIQ4_XS) == 136);
static_assert(sizeof(BlockMXFP4) == 17);
static_assert(sizeof(BlockNVFP4) == 36);
static_assert(sizeof(BlockTQ1_0) == 54);
static_assert(sizeof(BlockTQ2_0) == 66);
static_assert(sizeof(BlockQ1_0) == 18);
static_assert(sizeof(BlockQ2_0) == 18);

// ggml_e8m0_to_fp32_half: 2^(e - 128), subnormal for e < 2.
constexpr float e8m0_half_to_f32(std::uint8_t e) {
  const std::uint32_t bits = e < 2 ? (0x00200000u << e) : (static_cast<std::uint32_t>(e - 1) << 23);
  return std::bit_cast<float>(bits);
}

// ggml_ue4m3_to_fp32: unsigned E4M3 (bias 7, bit 7 ignored) times 0.5; 0 and 0x7F (NaN) give 0.
// Every value is exact in float, so (8 + m) * 2^(e - 11) equals ggml's ldexpf form.
constexpr float ue4m3_half_to_f32(std::uint8_t x) {
  if (x == 0 || x == 0x7F) return 0.0f;
  const int exp = (x >> 3) & 0xF;
  const int man = x & 0x7;
  if (exp == 0) return static_cast<float>(man) * 0x1p-10f;
  const float pow2 = std::bit_cast<float>(static_cast<std::uint32_t>(exp - 11 + 127) << 23);
  return static_cast<float>(8 + man) * pow2;
}

// The 6-bit scale of group g (0..7) of an IQ4_XS block, unbiased to -32..31.
constexpr int iq4xs_scale(int g, std::uint16_t scales_h, const std::uint8_t* scales_l) {
  const int low = (scales_l[g / 2] >> (4 * (g % 2))) & 0xF;
  const int high = (scales_h >> (2 * g)) & 3;
  return (low | (high << 4)) - 32;
}

// Digit n (0..4) of a TQ1_0 byte: a ternary digit 0..2.
constexpr int tq1_digit(std::uint8_t byte, int n) {
  constexpr std::uint8_t kPow3[5] = {1, 3, 9, 27, 81};
  const auto q = static_cast<std::uint8_t>(byte * kPow3[n]);
  return (static_cast<std::uint16_t>(q) * 3) >> 8;
}

}  // namespace vkchat::quant
