// One buffer per layer keeps each allocation small and every cache inside one binding window.
#include "llm/kv_cache.h"

#include <string>

#include "util/checked_math.h"
#include "vk/context.h"

namespace vkchat::llm {

namespace {

// Saturating: a context or a model too large for any device gives an estimate that fails the
// memory check instead of wrapping to a small number.
std::uint64_t k_bytes(const model::HParams& hp, std::int64_t il, std::int64_t n_ctx) {
  return sat_mul(
      {static_cast<std::uint64_t>(n_ctx), static_cast<std::uint64_t>(hp.layer_n_embd_k(il)), 2});
}
std::uint64_t v_bytes(const model::HParams& hp, std::int64_t il, std::int64_t n_ctx) {
  return sat_mul(
      {static_cast<std::uint64_t>(n_ctx), static_cast<std::uint64_t>(hp.layer_n_embd_v(il)), 2});
}
// V starts at an offset every device can bind.
constexpr std::uint64_t kAlign = 256;
std::uint64_t v_offset(const model::HParams& hp, std::int64_t il, std::int64_t n_ctx) {
  return sat_add(k_bytes(hp, il, n_ctx), kAlign - 1) / kAlign * kAlign;
}
// Whether layer il keeps a cache of its own: attention layers that share none (gemma4's last
// layers read an earlier layer's).
bool own_cache(const model::HParams& hp, std::int64_t il) {
  return !hp.is_recurrent(il) && hp.kv_layer(il) == il;
}

}  // namespace

std::uint64_t KvCache::bytes(const model::HParams& hp, std::int64_t n_ctx) {
  // Only attention layers cache K and V; a recurrent layer (qwen35) keeps its f32 convolution
  // window and delta-net state instead, whatever the context.
  const std::int64_t n_recurrent = hp.n_layer - hp.n_attention_layers();
  std::uint64_t total = sat_mul(
      {static_cast<std::uint64_t>(n_recurrent),
       static_cast<std::uint64_t>(hp.delta.conv_state_floats() + hp.delta.ssm_state_floats()), 4});
  for (std::int64_t il = 0; il < hp.n_layer; ++il) {
    if (own_cache(hp, il)) {
      total = sat_add(total, sat_add(v_offset(hp, il, n_ctx), v_bytes(hp, il, n_ctx)));
    }
  }
  return total;
}

KvCache::KvCache(vk::Context& ctx, const model::HParams& hp, std::int64_t n_ctx) : n_ctx_(n_ctx) {
  // Reserved, so that the tensors' buffer pointers stay valid as buffers are added.
  buffers_.reserve(static_cast<std::size_t>(hp.n_layer));
  for (std::int64_t il = 0; il < hp.n_layer; ++il) {
    if (!own_cache(hp, il) && hp.kv_layer(il) != il) {
      // A shared layer's views are its source's (an earlier layer, already made).
      k_.push_back(k_[static_cast<std::size_t>(hp.kv_layer(il))]);
      v_.push_back(v_[static_cast<std::size_t>(hp.kv_layer(il))]);
      continue;
    }
    const std::uint64_t voff = v_offset(hp, il, n_ctx);
    const vk::Buffer& b =
        buffers_.emplace_back(ctx, voff + v_bytes(hp, il, n_ctx), vk::BufferKind::Device,
                              "kv cache " + std::to_string(il));
    k_.push_back(ops::Tensor::f16(b, hp.layer_n_embd_k(il), n_ctx, 0));
    v_.push_back(ops::Tensor::f16(b, hp.layer_n_embd_v(il), n_ctx, voff));
  }
}

}  // namespace vkchat::llm
