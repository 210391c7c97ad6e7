// The llama-family transformer, recorded op by op. Pre-norm blocks: RMSNorm, attention with
// RoPE over the KV cache, residual add; RMSNorm, SwiGLU feed-forward, residual add. Each residual
// add is fused with the RMSNorm that follows it. The architectures differ only in which optional
// weights exist: Q/K/V biases (qwen2), per-head Q/K norms (qwen3), NeoX RoPE (qwen2, qwen3,
// phi3: in the RoPE table's parameters), fused QKV and gate|up (phi3: row views, see
// device_weights.h), a tied output (the output view is token_embd). With llama.cpp's rounding
// each product reads its input through an ops::RoundedInput: one per value of the input.
#include "llm/forward_family.h"

namespace vkchat::llm {

void record_forward_llama(ops::Ops& ops, const model::HParams& hp, const DeviceWeights& w,
                          const KvCache& kv, const Scratch& s, std::int64_t pos0,
                          std::int64_t n_tok, ForwardRounding rounding) {
  auto first = [n_tok](const ops::Tensor& t) { return t.row_range(0, n_tok); };
  ops::Tensor ids = s.ids;
  ids.ne[0] = n_tok;
  const ops::Tensor x = first(s.x), xn = first(s.xn), q = first(s.q), k = first(s.k),
                    v = first(s.v), attn = first(s.attn), proj = first(s.proj), ffn = first(s.ffn),
                    ffn_tmp = first(s.ffn_tmp);
  const float eps = hp.rms_eps;
  const int n_head = static_cast<int>(hp.n_head), n_head_kv = static_cast<int>(hp.n_head_kv);
  const int head_dim = static_cast<int>(hp.head_dim);
  // A product's input as llama.cpp would see it (itself when rounding is off).
  auto input = [&](const ops::Tensor& t) {
    return ops::RoundedInput(ops, t, s.xq, rounding.llama_cpp);
  };

  ops.embedding(w.token_embd, ids, x);
  ops.rmsnorm(x, w.layers[0].attn_norm, xn, eps);
  for (std::size_t il = 0; il < w.layers.size(); ++il) {
    const LayerTensors& L = w.layers[il];

    // Self-attention.
    ops::RoundedInput h = input(xn);
    ops.linear(L.wq, h.for_weight(L.wq), q);
    ops.linear(L.wk, h.for_weight(L.wk), k);
    ops.linear(L.wv, h.for_weight(L.wv), v);
    if (L.bq) ops.add_bias(q, *L.bq);
    if (L.bk) ops.add_bias(k, *L.bk);
    if (L.bv) ops.add_bias(v, *L.bv);
    if (L.q_norm) ops.head_rmsnorm(q, n_head, *L.q_norm, eps);
    if (L.k_norm) ops.head_rmsnorm(k, n_head_kv, *L.k_norm, eps);
    ops.rope(q, n_head, head_dim, pos0, s.rope);
    ops.rope(k, n_head_kv, head_dim, pos0, s.rope);
    ops.kv_write(k, v, kv.k(il), kv.v(il), pos0);
    attend(ops, hp, kv.k(il), kv.v(il), s, q, attn, pos0, rounding);
    ops.linear(L.wo, input(attn).for_weight(L.wo), proj);
    ops.add_rmsnorm(x, proj, x, L.ffn_norm, xn, eps);  // x += attention; xn = ffn_norm(x)

    // Feed-forward: down(silu(gate(xn)) * up(xn)).
    ops.linear_swiglu(L.ffn_gate, L.ffn_up, input(xn).for_weight(L.ffn_gate), ffn, ffn_tmp);
    ops.linear(L.ffn_down, input(ffn).for_weight(L.ffn_down), proj);
    const ops::Tensor& next_norm =
        il + 1 < w.layers.size() ? w.layers[il + 1].attn_norm : w.output_norm;
    ops.add_rmsnorm(x, proj, x, next_norm, xn, eps);  // x += feed-forward; xn = next norm(x)
  }
}

}  // namespace vkchat::llm
