// smollm3 (SmolLM3): the llama block, without RoPE on every fourth layer (NoPE: those layers
// see order only through the causal mask; model::HParams::has_rope says which).
#include "llm/forward_family.h"
#include "llm/forward_steps.h"

namespace vkchat::llm {

void record_forward_smollm3(ops::Ops& ops, const model::HParams& hp, const DeviceWeights& w,
                            const KvCache& kv, const Scratch& s, const ops::Positions& pos,
                            std::int64_t n_tok, ForwardRounding rounding) {
  const PassTensors t = pass_tensors(s, n_tok);
  const float eps = hp.rms_eps;

  ops.embedding(w.token_embd, t.ids, t.x);
  ops.rmsnorm(t.x, w.layers[0].attn_norm, t.xn, eps);
  for (std::size_t il = 0; il < w.layers.size(); ++il) {
    const LayerTensors& L = w.layers[il];

    const LayerRope rope =
        hp.has_rope(static_cast<std::int64_t>(il)) ? rope_by(s.rope) : LayerRope{};
    self_attention(ops, hp, L, kv, il, s, t, pos, rounding, rope);
    ops.add_rmsnorm(t.x, t.proj, t.x, L.ffn_norm, t.xn, eps);

    feed_forward(ops, L, s, t, rounding);
    ops.add_rmsnorm(t.x, t.proj, t.x, next_norm(w, il), t.xn, eps);
  }
}

}  // namespace vkchat::llm
