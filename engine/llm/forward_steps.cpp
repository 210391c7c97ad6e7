// The shared steps of the forward passes.
#include "llm/forward_steps.h"

#include <algorithm>

namespace vkchat::llm {

ops::AttentionShape layer_attention_shape(const model::HParams& hp, std::int64_t il,
                                          ForwardRounding rounding) {
  const bool q_scaled_first = hp.arch == model::Arch::Phi3 || hp.arch == model::Arch::Gemma2 ||
                              hp.arch == model::Arch::Gemma3;
  ops::AttentionShape shape{static_cast<int>(hp.n_head),
                            static_cast<int>(hp.n_head_kv),
                            static_cast<int>(hp.head_dim),
                            hp.attention_scale(),
                            rounding.llama_cpp,
                            q_scaled_first};
  shape.window = hp.layer_window(il);
  shape.softcap = hp.attn_softcap;
  return shape;
}

void attend(ops::Ops& ops, const model::HParams& hp, std::int64_t il, const KvCache& kv,
            const Scratch& s, const ops::Tensor& q, const ops::Tensor& attn, std::int64_t pos0,
            ForwardRounding rounding) {
  const ops::AttentionShape shape = layer_attention_shape(hp, il, rounding);
  const std::int64_t step = s.shape().attn_tokens;
  for (std::int64_t t0 = 0; t0 < q.rows(); t0 += step) {
    const std::int64_t m = std::min(step, q.rows() - t0);
    ops.attention(q.row_range(t0, m), kv.k(il), kv.v(il), attn.row_range(t0, m), shape, pos0 + t0,
                  s.attn_partials);
  }
}

}  // namespace vkchat::llm
