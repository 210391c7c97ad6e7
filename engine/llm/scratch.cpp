// Scratch layout: one device buffer of activations at aligned offsets, host-visible ids and
// read-back buffers beside it.
#include "llm/scratch.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "ops/ops.h"
#include "vk/command.h"
#include "vk/context.h"

namespace vkchat::llm {

namespace {

constexpr std::uint64_t kAlign = 256;
// Attention partials are kept below this by splitting long prefills into several calls.
constexpr std::uint64_t kAttnPartialBytes = std::uint64_t{32} << 20;

std::uint64_t align_up(std::uint64_t v) {
  return (v + kAlign - 1) / kAlign * kAlign;
}

ops::AttentionShape attention_shape(const model::HParams& hp) {
  return {static_cast<int>(hp.n_head), static_cast<int>(hp.n_head_kv),
          static_cast<int>(hp.head_dim), 0.f};
}

// The activation buffer's tensors in order: offsets and widths for max_tokens rows.
struct Layout {
  struct Slot {
    std::uint64_t offset;
    std::int64_t cols, rows;
  };
  Slot x, xn, q, k, v, attn, proj, ffn, ffn_tmp, gate, qkv, conv, z, o, alpha, beta_raw, g, beta,
      xq, router, moe_ids, moe_weights, moe_hidden, moe_out, shexp_gate, per_layer, per_layer_tmp,
      partials, logits, argmax;
  std::uint64_t end = 0;

