// The KV cache of one session: f16 K and V rows for n_ctx positions, per layer, on the device.
// Positions are written by the forward pass (ops::kv_write); truncating a session only moves its
// position, the rows beyond are overwritten by what comes next.
#pragma once
#include <cstdint>
#include <vector>

#include "model/hparams.h"
#include "ops/tensor.h"
#include "vk/buffer.h"

namespace vkchat::vk {
class Context;
}

namespace vkchat::llm {

class KvCache {
 public:
  // Device bytes for n_ctx positions (the memory estimate uses this).
  static std::uint64_t bytes(const model::HParams& hp, std::int64_t n_ctx);

  KvCache(vk::Context& ctx, const model::HParams& hp, std::int64_t n_ctx);

  std::int64_t n_ctx() const { return n_ctx_; }
  // f16 [n_ctx x K width] and [n_ctx x V width] of a layer (HParams::layer_n_embd_k/_v); a layer
  // that shares another's cache (gemma4, HParams::kv_layer) has that layer's.
  const ops::Tensor& k(std::int64_t layer) const { return k_[layer]; }
  const ops::Tensor& v(std::int64_t layer) const { return v_[layer]; }

 private:
  std::int64_t n_ctx_;
  std::vector<vk::Buffer> buffers_;  // one per layer: K rows, then V rows
  std::vector<ops::Tensor> k_, v_;
};

}  // namespace vkchat::llm
