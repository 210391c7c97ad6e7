// ggml's reference quantizers for Q1_0, Q2_0, TQ1_0, TQ2_0, MXFP4 and NVFP4, with its float
// operations in its order (roundf / lroundf: half away from zero; floorf(log2f) for MXFP4's
// exponent) so that the bytes match llama-quantize's.
#include "quant/quantize_lowbit.h"

#include <bit>
#include <cmath>
#include <cstring>

#include "quant/blocks_lowbit.h"
#include "quant/half.h"

namespace vkchat::quant::lowbit {
namespace {

template <class Block>
void store(const Block& b, std::uint8_t* dst, std::int64_t i) {
  std::memcpy(dst + i * static_cast<std::int64_t>(sizeof(Block)), &b, sizeof b);
}

float abs_max(const float* x, int n) {
  float amax = 0.0f;
  for (int j = 0; j < n; ++j) amax = std::fmax(amax, std::fabs(x[j]));
  return amax;
}

// best_index_mxfp4: the code whose value times e is nearest x; the first wins ties.
std::uint8_t best_fp4(float x, float e) {
  int best = 0;
  float best_err = std::fabs(static_cast<float>(kFp4Values[0]) * e - x);
  for (int i = 1; i < 16; ++i) {
    const float err = std::fabs(static_cast<float>(kFp4Values[i]) * e - x);
    if (err < best_err) {
      best = i;
      best_err = err;
    }
  }
  return static_cast<std::uint8_t>(best);
}

// Ternary digits t0..t(n-1) (most significant first) as TQ1_0's fixed-point byte:
// ceil(value * 256 / 243) after scaling to 5 digits.
std::uint8_t tq1_byte(const int* digits, int n, int scale_up) {
  std::uint8_t q = 0;
  for (int k = 0; k < n; ++k) q = static_cast<std::uint8_t>(q * 3 + digits[k]);
  for (int k = 0; k < scale_up; ++k) q = static_cast<std::uint8_t>(q * 3);
  return static_cast<std::uint8_t>((static_cast<std::uint16_t>(q) * 256 + (243 - 1)) / 243);
}

}  // namespace

std::uint8_t f32_to_ue4m3(float x) {
  if (!(x > 0.0f)) return 0;
  if (x > 448.0f) x = 448.0f;
  const auto bits = std::bit_cast<std::uint32_t>(x);
  const int fp32_exp = static_cast<int>((bits >> 23) & 0xFF) - 127;
  const int fp32_man = static_cast<int>((bits >> 20) & 0x7);
  int exp = fp32_exp + 7;
  if (exp <= 0) {
    // Subnormal: man * 2^-9, man = round(x * 2^9) (ggml's truncation of x * 512 + 0.5).
    int man = static_cast<int>(x * 512.0f + 0.5f);
    if (man > 7) man = 7;
    if (man < 1) return 0;
    return static_cast<std::uint8_t>(man);
  }
  if (exp >= 15) return 0x7E;
  int man = fp32_man + static_cast<int>((bits >> 19) & 1);
  if (man > 7) {
    man = 0;
    if (++exp >= 15) return 0x7E;
  }
  return static_cast<std::uint8_t>((exp << 3) | man);
}

void quantize_q1_0(const float* x, std::uint8_t* dst, std::int64_t nb) {
  for (std::int64_t i = 0; i < nb; ++i, x += 128) {
    float sum_abs = 0.0f;
    for (int j = 0; j < 128; ++j) sum_abs += std::fabs(x[j]);
    BlockQ1_0 b{};
    b.d = f32_to_fp16(sum_abs / 128);
    for (int j = 0; j < 128; ++j) {
      if (x[j] >= 0.0f) b.qs[j / 8] = static_cast<std::uint8_t>(b.qs[j / 8] | (1 << (j % 8)));
    }
    store(b, dst, i);
  }
}

void quantize_q2_0(const float* x, std::uint8_t* dst, std::int64_t nb) {
  for (std::int64_t i = 0; i < nb; ++i, x += 64) {
    float amax = 0.0f;
    for (int j = 0; j < 64; ++j) {
      if (std::fabs(x[j]) > amax) amax = std::fabs(x[j]);
    }
    const float id = amax > 0.0f ? 1.0f / amax : 0.0f;
    BlockQ2_0 b{};
    b.d = f32_to_fp16(amax);
    for (int j = 0; j < 64; ++j) {
      int q = static_cast<int>(std::round(x[j] * id)) + 1;
      q = q < 0 ? 0 : (q > 3 ? 3 : q);
      b.qs[j / 4] = static_cast<std::uint8_t>(b.qs[j / 4] | (q << (2 * (j % 4))));
    }
    store(b, dst, i);
  }
}

void quantize_tq1_0(const float* x, std::uint8_t* dst, std::int64_t nb) {
  for (std::int64_t i = 0; i < nb; ++i, x += kQK_K) {
    const float d = abs_max(x, kQK_K);
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    const auto trit = [&](int idx) { return static_cast<int>(std::lround(x[idx] * id)) + 1; };
    BlockTQ1_0 b{};
    b.d = f32_to_fp16(d);
    int digits[5];
    // qs[0..32): elements m + 32n; qs[32..48): 160 + m + 16n; qh[0..4): 240 + j + 4m.
    for (int m = 0; m < 32; ++m) {
      for (int n = 0; n < 5; ++n) digits[n] = trit(m + 32 * n);
      b.qs[m] = tq1_byte(digits, 5, 0);
    }
    for (int m = 0; m < 16; ++m) {
      for (int n = 0; n < 5; ++n) digits[n] = trit(160 + m + 16 * n);
      b.qs[32 + m] = tq1_byte(digits, 5, 0);
    }
    for (int j = 0; j < 4; ++j) {
      for (int m = 0; m < 4; ++m) digits[m] = trit(240 + j + 4 * m);
      b.qh[j] = tq1_byte(digits, 4, 1);  // the first value in the most significant trit
    }
    store(b, dst, i);
  }
}

void quantize_tq2_0(const float* x, std::uint8_t* dst, std::int64_t nb) {
  for (std::int64_t i = 0; i < nb; ++i, x += kQK_K) {
    const float d = abs_max(x, kQK_K);
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    BlockTQ2_0 b{};
    b.d = f32_to_fp16(d);
    for (int h = 0; h < 2; ++h) {
      for (int m = 0; m < 32; ++m) {
        std::uint8_t q = 0;
        for (int n = 0; n < 4; ++n) {
          const int xi = static_cast<int>(std::lround(x[128 * h + m + 32 * n] * id)) + 1;
          q = static_cast<std::uint8_t>(q + ((xi & 3) << (2 * n)));
        }
        b.qs[32 * h + m] = q;
      }
    }
    store(b, dst, i);
  }
}

void quantize_mxfp4(const float* x, std::uint8_t* dst, std::int64_t nb) {
  for (std::int64_t i = 0; i < nb; ++i, x += kQK) {
    float amax = 0.0f;
    for (int j = 0; j < kQK; ++j) {
      if (amax < std::fabs(x[j])) amax = std::fabs(x[j]);
    }
    BlockMXFP4 b{};
    b.e = amax > 0.0f ? static_cast<std::uint8_t>(std::floor(std::log2(amax)) - 2 + 127) : 0;
    const float d = e8m0_half_to_f32(b.e);
    for (int j = 0; j < kQK / 2; ++j) {
      b.qs[j] = static_cast<std::uint8_t>(best_fp4(x[j], d) | (best_fp4(x[j + kQK / 2], d) << 4));
    }
    store(b, dst, i);
  }
}

void quantize_nvfp4(const float* x, std::uint8_t* dst, std::int64_t nb) {
  for (std::int64_t i = 0; i < nb; ++i) {
    BlockNVFP4 b{};
    for (int s = 0; s < 4; ++s, x += kQK_NVFP4_SUB) {
      float amax = 0.0f;
      for (int j = 0; j < kQK_NVFP4_SUB; ++j) {
        if (amax < std::fabs(x[j])) amax = std::fabs(x[j]);
      }
      b.d[s] = f32_to_ue4m3(amax / 6.0f);
      const float d = ue4m3_half_to_f32(b.d[s]);
      for (int j = 0; j < kQK_NVFP4_SUB / 2; ++j) {
        b.qs[s * kQK_NVFP4_SUB / 2 + j] = static_cast<std::uint8_t>(
            best_fp4(x[j], d) | (best_fp4(x[j + kQK_NVFP4_SUB / 2], d) << 4));
      }
    }
    store(b, dst, i);
  }
}

}  // namespace vkchat::quant::lowbit
