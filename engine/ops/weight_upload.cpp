// Weight matrix upload in the device row layout.
#include "ops/weight_upload.h"

#include <vector>

#include "quant/device_layout.h"
#include "vk/context.h"

namespace vkchat::ops {

std::uint64_t matrix_bytes(gguf::GgmlType type, std::int64_t cols, std::int64_t rows) {
  return quant::device_row_bytes(type, cols) * static_cast<std::uint64_t>(rows);
}

Tensor upload_matrix(vk::Context& ctx, const vk::Buffer& b, std::uint64_t offset,
                     gguf::GgmlType type, std::int64_t cols, std::int64_t rows,
                     std::span<const std::byte> gguf_rows) {
  std::vector<std::byte> packed(matrix_bytes(type, cols, rows));
  quant::to_device_rows(type, cols, rows, gguf_rows, packed);
  ctx.upload(b, offset, packed);
  return Tensor::matrix(b, type, cols, rows, offset);
}

}  // namespace vkchat::ops
