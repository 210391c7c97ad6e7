// The llama-family transformer, recorded op by op. Pre-norm blocks: RMSNorm, attention with
// RoPE over the KV cache, residual add; RMSNorm, SwiGLU feed-forward, residual add. Each residual
// add is fused with the RMSNorm that follows it. The architectures differ only in which optional
// weights exist: Q/K/V biases (qwen2), per-head Q/K norms (qwen3), NeoX RoPE (qwen2, qwen3,
// phi3: in the RoPE table's parameters), fused QKV and gate|up (phi3: row views, see
// device_weights.h), a tied output (the output view is token_embd). With llama.cpp's rounding
// each product reads its input through an ops::RoundedInput: one per value of the input.
#include "llm/forward_family.h"
#include "llm/forward_steps.h"

namespace vkchat::llm {

void record_forward_llama(ops::Ops& ops, const model::HParams& hp, const DeviceWeights& w,
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

    // Feed-forward: down(silu(gate(xn)) * up(xn)).
    feed_forward(ops, L, s, t, rounding);
    ops.add_rmsnorm(t.x, t.proj, t.x, next_norm(w, il), t.xn, eps);  // x += ffn; xn = next norm
  }
}

}  // namespace vkchat::llm
