// Steps that several families' forward passes share (llm/forward_family.h), each recording a
// fixed sequence of ops on the scratch's first n_tok rows.
#pragma once
#include <cstddef>
#include <cstdint>

#include "llm/forward.h"

namespace vkchat::llm {

// Self-attention of layer il over the cache: q, k, v projections of s.xn (biases and per-head
// Q/K norms where the layer has them), RoPE, the new K and V into the cache, causal attention
// and the output projection into s.proj.
void record_self_attention(ops::Ops& ops, const model::HParams& hp, const LayerTensors& L,
                           const KvCache& kv, const Scratch& s, std::size_t il, std::int64_t pos0,
                           std::int64_t n_tok, ForwardRounding rounding);

}  // namespace vkchat::llm
