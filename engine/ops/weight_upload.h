// Uploading a weight matrix given in GGUF layout: the one place, besides the model loader's
// piecewise upload (llm/device_weights.cpp), that turns GGUF rows into the device row layout
// the kernels read (quant/device_layout.h).
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>

#include "gguf/ggml_types.h"
#include "ops/tensor.h"

namespace vkchat::vk {
class Context;
}

namespace vkchat::ops {

// Device bytes of a rows x cols matrix of `type` in the device row layout.
std::uint64_t matrix_bytes(gguf::GgmlType type, std::int64_t cols, std::int64_t rows);

// Regroups `gguf_rows` (rows x cols of `type`, GGUF layout) into the device layout at `offset`
// of `b` and returns the matrix view.
Tensor upload_matrix(vk::Context& ctx, const vk::Buffer& b, std::uint64_t offset,
                     gguf::GgmlType type, std::int64_t cols, std::int64_t rows,
                     std::span<const std::byte> gguf_rows);

}  // namespace vkchat::ops
