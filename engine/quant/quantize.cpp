// ggml's reference quantizers (ggml-quants.c, quantize_row_*_ref and their helpers
// nearest_int, make_qkx2_quants, make_qx_quants), operation for operation in float so that the
// rounding, and hence every byte, matches.
#include "quant/quantize.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <string>

#include "quant/blocks.h"
#include "quant/dequantize.h"
#include "quant/half.h"
#include "quant/quantize_lowbit.h"
#include "util/errors.h"

namespace vkchat::quant {

using gguf::GgmlType;

namespace {

constexpr float kGroupMaxEps = 1e-15f;

// Round to nearest (ties to even) through the float adder, as ggml does; |f| < 2^22.
int nearest_int(float f) {
  const float v = f + 12582912.f;
  std::int32_t i;
  std::memcpy(&i, &v, sizeof i);
  return (i & 0x007fffff) - 0x00400000;
}

// Writes a block struct to unaligned output.
template <class Block>
void store(const Block& b, std::uint8_t* dst) {
  std::memcpy(dst, &b, sizeof b);
}

// The value of largest magnitude (its sign kept); the first wins ties.
float signed_absmax(const float* x, int n) {
  float amax = 0.f, max = 0.f;
  for (int j = 0; j < n; ++j) {
    if (amax < std::fabs(x[j])) {
      amax = std::fabs(x[j]);
      max = x[j];
    }
  }
  return max;
}

void min_max(const float* x, int n, float& min, float& max) {
  min = FLT_MAX;
  max = -FLT_MAX;
  for (int j = 0; j < n; ++j) {
    if (x[j] < min) min = x[j];
    if (x[j] > max) max = x[j];
  }
}

void row_q4_0(const float* x, std::uint8_t* dst, std::int64_t nb) {
  for (std::int64_t i = 0; i < nb; ++i, x += kQK, dst += sizeof(BlockQ4_0)) {
    const float d = signed_absmax(x, kQK) / -8;
    const float id = d != 0.f ? 1.0f / d : 0.0f;
    BlockQ4_0 b;
    b.d = f32_to_fp16(d);
    std::uint8_t L[kQK];
    for (int j = 0; j < kQK; ++j) {
      const float v = x[j] * id;
      L[j] = static_cast<std::uint8_t>(
          std::min(15, static_cast<int>(static_cast<std::int8_t>(v + 8.5f))));
    }
    pack_nibbles32(L, b.qs);
    store(b, dst);
  }
}

void row_q4_1(const float* x, std::uint8_t* dst, std::int64_t nb) {
  for (std::int64_t i = 0; i < nb; ++i, x += kQK, dst += sizeof(BlockQ4_1)) {
    float min, max;
    min_max(x, kQK, min, max);
    const float d = (max - min) / 15;
    const float id = d != 0.f ? 1.0f / d : 0.0f;
    BlockQ4_1 b;
    b.d = f32_to_fp16(d);
    b.m = f32_to_fp16(min);
    std::uint8_t L[kQK];
    for (int j = 0; j < kQK; ++j) {
      const float v = (x[j] - min) * id;
      L[j] = static_cast<std::uint8_t>(
          std::min(15, static_cast<int>(static_cast<std::int8_t>(v + 0.5f))));
    }
    pack_nibbles32(L, b.qs);
    store(b, dst);
  }
}

void row_q5_0(const float* x, std::uint8_t* dst, std::int64_t nb) {
  for (std::int64_t i = 0; i < nb; ++i, x += kQK, dst += sizeof(BlockQ5_0)) {
    const float d = signed_absmax(x, kQK) / -16;
    const float id = d != 0.f ? 1.0f / d : 0.0f;
    BlockQ5_0 b;
    b.d = f32_to_fp16(d);
    std::uint8_t L[kQK];
    for (int j = 0; j < kQK; ++j) {
      const float v = x[j] * id;
      L[j] = static_cast<std::uint8_t>(
          std::min(31, static_cast<int>(static_cast<std::int8_t>(v + 16.5f))));
    }
    pack_q5_32(L, b.qh, b.qs);
    store(b, dst);
  }
}

void row_q5_1(const float* x, std::uint8_t* dst, std::int64_t nb) {
  for (std::int64_t i = 0; i < nb; ++i, x += kQK, dst += sizeof(BlockQ5_1)) {
    float min, max;
    min_max(x, kQK, min, max);
    const float d = (max - min) / 31;
    const float id = d != 0.f ? 1.0f / d : 0.0f;
    BlockQ5_1 b;
    b.d = f32_to_fp16(d);
    b.m = f32_to_fp16(min);
    std::uint8_t L[kQK];
    for (int j = 0; j < kQK; ++j) {
      const float v = (x[j] - min) * id;
      // ggml keeps only 5 bits of this (it cannot exceed 31 by more than rounding).
      L[j] = static_cast<std::uint8_t>(static_cast<std::uint8_t>(v + 0.5f) & 31);
    }
    pack_q5_32(L, b.qh, b.qs);
    store(b, dst);
  }
}

void row_q8_0(const float* x, std::uint8_t* dst, std::int64_t nb) {
  for (std::int64_t i = 0; i < nb; ++i, x += kQK, dst += sizeof(BlockQ8_0)) {
    float amax = 0.f;
    for (int j = 0; j < kQK; ++j) amax = std::max(amax, std::fabs(x[j]));
    const float d = amax / 127;
    const float id = d != 0.f ? 1.0f / d : 0.0f;
    BlockQ8_0 b;
    b.d = f32_to_fp16(d);
    for (int j = 0; j < kQK; ++j) {
      const float v = x[j] * id;
      b.qs[j] = static_cast<std::int8_t>(std::round(v));
    }
    store(b, dst);
  }
}

// ggml's make_qkx2_quants: levels 0..nmax with a scale and a (non-positive) min chosen by a
// weighted least-squares search over nstep + 1 candidate scales. Returns the scale; *the_min is
// minus the min.
float make_qkx2_quants(int n, int nmax, const float* x, const float* weights, std::uint8_t* L,
                       float* the_min, std::uint8_t* Laux, float rmin, float rdelta, int nstep) {
  float min = x[0], max = x[0];
  float sum_w = weights[0];
  float sum_x = sum_w * x[0];
  for (int i = 1; i < n; ++i) {
    if (x[i] < min) min = x[i];
    if (x[i] > max) max = x[i];
    const float w = weights[i];
    sum_w += w;
    sum_x += w * x[i];
  }
  if (min > 0) min = 0;
  if (max == min) {
    std::fill(L, L + n, std::uint8_t{0});
    *the_min = -min;
    return 0.f;
  }
  float iscale = static_cast<float>(nmax) / (max - min);
  float scale = 1 / iscale;
  float best_error = 0;
  for (int i = 0; i < n; ++i) {
    const int l = nearest_int(iscale * (x[i] - min));
    L[i] = static_cast<std::uint8_t>(std::max(0, std::min(nmax, l)));
    float diff = scale * static_cast<float>(L[i]) + min - x[i];
    diff = diff * diff;
    best_error += weights[i] * diff;
  }
  for (int is = 0; is <= nstep; ++is) {
    iscale = (rmin + rdelta * static_cast<float>(is) + static_cast<float>(nmax)) / (max - min);
    float sum_l = 0, sum_l2 = 0, sum_xl = 0;
    for (int i = 0; i < n; ++i) {
      int l = nearest_int(iscale * (x[i] - min));
      l = std::max(0, std::min(nmax, l));
      Laux[i] = static_cast<std::uint8_t>(l);
      const float w = weights[i];
      const float fl = static_cast<float>(l);
      sum_l += w * fl;
      sum_l2 += w * fl * fl;
      sum_xl += w * fl * x[i];
    }
    const float D = sum_w * sum_l2 - sum_l * sum_l;
    if (D > 0) {
      float this_scale = (sum_w * sum_xl - sum_x * sum_l) / D;
      float this_min = (sum_l2 * sum_x - sum_l * sum_xl) / D;
      if (this_min > 0) {
        this_min = 0;
        this_scale = sum_xl / sum_l2;
      }
      float cur_error = 0;
      for (int i = 0; i < n; ++i) {
        float diff = this_scale * static_cast<float>(Laux[i]) + this_min - x[i];
        diff = diff * diff;
        cur_error += weights[i] * diff;
      }
      if (cur_error < best_error) {
        std::copy(Laux, Laux + n, L);
        best_error = cur_error;
        scale = this_scale;
        min = this_min;
      }
    }
  }
  *the_min = -min;
  return scale;
}

// ggml's make_qx_quants with rmse_type 1 and no importance weights: symmetric levels
// -nmax..nmax-1 (stored biased by nmax), the scale refined over 18 nearby candidates.
float make_qx_quants(int n, int nmax, const float* x, std::int8_t* L) {
  float max = 0, amax = 0;
  for (int i = 0; i < n; ++i) {
    const float ax = std::fabs(x[i]);
    if (ax > amax) {
      amax = ax;
      max = x[i];
    }
  }
  if (amax < kGroupMaxEps) {
    std::fill(L, L + n, std::int8_t{0});
    return 0.f;
  }
  const float fnmax = static_cast<float>(nmax);
  float iscale = -fnmax / max;
  float sumlx = 0, suml2 = 0;
  for (int i = 0; i < n; ++i) {
    int l = nearest_int(iscale * x[i]);
    l = std::max(-nmax, std::min(nmax - 1, l));
    L[i] = static_cast<std::int8_t>(l + nmax);
    const float w = x[i] * x[i];
    const float fl = static_cast<float>(l);
    sumlx += w * x[i] * fl;
    suml2 += w * fl * fl;
  }
  float scale = suml2 != 0.f ? sumlx / suml2 : 0.0f;
  float best = scale * sumlx;
  for (int is = -9; is <= 9; ++is) {
    if (is == 0) continue;
    iscale = -(fnmax + 0.1f * static_cast<float>(is)) / max;
    sumlx = suml2 = 0;
    for (int i = 0; i < n; ++i) {
      int l = nearest_int(iscale * x[i]);
      l = std::max(-nmax, std::min(nmax - 1, l));
      const float w = x[i] * x[i];
      const float fl = static_cast<float>(l);
      sumlx += w * x[i] * fl;
      suml2 += w * fl * fl;
    }
    if (suml2 > 0 && sumlx * sumlx > best * suml2) {
      for (int i = 0; i < n; ++i) {
        const int l = nearest_int(iscale * x[i]);
        L[i] = static_cast<std::int8_t>(nmax + std::max(-nmax, std::min(nmax - 1, l)));
      }
      scale = sumlx / suml2;
      best = scale * sumlx;
    }
  }
  return scale;
}

// The scale/min search shared by Q4_K (nmax 15) and Q5_K (nmax 31): per group of 32, levels
// L, then the 6-bit scales and mins packed and the levels recomputed against them.
template <class Block>
void k_scale_min_block(const float* x, int nmax, float rmin, int nstep, Block& b, std::uint8_t* L) {
  std::uint8_t Laux[32];
  float weights[32], mins[kQK_K / 32], scales[kQK_K / 32];
  float max_scale = 0, max_min = 0;
  for (int j = 0; j < kQK_K / 32; ++j) {
    float sum_x2 = 0;
    for (int l = 0; l < 32; ++l) sum_x2 += x[32 * j + l] * x[32 * j + l];
    const float av_x = std::sqrt(sum_x2 / 32);
    for (int l = 0; l < 32; ++l) weights[l] = av_x + std::fabs(x[32 * j + l]);
    scales[j] = make_qkx2_quants(32, nmax, x + 32 * j, weights, L + 32 * j, &mins[j], Laux, rmin,
                                 0.1f, nstep);
    if (scales[j] > max_scale) max_scale = scales[j];
    if (mins[j] > max_min) max_min = mins[j];
  }
  const float inv_scale = max_scale > 0 ? 63.f / max_scale : 0.f;
  const float inv_min = max_min > 0 ? 63.f / max_min : 0.f;
  std::uint8_t ls[8], lm[8];
  for (int j = 0; j < kQK_K / 32; ++j) {
    // ggml stores nearest_int into a uint8_t before clamping: keep that truncation.
    ls[j] =
        std::min<std::uint8_t>(63, static_cast<std::uint8_t>(nearest_int(inv_scale * scales[j])));
    lm[j] = std::min<std::uint8_t>(63, static_cast<std::uint8_t>(nearest_int(inv_min * mins[j])));
  }
  pack_k4_scale_min(ls, lm, b.scales);
  b.d = f32_to_fp16(max_scale / 63.f);
  b.dmin = f32_to_fp16(max_min / 63.f);
  for (int j = 0; j < kQK_K / 32; ++j) {
    const ScaleMin sm = k4_scale_min(j, b.scales);
    const float d = fp16_to_f32(b.d) * static_cast<float>(sm.scale);
    if (d == 0.f) continue;
    const float dm = fp16_to_f32(b.dmin) * static_cast<float>(sm.min);
    for (int ii = 0; ii < 32; ++ii) {
      const int l = nearest_int((x[32 * j + ii] + dm) / d);
      L[32 * j + ii] = static_cast<std::uint8_t>(std::max(0, std::min(nmax, l)));
    }
  }
}

void row_q4_k(const float* x, std::uint8_t* dst, std::int64_t nb) {
  for (std::int64_t i = 0; i < nb; ++i, x += kQK_K, dst += sizeof(BlockQ4_K)) {
    BlockQ4_K b;
    std::uint8_t L[kQK_K];
    k_scale_min_block(x, 15, -1.f, 20, b, L);
    pack_q4_k_levels(L, b.qs);
    store(b, dst);
  }
}

void row_q5_k(const float* x, std::uint8_t* dst, std::int64_t nb) {
  for (std::int64_t i = 0; i < nb; ++i, x += kQK_K, dst += sizeof(BlockQ5_K)) {
    BlockQ5_K b;
    std::uint8_t L[kQK_K];
    k_scale_min_block(x, 31, -0.5f, 15, b, L);
    pack_q5_k_levels(L, b.qh, b.qs);
    store(b, dst);
  }
}

void row_q6_k(const float* x, std::uint8_t* dst, std::int64_t nb) {
  for (std::int64_t i = 0; i < nb; ++i, x += kQK_K, dst += sizeof(BlockQ6_K)) {
    BlockQ6_K b;
    std::int8_t L[kQK_K];
    float scales[kQK_K / 16];
    float max_scale = 0, max_abs_scale = 0;
    for (int ib = 0; ib < kQK_K / 16; ++ib) {
      const float scale = make_qx_quants(16, 32, x + 16 * ib, L + 16 * ib);
      scales[ib] = scale;
      if (std::fabs(scale) > max_abs_scale) {
        max_abs_scale = std::fabs(scale);
        max_scale = scale;
      }
    }
    if (max_abs_scale < kGroupMaxEps) {
      std::memset(&b, 0, sizeof b);
      store(b, dst);
      continue;
    }
    const float iscale = -128.f / max_scale;
    b.d = f32_to_fp16(1 / iscale);
    for (int ib = 0; ib < kQK_K / 16; ++ib) {
      b.scales[ib] = static_cast<std::int8_t>(std::min(127, nearest_int(iscale * scales[ib])));
    }
    for (int j = 0; j < kQK_K / 16; ++j) {
      const float d = fp16_to_f32(b.d) * static_cast<float>(b.scales[j]);
      if (d == 0.f) continue;
      for (int ii = 0; ii < 16; ++ii) {
        int l = nearest_int(x[16 * j + ii] / d);
        l = std::max(-32, std::min(31, l));
        L[16 * j + ii] = static_cast<std::int8_t>(l + 32);
      }
    }
    std::uint8_t levels[kQK_K];
    for (int k = 0; k < kQK_K; ++k) levels[k] = static_cast<std::uint8_t>(L[k]);
    pack_q6_k_levels(levels, b.ql, b.qh);
    store(b, dst);
  }
}

}  // namespace

void pack_nibbles32(const std::uint8_t* levels, std::uint8_t* qs) {
  for (int j = 0; j < kQK / 2; ++j) {
    qs[j] = static_cast<std::uint8_t>((levels[j] & 15) | ((levels[j + kQK / 2] & 15) << 4));
  }
}

void pack_q5_32(const std::uint8_t* levels, std::uint8_t* qh, std::uint8_t* qs) {
  pack_nibbles32(levels, qs);
  std::uint32_t h = 0;
  for (int j = 0; j < kQK; ++j) h |= static_cast<std::uint32_t>((levels[j] >> 4) & 1) << j;
  std::memcpy(qh, &h, 4);
}

void pack_k4_scale_min(const std::uint8_t* scales, const std::uint8_t* mins, std::uint8_t* out) {
  std::memset(out, 0, kKScaleBytes);
  for (int j = 0; j < 8; ++j) {
    const int ls = scales[j], lm = mins[j];
    if (j < 4) {
      out[j] = static_cast<std::uint8_t>(ls);
      out[j + 4] = static_cast<std::uint8_t>(lm);
    } else {
      out[j + 4] = static_cast<std::uint8_t>((ls & 0xF) | ((lm & 0xF) << 4));
      out[j - 4] |= static_cast<std::uint8_t>((ls >> 4) << 6);
      out[j] |= static_cast<std::uint8_t>((lm >> 4) << 6);
    }
  }
}

void pack_q4_k_levels(const std::uint8_t* levels, std::uint8_t* qs) {
  for (int n = 0; n < kQK_K; n += 64, qs += 32) {
    for (int l = 0; l < 32; ++l) {
      qs[l] = static_cast<std::uint8_t>((levels[n + l] & 15) | ((levels[n + l + 32] & 15) << 4));
    }
  }
}

void pack_q5_k_levels(const std::uint8_t* levels, std::uint8_t* qh, std::uint8_t* qs) {
  std::memset(qh, 0, kQK_K / 8);
  std::uint8_t m1 = 1, m2 = 2;
  for (int n = 0; n < kQK_K; n += 64, qs += 32) {
    for (int j = 0; j < 32; ++j) {
      int l1 = levels[n + j], l2 = levels[n + j + 32];
      if (l1 > 15) {
        l1 -= 16;
        qh[j] |= m1;
      }
      if (l2 > 15) {
        l2 -= 16;
        qh[j] |= m2;
      }
      qs[j] = static_cast<std::uint8_t>(l1 | (l2 << 4));
    }
    m1 = static_cast<std::uint8_t>(m1 << 2);
    m2 = static_cast<std::uint8_t>(m2 << 2);
  }
}

void pack_q6_k_levels(const std::uint8_t* levels, std::uint8_t* ql, std::uint8_t* qh) {
  const std::uint8_t* L = levels;
  for (int j = 0; j < kQK_K; j += 128, ql += 64, qh += 32) {
    for (int l = 0; l < 32; ++l) {
      const int q1 = L[j + l] & 0xF, q2 = L[j + l + 32] & 0xF;
      const int q3 = L[j + l + 64] & 0xF, q4 = L[j + l + 96] & 0xF;
      ql[l] = static_cast<std::uint8_t>(q1 | (q3 << 4));
      ql[l + 32] = static_cast<std::uint8_t>(q2 | (q4 << 4));
      qh[l] = static_cast<std::uint8_t>((L[j + l] >> 4) | ((L[j + l + 32] >> 4) << 2) |
                                        ((L[j + l + 64] >> 4) << 4) | ((L[j + l + 96] >> 4) << 6));
    }
  }
}

bool quantize_supported(GgmlType type) {
  switch (type) {
    case GgmlType::F32:
    case GgmlType::F16:
    case GgmlType::BF16:
    case GgmlType::Q4_0:
    case GgmlType::Q4_1:
    case GgmlType::Q5_0:
    case GgmlType::Q5_1:
    case GgmlType::Q8_0:
    case GgmlType::Q4_K:
    case GgmlType::Q5_K:
    case GgmlType::Q6_K:
    // low-bit types (quantize_lowbit.cpp)
    case GgmlType::Q1_0:
    case GgmlType::Q2_0:
    case GgmlType::TQ1_0:
    case GgmlType::TQ2_0:
    case GgmlType::MXFP4:
    case GgmlType::NVFP4: return true;
    default: return false;
  }
}

void quantize_row(GgmlType type, const float* src, std::uint8_t* dst, std::int64_t n) {
  if (!quantize_supported(type)) {
    throw UnsupportedModel("quantizing to " + std::string(gguf::type_name(type)) +
                           " is not supported");
  }
  row_bytes(type, n);  // validates n
  const std::int64_t nb = n / gguf::traits(type).block_size;
  switch (type) {
    case GgmlType::F32: std::memcpy(dst, src, static_cast<std::size_t>(n) * 4); break;
    case GgmlType::F16:
      for (std::int64_t i = 0; i < n; ++i) {
        const std::uint16_t h = f32_to_fp16(src[i]);
        std::memcpy(dst + 2 * i, &h, 2);
      }
      break;
    case GgmlType::BF16:
      for (std::int64_t i = 0; i < n; ++i) {
        const std::uint16_t h = f32_to_bf16(src[i]);
        std::memcpy(dst + 2 * i, &h, 2);
      }
      break;
    case GgmlType::Q4_0: row_q4_0(src, dst, nb); break;
    case GgmlType::Q4_1: row_q4_1(src, dst, nb); break;
    case GgmlType::Q5_0: row_q5_0(src, dst, nb); break;
    case GgmlType::Q5_1: row_q5_1(src, dst, nb); break;
    case GgmlType::Q8_0: row_q8_0(src, dst, nb); break;
    case GgmlType::Q4_K: row_q4_k(src, dst, nb); break;
    case GgmlType::Q5_K: row_q5_k(src, dst, nb); break;
    case GgmlType::Q6_K: row_q6_k(src, dst, nb); break;
    // Low-bit types
    case GgmlType::Q1_0: lowbit::quantize_q1_0(src, dst, nb); break;
    case GgmlType::Q2_0: lowbit::quantize_q2_0(src, dst, nb); break;
    case GgmlType::TQ1_0: lowbit::quantize_tq1_0(src, dst, nb); break;
    case GgmlType::TQ2_0: lowbit::quantize_tq2_0(src, dst, nb); break;
    case GgmlType::MXFP4: lowbit::quantize_mxfp4(src, dst, nb); break;
    case GgmlType::NVFP4: lowbit::quantize_nvfp4(src, dst, nb); break;
    default: break;
  }
}

std::vector<std::uint8_t> quantize(GgmlType type, std::span<const float> src) {
  const auto n = static_cast<std::int64_t>(src.size());
  std::vector<std::uint8_t> out(row_bytes(type, n));
  quantize_row(type, src.data(), out.data(), n);
  return out;
}

}  // namespace vkchat::quant
