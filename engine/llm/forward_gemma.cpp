// The Gemma 2 / Gemma 3 transformer, recorded op by op (ref::RefForward::forward_gemma is the
// same on the CPU). Token embeddings are scaled by sqrt(n_embd). Each block: RMSNorm, attention
// (gemma3: per-head Q/K norms) with the layer's RoPE (sliding-window layers have their own
// table) over its window of the cache, RMSNorm of the attention's output, residual add; RMSNorm,
// GELU-gated feed-forward, RMSNorm of its output, residual add. Each residual add is fused with
// the RMSNorm that follows it. gemma2's soft-caps are in attend (scores, HParams::attn_softcap)
// and record_logits (HParams::final_softcap).
#include "llm/forward_family.h"
#include "llm/forward_steps.h"

namespace vkchat::llm {

void record_forward_gemma(ops::Ops& ops, const model::HParams& hp, const DeviceWeights& w,
                          const KvCache& kv, const Scratch& s, std::int64_t pos0,
                          std::int64_t n_tok, ForwardRounding rounding) {
  const PassTensors t = pass_tensors(s, n_tok);
  const ops::Tensor &ids = t.ids, &x = t.x, &xn = t.xn, &q = t.q, &k = t.k, &v = t.v,
                    &attn = t.attn, &proj = t.proj, &ffn = t.ffn, &ffn_tmp = t.ffn_tmp;
  const float eps = hp.rms_eps;
  const int n_head = static_cast<int>(hp.n_head), n_head_kv = static_cast<int>(hp.n_head_kv);
  const int head_dim = static_cast<int>(hp.head_dim);
  auto input = [&](const ops::Tensor& t) {
    return ops::RoundedInput(ops, t, s.xq, rounding.llama_cpp);
  };

  ops.embedding(w.token_embd, ids, x);
  ops.scale(x, hp.embd_scale);
  ops.rmsnorm(x, w.layers[0].attn_norm, xn, eps);
  for (std::size_t il = 0; il < w.layers.size(); ++il) {
    const LayerTensors& L = w.layers[il];
    const auto layer = static_cast<std::int64_t>(il);

    // Self-attention.
    ops::RoundedInput h = input(xn);
    ops.linear(L.wq, h.for_weight(L.wq), q);
    ops.linear(L.wk, h.for_weight(L.wk), k);
    ops.linear(L.wv, h.for_weight(L.wv), v);
    if (L.q_norm) ops.head_rmsnorm(q, n_head, *L.q_norm, eps);
    if (L.k_norm) ops.head_rmsnorm(k, n_head_kv, *L.k_norm, eps);
    const ops::RopeTable& rope = hp.swa.is_swa(layer) ? s.rope_swa : s.rope;
    ops.rope(q, n_head, head_dim, pos0, rope);
    ops.rope(k, n_head_kv, head_dim, pos0, rope);
    attend(ops, hp, kv, il, s, t, pos0, rounding);
    ops.linear(L.wo, input(attn).for_weight(L.wo), proj);
    ops.rmsnorm(proj, *L.attn_post_norm, proj, eps);
    ops.add_rmsnorm(x, proj, x, L.ffn_norm, xn, eps);  // x += attention; xn = ffn_norm(x)

    // Feed-forward: down(gelu(gate(xn)) * up(xn)).
    ops::RoundedInput f = input(xn);
    ops.linear(L.ffn_gate, f.for_weight(L.ffn_gate), ffn);
    ops.linear(L.ffn_up, f.for_weight(L.ffn_up), ffn_tmp);
    ops.geglu(ffn, ffn_tmp, ffn, rounding.llama_cpp);
    ops.linear(L.ffn_down, input(ffn).for_weight(L.ffn_down), proj);
    ops.rmsnorm(proj, *L.ffn_post_norm, proj, eps);
    const ops::Tensor& next_norm =
        il + 1 < w.layers.size() ? w.layers[il + 1].attn_norm : w.output_norm;
    ops.add_rmsnorm(x, proj, x, next_norm, xn, eps);  // x += feed-forward; xn = next norm(x)
  }
}

}  // namespace vkchat::llm
