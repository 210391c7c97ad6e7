// mistral3 (Ministral 3): the llama block with YaRN, which lives in the RoPE tables' parameters,
// and the attention temperature: each query is scaled by 1 + s ln(1 + floor(pos / n_orig)) after
// RoPE. The scale is folded into the queries' own RoPE table (Scratch::rope_q; RoPE is linear in
// cos and sin and mistral3 rotates whole heads), so the queries turn and scale in one op.
#include "llm/forward_family.h"
#include "llm/forward_steps.h"

namespace vkchat::llm {

void record_forward_mistral3(ops::Ops& ops, const model::HParams& hp, const DeviceWeights& w,
                             const KvCache& kv, const Scratch& s, const ops::Positions& pos,
                             std::int64_t n_tok, ForwardRounding rounding) {
  const PassTensors t = pass_tensors(s, n_tok);
  const float eps = hp.rms_eps;
  // YaRN RoPE on both; the queries' table also scales each by its temperature.
  const LayerRope rope{&s.query_rope(), &s.rope};

  ops.embedding(w.token_embd, t.ids, t.x);
  ops.rmsnorm(t.x, w.layers[0].attn_norm, t.xn, eps);
  for (std::size_t il = 0; il < w.layers.size(); ++il) {
    const LayerTensors& L = w.layers[il];

    self_attention(ops, hp, L, kv, il, s, t, pos, rounding, rope);
    ops.add_rmsnorm(t.x, t.proj, t.x, L.ffn_norm, t.xn, eps);

    feed_forward(ops, L, s, t, rounding);
    ops.add_rmsnorm(t.x, t.proj, t.x, next_norm(w, il), t.xn, eps);
  }
}

}  // namespace vkchat::llm
