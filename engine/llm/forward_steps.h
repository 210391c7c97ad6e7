// Steps more than one family's forward pass records the same way (forward_<family>.cpp).
#pragma once
#include <cstdint>

#include "llm/forward.h"

namespace vkchat::llm {

// Layer il's attention parameters: the family's scale (HParams::attention_scale), the layer's
// window (sliding-window layers), the score soft-cap, and where llama.cpp's graph scales the
// query ahead of attention (phi3, gemma), so that rounding like llama.cpp rounds that query.
ops::AttentionShape layer_attention_shape(const model::HParams& hp, std::int64_t il,
                                          ForwardRounding rounding);

// attn = softmax(q K^T * scale) V over layer il's cache rows (causal, windowed where the layer
// is), in calls of at most attn_tokens queries so the partial results fit the scratch.
void attend(ops::Ops& ops, const model::HParams& hp, std::int64_t il, const KvCache& kv,
            const Scratch& s, const ops::Tensor& q, const ops::Tensor& attn, std::int64_t pos0,
            ForwardRounding rounding);

}  // namespace vkchat::llm
