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
                          const KvCache& kv, const Scratch& s, const ops::Positions& pos,
                          std::int64_t n_tok, ForwardRounding rounding) {
  const PassTensors t = pass_tensors(s, n_tok);
  const float eps = hp.rms_eps;

  ops.embedding(w.token_embd, t.ids, t.x);
  ops.scale(t.x, hp.embd_scale);
  ops.rmsnorm(t.x, w.layers[0].attn_norm, t.xn, eps);
  for (std::size_t il = 0; il < w.layers.size(); ++il) {
    const LayerTensors& L = w.layers[il];
    const bool swa = hp.swa.is_swa(static_cast<std::int64_t>(il));

    self_attention(ops, hp, L, kv, il, s, t, pos, rounding, rope_by(swa ? s.rope_swa : s.rope));
    ops.rmsnorm(t.proj, *L.attn_post_norm, t.proj, eps);
    ops.add_rmsnorm(t.x, t.proj, t.x, L.ffn_norm, t.xn, eps);  // x += attention; xn = ffn_norm(x)

    gelu_feed_forward(ops, L, s, t, rounding);
    ops.rmsnorm(t.proj, *L.ffn_post_norm, t.proj, eps);
    ops.add_rmsnorm(t.x, t.proj, t.x, next_norm(w, il), t.xn, eps);  // x += ffn; xn = next norm
  }
}

}  // namespace vkchat::llm
