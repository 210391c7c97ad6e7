// granite (Granite 3.x): the llama block with multipliers: the embeddings times embd_scale,
// the file's attention scale (in attend, through HParams::attention_scale), each block's output
// times residual_scale before it joins the residual stream, and the logits divided by logit_scale.
// The last is applied to the final normalized rows, before the output projection that
// record_logits shares with every family: the projection is linear, and for a power-of-two
// scale (Granite 3.x's 8 and 16) the two orders give the same floats.
#include "llm/forward_family.h"
#include "llm/forward_steps.h"

namespace vkchat::llm {

void record_forward_granite(ops::Ops& ops, const model::HParams& hp, const DeviceWeights& w,
                            const KvCache& kv, const Scratch& s, const ops::Positions& pos,
                            std::int64_t n_tok, ForwardRounding rounding) {
  const PassTensors t = pass_tensors(s, n_tok);
  const float eps = hp.rms_eps;
  // A block's output joins the residual stream scaled.
  auto scale_residual = [&] {
    if (hp.residual_scale != 0.f) ops.scale(t.proj, hp.residual_scale);
  };

  ops.embedding(w.token_embd, t.ids, t.x);
  if (hp.embd_scale != 1.f) ops.scale(t.x, hp.embd_scale);
  ops.rmsnorm(t.x, w.layers[0].attn_norm, t.xn, eps);
  for (std::size_t il = 0; il < w.layers.size(); ++il) {
    const LayerTensors& L = w.layers[il];

    const LayerRope rope =
        hp.has_rope(static_cast<std::int64_t>(il)) ? rope_by(s.rope) : LayerRope{};
    self_attention(ops, hp, L, kv, il, s, t, pos, rounding, rope);
    scale_residual();
    ops.add_rmsnorm(t.x, t.proj, t.x, L.ffn_norm, t.xn, eps);

    feed_forward(ops, L, s, t, rounding);
    scale_residual();
    ops.add_rmsnorm(t.x, t.proj, t.x, next_norm(w, il), t.xn, eps);
  }
  ops.scale(t.xn, 1.0f / hp.logit_scale);  // logits / logit_scale
}

}  // namespace vkchat::llm
