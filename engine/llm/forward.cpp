// Chooses each architecture's forward pass (forward_<family>.cpp) and records the steps the
// families share: attention over the cache and the output projection.
#include "llm/forward.h"

#include <algorithm>
#include <cmath>

#include "llm/forward_family.h"

namespace vkchat::llm {

void record_forward(ops::Ops& ops, const model::HParams& hp, const DeviceWeights& w,
                    const KvCache& kv, const Scratch& s, std::int64_t pos0, std::int64_t n_tok,
                    ForwardRounding rounding) {
  switch (hp.arch) {
    case model::Arch::Llama:
    case model::Arch::Qwen2:
    case model::Arch::Qwen3:
    case model::Arch::Phi3: return record_forward_llama(ops, hp, w, kv, s, pos0, n_tok, rounding);
    case model::Arch::Qwen35:
      return record_forward_qwen35(ops, hp, w, kv, s, pos0, n_tok, rounding);
    case model::Arch::Qwen3Moe:
    case model::Arch::Qwen35Moe: break;  // refused when the model is loaded (llm/model.cpp)
  }
}

// attn = softmax(q K^T / sqrt(head_dim)) V over cache rows 0 .. pos, causal, in calls of at most
// attn_tokens queries so the partial results fit the scratch.
void attend(ops::Ops& ops, const model::HParams& hp, const ops::Tensor& k_cache,
            const ops::Tensor& v_cache, const Scratch& s, const ops::Tensor& q,
            const ops::Tensor& attn, std::int64_t pos0, ForwardRounding rounding) {
  const ops::AttentionShape shape{static_cast<int>(hp.n_head),
                                  static_cast<int>(hp.n_head_kv),
                                  static_cast<int>(hp.head_dim),
                                  1.f / std::sqrt(static_cast<float>(hp.head_dim)),
                                  rounding.llama_cpp,
                                  hp.arch == model::Arch::Phi3};
  const std::int64_t step = s.shape().attn_tokens;
  for (std::int64_t t0 = 0; t0 < q.rows(); t0 += step) {
    const std::int64_t m = std::min(step, q.rows() - t0);
    ops.attention(q.row_range(t0, m), k_cache, v_cache, attn.row_range(t0, m), shape, pos0 + t0,
                  s.attn_partials);
  }
}

void record_logits(ops::Ops& ops, const DeviceWeights& w, const Scratch& s, std::int64_t first,
                   std::int64_t n, ForwardRounding rounding) {
  ops::RoundedInput in(ops, s.xn.row_range(first, n), s.xq, rounding.llama_cpp);
  ops.linear(w.output, in.for_weight(w.output), s.logits.row_range(0, n));
}

}  // namespace vkchat::llm
