// ggml's block layouts of the codebook-grid IQ types (ggml-common.h), byte for byte: super-blocks
// of 256 elements in 8 groups of 32, each group 4 grid points of 8 elements (IQ3_*: 8 points of
// 4). fp16 fields are raw half bits. The formulas are in quant/dequantize_iq.cpp.
#pragma once
#include <cstdint>

#include "quant/blocks.h"

namespace vkchat::quant {

// Group g: qs[4g .. 4g+3] (as bytes of two uint32 a, b): four 8-bit grid indices in a, four
// 7-bit sign codes in b bits 0..27, the 4-bit scale in b >> 28; d * (0.5 + s) * 0.25.
struct [[gnu::packed]] BlockIq2xxs {
  std::uint16_t d;
  std::uint16_t qs[kQK_K / 8];
};

// Each qs entry: 9-bit grid index | 7-bit sign code << 9; scales: a nibble per 16 elements.
struct [[gnu::packed]] BlockIq2xs {
  std::uint16_t d;
  std::uint16_t qs[kQK_K / 8];
  std::uint8_t scales[kQK_K / 32];
};

// qs[0..32): low 8 bits of the 10-bit indices; qs[32..64): a sign byte per 8 elements; qh: 2 high
// index bits per point; scales: a nibble per 16 elements.
struct [[gnu::packed]] BlockIq2s {
  std::uint16_t d;
  std::uint8_t qs[kQK_K / 4];
  std::uint8_t qh[kQK_K / 32];
  std::uint8_t scales[kQK_K / 32];
};

// qs[0..64): 8-bit indices of 4-element points; qs[64..96): per group a uint32 of four 7-bit sign
// codes and a 4-bit scale (d * (0.5 + s) * 0.5).
struct [[gnu::packed]] BlockIq3xxs {
  std::uint16_t d;
  std::uint8_t qs[3 * kQK_K / 8];
};

// 9-bit indices (qs low 8 bits, qh the ninth), a sign byte per 8 elements, a nibble scale per
// group: d * (1 + 2 s).
struct [[gnu::packed]] BlockIq3s {
  std::uint16_t d;
  std::uint8_t qs[kQK_K / 4];
  std::uint8_t qh[kQK_K / 32];
  std::uint8_t signs[kQK_K / 8];
  std::uint8_t scales[kQK_K / 64];
};

// 11-bit indices into the 2048-point grid (qs low 8 bits, 3 bits per point in qh), per group
// qh bits 12..14 a 3-bit scale (d * (2 s + 1)) and bit 15 the delta's sign.
struct [[gnu::packed]] BlockIq1s {
  std::uint16_t d;
  std::uint8_t qs[kQK_K / 8];
  std::uint16_t qh[kQK_K / 32];
};

// No d field: the fp16 super-block scale is spread over the top nibbles of the four uint16
// words of scales, whose other 12 bits hold two 3-bit scales per group. qh: per 8 elements 3
// high index bits and a delta sign bit.
struct [[gnu::packed]] BlockIq1m {
  std::uint8_t qs[kQK_K / 8];
  std::uint8_t qh[kQK_K / 16];
  std::uint8_t scales[kQK_K / 32];
};

static_assert(sizeof(BlockIq2xxs) == 66);
static_assert(sizeof(BlockIq2xs) == 74);
static_assert(sizeof(BlockIq2s) == 82);
static_assert(sizeof(BlockIq3xxs) == 98);
static_assert(sizeof(BlockIq3s) == 110);
static_assert(sizeof(BlockIq1s) == 50);
static_assert(sizeof(BlockIq1m) == 56);

}  // namespace vkchat::quant
