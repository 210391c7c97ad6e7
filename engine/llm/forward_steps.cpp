// The shared steps of the forward passes (llm/forward_steps.h).
#include "llm/forward_steps.h"

#include <algorithm>

namespace vkchat::llm {

PassTensors pass_tensors(const Scratch& s, std::int64_t n_tok) {
  auto first = [n_tok](const ops::Tensor& t) { return t.row_range(0, n_tok); };
  ops::Tensor ids = s.ids;
  ids.ne[0] = n_tok;
  return {ids,        first(s.x),    first(s.xn),   first(s.q),   first(s.k),
          first(s.v), first(s.attn), first(s.proj), first(s.ffn), first(s.ffn_tmp)};
}

PassTensors layer_pass_tensors(const PassTensors& t, const model::HParams& hp, std::int64_t il) {
  auto narrowed = [](const ops::Tensor& x, std::int64_t width) {
    ops::Tensor r = x;
    r.ne = {width, x.rows(), 1, 1};
    return r;
  };
  PassTensors r = t;
  r.q = narrowed(t.q, hp.layer_n_embd_q(il));
  r.k = narrowed(t.k, hp.layer_n_embd_k(il));
  r.v = narrowed(t.v, hp.layer_n_embd_v(il));
  r.attn = narrowed(t.attn, hp.layer_n_embd_q(il));
  r.ffn = narrowed(t.ffn, hp.layer_n_ff(il));
  r.ffn_tmp = narrowed(t.ffn_tmp, hp.layer_n_ff(il));
  return r;
}

ops::RoundedInput rounded_input(ops::Ops& ops, const Scratch& s, const ops::Tensor& t,
                                ForwardRounding rounding) {
  return ops::RoundedInput(ops, t, s.xq, rounding.llama_cpp);
}

ops::RoundedInput project_qkv(ops::Ops& ops, const model::HParams& hp, const LayerTensors& L,
                              const Scratch& s, const PassTensors& t, ForwardRounding rounding) {
  ops::RoundedInput h = rounded_input(ops, s, t.xn, rounding);
  ops.linear(L.wq, h.for_weight(L.wq), t.q);
  ops.linear(L.wk, h.for_weight(L.wk), t.k);
  ops.linear(L.wv, h.for_weight(L.wv), t.v);
  if (L.bq) ops.add_bias(t.q, *L.bq);
  if (L.bk) ops.add_bias(t.k, *L.bk);
  if (L.bv) ops.add_bias(t.v, *L.bv);
  if (L.q_norm) ops.head_rmsnorm(t.q, static_cast<int>(hp.n_head), *L.q_norm, hp.rms_eps);
  if (L.k_norm) ops.head_rmsnorm(t.k, static_cast<int>(hp.n_head_kv), *L.k_norm, hp.rms_eps);
  return h;
}

ops::AttentionShape layer_attention_shape(const model::HParams& hp, std::int64_t il,
                                          ForwardRounding rounding) {
  const bool q_scaled_first = hp.arch == model::Arch::Phi3 || hp.arch == model::Arch::Gemma2 ||
                              hp.arch == model::Arch::Gemma3;
  const model::LayerAttention la = hp.layer_attention(il);
  ops::AttentionShape shape{static_cast<int>(la.n_head),
                            static_cast<int>(la.n_head_kv),
                            static_cast<int>(la.head_dim),
                            hp.attention_scale(),
                            rounding.llama_cpp,
                            q_scaled_first};
  shape.window = hp.layer_window(il);
  shape.softcap = hp.attn_softcap;
  return shape;
}

void attend(ops::Ops& ops, const model::HParams& hp, const KvCache& kv, std::size_t layer,
            const Scratch& s, const PassTensors& t, const ops::Positions& pos,
            ForwardRounding rounding) {
  // A layer sharing another's cache (gemma4) writes nothing: that layer wrote it this pass.
  if (hp.kv_layer(static_cast<std::int64_t>(layer)) == static_cast<std::int64_t>(layer)) {
    ops.kv_write(t.k, t.v, kv.k(layer), kv.v(layer), pos);
  }
  const ops::AttentionShape shape =
      layer_attention_shape(hp, static_cast<std::int64_t>(layer), rounding);
  const std::int64_t step = s.shape().attn_tokens;
  for (std::int64_t t0 = 0; t0 < t.q.rows(); t0 += step) {
    const std::int64_t m = std::min(step, t.q.rows() - t0);
    ops.attention(t.q.row_range(t0, m), kv.k(layer), kv.v(layer), t.attn.row_range(t0, m), shape,
                  pos.rows(t0, m, t.q.rows()), s.attn_partials);
  }
}

void rope_and_attend(ops::Ops& ops, const model::HParams& hp, const KvCache& kv, std::size_t layer,
                     const Scratch& s, const PassTensors& t, const ops::Positions& pos,
                     ForwardRounding rounding, LayerRope rope) {
  const int head_dim = static_cast<int>(hp.head_dim);
  if (rope.q) ops.rope(t.q, static_cast<int>(hp.n_head), head_dim, pos, *rope.q);
  if (rope.k) ops.rope(t.k, static_cast<int>(hp.n_head_kv), head_dim, pos, *rope.k);
  attend(ops, hp, kv, layer, s, t, pos, rounding);
}

void project_output(ops::Ops& ops, const LayerTensors& L, const Scratch& s, const PassTensors& t,
                    ForwardRounding rounding) {
  ops.linear(L.wo, rounded_input(ops, s, t.attn, rounding).for_weight(L.wo), t.proj);
}

void self_attention(ops::Ops& ops, const model::HParams& hp, const LayerTensors& L,
                    const KvCache& kv, std::size_t layer, const Scratch& s, const PassTensors& t,
                    const ops::Positions& pos, ForwardRounding rounding, LayerRope rope) {
  project_qkv(ops, hp, L, s, t, rounding);
  rope_and_attend(ops, hp, kv, layer, s, t, pos, rounding, rope);
  project_output(ops, L, s, t, rounding);
}

void feed_forward(ops::Ops& ops, const LayerTensors& L, const Scratch& s, const PassTensors& t,
                  ForwardRounding rounding) {
  ops.linear_swiglu(L.ffn_gate, L.ffn_up,
                    rounded_input(ops, s, t.xn, rounding).for_weight(L.ffn_gate), t.ffn, t.ffn_tmp);
  ops.linear(L.ffn_down, rounded_input(ops, s, t.ffn, rounding).for_weight(L.ffn_down), t.proj);
}

void gelu_feed_forward(ops::Ops& ops, const LayerTensors& L, const Scratch& s, const PassTensors& t,
                       ForwardRounding rounding) {
  ops::RoundedInput h = rounded_input(ops, s, t.xn, rounding);
  ops.linear(L.ffn_gate, h.for_weight(L.ffn_gate), t.ffn);
  ops.linear(L.ffn_up, h.for_weight(L.ffn_up), t.ffn_tmp);
  ops.geglu(t.ffn, t.ffn_tmp, t.ffn, rounding.llama_cpp);
  ops.linear(L.ffn_down, rounded_input(ops, s, t.ffn, rounding).for_weight(L.ffn_down), t.proj);
}

void moe_feed_forward(ops::Ops& ops, const model::HParams& hp, const LayerTensors& L,
                      const Scratch& s, const PassTensors& t, ForwardRounding rounding) {
  const std::int64_t n_tok = t.xn.rows(), k = hp.moe.n_expert_used;
  const ops::Tensor router = s.router.row_range(0, n_tok), ids = s.moe_ids.row_range(0, n_tok),
                    weights = s.moe_weights.row_range(0, n_tok),
                    hidden = s.moe_hidden.row_range(0, n_tok * k),
                    out = s.moe_out.row_range(0, n_tok * k);
  ops::RoundedInput h = rounded_input(ops, s, t.xn, rounding);
  ops.linear(*L.ffn_gate_inp, h.for_weight(*L.ffn_gate_inp), router);
  ops.moe_route(router, ids, weights, hp.moe.norm_top_k);
  ops.matvec_id_swiglu(*L.ffn_gate_exps, *L.ffn_up_exps, ids, h.for_weight(*L.ffn_gate_exps),
                       hidden);
  ops.matvec_id(*L.ffn_down_exps, ids,
                rounded_input(ops, s, hidden, rounding).for_weight(*L.ffn_down_exps), out);
  ops.moe_combine(out, weights, t.proj);
}

void moe_shared_feed_forward(ops::Ops& ops, const model::HParams& hp, const LayerTensors& L,
                             const Scratch& s, const PassTensors& t, ForwardRounding rounding) {
  moe_feed_forward(ops, hp, L, s, t, rounding);
  const LayerTensors::SharedExpert& se = *L.shared_expert;
  const std::int64_t n_tok = t.xn.rows();
  // The scratch's feed-forward rows packed at the shared expert's width; its output where the
  // experts' outputs were (moe_combine has read them).
  auto narrowed = [&](ops::Tensor x) {
    x.ne = {hp.moe.n_ff_shexp, n_tok, 1, 1};
    return x;
  };
  const ops::Tensor hidden = narrowed(t.ffn), tmp = narrowed(t.ffn_tmp);
  const ops::Tensor out = s.moe_out.row_range(0, n_tok), gate = s.shexp_gate.row_range(0, n_tok);
  ops::RoundedInput h = rounded_input(ops, s, t.xn, rounding);
  ops.linear_swiglu(se.gate, se.up, h.for_weight(se.gate), hidden, tmp);
  ops.linear(se.gate_inp, h.for_weight(se.gate_inp), gate);
  ops.linear(se.down, rounded_input(ops, s, hidden, rounding).for_weight(se.down), out);
  ops.moe_shared_add(t.proj, out, gate);
}

void qwen35_mixer(ops::Ops& ops, const model::HParams& hp, const LayerTensors& L, const KvCache& kv,
                  std::size_t il, const Scratch& s, const PassTensors& t, const ops::Positions& pos,
                  ForwardRounding rounding) {
  const std::int64_t n_tok = t.x.rows();
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
    rope_and_attend(ops, hp, kv, il, s, t, pos, rounding, rope_by(s.rope));
    ops.mul_sigmoid(t.attn, gate, t.attn);
    project_output(ops, L, s, t, rounding);
  }
}

const ops::Tensor& next_norm(const DeviceWeights& w, std::size_t il) {
  return il + 1 < w.layers.size() ? w.layers[il + 1].attn_norm : w.output_norm;
}

}  // namespace vkchat::llm
