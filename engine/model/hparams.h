// A model's hyperparameters as read from GGUF metadata, for the architectures the engine runs:
// llama, qwen2, qwen3, phi3, qwen3moe, gpt-oss, qwen35 and qwen35moe (the last three CPU
// reference only so far), gemma2, gemma3, gemma4 (dense), and the llama variants mistral3, smollm3
// and granite. Plain data: the CPU reference and the GPU forward pass both use it.
#pragma once
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "model/delta_net_hparams.h"
#include "model/moe_hparams.h"
#include "model/rope.h"
#include "model/swa_hparams.h"

namespace vkchat::gguf {
class GgufFile;
}

namespace vkchat::model {

enum class Arch {
  Llama,
  Qwen2,
  Qwen3,
  Phi3,
  Qwen3Moe,
  Qwen35,
  Qwen35Moe,
  Gemma2,
  Gemma3,
  Gemma4,
  Mistral3,
  SmolLM3,
  Granite,
  GptOss
};

// One layer's attention sizes where they differ between layers (gemma4).
struct LayerAttention {
  std::int64_t n_head = 0, n_head_kv = 0, head_dim = 0;
};

struct HParams {
  Arch arch = Arch::Llama;
  std::string arch_name;    // general.architecture, e.g. "qwen2"
  std::int64_t n_embd = 0;  // residual stream width
  // Layers the forward pass runs (qwen35: block_count less the MTP blocks).
  std::int64_t n_layer = 0;
  // Where the sizes vary by layer (layer_attn not empty) these are the largest of any layer,
  // what the scratch is sized for; the layer_* accessors give each layer's own.
  std::int64_t n_head = 0;
  std::int64_t n_head_kv = 0;   // n_head is a multiple of it (grouped-query attention)
  std::int64_t head_dim = 0;    // per-head width of Q and K (attention.key_length)
  std::int64_t head_dim_v = 0;  // per-head width of V (attention.value_length)
  // gemma4: per-layer head counts (head_count / head_count_kv arrays) and head sizes (the
  // sliding-window layers' key_length_swa); empty where every layer has the sizes above.
  std::vector<LayerAttention> layer_attn;
  // gemma4's shared KV (attention.shared_kv_layers): the last n_kv_shared layers compute no K
  // and V and attend over the cache of the last earlier layer of their kind (llama.cpp's
  // n_layer_kv_from_start and its reuse callback).
  std::int64_t n_kv_shared = 0;
  std::int64_t n_layer_kv() const { return n_layer - n_kv_shared; }  // layers with their own KV
  // gemma4: the model's rope_freqs divide the full-attention layers' frequencies only
  // (proportional RoPE); elsewhere they apply to every layer.
  bool rope_freqs_full_layers_only = false;
  // gemma4 E2B/E4B: width of each layer's slice of the per-layer token embeddings
  // (embedding_length_per_layer_input); 0 for none.
  std::int64_t n_embd_per_layer = 0;
  std::int64_t n_ff = 0;  // feed-forward hidden width (the widest layer's)
  // gemma4 E2B/E4B (use_double_wide_mlp): each layer's feed-forward width where they differ;
  // empty where every layer has n_ff. layer_n_ff() reads it.
  std::vector<std::int64_t> layer_ff;
  std::int64_t n_vocab = 0;      // rows of token_embd
  std::int64_t n_ctx_train = 0;  // context_length the model was trained for
  float rms_eps = 1e-5f;
  RopeParams rope;  // n_rot = rope.dimension_count, default head_dim
  MoeParams moe;    // n_expert 0 for dense models
  // qwen35: the gated delta net's sizes, which layers are recurrent (the others are full
  // attention), and the multi-token-prediction blocks after the n_layer that run (not run here,
  // as llama.cpp runs them only for speculative drafts).
  DeltaNetParams delta;
  std::vector<bool> recurrent;     // per layer; empty for architectures without recurrent layers
  std::int64_t n_layer_nextn = 0;  // nextn_predict_layers