  Layout(const model::HParams& hp, const ScratchShape& s) {
    auto take = [&](std::int64_t cols, std::int64_t rows) {
      Slot slot{end, cols, rows};
      end = align_up(end + static_cast<std::uint64_t>(cols * rows) * 4);
      return slot;
    };
    const std::int64_t T = s.max_tokens;
    x = take(hp.n_embd, T);
    xn = take(hp.n_embd, T);
    q = take(hp.n_embd_q(), T);
    k = take(hp.n_embd_k_gqa(), T);
    v = take(hp.n_embd_v_gqa(), T);
    attn = take(hp.n_embd_attn_out(), T);
    proj = take(hp.n_embd, T);
    // The dense feed-forward, or a mixture's shared expert (qwen35moe).
    const std::int64_t F = std::max(hp.n_ff, hp.moe.n_ff_shexp);
    ffn = take(F, T);
    ffn_tmp = take(F, T);
    const bool hybrid = hp.delta_net_hybrid();
    const model::DeltaNetParams& d = hp.delta;
    gate = take(hybrid ? hp.n_embd_q() : 0, T);
    qkv = take(d.conv_channels(), T);
    conv = take(d.conv_channels(), T);
    z = take(d.value_dim(), T);
    o = take(d.value_dim(), T);
    alpha = take(d.n_v_heads, T);
    beta_raw = take(d.n_v_heads, T);
    g = take(d.n_v_heads, T);
    beta = take(d.n_v_heads, T);
    // A mixture's experts: k slots per token (one column each where there are none).
    const std::int64_t E = std::max<std::int64_t>(hp.moe.n_expert, 1);
    const std::int64_t K = std::max<std::int64_t>(hp.moe.n_expert_used, 1);
    const std::int64_t FX = std::max<std::int64_t>(hp.moe.n_ff_exp, 1);
    xq = take(std::max({hp.n_embd, hp.n_embd_attn_out(), hp.n_ff, d.value_dim(), K * FX,
                        hp.n_embd_per_layer}),
              T);
    router = take(E, T);
    moe_ids = take(K, T);
    moe_weights = take(K, T);
    moe_hidden = take(FX, T * K);
    moe_out = take(hp.n_embd, T * K);
    shexp_gate = take(hp.moe.n_ff_shexp > 0 ? 1 : 0, T);
    // gemma4's per-layer inputs and their scratch, n_layer blocks of [T x P] each (zero-width
    // without them).
    per_layer = take(hp.n_embd_per_layer, hp.n_layer * T);
    per_layer_tmp = take(hp.n_embd_per_layer, hp.n_layer * T);
    partials = take(static_cast<std::int64_t>(std::max<std::uint64_t>(s.attn_floats, 1)), 1);
    // Last, so one copy to the read-back buffer takes logits and argmax together.
    logits = take(hp.n_vocab, s.logit_rows);
    // One I32 (padded for copies), or the words of a top-k (Session::decode_top).
    argmax = take(24, 1);
  }
  std::uint64_t readback_bytes() const { return end - logits.offset; }
};

}  // namespace

ScratchShape ScratchShape::plan(const model::HParams& hp, std::int64_t n_ctx,
                                const ops::Kernels& kernels, std::int64_t max_chunk) {
  ScratchShape s;
  s.max_tokens = std::min(max_chunk, n_ctx);
  s.logit_rows = std::min(kMaxLogitRows, s.max_tokens);
  const std::uint64_t per_token =
      ops::attention_scratch_floats(kernels, 1, attention_shape(hp), n_ctx);
  s.attn_tokens = std::clamp<std::int64_t>(
      static_cast<std::int64_t>(kAttnPartialBytes / 4 / std::max<std::uint64_t>(per_token, 1)), 1,
      s.max_tokens);
  s.attn_floats = ops::attention_scratch_floats(kernels, s.attn_tokens, attention_shape(hp), n_ctx);
  const Layout layout(hp, s);
  s.activation_bytes = layout.end;
  s.rope_bytes = static_cast<std::uint64_t>(n_ctx) * 4 *
                 (static_cast<std::uint64_t>(hp.rope.n_rot) *
                      (1 + (hp.attn_temp_scale != 0.f ? 1 : 0))  // the queries' own table
                  // the sliding-window layers' table (gemma4: its own rotated dimensions)
                  + (hp.swa.window > 0 ? static_cast<std::uint64_t>(hp.swa.rope.n_rot) : 0));
  s.host_bytes = static_cast<std::uint64_t>(s.max_tokens + kStepWords) * 4;  // ids, step words
  if (!kernels.context().info().unified_memory) s.host_bytes += layout.readback_bytes();
  return s;
}

Scratch::Scratch(ops::Kernels& kernels, const model::HParams& hp, std::int64_t n_ctx,
                 std::span<const float> rope_freq_factors, model::RopeAngles rope_angles,
                 std::int64_t max_chunk)
    : rope(ops::RopeTable::create(kernels.context(), hp.rope, n_ctx, rope_freq_factors,
                                  rope_angles)),
      rope_swa(hp.swa.window > 0 ? ops::RopeTable::create(kernels.context(), hp.swa.rope, n_ctx,
                                                          hp.rope_freqs_full_layers_only
                                                              ? std::span<const float>()
                                                              : rope_freq_factors,
                                                          rope_angles)
                                 : ops::RopeTable{}),
      shape_(ScratchShape::plan(hp, n_ctx, kernels, max_chunk)) {
  vk::Context& ctx = kernels.context();
  if (hp.attn_temp_scale != 0.f) {
    std::vector<float> temperature(static_cast<std::size_t>(n_ctx));
    for (std::int64_t p = 0; p < n_ctx; ++p) {
      temperature[static_cast<std::size_t>(p)] = model::attn_temperature(hp, p);
    }
    rope_q =
        ops::RopeTable::create(ctx, hp.rope, n_ctx, rope_freq_factors, rope_angles, temperature);
  }
  const Layout layout(hp, shape_);
  act_ = vk::Buffer(ctx, layout.end, vk::BufferKind::Device, "activations");
  host_ids_ = vk::Buffer(ctx, static_cast<std::uint64_t>(shape_.max_tokens + kStepWords) * 4,
                         vk::BufferKind::Upload, "token ids and position");
  if (!act_.mapped()) {
    readback_ = vk::Buffer(ctx, layout.readback_bytes(), vk::BufferKind::Readback, "read-back");
  }
  auto f32 = [&](const Layout::Slot& s) {
    return ops::Tensor::f32(act_, s.cols, s.rows, s.offset);
  };
  ids = ops::Tensor{&host_ids_, 0, gguf::GgmlType::I32, {shape_.max_tokens, 1, 1, 1}};
  step = ops::Tensor{&host_ids_,
                     static_cast<std::uint64_t>(shape_.max_tokens) * 4,
                     gguf::GgmlType::I32,
                     {1, 1, 1, 1}};
  grid_area = step;
  grid_area.offset += 4;
  grid_area.ne = {3 * ops::StepGrids::kMaxGrids, 1, 1, 1};
  x = f32(layout.x);
  xn = f32(layout.xn);
  q = f32(layout.q);
  k = f32(layout.k);
  v = f32(layout.v);
  attn = f32(layout.attn);
  proj = f32(layout.proj);
  ffn = f32(layout.ffn);
  ffn_tmp = f32(layout.ffn_tmp);
  gate = f32(layout.gate);
  delta = {f32(layout.qkv),   f32(layout.conv),     f32(layout.z), f32(layout.o),
           f32(layout.alpha), f32(layout.beta_raw), f32(layout.g), f32(layout.beta)};
  xq = f32(layout.xq);
  router = f32(layout.router);
  moe_ids = f32(layout.moe_ids);
  moe_ids.type = gguf::GgmlType::I32;
  moe_weights = f32(layout.moe_weights);
  moe_hidden = f32(layout.moe_hidden);
  moe_out = f32(layout.moe_out);
  shexp_gate = f32(layout.shexp_gate);
  per_layer = f32(layout.per_layer);
  per_layer_tmp = f32(layout.per_layer_tmp);
  attn_partials = f32(layout.partials);
  logits = f32(layout.logits);
  argmax = ops::Tensor{&act_, layout.argmax.offset, gguf::GgmlType::I32, {1, 1, 1, 1}};
}

const std::byte* Scratch::host_view(const ops::Tensor& t) const {
  if (act_.mapped()) return act_.mapped() + t.offset;
  return readback_.mapped() + (t.offset - logits.offset);
}

void Scratch::copy_out(vk::CommandBuffer& cmd, const ops::Tensor& t) const {
  if (act_.mapped()) return;
  cmd.copy(act_.slice(t.offset, t.bytes()), readback_.slice(t.offset - logits.offset, t.bytes()));
}

std::int32_t* Scratch::host_ids() const {
  return reinterpret_cast<std::int32_t*>(host_ids_.mapped());
}

void Scratch::set_first_position(std::int64_t pos) const {
  const auto word = static_cast<std::int32_t>(pos);
  std::memcpy(host_ids_.mapped() + step.offset, &word, sizeof word);
}

}  // namespace vkchat::llm
