// The Gemma 4 (dense) transformer, recorded op by op (ref::RefForward::forward_gemma4 is the
// same on the CPU; llama.cpp's src/models/gemma4.cpp). gemma3's block, with each layer's own
// head count and head size (the scratch's q/k/v/attn rows narrowed to them): Q and K RMS-normed
// per head with weights, V per head without (V is K's projection where the layer has no attn_v:
// DeviceWeights gives wk as wv); attention scale 1; the layer kind's RoPE table (the full layers'
// carries the proportional rope_freqs); layers past n_layer_kv attend over an earlier layer's
// cache and compute no K or V; after the feed-forward's residual add the stream is scaled by
// layer_output_scale. The final soft-cap is in record_logits.
#include "llm/forward_family.h"
#include "llm/forward_steps.h"

namespace vkchat::llm {

void record_forward_gemma4(ops::Ops& ops, const model::HParams& hp, const DeviceWeights& w,
                           const KvCache& kv, const Scratch& s, std::int64_t pos0,
                           std::int64_t n_tok, ForwardRounding rounding) {
  const PassTensors all = pass_tensors(s, n_tok);
  const ops::Tensor &x = all.x, &xn = all.xn, &proj = all.proj;
  const float eps = hp.rms_eps;
  auto input = [&](const ops::Tensor& t) { return rounded_input(ops, s, t, rounding); };

  ops.embedding(w.token_embd, all.ids, x);
  ops.scale(x, hp.embd_scale);
  ops.rmsnorm(x, w.layers[0].attn_norm, xn, eps);
  for (std::size_t il = 0; il < w.layers.size(); ++il) {
    const LayerTensors& L = w.layers[il];
    const auto layer = static_cast<std::int64_t>(il);
    const model::LayerAttention la = hp.layer_attention(layer);
    const int n_head = static_cast<int>(la.n_head), n_head_kv = static_cast<int>(la.n_head_kv);
    const int head_dim = static_cast<int>(la.head_dim);
    const PassTensors t = layer_pass_tensors(all, hp, layer);
    const ops::RopeTable& rope = hp.swa.is_swa(layer) ? s.rope_swa : s.rope;

    // Self-attention.
    ops::RoundedInput h = input(xn);
    ops.linear(L.wq, h.for_weight(L.wq), t.q);
    ops.head_rmsnorm(t.q, n_head, *L.q_norm, eps);
    ops.rope(t.q, n_head, head_dim, pos0, rope);
    if (hp.kv_layer(layer) == layer) {
      ops.linear(L.wk, h.for_weight(L.wk), t.k);
      ops.linear(L.wv, h.for_weight(L.wv), t.v);
      ops.head_rmsnorm(t.k, n_head_kv, *L.k_norm, eps);
      ops::Tensor ones = *w.ones;
      ones.ne[0] = head_dim;
      ops.head_rmsnorm(t.v, n_head_kv, ones, eps);
      ops.rope(t.k, n_head_kv, head_dim, pos0, rope);
    }
    attend(ops, hp, kv, il, s, t, pos0, rounding);
    project_output(ops, L, s, t, rounding);
    ops.rmsnorm(proj, *L.attn_post_norm, proj, eps);
    ops.add_rmsnorm(x, proj, x, L.ffn_norm, xn, eps);  // x += attention; xn = ffn_norm(x)

    gelu_feed_forward(ops, L, s, t, rounding);
    ops.rmsnorm(proj, *L.ffn_post_norm, proj, eps);
    if (L.out_scale == 1.f) {
      ops.add_rmsnorm(x, proj, x, next_norm(w, il), xn, eps);  // x += ffn; xn = next norm(x)
    } else {
      // The scale applies to the sum, before the next norm (which it would change only through
      // eps, but llama.cpp scales first).
      ops.add(x, proj, x);
      ops.scale(x, L.out_scale);
      ops.rmsnorm(x, next_norm(w, il), xn, eps);
    }
  }
}

}  // namespace vkchat::llm
