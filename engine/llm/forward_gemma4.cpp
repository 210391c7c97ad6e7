// The Gemma 4 (dense) transformer, recorded op by op (ref::RefForward::forward_gemma4 is the
// same on the CPU; llama.cpp's src/models/gemma4.cpp). gemma3's block, with each layer's own
// head count and head size (the scratch's q/k/v/attn rows narrowed to them): Q and K RMS-normed
// per head with weights, V per head without (V is K's projection where the layer has no attn_v:
// DeviceWeights gives wk as wv); attention scale 1; the layer kind's RoPE table (the full layers'
// carries the proportional rope_freqs); layers past n_layer_kv attend over an earlier layer's
// cache and compute no K or V; after the feed-forward's residual add the stream is scaled by
// layer_output_scale. The final soft-cap is in record_logits. E2B/E4B add per-layer token
// embeddings: an input per layer made once from the tokens and the embeddings, joined to the
// stream after each feed-forward.
#include <cmath>

#include "llm/forward_family.h"
#include "llm/forward_steps.h"

namespace vkchat::llm {

namespace {

// Layer il's block of the per-layer inputs, [n_tok x P].
ops::Tensor layer_input(const Scratch& s, std::int64_t il, std::int64_t n_tok) {
  return s.per_layer.row_range(il * n_tok, n_tok);
}

// llama.cpp's build_inp_per_layer and project_per_layer_inputs (RefForward::per_layer_inputs):
// layer il's input is (the token's il-th per-layer embedding row * sqrt(P) + the RMS-normed
// il-th slice of model_proj(x) / sqrt(n_embd)) / sqrt(2), x the scaled embeddings.
void per_layer_inputs(ops::Ops& ops, const model::HParams& hp, const DeviceWeights& w,
                      const Scratch& s, const PassTensors& t, ForwardRounding rounding) {
  const DeviceWeights::PerLayerInputs& pl = *w.per_layer;
  const std::int64_t P = hp.n_embd_per_layer, n_tok = t.x.rows(), n_layer = hp.n_layer;
  const ops::Tensor inputs = s.per_layer.row_range(0, n_layer * n_tok);
  const ops::Tensor rows = s.per_layer_tmp.row_range(0, n_layer * n_tok);
  ops.embedding(pl.tok_embd, t.ids, n_layer, rows);
  ops.scale(rows, std::sqrt(static_cast<float>(P)));
  ops::RoundedInput h = rounded_input(ops, s, t.x, rounding);
  if (n_tok == 1) {  // one token's row of every slice is the layer blocks back to back
    ops::Tensor row = inputs;
    row.ne = {n_layer * P, 1, 1, 1};
    ops.linear(pl.model_proj, h.for_weight(pl.model_proj), row);
  } else {
    for (std::int64_t il = 0; il < n_layer; ++il) {  // token-major slices into layer blocks
      ops.linear(pl.model_proj.row_range(il * P, P), h.for_weight(pl.model_proj),
                 layer_input(s, il, n_tok));
    }
  }
  ops.scale(inputs, 1.0f / std::sqrt(static_cast<float>(hp.n_embd)));
  ops.rmsnorm(inputs, pl.proj_norm, inputs, hp.rms_eps);
  ops.add(inputs, rows, inputs);
  ops.scale(inputs, 1.0f / std::sqrt(2.0f));
}

// After layer il's feed-forward residual: x += post_norm(proj(gelu(inp_gate(x)) * input il)).
void add_per_layer_embedding(ops::Ops& ops, const model::HParams& hp, const LayerTensors& L,
                             const Scratch& s, const PassTensors& t, std::int64_t il,
                             ForwardRounding rounding) {
  const LayerTensors::PerLayerGate& pg = *L.per_layer;
  const std::int64_t n_tok = t.x.rows();
  const ops::Tensor gate = s.per_layer_tmp.row_range(0, n_tok);
  ops.linear(pg.inp_gate, rounded_input(ops, s, t.x, rounding).for_weight(pg.inp_gate), gate);
  ops.geglu(gate, layer_input(s, il, n_tok), gate, rounding.llama_cpp);
  ops.linear(pg.proj, rounded_input(ops, s, gate, rounding).for_weight(pg.proj), t.proj);
  ops.rmsnorm(t.proj, pg.post_norm, t.proj, hp.rms_eps);
  ops.add(t.x, t.proj, t.x);
}

}  // namespace

void record_forward_gemma4(ops::Ops& ops, const model::HParams& hp, const DeviceWeights& w,
                           const KvCache& kv, const Scratch& s, const ops::Positions& pos,
                           std::int64_t n_tok, ForwardRounding rounding) {
  const PassTensors all = pass_tensors(s, n_tok);
  const ops::Tensor &x = all.x, &xn = all.xn, &proj = all.proj;
  const float eps = hp.rms_eps;
  auto input = [&](const ops::Tensor& t) { return rounded_input(ops, s, t, rounding); };

  ops.embedding(w.token_embd, all.ids, x);
  ops.scale(x, hp.embd_scale);
  if (w.per_layer) per_layer_inputs(ops, hp, w, s, all, rounding);
  ops.rmsnorm(x, w.layers[0].attn_norm, xn, eps);
  for (std::size_t il = 0; il < w.layers.size(); ++il) {
    const LayerTensors& L = w.layers[il];
    const auto layer = static_cast<std::int64_t>(il);
    const model::LayerAttention la = hp.layer_attention(layer);
    const int n_head = static_cast<int>(la.n_head), n_head_kv = static_cast<int>(la.n_head_kv);
    const int head_dim = static_cast<int>(la.head_dim);
    const PassTensors t = layer_pass_tensors(all, hp, layer);
    const ops::RopeTable& rope = hp.swa.is_swa(layer) ? s.rope_swa : s.rope;

    // Self-attention.
    ops::RoundedInput h = input(xn);
    ops.linear(L.wq, h.for_weight(L.wq), t.q);
    ops.head_rmsnorm(t.q, n_head, *L.q_norm, eps);
    ops.rope(t.q, n_head, head_dim, pos, rope);
    if (hp.kv_layer(layer) == layer) {
      ops.linear(L.wk, h.for_weight(L.wk), t.k);
      ops.linear(L.wv, h.for_weight(L.wv), t.v);
      ops.head_rmsnorm(t.k, n_head_kv, *L.k_norm, eps);
      ops::Tensor ones = *w.ones;
      ones.ne[0] = head_dim;
      ops.head_rmsnorm(t.v, n_head_kv, ones, eps);
      ops.rope(t.k, n_head_kv, head_dim, pos, rope);
    }
    attend(ops, hp, kv, il, s, t, pos, rounding);
    project_output(ops, L, s, t, rounding);
    ops.rmsnorm(proj, *L.attn_post_norm, proj, eps);
    ops.add_rmsnorm(x, proj, x, L.ffn_norm, xn, eps);  // x += attention; xn = ffn_norm(x)

    gelu_feed_forward(ops, L, s, t, rounding);
    ops.rmsnorm(proj, *L.ffn_post_norm, proj, eps);
    if (L.out_scale == 1.f && !L.per_layer) {
      ops.add_rmsnorm(x, proj, x, next_norm(w, il), xn, eps);  // x += ffn; xn = next norm(x)
    } else {
      // The per-layer embedding joins the sum, and the scale applies to it, before the next
      // norm (which the scale would change only through eps, but llama.cpp scales first).
      ops.add(x, proj, x);
      if (L.per_layer) add_per_layer_embedding(ops, hp, L, s, all, layer, rounding);
      if (L.out_scale != 1.f) ops.scale(x, L.out_scale);
      ops.rmsnorm(x, next_norm(w, il), xn, eps);
    }
  }
}

}  // namespace vkchat::llm
