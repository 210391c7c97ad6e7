// Quantization of f32 rows to GGUF tensor types, value for value as ggml's reference quantizers
// (quantize_row_*_ref, the ones llama-quantize uses without an importance matrix), so a file
// written here holds the same bytes llama.cpp would write from the same f32 weights. Also the
// bit packing of quantized levels into blocks, shared with the tests that build blocks by hand.
#pragma once
#include <cstdint>
#include <span>
#include <vector>

#include "gguf/ggml_types.h"

namespace vkchat::quant {

// Whether quantize_row handles the type: F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q4_K, Q5_K,
// Q6_K, Q1_0, Q2_0, TQ1_0, TQ2_0, MXFP4, NVFP4.
bool quantize_supported(gguf::GgmlType type);

// Encodes src[0..n) into row_bytes(type, n) bytes at dst (any alignment). Throws
// UnsupportedModel for types quantize_supported rejects, std::invalid_argument when n is not a
// multiple of the type's block size.
void quantize_row(gguf::GgmlType type, const float* src, std::uint8_t* dst, std::int64_t n);

// The whole span encoded (its size a multiple of the block size).
std::vector<std::uint8_t> quantize(gguf::GgmlType type, std::span<const float> src);

// ---- packing of levels into block fields (ggml's layouts; see blocks.h) ----

// 32 levels 0..15: element j in the low nibble of qs[j], element j + 16 in the high nibble
// (Q4_0, Q4_1).
void pack_nibbles32(const std::uint8_t* levels, std::uint8_t* qs);
// 32 levels 0..31: low nibbles as pack_nibbles32, bit 4 of element j in bit j of qh (Q5_0, Q5_1).
void pack_q5_32(const std::uint8_t* levels, std::uint8_t* qh, std::uint8_t* qs);
// 8 six-bit scales and mins into the 12 scale bytes of Q4_K / Q5_K.
void pack_k4_scale_min(const std::uint8_t* scales, const std::uint8_t* mins, std::uint8_t* out);
// 256 levels 0..15 into Q4_K's qs: each 64 elements give 32 bytes, the first 32 in the low nibbles.
void pack_q4_k_levels(const std::uint8_t* levels, std::uint8_t* qs);
// 256 levels 0..31 into Q5_K's qh and qs.
void pack_q5_k_levels(const std::uint8_t* levels, std::uint8_t* qh, std::uint8_t* qs);
// 256 levels 0..63 into Q6_K's ql and qh.
void pack_q6_k_levels(const std::uint8_t* levels, std::uint8_t* ql, std::uint8_t* qh);

}  // namespace vkchat::quant
