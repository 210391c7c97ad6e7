// A session's working memory besides the KV cache: the activations of up to kMaxChunk tokens,
// the logits, the attention partials, the token ids the host writes, the read-back area and the
// RoPE table. Laid out once; every forward pass binds the same buffers at the same offsets, so
// decoding a token updates no descriptor and allocates nothing.
#pragma once
#include <cstdint>
#include <optional>
#include <span>

#include "model/hparams.h"
#include "ops/kernels.h"
#include "ops/ops.h"
#include "ops/rope_table.h"
#include "ops/tensor.h"
#include "vk/buffer.h"
#include "vk/command.h"

namespace vkchat::llm {

// Prefill tokens per submit (matrix x matrix kernels).
inline constexpr std::int64_t kMaxChunk = 512;
// Rows of logits one submit produces when every position's are wanted (teacher forcing).
inline constexpr std::int64_t kMaxLogitRows = 32;

// Words after the token ids: the pass's first position, then the attention grids.
inline constexpr std::int64_t kStepWords = 1 + 3 * ops::StepGrids::kMaxGrids;

// Sizes that depend on the model and the context only.
struct ScratchShape {
  std::int64_t max_tokens = 0;         // tokens per forward pass: min(max_chunk, n_ctx)
  std::int64_t logit_rows = 0;         // min(kMaxLogitRows, max_tokens)
  std::int64_t attn_tokens = 0;        // queries per attention call, so its partials stay small
  std::uint64_t attn_floats = 0;       // attention partials for attn_tokens queries
  std::uint64_t activation_bytes = 0;  // the activation buffer, everything below included
  std::uint64_t rope_bytes = 0;
  std::uint64_t host_bytes = 0;  // token ids and read-back (host-visible)
  std::uint64_t total() const { return activation_bytes + rope_bytes + host_bytes; }

  // max_chunk: the most tokens one forward pass takes (kMaxChunk; a session may take fewer).
  static ScratchShape plan(const model::HParams& hp, std::int64_t n_ctx,
                           const ops::Kernels& kernels, std::int64_t max_chunk = kMaxChunk);
};

class Scratch {
 public:
  // rope_angles: how the RoPE table is evaluated (llama.cpp's float sequence when the model
  // rounds like llama.cpp).
  Scratch(ops::Kernels& kernels, const model::HParams& hp, std::int64_t n_ctx,
          std::span<const float> rope_freq_factors, model::RopeAngles rope_angles,
          std::int64_t max_chunk = kMaxChunk);
  // The tensors point into this object's buffers.
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;

  const ScratchShape& shape() const { return shape_; }

  // Each [max_tokens x width] f32 (ids I32 [max_tokens]); forward passes use their first rows.
  ops::Tensor ids;  // written by the host
  // I32 [1]: the pass's first position, written by the host before each submit
  // (set_first_position) and read by the position ops (ops::Positions).
  ops::Tensor step;
  // I32 [3 * ops::StepGrids::kMaxGrids] after it: a replayed pass's attention group counts.
  ops::Tensor grid_area;
  ops::Tensor x;              // residual stream [n_embd]
  ops::Tensor xn;             // normalized x [n_embd]
  ops::Tensor q, k, v, attn;  // [n_embd_q], [n_embd_k_gqa], [n_embd_v_gqa], [n_embd_attn_out]
  ops::Tensor proj;           // a block's output before it joins x [n_embd]
  ops::Tensor ffn, ffn_tmp;   // [max(n_ff, moe.n_ff_shexp)]
  // qwen35 (zero-width for other architectures): the full attention's output gate [n_embd_q],
  // and the gated delta net's activations.
  ops::Tensor gate;
  struct Delta {
    ops::Tensor qkv, conv;                 // [conv_channels]: projected, then convolved
    ops::Tensor z, o;                      // [value_dim]: the output gate, the delta rule's output
    ops::Tensor alpha, beta_raw, g, beta;  // [n_v_heads]
  } delta;
  // A product's input rounded as llama.cpp rounds it (ops::RoundedInput), as wide as the widest
  // input: [max(n_embd, n_embd_attn_out, n_ff, delta value_dim, n_expert_used * n_ff_exp)].
  ops::Tensor xq;
  // A mixture of experts' feed-forward (ops.h: moe_route, matvec_id), k = n_expert_used slots
  // per token: router logits [n_expert], ids I32 [k] and weights [k] per token; each slot's
  // expert hidden state [n_ff_exp] and output [n_embd] (max_tokens * k rows).
  ops::Tensor router, moe_ids, moe_weights, moe_hidden, moe_out;
  // A shared expert's gate logit per token (qwen35moe; zero-width elsewhere). The shared expert
  // itself uses ffn and ffn_tmp, which are as wide as the wider of n_ff and its width.
  ops::Tensor shexp_gate;
  // gemma4's per-layer embeddings (E2B/E4B; zero-width elsewhere), P = n_embd_per_layer: the
  // per-layer inputs [n_layer * max_tokens x P], a pass of T tokens using its first n_layer * T
  // rows as n_layer blocks of [T x P] (layer il's block at row il * T); and as large a scratch,
  // the table's rows while the inputs are made, then each layer's gate (its first T rows).
  ops::Tensor per_layer, per_layer_tmp;
  ops::Tensor logits;         // [logit_rows x n_vocab]
  ops::Tensor argmax;         // I32 [1]
  ops::Tensor attn_partials;  // f32 [attn_floats]
  ops::RopeTable rope;
  // The sliding-window layers' table (their own base and scale); empty without such layers.
  ops::RopeTable rope_swa;
  // The queries' table where it differs from the keys': with mistral3's attention temperature
  // folded in (ops/rope_table.h); absent otherwise. query_rope() picks.
  std::optional<ops::RopeTable> rope_q;
  const ops::RopeTable& query_rope() const { return rope_q ? *rope_q : rope; }

  // Where the host reads results: the activation buffer itself when it is mapped, else a
  // read-back buffer that copy_out() fills at the end of a pass.
  const std::byte* host_view(const ops::Tensor& t) const;
  // Records the copy of t (logits rows or argmax) to the read-back buffer when one is needed.
  void copy_out(vk::CommandBuffer& cmd, const ops::Tensor& t) const;
  std::int32_t* host_ids() const;
  void set_first_position(std::int64_t pos) const;

 private:
  ScratchShape shape_;
  vk::Buffer act_;       // device-local activations
  vk::Buffer host_ids_;  // host-visible token ids, then the step word
  vk::Buffer readback_;  // host-visible, cached; empty when act_ is mapped
};

}  // namespace vkchat::llm
