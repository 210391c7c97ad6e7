// Dequantization of GGUF tensor rows to f32, value for value as ggml's dequantize_row_* (the
// reference every GPU kernel is checked against bit-exactly).
#pragma once
#include <cstdint>
#include <span>
#include <vector>

#include "gguf/ggml_types.h"

namespace vkchat::gguf {
struct TensorInfo;
}

namespace vkchat::quant {

// Whether dequantize_row handles the type: F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0,
// Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, Q8_K, IQ4_NL, IQ4_XS, MXFP4, NVFP4, TQ1_0, TQ2_0, Q1_0, Q2_0;
// IQ2_XXS, IQ2_XS, IQ2_S, IQ3_XXS, IQ3_S, IQ1_S, IQ1_M.
// Independent of what the GPU kernels read (ops::kernel_supports): a type may dequantize here
// and still be refused at load for want of a kernel.
bool dequant_supported(gguf::GgmlType type);

// Throws UnsupportedModel ("tensor type IQ2_XS is not supported") unless dequant_supported.
void require_dequant_supported(gguf::GgmlType type);

// Bytes that n elements of the type occupy. Throws std::invalid_argument when n is not a
// multiple of the type's block size.
std::uint64_t row_bytes(gguf::GgmlType type, std::int64_t n);

// dst[0..n) = the n elements encoded at src (n / block_size blocks, any alignment).
// Throws UnsupportedModel for unsupported types, std::invalid_argument for a partial block.
void dequantize_row(gguf::GgmlType type, const std::uint8_t* src, float* dst, std::int64_t n);

// A weight matrix as ggml stores it: `rows` rows of `cols` elements (ne[0], the contiguous
// dimension) of `type`, row after row. Tensors of more than two dimensions are viewed as
// ne[1] * ne[2] * ne[3] rows.
struct MatrixView {
  gguf::GgmlType type = gguf::GgmlType::F32;
  std::int64_t cols = 0;
  std::int64_t rows = 0;
  std::span<const std::uint8_t> data;

  // Validates the type and that data holds rows * row_bytes(type, cols) bytes.
  static MatrixView of(const gguf::TensorInfo& t);
  static MatrixView of(gguf::GgmlType type, std::int64_t cols, std::int64_t rows,
                       std::span<const std::uint8_t> data);
  std::uint64_t row_bytes() const { return quant::row_bytes(type, cols); }
  const std::uint8_t* row(std::int64_t r) const { return data.data() + r * row_bytes(); }
  // dst[0..cols) = row r.
  void dequantize_row(std::int64_t r, float* dst) const;
};

// Row r (of length ne[0]) of a tensor, as f32.
std::vector<float> dequantize_tensor_row(const gguf::TensorInfo& t, std::uint64_t r);

// The whole tensor as f32, rows consecutive.
std::vector<float> dequantize_tensor(const gguf::TensorInfo& t);

}  // namespace vkchat::quant
