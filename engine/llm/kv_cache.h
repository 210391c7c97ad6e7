// The KV cache of one session: f16 K and V rows per attention layer, on the device. A global
// layer keeps n_ctx rows, one per position. A sliding-window layer (gemma2/3/4) keeps only the
// rows it can still attend to: its window plus one prefill chunk (min(n_ctx, window + chunk)),
// a ring that holds position p at row p % rows (ops::kv_write and ops::attention index it so).
// Positions are written by the forward pass; truncating a session only moves its position, the
// rows beyond are overwritten by what comes next. A ring has overwritten the rows of positions
// more than `rows` behind the furthest position it reached, so truncating to a position whose
// window reaches back past them is not possible (resumable): the session goes back to 0 instead. A
// recurrent layer (qwen35's gated delta net) keeps instead its f32 convolution window and delta
// state, which the forward pass updates in place and zeroes when it starts at position 0. Such a
// state cannot be truncated; instead the cache holds kCheckpoints copies of every recurrent window
// and state (slots on the device), which the session saves and restores at the positions a chat
// returns to (Session::checkpoint).
#pragma once
#include <cstdint>
#include <vector>

#include "model/hparams.h"
#include "ops/tensor.h"
#include "vk/buffer.h"

namespace vkchat::vk {
class CommandBuffer;
class Context;
}  // namespace vkchat::vk

namespace vkchat::llm {

class KvCache {
 public:
  // Checkpoint slots of a cache with recurrent layers (none otherwise): the end of the last
  // prompts and answers of a conversation, enough for a follow-up and a regenerate.
  static constexpr int kCheckpoints = 4;

  // Rows layer il keeps for n_ctx positions prefilled in chunks of up to `chunk` tokens: n_ctx,
  // or for a sliding-window layer min(n_ctx, window + chunk) (every key a chunk's queries see, and
  // the chunk's own rows, at once).
  static std::int64_t layer_rows(const model::HParams& hp, std::int64_t il, std::int64_t n_ctx,
                                 std::int64_t chunk);
  // The rows of the smallest ring for n_ctx positions (layer_rows of a sliding-window layer that
  // keeps fewer than n_ctx); 0 when every layer keeps n_ctx.
  static std::int64_t window_rows(const model::HParams& hp, std::int64_t n_ctx, std::int64_t chunk);
  // Device bytes for n_ctx positions and prefill chunks of up to `chunk` tokens (the memory
  // estimate uses this).
  static std::uint64_t bytes(const model::HParams& hp, std::int64_t n_ctx, std::int64_t chunk);

  KvCache(vk::Context& ctx, const model::HParams& hp, std::int64_t n_ctx, std::int64_t chunk);

  std::int64_t n_ctx() const { return n_ctx_; }
  // Whether some layer keeps fewer rows than n_ctx (a sliding-window ring).
  bool windowed() const { return !rings_.empty(); }
  // Whether every ring still holds the rows a query at position n attends to before n, after the
  // session has reached position `reach` (the furthest since it last started at 0): a ring of R
  // rows has overwritten positions below reach - R. Always true for n = 0.
  bool resumable(std::int64_t n, std::int64_t reach) const;
  // Whether some layer keeps a recurrent state (only a reset to position 0 forgets positions).
  bool recurrent() const { return recurrent_; }
  // f16 [rows x K width] and [rows x V width] of an attention layer (layer_rows,
  // HParams::layer_n_embd_k/_v); a layer that shares another's cache (gemma4,
  // HParams::kv_layer) has that layer's.
  const ops::Tensor& k(std::int64_t layer) const { return k_[layer]; }
  const ops::Tensor& v(std::int64_t layer) const { return v_[layer]; }
  // A recurrent layer's f32 [(d_conv - 1) x conv_channels] window and [n_v_heads x head_dim x
  // head_dim] delta state.
  const ops::Tensor& conv_window(std::int64_t layer) const { return conv_[layer]; }
  const ops::Tensor& delta_state(std::int64_t layer) const { return state_[layer]; }
  // Records zeroing every recurrent layer's window and state, then a barrier: the state before
  // position 0.
  void record_reset(vk::CommandBuffer& cmd) const;
  // Record copying every recurrent window and state into checkpoint slot `slot`
  // (0 .. kCheckpoints - 1), or back from it, then a barrier. No-ops without recurrent layers.
  void record_save(vk::CommandBuffer& cmd, int slot) const;
  void record_restore(vk::CommandBuffer& cmd, int slot) const;

 private:
  struct Ring {
    std::int64_t window, rows;
  };
  std::int64_t n_ctx_;
  bool recurrent_ = false;
  std::vector<Ring> rings_;  // the sliding-window layers whose rows are fewer than n_ctx
  // One per layer: K rows, then V rows; or the convolution window, then the delta state.
  std::vector<vk::Buffer> buffers_;
  std::vector<ops::Tensor> k_, v_, conv_, state_;  // empty tensors where a layer has none
  // slots_[slot][i]: a copy of the i-th recurrent layer's buffer (recurrent_layers_[i]).
  std::vector<std::size_t> recurrent_layers_;
  std::vector<std::vector<vk::Buffer>> slots_;
};

}  // namespace vkchat::llm
