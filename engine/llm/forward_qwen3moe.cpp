// The qwen3moe transformer (llama.cpp's src/models/qwen3moe.cpp), recorded op by op: qwen3's
// pre-norm attention blocks; each feed-forward a mixture of experts. The router's logits, the
// routing (softmax, top-k, renormalized weights) and the chosen experts' ids stay on the
// device: the by-id kernels read the ids and only those experts' rows, so a decode step is one
// submit with no host round trip. Prefill runs the same by-id matrix x vector per token and slot
// (one pass over an expert per slot); a grouped matrix x matrix is a later step.
#include "llm/forward_family.h"
#include "llm/forward_steps.h"

namespace vkchat::llm {

void record_forward_qwen3moe(ops::Ops& ops, const model::HParams& hp, const DeviceWeights& w,
                             const KvCache& kv, const Scratch& s, const ops::Positions& pos,
                             std::int64_t n_tok, ForwardRounding rounding) {
  const PassTensors t = pass_tensors(s, n_tok);
  const float eps = hp.rms_eps;

  ops.embedding(w.token_embd, t.ids, t.x);
  ops.rmsnorm(t.x, w.layers[0].attn_norm, t.xn, eps);
  for (std::size_t il = 0; il < w.layers.size(); ++il) {
    const LayerTensors& L = w.layers[il];

    self_attention(ops, hp, L, kv, il, s, t, pos, rounding, rope_by(s.rope));
    ops.add_rmsnorm(t.x, t.proj, t.x, L.ffn_norm, t.xn, eps);  // x += attention; xn = ffn_norm(x)

    moe_feed_forward(ops, hp, L, s, t, rounding);
    ops.add_rmsnorm(t.x, t.proj, t.x, next_norm(w, il), t.xn, eps);  // x += experts; xn = next
  }
}

}  // namespace vkchat::llm
