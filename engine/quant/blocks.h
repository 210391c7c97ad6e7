// ggml's quantized block layouts (ggml-common.h), byte for byte. A tensor row of n elements is
// n / block_size consecutive blocks; fp16 fields are raw IEEE half bits (see half.h). The GLSL
// kernels mirror these structs, so a size change here must fail to compile.
#pragma once
#include <cstdint>
#include <cstring>

namespace vkchat::quant {

inline constexpr int kQK = 32;           // elements per block of the legacy types (Q4_0 .. Q8_0)
inline constexpr int kQK_K = 256;        // elements per super-block of the K-quants
inline constexpr int kKScaleBytes = 12;  // packed 6-bit scales and mins of Q4_K / Q5_K

// Block i of the blocks at src, copied out because tensor rows carry no alignment guarantee.
template <class Block>
Block load_block(const std::uint8_t* src, std::int64_t i) {
  Block b;
  std::memcpy(&b, src + i * static_cast<std::int64_t>(sizeof(Block)), sizeof(Block));
  return b;
}

// d * (q - 8), q a nibble; element j in the low nibble of qs[j], j + 16 in the high nibble.
struct [[gnu::packed]] BlockQ4_0 {
  std::uint16_t d;
  std::uint8_t qs[kQK / 2];
};

// d * q + m, nibbles as Q4_0.
struct [[gnu::packed]] BlockQ4_1 {
  std::uint16_t d;
  std::uint16_t m;
  std::uint8_t qs[kQK / 2];
};

// d * (q - 16), q = nibble | bit j of qh (little-endian uint32) << 4.
struct [[gnu::packed]] BlockQ5_0 {
  std::uint16_t d;
  std::uint8_t qh[4];
  std::uint8_t qs[kQK / 2];
};

// d * q + m, q as Q5_0.
struct [[gnu::packed]] BlockQ5_1 {
  std::uint16_t d;
  std::uint16_t m;
  std::uint8_t qh[4];
  std::uint8_t qs[kQK / 2];
};

// d * q.
struct [[gnu::packed]] BlockQ8_0 {
  std::uint16_t d;
  std::int8_t qs[kQK];
};

// 16 groups of 16: d * (scales & 15) * q - dmin * (scales >> 4), q 2 bits.
struct [[gnu::packed]] BlockQ2_K {
  std::uint8_t scales[kQK_K / 16];
  std::uint8_t qs[kQK_K / 4];
  std::uint16_t d;
  std::uint16_t dmin;
};

// 16 groups of 16: d * (scale6 - 32) * (q2 - (hmask bit ? 0 : 4)).
struct [[gnu::packed]] BlockQ3_K {
  std::uint8_t hmask[kQK_K / 8];
  std::uint8_t qs[kQK_K / 4];
  std::uint8_t scales[12];
  std::uint16_t d;
};

// 8 groups of 32: d * scale6 * q4 - dmin * min6.
struct [[gnu::packed]] BlockQ4_K {
  std::uint16_t d;
  std::uint16_t dmin;
  std::uint8_t scales[kKScaleBytes];
  std::uint8_t qs[kQK_K / 2];
};

// 8 groups of 32: d * scale6 * q5 - dmin * min6.
struct [[gnu::packed]] BlockQ5_K {
  std::uint16_t d;
  std::uint16_t dmin;
  std::uint8_t scales[kKScaleBytes];
  std::uint8_t qh[kQK_K / 8];
  std::uint8_t qs[kQK_K / 2];
};

// 16 groups of 16: d * scale8 * (q6 - 32).
struct [[gnu::packed]] BlockQ6_K {
  std::uint8_t ql[kQK_K / 2];
  std::uint8_t qh[kQK_K / 4];
  std::int8_t scales[kQK_K / 16];
  std::uint16_t d;
};

// d (a float, not fp16) * q; bsums are sums of groups of 16 (used only by dot products).
struct [[gnu::packed]] BlockQ8_K {
  float d;
  std::int8_t qs[kQK_K];
  std::int16_t bsums[kQK_K / 16];
};

// Sizes as in ggml_types.cpp's table (type_size); tests check the two agree.
static_assert(sizeof(BlockQ4_0) == 18);
static_assert(sizeof(BlockQ4_1) == 20);
static_assert(sizeof(BlockQ5_0) == 22);
static_assert(sizeof(BlockQ5_1) == 24);
static_assert(sizeof(BlockQ8_0) == 34);
static_assert(sizeof(BlockQ2_K) == 84);
static_assert(sizeof(BlockQ3_K) == 110);
static_assert(sizeof(BlockQ4_K) == 144);
static_assert(sizeof(BlockQ5_K) == 176);
static_assert(sizeof(BlockQ6_K) == 210);
static_assert(sizeof(BlockQ8_K) == 292);

// The 6-bit scale and min of group j (0..7) of a Q4_K / Q5_K block (ggml's get_scale_min_k4).
struct ScaleMin {
  std::uint8_t scale;
  std::uint8_t min;
};
constexpr ScaleMin k4_scale_min(int j, const std::uint8_t* q) {
  if (j < 4)
    return {static_cast<std::uint8_t>(q[j] & 63), static_cast<std::uint8_t>(q[j + 4] & 63)};
  return {static_cast<std::uint8_t>((q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4)),
          static_cast<std::uint8_t>((q[j + 4] >> 4) | ((q[j] >> 6) << 4))};
}

// The 6-bit scale of group j (0..15) of a Q3_K block, unbiased to -32..31.
constexpr int q3k_scale(int j, const std::uint8_t* s) {
  const int low = j < 8 ? (s[j] & 0xF) : (s[j - 8] >> 4);
  const int high = (s[8 + j % 4] >> (2 * (j / 4))) & 3;
  return (low | (high << 4)) - 32;
}

}  // namespace vkchat::quant
