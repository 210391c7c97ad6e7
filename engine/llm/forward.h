// The forward pass as a sequence of recorded ops: record_forward picks the architecture's own
// (llm/forward_family.h), record_logits projects to the vocabulary.
#pragma once
#include <cstdint>

#include "llm/device_weights.h"
#include "llm/kv_cache.h"
#include "llm/scratch.h"
#include "model/hparams.h"
#include "ops/ops.h"

namespace vkchat::llm {

// How the pass rounds: exactly in float, or like llama.cpp's CPU backend (LoadOptions::
// llama_cpp_rounding): every matrix product's input rounded to its weight type's grid
// (ops::RoundedInput, into s.xq) and attention as ggml's flash attention rounds it.
struct ForwardRounding {
  bool llama_cpp = false;
};

// Records the transformer over n_tok tokens (ids already in s.ids) at positions pos0 ..
// pos0 + n_tok - 1, pos0 read on the device from pos.step (ops::Positions: one recording serves
// every first position before pos.end - n_tok + 1): their K and V enter the cache, and rows 0 ..
// n_tok - 1 of s.xn end up holding the final normalized hidden states, ready for record_logits.
// n_tok <= s.shape().max_tokens. A recurrent model's state must have been zeroed before a pass
// at position 0 (KvCache::record_reset).
void record_forward(ops::Ops& ops, const model::HParams& hp, const DeviceWeights& w,
                    const KvCache& kv, const Scratch& s, const ops::Positions& pos,
                    std::int64_t n_tok, ForwardRounding rounding);

// Records logits rows 0 .. n - 1 = output projection of s.xn rows first .. first + n - 1
// (n <= s.shape().logit_rows), soft-capped where the model says (HParams::final_softcap).
void record_logits(ops::Ops& ops, const model::HParams& hp, const DeviceWeights& w,
                   const Scratch& s, std::int64_t first, std::int64_t n, ForwardRounding rounding);

}  // namespace vkchat::llm
