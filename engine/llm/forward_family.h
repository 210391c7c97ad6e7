// The forward pass of each architecture family, one function per forward_<family>.cpp, all with
// record_forward's contract (llm/forward.h). record_forward picks one by HParams::arch; a new
// family adds its function here and its case there.
#pragma once
#include <cstdint>

#include "llm/forward.h"

namespace vkchat::llm {

// llama, qwen2, qwen3, phi3: pre-norm blocks, RoPE attention over the cache, SwiGLU.
void record_forward_llama(ops::Ops& ops, const model::HParams& hp, const DeviceWeights& w,
                          const KvCache& kv, const Scratch& s, std::int64_t pos0,
                          std::int64_t n_tok, ForwardRounding rounding);

// qwen35: gated delta-net layers (recurrent state in the cache, zeroed at position 0) and every
// full_attention_interval-th a gated full attention with M-RoPE; SwiGLU.
void record_forward_qwen35(ops::Ops& ops, const model::HParams& hp, const DeviceWeights& w,
                           const KvCache& kv, const Scratch& s, std::int64_t pos0,
                           std::int64_t n_tok, ForwardRounding rounding);

// Steps the families share.
// attn = softmax(q K^T / sqrt(head_dim)) V over cache rows 0 .. pos, causal, in calls of at most
// attn_tokens queries so the partial results fit the scratch.
void attend(ops::Ops& ops, const model::HParams& hp, const ops::Tensor& k_cache,
            const ops::Tensor& v_cache, const Scratch& s, const ops::Tensor& q,
            const ops::Tensor& attn, std::int64_t pos0, ForwardRounding rounding);

}  // namespace vkchat::llm
