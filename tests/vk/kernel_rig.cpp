// The kernel-test harness.
#include "vk/kernel_rig.h"

#include <cmath>
#include <cstring>
#include <limits>

#include "ops/weight_upload.h"
#include "vk/command.h"
#include "vk/vk_test_support.h"

namespace vkchat::test {

double rel_l2(std::span<const float> got, std::span<const float> want) {
  if (got.size() != want.size()) return std::numeric_limits<double>::infinity();
  double num = 0, den = 0;
  for (std::size_t i = 0; i < got.size(); ++i) {
    if (std::isnan(got[i])) return std::numeric_limits<double>::infinity();
    double d = static_cast<double>(got[i]) - want[i];
    num += d * d;
    den += static_cast<double>(want[i]) * want[i];
  }
  return den == 0 ? std::sqrt(num) : std::sqrt(num / den);
}

namespace {
ops::KernelConfig config(bool subgroups) {
  ops::KernelConfig c = ops::KernelConfig::for_device(vk_context());
  c.subgroups = c.subgroups && subgroups;
  return c;
}
}  // namespace

KernelRig::KernelRig(bool subgroups) : ctx_(&vk_context()), kernels_(*ctx_, config(subgroups)) {}

KernelRig::KernelRig(const ops::KernelConfig& config)
    : ctx_(&vk_context()), kernels_(*ctx_, config) {}

vk::Buffer& KernelRig::buffer(std::uint64_t bytes) {
  // Round up so 32-bit loads at the end of odd-sized f16 data stay inside the buffer.
  buffers_.emplace_back(*ctx_, (bytes + 15) / 16 * 16, vk::BufferKind::Device, "test tensor");
  return buffers_.back();
}

ops::Tensor KernelRig::f32(std::span<const float> v, std::int64_t cols, std::int64_t rows) {
  vk::Buffer& b = buffer(v.size_bytes());
  ctx_->upload(b, 0, std::as_bytes(v));
  return ops::Tensor::f32(b, cols, rows);
}

ops::Tensor KernelRig::f16(std::span<const std::uint16_t> bits, std::int64_t cols,
                           std::int64_t rows) {
  vk::Buffer& b = buffer(bits.size_bytes());
  ctx_->upload(b, 0, std::as_bytes(bits));
  return ops::Tensor::f16(b, cols, rows);
}

ops::Tensor KernelRig::i32(std::span<const std::int32_t> v) {
  vk::Buffer& b = buffer(v.size_bytes());
  ctx_->upload(b, 0, std::as_bytes(v));
  return {&b, 0, gguf::GgmlType::I32, {static_cast<std::int64_t>(v.size()), 1, 1, 1}};
}

ops::Positions KernelRig::positions(std::int64_t pos0, std::int64_t n_tok, std::int64_t end) {
  const std::int32_t first = static_cast<std::int32_t>(pos0);
  return {i32(std::span(&first, 1)), 0, end > 0 ? end : pos0 + n_tok};
}

ops::Tensor KernelRig::weights(gguf::GgmlType type, std::span<const std::uint8_t> bytes,
                               std::int64_t cols, std::int64_t rows) {
  vk::Buffer& b = buffer(ops::matrix_bytes(type, cols, rows));
  return ops::upload_matrix(*ctx_, b, 0, type, cols, rows, std::as_bytes(bytes));
}

ops::Tensor KernelRig::poisoned(gguf::GgmlType type, std::int64_t cols, std::int64_t rows) {
  ops::Tensor t{nullptr, 0, type, {cols, rows, 1, 1}, false};
  vk::Buffer& b = buffer(t.bytes());
  std::vector<std::uint32_t> nan((b.size() + 3) / 4, 0x7fc00001u);
  ctx_->upload(b, 0, std::as_bytes(std::span<const std::uint32_t>(nan)).first(b.size()));
  t.buffer = &b;
  return t;
}

void KernelRig::run(const std::function<void(ops::Ops&)>& body) {
  vk::CommandBuffer cmd(*ctx_);
  ops::Ops ops(kernels_, cmd);
  body(ops);
  cmd.submit_and_wait();
}

std::vector<float> KernelRig::read_f32(const ops::Tensor& t) {
  std::vector<float> out(static_cast<std::size_t>(t.elements()));
  ctx_->download(*t.buffer, t.offset, std::as_writable_bytes(std::span<float>(out)));
  return out;
}

std::vector<std::uint16_t> KernelRig::read_u16(const ops::Tensor& t) {
  std::vector<std::uint16_t> out(static_cast<std::size_t>(t.elements()));
  ctx_->download(*t.buffer, t.offset, std::as_writable_bytes(std::span<std::uint16_t>(out)));
  return out;
}

std::vector<std::int32_t> KernelRig::read_i32(const ops::Tensor& t) {
  std::vector<std::int32_t> out(static_cast<std::size_t>(t.elements()));
  ctx_->download(*t.buffer, t.offset, std::as_writable_bytes(std::span<std::int32_t>(out)));
  return out;
}

quant::MatrixView view(gguf::GgmlType type, std::span<const std::uint8_t> bytes, std::int64_t cols,
                       std::int64_t rows) {
  return quant::MatrixView::of(type, cols, rows, bytes);
}

std::string seed_trace(std::uint64_t seed) {
  return "seed " + std::to_string(seed) + " (repeat with VKCHAT_TEST_SEED=" + std::to_string(seed) +
         ")";
}

}  // namespace vkchat::test
