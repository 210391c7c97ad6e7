// One buffer per layer keeps each allocation small and every cache inside one binding window.
#include "llm/kv_cache.h"

#include <algorithm>
#include <string>

#include "model/swa_hparams.h"
#include "util/checked_math.h"
#include "vk/command.h"
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
std::uint64_t align_up(std::uint64_t v) {
  return sat_add(v, kAlign - 1) / kAlign * kAlign;
}
std::uint64_t v_offset(const model::HParams& hp, std::int64_t il, std::int64_t n_ctx) {
  return align_up(k_bytes(hp, il, n_ctx));
}
// Whether layer il keeps a KV cache of its own: attention layers that share none (gemma4's last
// layers read an earlier layer's).
bool own_cache(const model::HParams& hp, std::int64_t il) {
  return !hp.is_recurrent(il) && hp.kv_layer(il) == il;
}

}  // namespace

std::int64_t KvCache::layer_rows(const model::HParams& hp, std::int64_t il, std::int64_t n_ctx,
                                 std::int64_t chunk) {
  const std::int64_t window = hp.layer_window(il);
  // Saturating: an absurd window in the file keeps n_ctx rows rather than wrapping.
  return window > 0 && window < n_ctx && chunk < n_ctx - window ? window + chunk : n_ctx;
}

std::int64_t KvCache::window_rows(const model::HParams& hp, std::int64_t n_ctx,
                                  std::int64_t chunk) {
  std::int64_t least = 0;
  for (std::int64_t il = 0; il < hp.n_layer; ++il) {
    const std::int64_t rows = layer_rows(hp, il, n_ctx, chunk);
    if (own_cache(hp, il) && rows < n_ctx && (least == 0 || rows < least)) least = rows;
  }
  return least;
}

bool KvCache::resumable(std::int64_t n, std::int64_t reach) const {
  if (n == 0) return true;
  return std::all_of(rings_.begin(), rings_.end(), [&](const Ring& r) {
    return model::window_first_key(n, r.window) >= reach - r.rows;
  });
}

std::uint64_t KvCache::bytes(const model::HParams& hp, std::int64_t n_ctx, std::int64_t chunk) {
  // Only attention layers cache K and V; a recurrent layer (qwen35) keeps its f32 convolution
  // window and delta-net state instead, whatever the context, and kCheckpoints copies of them.
  const std::int64_t n_recurrent = hp.n_layer - hp.n_attention_layers();
  const std::uint64_t state = sat_mul(
      {static_cast<std::uint64_t>(n_recurrent), 1 + static_cast<std::uint64_t>(kCheckpoints),
       static_cast<std::uint64_t>(hp.delta.conv_state_floats() + hp.delta.ssm_state_floats()), 4});
  std::uint64_t total = state;
  for (std::int64_t il = 0; il < hp.n_layer; ++il) {
    if (own_cache(hp, il)) {
      const std::int64_t rows = layer_rows(hp, il, n_ctx, chunk);
      total = sat_add(total, sat_add(v_offset(hp, il, rows), v_bytes(hp, il, rows)));
    }
  }
  return total;
}

KvCache::KvCache(vk::Context& ctx, const model::HParams& hp, std::int64_t n_ctx, std::int64_t chunk)
    : n_ctx_(n_ctx), recurrent_(hp.n_attention_layers() < hp.n_layer) {
  const auto n = static_cast<std::size_t>(hp.n_layer);
  buffers_.reserve(n);
  k_.resize(n);
  v_.resize(n);
  conv_.resize(n);
  state_.resize(n);
  const model::DeltaNetParams& d = hp.delta;
  const std::uint64_t state_off =
      align_up(static_cast<std::uint64_t>(std::max<std::int64_t>(d.conv_state_floats(), 1)) * 4);
  for (std::size_t il = 0; il < n; ++il) {
    if (hp.is_recurrent(static_cast<std::int64_t>(il))) {
      const vk::Buffer& b = buffers_.emplace_back(
          ctx, state_off + static_cast<std::uint64_t>(d.ssm_state_floats()) * 4,
          vk::BufferKind::Device, "recurrent state " + std::to_string(il));
      conv_[il] = ops::Tensor::f32(b, d.conv_channels(), d.d_conv - 1, 0);
      state_[il] = ops::Tensor::f32(b, d.head_dim * d.head_dim, d.n_v_heads, state_off);
      recurrent_layers_.push_back(il);
    } else if (const auto src =
                   static_cast<std::size_t>(hp.kv_layer(static_cast<std::int64_t>(il)));
               src != il) {
      // A layer sharing an earlier layer's cache (gemma4): that layer's views, no buffer of its
      // own (an empty one keeps buffers_ indexed by layer).
      buffers_.emplace_back();
      k_[il] = k_[src];
      v_[il] = v_[src];
    } else {
      const auto layer = static_cast<std::int64_t>(il);
      const std::int64_t rows = layer_rows(hp, layer, n_ctx, chunk);
      if (rows < n_ctx) rings_.push_back({hp.layer_window(layer), rows});
      const std::uint64_t voff = v_offset(hp, layer, rows);
      const vk::Buffer& b =
          buffers_.emplace_back(ctx, voff + v_bytes(hp, layer, rows), vk::BufferKind::Device,
                                "kv cache " + std::to_string(il));
      k_[il] = ops::Tensor::f16(b, hp.layer_n_embd_k(layer), rows, 0);
      v_[il] = ops::Tensor::f16(b, hp.layer_n_embd_v(layer), rows, voff);
    }
  }
  if (recurrent_layers_.empty()) return;
  slots_.resize(kCheckpoints);
  for (std::size_t slot = 0; slot < slots_.size(); ++slot) {
    for (std::size_t il : recurrent_layers_) {
      slots_[slot].emplace_back(
          ctx, buffers_[il].size(), vk::BufferKind::Device,
          "checkpoint " + std::to_string(slot) + " of recurrent state " + std::to_string(il));
    }
  }
}

void KvCache::record_save(vk::CommandBuffer& cmd, int slot) const {
  if (recurrent_layers_.empty()) return;
  const std::vector<vk::Buffer>& to = slots_.at(static_cast<std::size_t>(slot));
  for (std::size_t i = 0; i < recurrent_layers_.size(); ++i) {
    const vk::Buffer& from = buffers_[recurrent_layers_[i]];
    cmd.copy(from.slice(0, from.size()), to[i].slice(0, to[i].size()));
  }
  cmd.barrier();
}

void KvCache::record_restore(vk::CommandBuffer& cmd, int slot) const {
  if (recurrent_layers_.empty()) return;
  const std::vector<vk::Buffer>& from = slots_.at(static_cast<std::size_t>(slot));
  for (std::size_t i = 0; i < recurrent_layers_.size(); ++i) {
    const vk::Buffer& to = buffers_[recurrent_layers_[i]];
    cmd.copy(from[i].slice(0, from[i].size()), to.slice(0, to.size()));
  }
  cmd.barrier();
}

void KvCache::record_reset(vk::CommandBuffer& cmd) const {
  for (std::size_t il = 0; il < conv_.size(); ++il) {
    for (const ops::Tensor* t : {&conv_[il], &state_[il]}) {
      if (t->buffer && t->bytes() > 0) cmd.fill(t->buffer->slice(t->offset, t->bytes()), 0);
    }
  }
  cmd.barrier();
}

}  // namespace vkchat::llm
