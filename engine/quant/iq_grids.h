// The codebooks of ggml's codebook-grid IQ types (ggml-common.h): each 8 (or 4) quantized
// elements are one index into a grid of 8- (or 4-) element points, plus sign bits.
//   IQ2_XXS 256, IQ2_XS 512, IQ2_S 1024 points of 8 magnitudes (bytes of a uint64)
//   IQ3_XXS 256, IQ3_S 512 points of 4 magnitudes (bytes of a uint32)
//   IQ1_S, IQ1_M 2048 points of 8 int8 values in {-1, 0, 1}
// The sign tables are formulas, not data: ksigns_iq2xs[i] is i with bit 7 set when i has an odd
// number of bits (the eighth sign makes the count of minus signs even); kmask_iq2xs[j] is 1 << j.
#pragma once
#include <array>
#include <bit>
#include <cstdint>

namespace vkchat::quant {

extern const std::array<std::uint64_t, 256> kIq2xxsGrid;
extern const std::array<std::uint64_t, 512> kIq2xsGrid;
extern const std::array<std::uint64_t, 1024> kIq2sGrid;
extern const std::array<std::uint32_t, 256> kIq3xxsGrid;
extern const std::array<std::uint32_t, 512> kIq3sGrid;
extern const std::array<std::uint64_t, 2048> kIq1sGrid;

// ggml's ksigns_iq2xs: the 8 sign bits (bit j set: element j negative) of a 7-bit sign code.
constexpr std::uint8_t iq_signs(std::uint32_t code7) {
  const std::uint32_t c = code7 & 127u;
  return static_cast<std::uint8_t>(c | ((std::popcount(c) & 1u) << 7));
}

// IQ1_S / IQ1_M: the offset added to every grid value before scaling (IQ1S_DELTA, IQ1M_DELTA).
inline constexpr float kIq1Delta = 0.125f;

// Byte j of a grid point.
constexpr std::uint8_t grid_byte(std::uint64_t point, int j) {
  return static_cast<std::uint8_t>(point >> (8 * j));
}

}  // namespace vkchat::quant
