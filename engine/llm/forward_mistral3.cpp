// mistral3 (Ministral 3): the llama block with YaRN, which lives in the RoPE tables' parameters,
// and the attention temperature: each query is scaled by 1 + s ln(1 + floor(pos / n_orig)) after
// RoPE. The scale is folded into the queries' own RoPE table (Scratch::rope_q; RoPE is linear in
// cos and sin and mistral3 rotates whole heads), so the queries turn and scale in one op.
#include "llm/forward_family.h"
#include "llm/forward_steps.h"

namespace vkchat::llm {

void record_forward_mistral3(ops::Ops& ops, const model::HParams& hp, const DeviceWeights& w,
                             const KvCache& kv, const Scratch& s, std::int64_t pos0,
                             std::int64_t n_tok, ForwardRounding rounding) {
  const PassTensors t = pass_tensors(s, n_tok);
  const float eps = hp.rms_eps;
  const int n_head = static_cast<int>(hp.n_head), n_head_kv = static_cast<int>(hp.n_head_kv);
  const int head_dim = static_cast<int>(hp.head_dim);

  ops.embedding(w.token_embd, t.ids, t.x);
  ops.rmsnorm(t.x, w.layers[0].attn_norm, t.xn, eps);
  for (std::size_t il = 0; il < w.layers.size(); ++il) {
    const LayerTensors& L = w.layers[il];

    // Self-attention: YaRN RoPE, the queries also scaled by their temperature.
    project_qkv(ops, hp, L, s, t, rounding);
    ops.rope(t.q, n_head, head_dim, pos0, s.query_rope());
    ops.rope(t.k, n_head_kv, head_dim, pos0, s.rope);
    attend(ops, hp, kv, il, s, t, pos0, rounding);
    ops.linear(L.wo, rounded_input(ops, s, t.attn, rounding).for_weight(L.wo), t.proj);
    ops.add_rmsnorm(t.x, t.proj, t.x, L.ffn_norm, t.xn, eps);

    feed_forward(ops, L, s, t, rounding);
    ops.add_rmsnorm(t.x, t.proj, t.x, next_norm(w, il), t.xn, eps);
  }
}

}  // namespace vkchat::llm
