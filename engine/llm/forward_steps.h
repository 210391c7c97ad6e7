// The steps the families' forward passes share (forward_<family>.cpp): the rows of the scratch
// one pass uses, the llama block's Q/K/V projections, RoPE (each layer's as its family's pass
// says: LayerRope) and attention over the cache, the output projection, and the SwiGLU and
// GELU-gated feed-forwards. Each records ops in order; none decides by architecture.
#pragma once
#include <cstdint>

#include "llm/device_weights.h"
#include "llm/forward.h"

namespace vkchat::llm {

// The first n_tok rows of each activation of the scratch (ids: its first n_tok ids).
struct PassTensors {
  ops::Tensor ids, x, xn, q, k, v, attn, proj, ffn, ffn_tmp;
};
PassTensors pass_tensors(const Scratch& s, std::int64_t n_tok);

// t with q, k, v, attn, ffn and ffn_tmp narrowed to layer il's widths where they vary by layer
// (gemma4, HParams::layer_attention and layer_n_ff): the same memory, its rows packed at the
// layer's width.
PassTensors layer_pass_tensors(const PassTensors& t, const model::HParams& hp, std::int64_t il);

// A product's input as llama.cpp would see it (itself when rounding is off); one per value of t.
ops::RoundedInput rounded_input(ops::Ops& ops, const Scratch& s, const ops::Tensor& t,
                                ForwardRounding rounding);

// q, k, v = projections of t.xn, plus the layer's optional biases (qwen2) and per-head norms
// (qwen3, gemma3); no RoPE. Returns t.xn as the products read it, for a caller that projects
// more from it (qwen35's output gate).
ops::RoundedInput project_qkv(ops::Ops& ops, const model::HParams& hp, const LayerTensors& L,
                              const Scratch& s, const PassTensors& t, ForwardRounding rounding);

// Layer il's attention parameters: the family's scale (HParams::attention_scale), the layer's
// window (sliding-window layers), the score soft-cap, and where llama.cpp's graph scales the
// query ahead of attention (phi3, gemma), so that rounding like llama.cpp rounds that query.
ops::AttentionShape layer_attention_shape(const model::HParams& hp, std::int64_t il,
                                          ForwardRounding rounding);

// Writes K and V at pos's positions into the layer's cache (unless it reads another layer's,
// HParams::kv_layer), then t.attn = softmax(q K^T * scale) V over
// the layer's cache rows (causal, windowed where the layer is; layer_attention_shape), in calls
// of at most attn_tokens queries so the partials fit the scratch.
void attend(ops::Ops& ops, const model::HParams& hp, const KvCache& kv, std::size_t layer,
            const Scratch& s, const PassTensors& t, const ops::Positions& pos,
            ForwardRounding rounding);

// Where a layer's self-attention turns its queries and keys, the tables their RoPE reads: the
// session's table for both (llama), the queries' own with the attention temperature folded in
// (mistral3, Scratch::query_rope), the sliding-window layers' table (gemma), or none on a layer
// without RoPE (smollm3's NoPE layers: both null). The family's pass chooses per layer.
struct LayerRope {
  const ops::RopeTable* q = nullptr;
  const ops::RopeTable* k = nullptr;
};
// Queries and keys both by `table`.
inline LayerRope rope_by(const ops::RopeTable& table) {
  return {&table, &table};
}

// RoPE on t.q and t.k as `rope` says, then attend: t.attn from the rotated queries over the
// cache with the rotated keys written into it.
void rope_and_attend(ops::Ops& ops, const model::HParams& hp, const KvCache& kv, std::size_t layer,
                     const Scratch& s, const PassTensors& t, const ops::Positions& pos,
                     ForwardRounding rounding, LayerRope rope);

// t.proj = the output projection of t.attn.
void project_output(ops::Ops& ops, const LayerTensors& L, const Scratch& s, const PassTensors& t,
                    ForwardRounding rounding);

// The llama block's self-attention: project_qkv, rope_and_attend, project_output (llama, qwen2,
// qwen3, phi3, qwen3moe, mistral3, smollm3, granite, gemma2, gemma3).
void self_attention(ops::Ops& ops, const model::HParams& hp, const LayerTensors& L,
                    const KvCache& kv, std::size_t layer, const Scratch& s, const PassTensors& t,
                    const ops::Positions& pos, ForwardRounding rounding, LayerRope rope);

// t.proj = down(silu(gate(t.xn)) * up(t.xn)).
void feed_forward(ops::Ops& ops, const LayerTensors& L, const Scratch& s, const PassTensors& t,
                  ForwardRounding rounding);

// t.proj = down(gelu(gate(t.xn)) * up(t.xn)) (gemma's feed-forward).
void gelu_feed_forward(ops::Ops& ops, const LayerTensors& L, const Scratch& s, const PassTensors& t,
                       ForwardRounding rounding);

// A Qwen 3.5 layer's mixer (qwen35, qwen35moe; RefForward::forward_qwen35), t.proj = on a
// recurrent layer the gated delta net: Q, K, V projected side by side, the causal convolution
// over the layer's rolling window, the gates, the delta rule token by token over the layer's
// state (both in the KvCache, updated in place), the per-head RMSNorm times silu(z), the output
// projection; on the others the gated full attention: the queries and their output gate
// (attn_q's rows regrouped on upload), per-head Q/K norms, M-RoPE, attention over the cache,
// times sigmoid(gate), the output projection.
void qwen35_mixer(ops::Ops& ops, const model::HParams& hp, const LayerTensors& L, const KvCache& kv,
                  std::size_t il, const Scratch& s, const PassTensors& t, const ops::Positions& pos,
                  ForwardRounding rounding);
// A mixture of experts (qwen3moe): t.proj = sum over each token's k chosen experts of its
// routing weight * down(silu(gate(t.xn)) * up(t.xn)). The router's logits, the routing and the
// chosen ids stay on the device; the by-id kernels read only the chosen experts' rows.
void moe_feed_forward(ops::Ops& ops, const model::HParams& hp, const LayerTensors& L,
                      const Scratch& s, const PassTensors& t, ForwardRounding rounding);
// The mixture plus a gated shared expert (qwen35moe, llama.cpp's build_layer_ffn): t.proj +=
// sigmoid(gate_inp_shexp . t.xn) * down_shexp(silu(gate_shexp(t.xn)) * up_shexp(t.xn)).
void moe_shared_feed_forward(ops::Ops& ops, const model::HParams& hp, const LayerTensors& L,
                             const Scratch& s, const PassTensors& t, ForwardRounding rounding);
// The norm after layer il: the next layer's attention norm, or the output norm after the last.
const ops::Tensor& next_norm(const DeviceWeights& w, std::size_t il);

}  // namespace vkchat::llm
