// The forward pass of each architecture family, one function per forward_<family>.cpp, all with
// record_forward's contract (llm/forward.h). record_forward picks one by HParams::arch; a new
// family adds its function here and its case there.
#pragma once
#include <cstdint>

#include "llm/forward.h"

namespace vkchat::llm {

// llama, qwen2, qwen3, phi3: pre-norm blocks, RoPE attention over the cache, SwiGLU.
void record_forward_llama(ops::Ops& ops, const model::HParams& hp, const DeviceWeights& w,
                          const KvCache& kv, const Scratch& s, const ops::Positions& pos,
                          std::int64_t n_tok, ForwardRounding rounding);

// gemma2, gemma3: scaled embeddings, post-norms, sliding-window layers, GELU-gated feed-forward.
void record_forward_gemma(ops::Ops& ops, const model::HParams& hp, const DeviceWeights& w,
                          const KvCache& kv, const Scratch& s, const ops::Positions& pos,
                          std::int64_t n_tok, ForwardRounding rounding);
// gemma4 (dense): gemma3's block with per-layer head sizes, K-as-V layers, weightless V norm,
// shared-KV layers and the layer output scale.
void record_forward_gemma4(ops::Ops& ops, const model::HParams& hp, const DeviceWeights& w,
                           const KvCache& kv, const Scratch& s, const ops::Positions& pos,
                           std::int64_t n_tok, ForwardRounding rounding);

// mistral3: llama with YaRN and the attention temperature on the queries.
void record_forward_mistral3(ops::Ops& ops, const model::HParams& hp, const DeviceWeights& w,
                             const KvCache& kv, const Scratch& s, const ops::Positions& pos,
                             std::int64_t n_tok, ForwardRounding rounding);

// smollm3: llama without RoPE on every fourth layer.
void record_forward_smollm3(ops::Ops& ops, const model::HParams& hp, const DeviceWeights& w,
                            const KvCache& kv, const Scratch& s, const ops::Positions& pos,
                            std::int64_t n_tok, ForwardRounding rounding);

// granite: llama with the embedding, attention, residual and logit multipliers.
void record_forward_granite(ops::Ops& ops, const model::HParams& hp, const DeviceWeights& w,
                            const KvCache& kv, const Scratch& s, const ops::Positions& pos,
                            std::int64_t n_tok, ForwardRounding rounding);

// qwen3moe: qwen3's attention; each feed-forward a mixture of experts, routed on the device.
void record_forward_qwen3moe(ops::Ops& ops, const model::HParams& hp, const DeviceWeights& w,
                             const KvCache& kv, const Scratch& s, const ops::Positions& pos,
                             std::int64_t n_tok, ForwardRounding rounding);

// qwen35: gated delta-net layers (recurrent state in the cache, zeroed at position 0) and every
// full_attention_interval-th a gated full attention with M-RoPE; SwiGLU.
void record_forward_qwen35(ops::Ops& ops, const model::HParams& hp, const DeviceWeights& w,
                           const KvCache& kv, const Scratch& s, const ops::Positions& pos,
                           std::int64_t n_tok, ForwardRounding rounding);
// qwen35moe: qwen35's blocks with a mixture of experts plus a gated shared expert as each
// feed-forward.
void record_forward_qwen35moe(ops::Ops& ops, const model::HParams& hp, const DeviceWeights& w,
                              const KvCache& kv, const Scratch& s, const ops::Positions& pos,
                              std::int64_t n_tok, ForwardRounding rounding);

}  // namespace vkchat::llm
