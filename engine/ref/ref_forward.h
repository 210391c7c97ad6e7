// The whole forward pass on the CPU, built from the reference ops with an f32 KV cache: the
// model the GPU forward pass is compared to, logit for logit. One function per architecture
// family (llama/qwen2/qwen3, phi3, qwen3moe, qwen35, gemma2/gemma3, gemma4, and the llama variants
// mistral3, smollm3, granite), readable top to bottom like the papers. Weights are read straight
// from the GGUF map through the ModelSpec, dequantized row by row as they are used.
#pragma once
#include <cstdint>
#include <span>
#include <vector>

#include "model/weights.h"
#include "quant/dequantize.h"

namespace vkchat::ref {

// How cached K and V values are kept: exactly, or rounded to fp16 as the GPU's cache (and
// llama.cpp's) stores them, for comparisons that should see the same rounding.
enum class KvPrecision { F32, F16 };

// Whether the reference computes every product exactly or rounds like llama.cpp's CPU backend:
// each matrix product's input to its weight type's grid (quant/act_rounding.h) and attention as
// ggml's flash attention does it (ref::attention_llama_cpp).
enum class Rounding { Exact, LlamaCpp };

class RefForward {
 public:
  // The spec (and the GgufFile behind it) must outlive this object. n_ctx: positions cached.
  RefForward(const model::ModelSpec& spec, std::int64_t n_ctx, KvPrecision kv = KvPrecision::F32,
             Rounding rounding = Rounding::Exact);

  // Runs tokens at positions position() .. position() + n - 1 as one batch (causal attention)
  // and returns their logits: n rows of n_vocab. Throws std::out_of_range when a token is not in
  // the vocabulary or the context would overflow.
  std::vector<float> feed(std::span<const std::int32_t> tokens);

  std::int64_t position() const { return pos_; }
  std::int64_t n_ctx() const { return n_ctx_; }
  // Forgets every position from n on (n <= position()). A model with recurrent layers (qwen35)
  // cannot forget part of its state: there n must be 0 (a fresh start) or position(), else
  // std::invalid_argument.
  void truncate(std::int64_t n);

  // The tokens a gated delta net's chunked recurrence takes at once (llama.cpp's chunk size).
  static constexpr std::int64_t kDeltaChunk = 64;

 private:
  // A batch of row vectors, one per token.
  struct Rows {
    std::int64_t n = 0, width = 0;
    std::vector<float> data;
    Rows(std::int64_t n_rows, std::int64_t w) : n(n_rows), width(w), data(n_rows * w) {}
    std::span<float> row(std::int64_t t) {
      return {data.data() + t * width, static_cast<std::size_t>(width)};
    }
    std::span<const float> row(std::int64_t t) const {
      return {data.data() + t * width, static_cast<std::size_t>(width)};
    }
  };

  Rows forward_llama(std::span<const std::int32_t> tokens);
  Rows forward_phi3(std::span<const std::int32_t> tokens);
  Rows forward_qwen3moe(std::span<const std::int32_t> tokens);
  Rows forward_qwen35(std::span<const std::int32_t> tokens);
  Rows forward_gemma(std::span<const std::int32_t> tokens);
  Rows forward_gemma4(std::span<const std::int32_t> tokens);
  // gemma4 E2B/E4B: every layer's per-layer input, n_layer slices per token; x: the scaled
  // token embeddings.
  Rows per_layer_inputs(std::span<const std::int32_t> tokens, const Rows& x) const;
  Rows forward_mistral3(std::span<const std::int32_t> tokens);
  Rows forward_smollm3(std::span<const std::int32_t> tokens);
  Rows forward_granite(std::span<const std::int32_t> tokens);

  // The named steps the forward functions are made of.
  Rows embed(std::span<const std::int32_t> tokens) const;
  Rows norm(const Rows& x, model::TensorRef weight) const;
  Rows project(model::TensorRef w, const Rows& x) const;
  // The same for a matrix view (an expert's slice of a 3-D tensor).
  Rows project(const quant::MatrixView& m, const Rows& x) const;
  static Rows columns(const Rows& x, std::int64_t first, std::int64_t width);
  void add_bias(Rows& x, model::TensorRef bias) const;
  void head_norm(Rows& x, std::int64_t n_heads, model::TensorRef weight) const;
  // RoPE at the batch's positions with layer il's parameters (HParams::layer_rope).
  void rope(Rows& x, std::int64_t n_heads, std::int64_t layer) const;
  // Each query row times its position's attention temperature (model::attn_temperature).
  void temperature(Rows& q) const;
  static void scale_rows(Rows& x, float factor);
  struct Qkv {
    Rows q, k, v;
  };
  // Q, K and V of the llama block from the normalized input h: the projections, their optional
  // biases (qwen2) and per-head norms (qwen3, gemma3), before RoPE.
  Qkv project_qkv(const model::LayerWeights& L, const Rows& h) const;
  Rows attend(std::int64_t layer, const Rows& q, const Rows& k, const Rows& v);
  // How a layer's attention turns its queries and keys where the llama variants differ (the
  // GPU's llm::LayerRope): by RoPE, except on smollm3's NoPE layers (HParams::has_rope), and
  // then, in mistral3, each query times its position's attention temperature.
  struct LayerRope {
    bool rotate = true;
    bool temperature = false;
  };
  // RoPE on q and k as `rotation` says, then attend.
  Rows rope_and_attend(std::int64_t layer, Rows q, Rows k, const Rows& v, LayerRope rotation);
  // project_qkv, rope_and_attend, the output projection and its optional bias (gpt-oss).
  Rows self_attention(std::int64_t layer, const model::LayerWeights& L, const Rows& h,
                      LayerRope rotation);
  static Rows swiglu(const Rows& gate, const Rows& up);
  Rows geglu(const Rows& gate, const Rows& up) const;
  Rows moe_ffn(const model::LayerWeights& L, const Rows& x) const;
  Rows gated_attention(std::int64_t layer, const model::LayerWeights& L, const Rows& h);
  Rows delta_net(std::int64_t layer, const model::LayerWeights& L, const Rows& h);
  // The llama block's feed-forward: down(silu(gate(h)) * up(h)).
  Rows dense_ffn(const model::LayerWeights& L, const Rows& h) const;
  Rows shared_expert_moe_ffn(const model::LayerWeights& L, const Rows& h) const;
  static void add_to(Rows& x, const Rows& y);
  Rows logits(const Rows& x) const;

  const model::ModelSpec& spec_;
  std::int64_t n_ctx_;
  KvPrecision kv_;
  Rounding rounding_;
  std::int64_t pos_ = 0;
  std::vector<float> rope_freqs_;  // empty unless the model has them
  // Per layer: n_ctx rows of its K and V widths (empty for a layer reading another's cache).
  std::vector<std::vector<float>> k_cache_, v_cache_;
  // Per recurrent layer (empty for the others): the convolution's last d_conv - 1 inputs and the
  // delta net's per-head states (ref_delta_net.h's layouts).
  std::vector<std::vector<float>> conv_state_, delta_state_;
};

}  // namespace vkchat::ref
