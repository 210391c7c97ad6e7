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
#include "llm/forward_steps.h"

namespace vkchat::llm {

void record_forward_qwen35(ops::Ops& ops, const model::HParams& hp, const DeviceWeights& w,
                           const KvCache& kv, const Scratch& s, std::int64_t pos0,
                           std::int64_t n_tok, ForwardRounding rounding) {
  const PassTensors t = pass_tensors(s, n_tok);
  auto first = [n_tok](const ops::Tensor& x) { return x.row_range(0, n_tok); };
  const ops::Tensor gate = first(s.gate);
  const ops::Tensor qkv = first(s.delta.qkv), conv = first(s.delta.conv), z = first(s.delta.z),
                    o = first(s.delta.o), alpha = first(s.delta.alpha),
                    beta_raw = first(s.delta.beta_raw), g = first(s.delta.g),
                    beta = first(s.delta.beta);
  const float eps = hp.rms_eps;
  const model::DeltaNetParams& d = hp.delta;
  const ops::Ops::DeltaShape delta_shape{static_cast<int>(d.head_dim),
                                         static_cast<int>(d.n_k_heads),
                                         static_cast<int>(d.n_v_heads), eps};
  auto input = [&](const ops::Tensor& x) { return rounded_input(ops, s, x, rounding); };

  if (pos0 == 0) kv.record_reset(ops.command_buffer());
  ops.embedding(w.token_embd, t.ids, t.x);
  ops.rmsnorm(t.x, w.layers[0].attn_norm, t.xn, eps);
  for (std::size_t il = 0; il < w.layers.size(); ++il) {
    const LayerTensors& L = w.layers[il];
    const auto layer = static_cast<std::int64_t>(il);

    if (L.delta) {  // Gated delta net.
      const LayerTensors::DeltaNet& D = *L.delta;
      ops::RoundedInput h = input(t.xn);
      ops.linear(D.wqkv, h.for_weight(D.wqkv), qkv);
      ops.linear(D.z, h.for_weight(D.z), z);
      ops.linear(D.beta, h.for_weight(D.beta), beta_raw);
      ops.linear(D.alpha, h.for_weight(D.alpha), alpha);
      ops.delta_conv(qkv, D.conv, kv.conv_window(layer), conv);
      ops.delta_gates(alpha, beta_raw, D.dt_bias, D.a, g, beta);
      ops.delta_step(conv, delta_shape, g, beta, kv.delta_state(layer), o);
      ops.head_rmsnorm(o, static_cast<int>(d.n_v_heads), D.norm, eps);
      ops.mul_silu(o, z, o);  // o = rmsnorm(o) * norm * silu(z)
      ops.linear(D.out, input(o).for_weight(D.out), t.proj);
    } else {  // Gated full attention: the llama block's, its output times sigmoid(gate).
      ops::RoundedInput h = project_qkv(ops, hp, L, s, t, rounding);
      ops.linear(*L.q_gate, h.for_weight(*L.q_gate), gate);
      rope_and_attend(ops, hp, kv, il, s, t, pos0, rounding, rope_by(s.rope));
      ops.mul_sigmoid(t.attn, gate, t.attn);
      project_output(ops, L, s, t, rounding);
    }
    ops.add_rmsnorm(t.x, t.proj, t.x, L.ffn_norm, t.xn, eps);  // x += mixer; xn = norm(x)

    feed_forward(ops, L, s, t, rounding);  // down(silu(gate(xn)) * up(xn))
    ops.add_rmsnorm(t.x, t.proj, t.x, next_norm(w, il), t.xn, eps);  // x += ffn; xn = next norm
  }
}

}  // namespace vkchat::llm
