// One buffer per layer keeps each allocation small and every cache inside one binding window.
#include "llm/kv_cache.h"

#include <string>

#include "util/checked_math.h"
#include "vk/context.h"

namespace vkchat::llm {

namespace {

// Saturating: a context or a model too large for any device gives an estimate that fails the
// memory check instead of wrapping to a small number.
std::uint64_t k_bytes(const model::HParams& hp, std::int64_t n_ctx) {
  return sat_mul(
      {static_cast<std::uint64_t>(n_ctx), static_cast<std::uint64_t>(hp.n_embd_k_gqa()), 2});
}
std::uint64_t v_bytes(const model::HParams& hp, std::int64_t n_ctx) {
  return sat_mul(
      {static_cast<std::uint64_t>(n_ctx), static_cast<std::uint64_t>(hp.n_embd_v_gqa()), 2});
}
// V starts at an offset every device can bind.
constexpr std::uint64_t kAlign = 256;
std::uint64_t v_offset(const model::HParams& hp, std::int64_t n_ctx) {
  return sat_add(k_bytes(hp, n_ctx), kAlign - 1) / kAlign * kAlign;
}

}  // namespace

std::uint64_t KvCache::bytes(const model::HParams& hp, std::int64_t n_ctx) {
  // Only attention layers cache K and V; a recurrent layer (qwen35) keeps its f32 convolution
  // window and delta-net state instead, whatever the context.
  const std::int64_t n_recurrent = hp.n_layer - hp.n_attention_layers();
  const std::uint64_t state = sat_mul(
      {static_cast<std::uint64_t>(n_recurrent),
       static_cast<std::uint64_t>(hp.delta.conv_state_floats() + hp.delta.ssm_state_floats()), 4});
  return sat_add(sat_mul(static_cast<std::uint64_t>(hp.n_attention_layers()),
                         sat_add(v_offset(hp, n_ctx), v_bytes(hp, n_ctx))),
                 state);
}

KvCache::KvCache(vk::Context& ctx, const model::HParams& hp, std::int64_t n_ctx) : n_ctx_(n_ctx) {
  const std::uint64_t voff = v_offset(hp, n_ctx);
  buffers_.reserve(static_cast<std::size_t>(hp.n_layer));
  for (std::int64_t il = 0; il < hp.n_layer; ++il) {
    buffers_.emplace_back(ctx, voff + v_bytes(hp, n_ctx), vk::BufferKind::Device,
                          "kv cache " + std::to_string(il));
  }
  for (const vk::Buffer& b : buffers_) {
    k_.push_back(ops::Tensor::f16(b, hp.n_embd_k_gqa(), n_ctx, 0));
    v_.push_back(ops::Tensor::f16(b, hp.n_embd_v_gqa(), n_ctx, voff));
  }
}

}  // namespace vkchat::llm
