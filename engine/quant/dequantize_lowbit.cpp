// Dequantization of the 4-bit codebook, FP4, ternary and 1-/2-bit types, keeping ggml's float
// evaluation order (scale * level, level an integer promoted to float) so results match to the bit.
#include "quant/dequantize_lowbit.h"

#include <cstring>

#include "quant/blocks_lowbit.h"
#include "quant/half.h"

namespace vkchat::quant::lowbit {
namespace {

// 32 values from 16 nibble pairs: low nibbles first, then high, each through `table` times d.
void nibbles32(const std::uint8_t* qs, const std::int8_t* table, float d, float* y) {
  for (int j = 0; j < 16; ++j) {
    y[j] = d * static_cast<float>(table[qs[j] & 0xF]);
    y[j + 16] = d * static_cast<float>(table[qs[j] >> 4]);
  }
}

}  // namespace

void dequant_iq4_nl(const std::uint8_t* src, float* y, std::int64_t nb) {
  for (std::int64_t i = 0; i < nb; ++i, y += kQK) {
    const auto b = load_block<BlockIQ4_NL>(src, i);
    nibbles32(b.qs, kIq4nlValues, fp16_to_f32(b.d), y);
  }
}

void dequant_iq4_xs(const std::uint8_t* src, float* y, std::int64_t nb) {
  for (std::int64_t i = 0; i < nb; ++i, y += kQK_K) {
    const auto b = load_block<BlockIQ4_XS>(src, i);
    const float d = fp16_to_f32(b.d);
    for (int g = 0; g < kQK_K / 32; ++g) {
      const float dl = d * static_cast<float>(iq4xs_scale(g, b.scales_h, b.scales_l));
      nibbles32(b.qs + 16 * g, kIq4nlValues, dl, y + 32 * g);
    }
  }
}

// ggml computes level * d here (int8 first); float multiplication commutes, so nibbles32's
// d * level is the same bits.
void dequant_mxfp4(const std::uint8_t* src, float* y, std::int64_t nb) {
  for (std::int64_t i = 0; i < nb; ++i, y += kQK) {
    const auto b = load_block<BlockMXFP4>(src, i);
    nibbles32(b.qs, kFp4Values, e8m0_half_to_f32(b.e), y);
  }
}

void dequant_nvfp4(const std::uint8_t* src, float* y, std::int64_t nb) {
  for (std::int64_t i = 0; i < nb; ++i) {
    const auto b = load_block<BlockNVFP4>(src, i);
    for (int s = 0; s < 4; ++s, y += kQK_NVFP4_SUB) {
      const float d = ue4m3_half_to_f32(b.d[s]);
      for (int j = 0; j < kQK_NVFP4_SUB / 2; ++j) {
        const std::uint8_t q = b.qs[s * kQK_NVFP4_SUB / 2 + j];
        y[j] = static_cast<float>(kFp4Values[q & 0xF]) * d;
        y[j + kQK_NVFP4_SUB / 2] = static_cast<float>(kFp4Values[q >> 4]) * d;
      }
    }
  }
}

// Element order of ggml's loops: qs[0..32) digit 0..4, qs[32..48) digit 0..4, then qh digit 0..3.
void dequant_tq1_0(const std::uint8_t* src, float* y, std::int64_t nb) {
  for (std::int64_t i = 0; i < nb; ++i) {
    const auto b = load_block<BlockTQ1_0>(src, i);
    const float d = fp16_to_f32(b.d);
    const auto emit = [&](const std::uint8_t* bytes, int count, int digits) {
      for (int n = 0; n < digits; ++n) {
        for (int m = 0; m < count; ++m) *y++ = static_cast<float>(tq1_digit(bytes[m], n) - 1) * d;
      }
    };
    emit(b.qs, 32, 5);
    emit(b.qs + 32, 16, 5);
    emit(b.qh, 4, 4);
  }
}

void dequant_tq2_0(const std::uint8_t* src, float* y, std::int64_t nb) {
  for (std::int64_t i = 0; i < nb; ++i) {
    const auto b = load_block<BlockTQ2_0>(src, i);
    const float d = fp16_to_f32(b.d);
    for (int h = 0; h < 2; ++h) {
      for (int l = 0; l < 4; ++l) {
        for (int m = 0; m < 32; ++m) {
          const int q = (b.qs[32 * h + m] >> (2 * l)) & 3;
          *y++ = static_cast<float>(q - 1) * d;
        }
      }
    }
  }
}

void dequant_q1_0(const std::uint8_t* src, float* y, std::int64_t nb) {
  for (std::int64_t i = 0; i < nb; ++i, y += 128) {
    const auto b = load_block<BlockQ1_0>(src, i);
    const float d = fp16_to_f32(b.d);
    for (int j = 0; j < 128; ++j) y[j] = ((b.qs[j / 8] >> (j % 8)) & 1) ? d : -d;
  }
}

void dequant_q2_0(const std::uint8_t* src, float* y, std::int64_t nb) {
  for (std::int64_t i = 0; i < nb; ++i, y += 64) {
    const auto b = load_block<BlockQ2_0>(src, i);
    const float d = fp16_to_f32(b.d);
    for (int j = 0; j < 64; ++j) {
      const int q = (b.qs[j / 4] >> (2 * (j % 4))) & 3;
      y[j] = static_cast<float>(q - 1) * d;
    }
  }
}

}  // namespace vkchat::quant::lowbit
