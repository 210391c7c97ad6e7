// Qwen 3.5 (qwen35), recorded op by op in the order of RefForward::forward_qwen35 (llama.cpp's
// src/models/qwen35.cpp). Pre-norm blocks; the mixer is a gated delta net on most layers and a
// gated full attention on every full_attention_interval-th; then the dense SwiGLU feed-forward.
// - Delta net: Q, K, V projected side by side, the causal convolution over the layer's rolling
//   window, the gates, the delta rule token by token over the layer's state (both kept in the
//   KvCache, updated in place), the per-head RMSNorm times silu(z), the output projection.
// - Full attention: the queries and their output gate (attn_q's rows regrouped on upload,
//   device_weights.h), per-head Q/K norms, M-RoPE (the RoPE table holds the text positions'
//   sections), attention over the cache, times sigmoid(gate), the output projection.
// A pass starting at position 0 first zeroes the recurrent state.
#include "llm/forward_family.h"

namespace vkchat::llm {

void record_forward_qwen35(ops::Ops& ops, const model::HParams& hp, const DeviceWeights& w,
                           const KvCache& kv, const Scratch& s, std::int64_t pos0,
                           std::int64_t n_tok, ForwardRounding rounding) {
  auto first = [n_tok](const ops::Tensor& t) { return t.row_range(0, n_tok); };
  ops::Tensor ids = s.ids;
  ids.ne[0] = n_tok;
  const ops::Tensor x = first(s.x), xn = first(s.xn), q = first(s.q), gate = first(s.gate),
                    k = first(s.k), v = first(s.v), attn = first(s.attn), proj = first(s.proj),
                    ffn = first(s.ffn), ffn_tmp = first(s.ffn_tmp);
  const ops::Tensor qkv = first(s.delta.qkv), conv = first(s.delta.conv), z = first(s.delta.z),
                    o = first(s.delta.o), alpha = first(s.delta.alpha),
                    beta_raw = first(s.delta.beta_raw), g = first(s.delta.g),
                    beta = first(s.delta.beta);
  const float eps = hp.rms_eps;
  const int n_head = static_cast<int>(hp.n_head), n_head_kv = static_cast<int>(hp.n_head_kv);
  const int head_dim = static_cast<int>(hp.head_dim);
  const model::DeltaNetParams& d = hp.delta;
  const ops::Ops::DeltaShape delta_shape{static_cast<int>(d.head_dim),
                                         static_cast<int>(d.n_k_heads),
                                         static_cast<int>(d.n_v_heads), eps};
  auto input = [&](const ops::Tensor& t) {
    return ops::RoundedInput(ops, t, s.xq, rounding.llama_cpp);
  };

  if (pos0 == 0) kv.record_reset(ops.command_buffer());
  ops.embedding(w.token_embd, ids, x);
  ops.rmsnorm(x, w.layers[0].attn_norm, xn, eps);
  for (std::size_t il = 0; il < w.layers.size(); ++il) {
    const LayerTensors& L = w.layers[il];
    const auto layer = static_cast<std::int64_t>(il);

    if (L.delta) {  // Gated delta net.
      const LayerTensors::DeltaNet& D = *L.delta;
      ops::RoundedInput h = input(xn);
      ops.linear(D.wqkv, h.for_weight(D.wqkv), qkv);
      ops.linear(D.z, h.for_weight(D.z), z);
      ops.linear(D.beta, h.for_weight(D.beta), beta_raw);
      ops.linear(D.alpha, h.for_weight(D.alpha), alpha);
      ops.delta_conv(qkv, D.conv, kv.conv_window(layer), conv);
      ops.delta_gates(alpha, beta_raw, D.dt_bias, D.a, g, beta);
      ops.delta_step(conv, delta_shape, g, beta, kv.delta_state(layer), o);
      ops.head_rmsnorm(o, static_cast<int>(d.n_v_heads), D.norm, eps);
      ops.mul_silu(o, z, o);  // o = rmsnorm(o) * norm * silu(z)
      ops.linear(D.out, input(o).for_weight(D.out), proj);
    } else {  // Gated full attention.
      ops::RoundedInput h = input(xn);
      ops.linear(L.wq, h.for_weight(L.wq), q);
      ops.linear(*L.q_gate, h.for_weight(*L.q_gate), gate);
      ops.linear(L.wk, h.for_weight(L.wk), k);
      ops.linear(L.wv, h.for_weight(L.wv), v);
      ops.head_rmsnorm(q, n_head, *L.q_norm, eps);
      ops.head_rmsnorm(k, n_head_kv, *L.k_norm, eps);
      ops.rope(q, n_head, head_dim, pos0, s.rope);
      ops.rope(k, n_head_kv, head_dim, pos0, s.rope);
      ops.kv_write(k, v, kv.k(layer), kv.v(layer), pos0);
      attend(ops, hp, kv.k(layer), kv.v(layer), s, q, attn, pos0, rounding);
      ops.mul_sigmoid(attn, gate, attn);
      ops.linear(L.wo, input(attn).for_weight(L.wo), proj);
    }
    ops.add_rmsnorm(x, proj, x, L.ffn_norm, xn, eps);  // x += mixer; xn = post_attention_norm(x)

    // Feed-forward: down(silu(gate(xn)) * up(xn)).
    ops.linear_swiglu(L.ffn_gate, L.ffn_up, input(xn).for_weight(L.ffn_gate), ffn, ffn_tmp);
    ops.linear(L.ffn_down, input(ffn).for_weight(L.ffn_down), proj);
    const ops::Tensor& next_norm =
        il + 1 < w.layers.size() ? w.layers[il + 1].attn_norm : w.output_norm;
    ops.add_rmsnorm(x, proj, x, next_norm, xn, eps);  // x += feed-forward; xn = next norm(x)
  }
}

}  // namespace vkchat::llm