  // qwen35 and qwen35moe: the gated-delta-net hybrid.
  bool delta_net_hybrid() const { return arch == Arch::Qwen35 || arch == Arch::Qwen35Moe; }
  bool is_recurrent(std::int64_t il) const {
    return !recurrent.empty() && recurrent[static_cast<std::size_t>(il)];
  }
  std::int64_t n_attention_layers() const {
    std::int64_t n = 0;
    for (std::int64_t il = 0; il < n_layer; ++il) n += is_recurrent(il) ? 0 : 1;
    return n;
  }
  SwaParams swa;  // sliding-window layers (gemma2, gemma3, gemma4, gpt-oss); window 0 for none
  // The query's multiplier before q.k; 0: 1/sqrt(head_dim). gemma sets it from its size.
  float attn_scale = 0.f;
  float attn_softcap = 0.f;   // scores become cap * tanh(score / cap) (gemma2); 0: none
  float final_softcap = 0.f;  // logits likewise (gemma2, gemma4, some gemma3); 0: none
  float embd_scale = 1.f;  // token embeddings are multiplied by it (gemma: sqrt(n_embd); granite)
  // Attention temperature (mistral3, llama.cpp's f_attn_temp_scale): the query at position p is
  // multiplied by 1 + attn_temp_scale * ln(1 + floor(p / attn_temp_period)); 0 for none.
  float attn_temp_scale = 0.f;
  std::int64_t attn_temp_period = 0;  // rope.scaling.original_context_length
  // Layers without RoPE: smollm3 leaves it out of every layer il with (il + 1) % step == 0
  // (step 4, hard-coded in llama.cpp); granite's rope.scaling.finetuned false leaves it out of
  // all. 0 and true: RoPE everywhere.
  std::int64_t no_rope_layer_step = 0;
  bool rope_enabled = true;
  // granite's multipliers: each block's output times residual_scale before it joins the
  // residual stream (0 leaves it out), the logits divided by logit_scale. Its embedding_scale is
  // embd_scale, its attention.scale attn_scale.
  float residual_scale = 0.f;
  float logit_scale = 1.f;

  LayerAttention layer_attention(std::int64_t il) const {
    return layer_attn.empty() ? LayerAttention{n_head, n_head_kv, head_dim}
                              : layer_attn[static_cast<std::size_t>(il)];
  }
  std::int64_t layer_n_ff(std::int64_t il) const {
    return layer_ff.empty() ? n_ff : layer_ff[static_cast<std::size_t>(il)];
  }
  std::int64_t layer_n_embd_q(std::int64_t il) const {
    const LayerAttention a = layer_attention(il);
    return a.n_head * a.head_dim;
  }
  // K and V widths per token of layer il (gemma4's heads have equal K and V sizes).
  std::int64_t layer_n_embd_k(std::int64_t il) const {
    const LayerAttention a = layer_attention(il);
    return a.n_head_kv * a.head_dim;
  }
  std::int64_t layer_n_embd_v(std::int64_t il) const {
    return layer_attn.empty() ? n_embd_v_gqa() : layer_n_embd_k(il);
  }
  // The layer whose KV cache layer il attends over (itself unless it shares another's).
  std::int64_t kv_layer(std::int64_t il) const {
    if (il < n_layer_kv()) return il;
    return n_layer_kv() - (swa.is_swa(il) ? 2 : 1);
  }
  std::int64_t n_embd_q() const { return n_head * head_dim; }         // Q projection width
  std::int64_t n_embd_k_gqa() const { return n_head_kv * head_dim; }  // K width per token
  std::int64_t n_embd_v_gqa() const { return n_head_kv * head_dim_v; }
  std::int64_t n_embd_attn_out() const { return n_head * head_dim_v; }
  // The attention's score scale, in float as llama.cpp computes it.
  float attention_scale() const {
    return attn_scale > 0.f ? attn_scale : 1.f / std::sqrt(static_cast<float>(head_dim));
  }
  // Layer il's RoPE: the sliding-window layers' own where it has them.
  const RopeParams& layer_rope(std::int64_t il) const { return swa.is_swa(il) ? swa.rope : rope; }
  // The window layer il attends within; 0: the whole context.
  std::int64_t layer_window(std::int64_t il) const { return swa.is_swa(il) ? swa.window : 0; }
  bool has_rope(std::int64_t il) const {
    return rope_enabled && (no_rope_layer_step == 0 || (il + 1) % no_rope_layer_step != 0);
  }
};

// The query multiplier of the attention temperature at position pos, as llama.cpp computes it
// (llm_graph_input_attn_temp): 1 when hp.attn_temp_scale is 0.
float attn_temperature(const HParams& hp, std::int64_t pos);

// Upper bounds of the counts read_hparams accepts, far above any real model: they keep every
// product of two of them (a projection's width, a tensor's size) and a context's sizes exact in
// 64 bits.
inline constexpr std::int64_t kMaxWidth = std::int64_t{1} << 20;   // embedding, head, feed-forward
inline constexpr std::int64_t kMaxHeads = std::int64_t{1} << 14;   // head_count, head_count_kv
inline constexpr std::int64_t kMaxLayers = std::int64_t{1} << 12;  // block_count
inline constexpr std::int64_t kMaxContextLength = std::int64_t{1} << 30;  // context_length

// The architecture's name, e.g. "phi3".
std::string_view arch_name(Arch a);

// Reads and checks the hyperparameters. Throws UnsupportedModel ("unsupported architecture X")
// for other architectures or rope scaling kinds, MetadataError naming the key for one that is
// missing, out of range (counts above, non-finite floats) or inconsistent with another.
HParams read_hparams(const gguf::GgufFile& f);

}  // namespace vkchat::model
