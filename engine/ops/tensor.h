// A view of device memory as a tensor: buffer, byte offset, GGUF type and shape. Views own
// nothing; the buffer must outlive every command that uses them.
#pragma once
#include <array>
#include <cstdint>

#include "gguf/ggml_types.h"
#include "vk/buffer.h"

namespace vkchat::ops {

struct Tensor {
  const vk::Buffer* buffer = nullptr;
  std::uint64_t offset = 0;  // bytes from the start of the buffer
  gguf::GgmlType type = gguf::GgmlType::F32;
  // ggml order: ne[0] is the contiguous dimension (a row), ne[1] the rows, and so on.
  std::array<std::int64_t, 4> ne{1, 1, 1, 1};
  // Weight rows in the device row layout (quant/device_layout.h) that the kernels read, else
  // dense rows as in GGUF (activations, caches).
  bool device_rows = false;

  std::int64_t cols() const { return ne[0]; }
  std::int64_t rows() const { return ne[1] * ne[2] * ne[3]; }
  std::int64_t elements() const { return ne[0] * rows(); }
  // Bytes per row in this tensor's layout; throws std::invalid_argument for a partial block.
  std::uint64_t row_bytes() const;
  std::uint64_t bytes() const { return row_bytes() * static_cast<std::uint64_t>(rows()); }

  // Rows [first, first + count) as a two-dimensional view.
  Tensor row_range(std::int64_t first, std::int64_t count) const;

  // A rows x cols f32 (or f16) tensor at `offset` bytes.
  static Tensor f32(const vk::Buffer& b, std::int64_t cols, std::int64_t rows = 1,
                    std::uint64_t offset = 0);
  static Tensor f16(const vk::Buffer& b, std::int64_t cols, std::int64_t rows = 1,
                    std::uint64_t offset = 0);
  // A weight matrix of `type` (rows of `cols` elements) at `offset` bytes, in the device row
  // layout: upload its GGUF bytes with quant::to_device_rows.
  static Tensor matrix(const vk::Buffer& b, gguf::GgmlType type, std::int64_t cols,
                       std::int64_t rows, std::uint64_t offset = 0);
};

}  // namespace vkchat::ops
