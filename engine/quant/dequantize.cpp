// Per-type dequantization. Each formula keeps ggml's evaluation order and float types (int
// quant * float scale, then the float min) so that results match to the bit.
#include "quant/dequantize.h"

#include <cstring>
#include <stdexcept>
#include <string>
#include <type_traits>

#include "gguf/gguf_reader.h"
#include "quant/blocks.h"
#include "quant/dequantize_iq.h"
#include "quant/dequantize_lowbit.h"
#include "quant/half.h"
#include "util/errors.h"

namespace vkchat::quant {

using gguf::GgmlType;

namespace {

void dequant_f32(const std::uint8_t* src, float* y, std::int64_t n) {
  std::memcpy(y, src, static_cast<std::size_t>(n) * sizeof(float));
}

void dequant_f16(const std::uint8_t* src, float* y, std::int64_t n) {
  for (std::int64_t i = 0; i < n; ++i) {
    std::uint16_t h;
    std::memcpy(&h, src + 2 * i, 2);
    y[i] = fp16_to_f32(h);
  }
}

void dequant_bf16(const std::uint8_t* src, float* y, std::int64_t n) {
  for (std::int64_t i = 0; i < n; ++i) {
    std::uint16_t h;
    std::memcpy(&h, src + 2 * i, 2);
    y[i] = bf16_to_f32(h);
  }
}

void dequant_q4_0(const std::uint8_t* src, float* y, std::int64_t nb) {
  for (std::int64_t i = 0; i < nb; ++i, y += kQK) {
    const auto b = load_block<BlockQ4_0>(src, i);
    const float d = fp16_to_f32(b.d);
    for (int j = 0; j < kQK / 2; ++j) {
      const int x0 = (b.qs[j] & 0x0F) - 8;
      const int x1 = (b.qs[j] >> 4) - 8;
      y[j] = static_cast<float>(x0) * d;
      y[j + kQK / 2] = static_cast<float>(x1) * d;
    }
  }
}

void dequant_q4_1(const std::uint8_t* src, float* y, std::int64_t nb) {
  for (std::int64_t i = 0; i < nb; ++i, y += kQK) {
    const auto b = load_block<BlockQ4_1>(src, i);
    const float d = fp16_to_f32(b.d);
    const float m = fp16_to_f32(b.m);
    for (int j = 0; j < kQK / 2; ++j) {
      const int x0 = b.qs[j] & 0x0F;
      const int x1 = b.qs[j] >> 4;
      y[j] = static_cast<float>(x0) * d + m;
      y[j + kQK / 2] = static_cast<float>(x1) * d + m;
    }
  }
}

std::uint32_t load_u32_le(const std::uint8_t* p) {
  return static_cast<std::uint32_t>(p[0]) | (static_cast<std::uint32_t>(p[1]) << 8) |
         (static_cast<std::uint32_t>(p[2]) << 16) | (static_cast<std::uint32_t>(p[3]) << 24);
}

// The 5-bit values of a Q5_0 / Q5_1 block: element j's fifth bit is bit j of qh.
void q5_values(const std::uint8_t* qs, const std::uint8_t* qh_bytes, int* out) {
  const std::uint32_t qh = load_u32_le(qh_bytes);
  for (int j = 0; j < kQK / 2; ++j) {
    const int h0 = static_cast<int>((qh >> j) & 1u) << 4;
    const int h1 = static_cast<int>((qh >> (j + kQK / 2)) & 1u) << 4;
    out[j] = (qs[j] & 0x0F) | h0;
    out[j + kQK / 2] = (qs[j] >> 4) | h1;
  }
}

void dequant_q5_0(const std::uint8_t* src, float* y, std::int64_t nb) {
  int q[kQK];
  for (std::int64_t i = 0; i < nb; ++i, y += kQK) {
    const auto b = load_block<BlockQ5_0>(src, i);
    const float d = fp16_to_f32(b.d);
    q5_values(b.qs, b.qh, q);
    for (int j = 0; j < kQK; ++j) y[j] = static_cast<float>(q[j] - 16) * d;
  }
}

void dequant_q5_1(const std::uint8_t* src, float* y, std::int64_t nb) {
  int q[kQK];
  for (std::int64_t i = 0; i < nb; ++i, y += kQK) {
    const auto b = load_block<BlockQ5_1>(src, i);
    const float d = fp16_to_f32(b.d);
    const float m = fp16_to_f32(b.m);
    q5_values(b.qs, b.qh, q);
    for (int j = 0; j < kQK; ++j) y[j] = static_cast<float>(q[j]) * d + m;
  }
}

void dequant_q8_0(const std::uint8_t* src, float* y, std::int64_t nb) {
  for (std::int64_t i = 0; i < nb; ++i, y += kQK) {
    const auto b = load_block<BlockQ8_0>(src, i);
    const float d = fp16_to_f32(b.d);
    for (int j = 0; j < kQK; ++j) y[j] = static_cast<float>(b.qs[j]) * d;
  }
}

// K-quants with 2- and 3-bit quants store 4 values per qs byte: within each half (128 values)
// of the super-block, value 32*s + l sits in bits 2s..2s+1 of qs[32*half + l].
int crumb(const std::uint8_t* qs, int idx) {
  const int half = idx / 128;
  const int shift = 2 * ((idx % 128) / 32);
  return (qs[32 * half + idx % 32] >> shift) & 3;
}

void dequant_q2_k(const std::uint8_t* src, float* y, std::int64_t nb) {
  for (std::int64_t i = 0; i < nb; ++i, y += kQK_K) {
    const auto b = load_block<BlockQ2_K>(src, i);
    const float d = fp16_to_f32(b.d);
    const float dmin = fp16_to_f32(b.dmin);
    for (int g = 0; g < kQK_K / 16; ++g) {
      const float dl = d * static_cast<float>(b.scales[g] & 0xF);
      const float ml = dmin * static_cast<float>(b.scales[g] >> 4);
      for (int l = 0; l < 16; ++l) {
        const int idx = 16 * g + l;
        y[idx] = dl * static_cast<float>(crumb(b.qs, idx)) - ml;
      }
    }
  }
}

void dequant_q3_k(const std::uint8_t* src, float* y, std::int64_t nb) {
  for (std::int64_t i = 0; i < nb; ++i, y += kQK_K) {
    const auto b = load_block<BlockQ3_K>(src, i);
    const float d_all = fp16_to_f32(b.d);
    for (int g = 0; g < kQK_K / 16; ++g) {
      const float dl = d_all * static_cast<float>(q3k_scale(g, b.scales));
      for (int l = 0; l < 16; ++l) {
        const int idx = 16 * g + l;
        // The high bit of value idx is bit idx / 32 of hmask[idx % 32]; clear means minus 4.
        const bool high = (b.hmask[idx % 32] >> (idx / 32)) & 1;
        y[idx] = dl * static_cast<float>(crumb(b.qs, idx) - (high ? 0 : 4));
      }
    }
  }
}

// Q4_K and Q5_K: value 64*p + 32*h + l (pair p, half h) is nibble h of qs[32*p + l]; Q5_K adds
// bit 2p+h of qh[l] as 16.
template <class Block>
void dequant_q4_k_q5_k(const std::uint8_t* src, float* y, std::int64_t nb) {
  for (std::int64_t i = 0; i < nb; ++i, y += kQK_K) {
    const auto b = load_block<Block>(src, i);
    const float d = fp16_to_f32(b.d);
    const float dmin = fp16_to_f32(b.dmin);
    for (int g = 0; g < kQK_K / 32; ++g) {
      const ScaleMin sm = k4_scale_min(g, b.scales);
      const float dl = d * static_cast<float>(sm.scale);
      const float ml = dmin * static_cast<float>(sm.min);
      const int p = g / 2;
      const int shift = 4 * (g % 2);
      for (int l = 0; l < 32; ++l) {
        int q = (b.qs[32 * p + l] >> shift) & 0xF;
        if constexpr (std::is_same_v<Block, BlockQ5_K>) q += ((b.qh[l] >> g) & 1) << 4;
        y[32 * g + l] = dl * static_cast<float>(q) - ml;
      }
    }
  }
}

// Q6_K: within each half (128 values), value 32*s + l has its low nibble in ql[64*half + l +
// 32*(s%2)] (low nibble for s < 2, high for s >= 2) and its top 2 bits in bits 2s.. of
// qh[32*half + l]; the scale is scales[8*half + 2*s + l/16].
void dequant_q6_k(const std::uint8_t* src, float* y, std::int64_t nb) {
  for (std::int64_t i = 0; i < nb; ++i, y += kQK_K) {
    const auto b = load_block<BlockQ6_K>(src, i);
    const float d = fp16_to_f32(b.d);
    for (int idx = 0; idx < kQK_K; ++idx) {
      const int half = idx / 128;
      const int s = (idx % 128) / 32;
      const int l = idx % 32;
      const int low = (b.ql[64 * half + l + 32 * (s % 2)] >> (4 * (s / 2))) & 0xF;
      const int high = (b.qh[32 * half + l] >> (2 * s)) & 3;
      const int q = (low | (high << 4)) - 32;
      const int sc = b.scales[8 * half + 2 * s + l / 16];
      y[idx] = d * static_cast<float>(sc) * static_cast<float>(q);
    }
  }
}

void dequant_q8_k(const std::uint8_t* src, float* y, std::int64_t nb) {
  for (std::int64_t i = 0; i < nb; ++i, y += kQK_K) {
    const auto b = load_block<BlockQ8_K>(src, i);
    for (int j = 0; j < kQK_K; ++j) y[j] = b.d * static_cast<float>(b.qs[j]);
  }
}

}  // namespace

bool dequant_supported(GgmlType type) {
  // Codebook-grid IQ types (quant/dequantize_iq.h).
  if (is_grid_iq_type(type)) return true;
  switch (type) {
    case GgmlType::F32:
    case GgmlType::F16:
    case GgmlType::BF16:
    case GgmlType::Q4_0:
    case GgmlType::Q4_1:
    case GgmlType::Q5_0:
    case GgmlType::Q5_1:
    case GgmlType::Q8_0:
    case GgmlType::Q2_K:
    case GgmlType::Q3_K:
    case GgmlType::Q4_K:
    case GgmlType::Q5_K:
    case GgmlType::Q6_K:
    case GgmlType::Q8_K:
    // Low-bit non-grid types (quant/dequantize_lowbit.h).
    case GgmlType::IQ4_NL:
    case GgmlType::IQ4_XS:
    case GgmlType::MXFP4:
    case GgmlType::NVFP4:
    case GgmlType::TQ1_0:
    case GgmlType::TQ2_0:
    case GgmlType::Q1_0:
    case GgmlType::Q2_0: return true;
    default: return false;
  }
}

void require_dequant_supported(GgmlType type) {
  if (!dequant_supported(type)) {
    throw UnsupportedModel("tensor type " + std::string(gguf::type_name(type)) +
                           " is not supported");
  }
}

std::uint64_t row_bytes(GgmlType type, std::int64_t n) {
  const gguf::TypeTraits tr = gguf::traits(type);
  if (n < 0 || n % tr.block_size != 0) {
    throw std::invalid_argument(std::to_string(n) + " elements of " + std::string(tr.name) +
                                " are not a whole number of " + std::to_string(tr.block_size) +
                                "-element blocks");
  }
  return static_cast<std::uint64_t>(n) / tr.block_size * tr.type_size;
}

void dequantize_row(GgmlType type, const std::uint8_t* src, float* dst, std::int64_t n) {
  require_dequant_supported(type);
  row_bytes(type, n);  // validates n before any byte is read
  const std::int64_t nb = n / gguf::traits(type).block_size;
  // Codebook-grid IQ types (quant/dequantize_iq.h).
  if (is_grid_iq_type(type)) return dequantize_grid_iq(type, src, dst, nb);
  switch (type) {
    case GgmlType::F32: return dequant_f32(src, dst, n);
    case GgmlType::F16: return dequant_f16(src, dst, n);
    case GgmlType::BF16: return dequant_bf16(src, dst, n);
    case GgmlType::Q4_0: return dequant_q4_0(src, dst, nb);
    case GgmlType::Q4_1: return dequant_q4_1(src, dst, nb);
    case GgmlType::Q5_0: return dequant_q5_0(src, dst, nb);
    case GgmlType::Q5_1: return dequant_q5_1(src, dst, nb);
    case GgmlType::Q8_0: return dequant_q8_0(src, dst, nb);
    case GgmlType::Q2_K: return dequant_q2_k(src, dst, nb);
    case GgmlType::Q3_K: return dequant_q3_k(src, dst, nb);
    case GgmlType::Q4_K: return dequant_q4_k_q5_k<BlockQ4_K>(src, dst, nb);
    case GgmlType::Q5_K: return dequant_q4_k_q5_k<BlockQ5_K>(src, dst, nb);
    case GgmlType::Q6_K: return dequant_q6_k(src, dst, nb);
    case GgmlType::Q8_K: return dequant_q8_k(src, dst, nb);
    // Low-bit non-grid types (quant/dequantize_lowbit.h).
    case GgmlType::IQ4_NL: return lowbit::dequant_iq4_nl(src, dst, nb);
    case GgmlType::IQ4_XS: return lowbit::dequant_iq4_xs(src, dst, nb);
    case GgmlType::MXFP4: return lowbit::dequant_mxfp4(src, dst, nb);
    case GgmlType::NVFP4: return lowbit::dequant_nvfp4(src, dst, nb);
    case GgmlType::TQ1_0: return lowbit::dequant_tq1_0(src, dst, nb);
    case GgmlType::TQ2_0: return lowbit::dequant_tq2_0(src, dst, nb);
    case GgmlType::Q1_0: return lowbit::dequant_q1_0(src, dst, nb);
    case GgmlType::Q2_0: return lowbit::dequant_q2_0(src, dst, nb);
    default: throw std::logic_error("dequant_supported and dequantize_row disagree");
  }
}

MatrixView MatrixView::of(const gguf::TensorInfo& t) {
  return of(t.type, static_cast<std::int64_t>(t.ne[0]), static_cast<std::int64_t>(t.rows()),
            t.data);
}

MatrixView MatrixView::of(GgmlType type, std::int64_t cols, std::int64_t rows,
                          std::span<const std::uint8_t> data) {
  require_dequant_supported(type);
  const std::uint64_t need = quant::row_bytes(type, cols) * static_cast<std::uint64_t>(rows);
  if (rows < 0 || data.size() != need) {
    throw std::invalid_argument(std::to_string(rows) + " rows of " + std::to_string(cols) + " " +
                                std::string(gguf::type_name(type)) + " need " +
                                std::to_string(need) + " bytes, got " +
                                std::to_string(data.size()));
  }
  return MatrixView{type, cols, rows, data};
}

void MatrixView::dequantize_row(std::int64_t r, float* dst) const {
  if (r < 0 || r >= rows) {
    throw std::out_of_range("row " + std::to_string(r) + " of a " + std::to_string(rows) +
                            "-row matrix");
  }
  quant::dequantize_row(type, row(r), dst, cols);
}

std::vector<float> dequantize_tensor_row(const gguf::TensorInfo& t, std::uint64_t r) {
  if (r >= t.rows()) {
    throw std::out_of_range("row " + std::to_string(r) + " of tensor " + std::string(t.name) + " " +
                            t.shape_string() + " is out of range");
  }
  const auto n = static_cast<std::int64_t>(t.ne[0]);
  const std::uint64_t rb = row_bytes(t.type, n);
  std::vector<float> out(static_cast<std::size_t>(n));
  dequantize_row(t.type, t.data.data() + r * rb, out.data(), n);
  return out;
}

std::vector<float> dequantize_tensor(const gguf::TensorInfo& t) {
  const auto n = static_cast<std::int64_t>(t.ne[0]);
  const std::uint64_t rb = row_bytes(t.type, n);
  std::vector<float> out(static_cast<std::size_t>(t.n_elements));
  for (std::uint64_t r = 0; r < t.rows(); ++r) {
    dequantize_row(t.type, t.data.data() + r * rb, out.data() + r * t.ne[0], n);
  }
  return out;
}

}  // namespace vkchat::quant
