// Model shapes for synthetic GGUF files: the hyperparameters of real models (from their published
// configs), so speed can be measured at real sizes without downloading any weights.
#pragma once
#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace vkchat::synth {

// Llama 3.1's RoPE frequency rescaling (rope_scaling.rope_type "llama3"): llama.cpp stores it as
// a rope_freqs tensor of per-pair divisors.
struct Llama3RopeScaling {
  double factor = 1;
  double low_freq_factor = 1;
  double high_freq_factor = 4;
  std::int64_t original_context = 8192;
};

// Gemma 3's additions: sliding-window layers (llama.cpp's default period 6), their RoPE base,
// linear RoPE scaling of the global layers, post norms and q/k norms.
struct GemmaShape {
  std::int64_t sliding_window = 0;
  float rope_base_swa = 10000.f;
  float rope_linear_factor = 0;  // 0: no scaling
};

// Qwen 3.5's hybrid stack (convert_hf_to_gguf.py, Qwen3NextModel / Qwen3_5TextModel): gated
// delta net layers with every full_attention_interval-th layer full attention, whose queries
// carry an output gate and whose rotary part (partial_rotary_factor 0.25) is split into
// interleaved M-RoPE sections. No MTP block is written (as converting with --no-mtp).
struct Qwen35Shape {
  std::int64_t conv_kernel = 4;   // linear_conv_kernel_dim
  std::int64_t state_size = 128;  // linear_key_head_dim (= linear_value_head_dim)
  std::int64_t n_k_heads = 16;    // linear_num_key_heads: ssm.group_count
  std::int64_t n_v_heads = 16;    // linear_num_value_heads: ssm.time_step_rank
  std::int64_t full_attention_interval = 4;
  std::int64_t rope_dims = 64;  // head_dim * partial_rotary_factor
  std::array<std::int32_t, 4> rope_sections{11, 11, 10, 0};
};

// Gemma 4's (dense) additions to GemmaShape, as convert_hf_to_gguf.py's Gemma4Model writes
// them: every full_period-th layer is full attention (the pattern written as one flag per layer),
// with its own head size and KV heads (the preset's head_dim and n_head_kv are the
// sliding-window layers'), no attn_v where K serves as V, proportional RoPE (rope_freqs: 1 for
// the first partial_rotary_full of the pairs, 1e30 for the rest), the last n_kv_shared layers
// reading an earlier layer's KV cache, a layer output scale and a final soft-cap.
struct Gemma4Shape {
  std::int64_t full_period = 6;  // layer il is full attention iff il % period == period - 1
  std::int64_t head_dim_full = 0;
  std::int64_t n_head_kv_full = 0;
  bool k_eq_v = false;
  double partial_rotary_full = 0.25;
  std::int64_t n_kv_shared = 0;
  float final_softcap = 30.f;
  std::int64_t n_embd_per_layer = 0;  // E2B/E4B's per-layer token embeddings; 0: none
  // E2B/E4B's use_double_wide_mlp: the layers that share KV have a feed-forward twice n_ff wide
  // (feed_forward_length written per layer).
  bool double_wide_mlp = false;
  bool is_full(std::int64_t il) const { return il % full_period == full_period - 1; }
};

struct Preset {
  std::string_view name;   // what --preset takes
  std::string_view arch;   // general.architecture: llama, qwen2, qwen3, gemma3, qwen3moe, qwen35
  std::string_view vocab;  // the shared vocab it is meant for: ggml-vocab-<vocab>.gguf
  std::int64_t n_embd = 0;
  std::int64_t n_layer = 0;
  std::int64_t n_head = 0;
  std::int64_t n_head_kv = 0;
  std::int64_t head_dim = 0;
  std::int64_t n_ff = 0;
  std::int64_t n_ctx = 0;  // context_length
  float rope_base = 10000.f;
  float rms_eps = 1e-5f;
  bool tied_embeddings = false;  // no output.weight: logits reuse token_embd
  bool qkv_bias = false;         // qwen2
  bool qk_norm = false;          // qwen3
  std::optional<Llama3RopeScaling> rope_scaling;
  std::optional<GemmaShape> gemma;    // gemma3 and gemma4 presets
  std::optional<Qwen35Shape> qwen35;  // qwen35 presets
  // A mixture of experts (qwen3moe) in place of the dense feed-forward when n_expert > 0: the
  // router, then n_expert experts of width n_ff_exp, n_expert_used of them per token.
  std::int64_t n_expert = 0;
  std::int64_t n_expert_used = 0;
  std::int64_t n_ff_exp = 0;
  std::optional<Gemma4Shape> gemma4;  // gemma4 presets
  // Layer il's feed-forward width: n_ff, doubled on gemma4's shared-KV layers where the preset
  // has a double-wide MLP.
  std::int64_t layer_n_ff(std::int64_t il) const {
    const bool wide = gemma4 && gemma4->double_wide_mlp && il >= n_layer - gemma4->n_kv_shared;
    return wide ? 2 * n_ff : n_ff;
  }
};

std::span<const Preset> presets();

// nullptr when no preset has that name.
const Preset* find_preset(std::string_view name);

}  // namespace vkchat::synth
