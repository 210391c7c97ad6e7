// The device row layout of weight matrices: the GGUF bytes of each row regrouped, not converted,
// so that the GPU kernels can read them with 16-byte (rgba32ui texel) loads. Every device row
// starts at a multiple of 16 bytes and ends in zero padding up to the next multiple of 16.
// Within a row of nb blocks, the planes below follow each other, each holding one field of every
// block in block order (block b's field at b * field size within its plane):
//   F32, F16, BF16:      the elements as they are
//   Q4_0  (d, qs):       qs nb x 16 | d nb x 2
//   Q4_1  (d, m, qs):    qs nb x 16 | dm nb x 4 (d then m)
//   Q5_0  (d, qh, qs):   qs nb x 16 | qh nb x 4 | d nb x 2
//   Q5_1  (d, m, qh, qs): qs nb x 16 | qh nb x 4 | dm nb x 4
//   Q8_0  (d, qs):       qs nb x 32 | d nb x 2
//   Q4_K, Q5_K:          the blocks as they are (144 and 176 bytes)
//   Q6_K  (ql, qh, scales, d): ql nb x 128 | qh nb x 64 | scales nb x 16 | d nb x 2
//   Q2_K  (scales, qs, d, dmin): qs nb x 64 | scales nb x 16 | dm nb x 4 (d then dmin)
//   Q3_K  (hmask, qs, scales, d): hmask nb x 32 | qs nb x 64 | scales nb x 12 | d nb x 2
//   IQ4_NL, Q1_0, Q2_0 (d, qs): qs nb x 16 | d nb x 2
//   IQ4_XS (d, scales_h, scales_l, qs): qs nb x 128 | d, scales_h, scales_l nb x 8
//   MXFP4 (e, qs):       qs nb x 16 | e nb x 1
//   NVFP4 (d[4], qs):    qs nb x 32 | d nb x 4
//   TQ1_0 (qs, qh, d):   qs nb x 48 | qh nb x 4 | d nb x 2
//   TQ2_0 (qs, d):       qs nb x 64 | d nb x 2
//   IQ2_XXS (d, qs):     qs nb x 64 | d nb x 2
//   IQ2_XS (d, qs, scales): qs nb x 64 | scales nb x 8 | d nb x 2
//   IQ2_S (d, qs, qh, scales): qs nb x 64 | qh, scales nb x 16 | d nb x 2
//   IQ3_XXS (d, qs):     qs nb x 96 | d nb x 2
//   IQ3_S (d, qs, qh, signs, scales): qs nb x 64 | qh, signs, scales nb x 44 | d nb x 2
//   IQ1_S (d, qs, qh):   qs nb x 32 | qh nb x 16 | d nb x 2
//   IQ1_M (qs, qh, scales): the blocks as they are (56 bytes, fields at word boundaries)
// Other types have no device layout: no GPU kernel reads them.
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>

#include "gguf/ggml_types.h"

namespace vkchat::quant {

// Bytes of one row of `cols` elements of `type` as the GPU kernels read it (a multiple of 16).
// Throws std::invalid_argument for a partial block or a type without a device layout.
std::uint64_t device_row_bytes(gguf::GgmlType type, std::int64_t cols);

// Rearranges `rows` rows from GGUF layout (src: rows * row_bytes(type, cols) bytes) to the device
// layout (dst: rows * device_row_bytes; padding bytes are zero). Throws std::invalid_argument on
// a size mismatch, a partial block, or a type without a device layout.
void to_device_rows(gguf::GgmlType type, std::int64_t cols, std::int64_t rows,
                    std::span<const std::byte> src, std::span<std::byte> dst);

// The inverse, bit-exact: device layout (src) -> GGUF layout (dst). Padding is not read.
void from_device_rows(gguf::GgmlType type, std::int64_t cols, std::int64_t rows,
                      std::span<const std::byte> src, std::span<std::byte> dst);

}  // namespace vkchat::quant
