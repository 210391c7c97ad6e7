// The qwen3moe transformer (llama.cpp's src/models/qwen3moe.cpp), recorded op by op: qwen3's
// pre-norm attention blocks; each feed-forward a mixture of experts. The router's logits, the
// routing (softmax, top-k, renormalized weights) and the chosen experts' ids stay on the
// device: the by-id kernels read the ids and only those experts' rows, so a decode step is one
// submit with no host round trip. Prefill runs the same by-id matrix x vector per token and slot
// (one pass over an expert per slot); a grouped matrix x matrix is a later step.
#include "llm/forward_family.h"
#include "llm/forward_steps.h"

namespace vkchat::llm {

namespace {

// s.proj = sum over each token's k chosen experts of weight * down(silu(gate(xn)) * up(xn)).
void record_moe_ffn(ops::Ops& ops, const model::HParams& hp, const LayerTensors& L,
                    const Scratch& s, std::int64_t n_tok, ForwardRounding rounding) {
  const std::int64_t k = hp.moe.n_expert_used;
  const ops::Tensor xn = s.xn.row_range(0, n_tok), router = s.router.row_range(0, n_tok),
                    ids = s.moe_ids.row_range(0, n_tok),
                    weights = s.moe_weights.row_range(0, n_tok),
                    hidden = s.moe_hidden.row_range(0, n_tok * k),
                    out = s.moe_out.row_range(0, n_tok * k), proj = s.proj.row_range(0, n_tok);
  ops::RoundedInput h(ops, xn, s.xq, rounding.llama_cpp);
  ops.linear(*L.ffn_gate_inp, h.for_weight(*L.ffn_gate_inp), router);
  ops.moe_route(router, ids, weights, hp.moe.norm_top_k);
  ops.matvec_id_swiglu(*L.ffn_gate_exps, *L.ffn_up_exps, ids, h.for_weight(*L.ffn_gate_exps),
                       hidden);
  ops.matvec_id(
      *L.ffn_down_exps, ids,
      ops::RoundedInput(ops, hidden, s.xq, rounding.llama_cpp).for_weight(*L.ffn_down_exps), out);
  ops.moe_combine(out, weights, proj);
}

}  // namespace

void record_forward_qwen3moe(ops::Ops& ops, const model::HParams& hp, const DeviceWeights& w,
                             const KvCache& kv, const Scratch& s, std::int64_t pos0,
                             std::int64_t n_tok, ForwardRounding rounding) {
  ops::Tensor ids = s.ids;
  ids.ne[0] = n_tok;
  const ops::Tensor x = s.x.row_range(0, n_tok), xn = s.xn.row_range(0, n_tok),
                    proj = s.proj.row_range(0, n_tok);
  const float eps = hp.rms_eps;

  ops.embedding(w.token_embd, ids, x);
  ops.rmsnorm(x, w.layers[0].attn_norm, xn, eps);
  for (std::size_t il = 0; il < w.layers.size(); ++il) {
    const LayerTensors& L = w.layers[il];
    record_self_attention(ops, hp, L, kv, s, il, pos0, n_tok, rounding);  // proj = attn(xn)
    ops.add_rmsnorm(x, proj, x, L.ffn_norm, xn, eps);  // x += attention; xn = ffn_norm(x)
    record_moe_ffn(ops, hp, L, s, n_tok, rounding);    // proj = mixture of experts(xn)
    const ops::Tensor& next_norm =
        il + 1 < w.layers.size() ? w.layers[il + 1].attn_norm : w.output_norm;
    ops.add_rmsnorm(x, proj, x, next_norm, xn, eps);  // x += feed-forward; xn = next norm(x)
  }
}

}  // namespace vkchat::llm
