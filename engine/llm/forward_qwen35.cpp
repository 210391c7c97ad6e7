// Qwen 3.5 (qwen35), recorded op by op in the order of RefForward::forward_qwen35 (llama.cpp's
// src/models/qwen35.cpp). Pre-norm blocks; the mixer is a gated delta net on most layers and a
// gated full attention on every full_attention_interval-th; then the dense SwiGLU feed-forward.
// The mixer is qwen35_mixer (forward_steps.h), which qwen35moe shares. The session zeroes the
// recurrent state before a pass at position 0 (KvCache::record_reset).
#include "llm/forward_family.h"
#include "llm/forward_steps.h"

namespace vkchat::llm {

void record_forward_qwen35(ops::Ops& ops, const model::HParams& hp, const DeviceWeights& w,
                           const KvCache& kv, const Scratch& s, const ops::Positions& pos,
                           std::int64_t n_tok, ForwardRounding rounding) {
  const PassTensors t = pass_tensors(s, n_tok);
  const float eps = hp.rms_eps;

  ops.embedding(w.token_embd, t.ids, t.x);
  ops.rmsnorm(t.x, w.layers[0].attn_norm, t.xn, eps);
  for (std::size_t il = 0; il < w.layers.size(); ++il) {
    const LayerTensors& L = w.layers[il];

    qwen35_mixer(ops, hp, L, kv, il, s, t, pos, rounding);     // t.proj = delta net or attention
    ops.add_rmsnorm(t.x, t.proj, t.x, L.ffn_norm, t.xn, eps);  // x += mixer; xn = norm(x)

    feed_forward(ops, L, s, t, rounding);  // down(silu(gate(xn)) * up(xn))
    ops.add_rmsnorm(t.x, t.proj, t.x, next_norm(w, il), t.xn, eps);  // x += ffn; xn = next norm
  }
}

}  // namespace vkchat::llm
