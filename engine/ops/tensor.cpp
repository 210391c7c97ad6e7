// Tensor view arithmetic.
#include "ops/tensor.h"

#include <stdexcept>
#include <string>

#include "quant/dequantize.h"
#include "quant/device_layout.h"

namespace vkchat::ops {

std::uint64_t Tensor::row_bytes() const {
  return device_rows ? quant::device_row_bytes(type, ne[0]) : quant::row_bytes(type, ne[0]);
}

Tensor Tensor::row_range(std::int64_t first, std::int64_t count) const {
  if (first < 0 || count < 0 || first + count > rows()) {
    throw std::out_of_range("rows [" + std::to_string(first) + ", +" + std::to_string(count) +
                            ") of a " + std::to_string(rows()) + "-row tensor");
  }
  Tensor t = *this;
  t.offset = offset + static_cast<std::uint64_t>(first) * row_bytes();
  t.ne = {ne[0], count, 1, 1};
  return t;
}

Tensor Tensor::f32(const vk::Buffer& b, std::int64_t cols, std::int64_t rows,
                   std::uint64_t offset) {
  return {&b, offset, gguf::GgmlType::F32, {cols, rows, 1, 1}, false};
}

Tensor Tensor::f16(const vk::Buffer& b, std::int64_t cols, std::int64_t rows,
                   std::uint64_t offset) {
  return {&b, offset, gguf::GgmlType::F16, {cols, rows, 1, 1}, false};
}

Tensor Tensor::matrix(const vk::Buffer& b, gguf::GgmlType type, std::int64_t cols,
                      std::int64_t rows, std::uint64_t offset) {
  return {&b, offset, type, {cols, rows, 1, 1}, true};
}

}  // namespace vkchat::ops
