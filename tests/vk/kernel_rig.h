// A small harness for kernel tests: device tensors from host vectors, outputs poisoned with NaN
// so that an unwritten element fails, one command buffer per run, relative L2 error.
#pragma once
#include <cstdint>
#include <functional>
#include <list>
#include <span>
#include <string>
#include <vector>

#include "ops/kernels.h"
#include "ops/ops.h"
#include "ops/tensor.h"
#include "quant/dequantize.h"
#include "vk/context.h"

namespace vkchat::test {

// ||got - want|| / ||want||; infinity when got has a NaN or the sizes differ.
double rel_l2(std::span<const float> got, std::span<const float> want);

class KernelRig {
 public:
  explicit KernelRig(bool subgroups = true);
  // Explicit kernel sizes instead of the device's defaults.
  explicit KernelRig(const ops::KernelConfig& config);

  vk::Context& ctx() { return *ctx_; }
  ops::Kernels& kernels() { return kernels_; }

  ops::Tensor f32(std::span<const float> v, std::int64_t cols, std::int64_t rows = 1);
  ops::Tensor i32(std::span<const std::int32_t> v);
  // Positions pos0 .. for an op of n_tok tokens (ops::Positions), recorded for first positions
  // up to end - n_tok (0: exactly pos0, as a prefill chunk records; more: as a replayed decode
  // step does, the grid sized for all of them).
  ops::Positions positions(std::int64_t pos0, std::int64_t n_tok, std::int64_t end = 0);
  // Dense f16 rows (a KV cache), not a weight matrix.
  ops::Tensor f16(std::span<const std::uint16_t> bits, std::int64_t cols, std::int64_t rows);
  ops::Tensor weights(gguf::GgmlType type, std::span<const std::uint8_t> bytes, std::int64_t cols,
                      std::int64_t rows);
  // A tensor whose bytes all read as a quiet NaN (f32) until a kernel writes them.
  ops::Tensor poisoned(gguf::GgmlType type, std::int64_t cols, std::int64_t rows = 1);

  // Records `body` into one command buffer, submits it and waits.
  void run(const std::function<void(ops::Ops&)>& body);

  std::vector<float> read_f32(const ops::Tensor& t);
  std::vector<std::uint16_t> read_u16(const ops::Tensor& t);
  std::vector<std::int32_t> read_i32(const ops::Tensor& t);

 private:
  vk::Buffer& buffer(std::uint64_t bytes);
  vk::Context* ctx_;
  ops::Kernels kernels_;
  std::list<vk::Buffer> buffers_;  // a list: tensors point at these buffers
};

// The dequantized matrix the kernels must agree with.
quant::MatrixView view(gguf::GgmlType type, std::span<const std::uint8_t> bytes, std::int64_t cols,
                       std::int64_t rows);

// "seed N" for SCOPED_TRACE: a run can be repeated with VKCHAT_TEST_SEED=N.
std::string seed_trace(std::uint64_t seed);

}  // namespace vkchat::test
