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
            const Scratch& s, const PassTensors& t, std::int64_t pos0, ForwardRounding rounding) {
  // A layer sharing another's cache (gemma4) writes nothing: that layer wrote it this pass.
  if (hp.kv_layer(static_cast<std::int64_t>(layer)) == static_cast<std::int64_t>(layer)) {
    ops.kv_write(t.k, t.v, kv.k(layer), kv.v(layer), pos0);
  }
  const ops::AttentionShape shape =
      layer_attention_shape(hp, static_cast<std::int64_t>(layer), rounding);
  const std::int64_t step = s.shape().attn_tokens;
  for (std::int64_t t0 = 0; t0 < t.q.rows(); t0 += step) {
    const std::int64_t m = std::min(step, t.q.rows() - t0);
    ops.attention(t.q.row_range(t0, m), kv.k(layer), kv.v(layer), t.attn.row_range(t0, m), shape,
                  pos0 + t0, s.attn_partials);
  }
}

void rope_and_attend(ops::Ops& ops, const model::HParams& hp, const KvCache& kv, std::size_t layer,
                     const Scratch& s, const PassTensors& t, std::int64_t pos0,
                     ForwardRounding rounding, LayerRope rope) {
  const int head_dim = static_cast<int>(hp.head_dim);
  if (rope.q) ops.rope(t.q, static_cast<int>(hp.n_head), head_dim, pos0, *rope.q);
  if (rope.k) ops.rope(t.k, static_cast<int>(hp.n_head_kv), head_dim, pos0, *rope.k);
  attend(ops, hp, kv, layer, s, t, pos0, rounding);
}

void project_output(ops::Ops& ops, const LayerTensors& L, const Scratch& s, const PassTensors& t,
                    ForwardRounding rounding) {
  ops.linear(L.wo, rounded_input(ops, s, t.attn, rounding).for_weight(L.wo), t.proj);
}

void self_attention(ops::Ops& ops, const model::HParams& hp, const LayerTensors& L,
                    const KvCache& kv, std::size_t layer, const Scratch& s, const PassTensors& t,
                    std::int64_t pos0, ForwardRounding rounding, LayerRope rope) {
  project_qkv(ops, hp, L, s, t, rounding);
  rope_and_attend(ops, hp, kv, layer, s, t, pos0, rounding, rope);
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

const ops::Tensor& next_norm(const DeviceWeights& w, std::size_t il) {
  return il + 1 < w.layers.size() ? w.layers[il + 1].attn_norm : w.output_norm;
}

}  // namespace vkchat::llm
