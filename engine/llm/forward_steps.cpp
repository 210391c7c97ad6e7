// The shared steps of the forward passes (forward_steps.h).
#include "llm/forward_steps.h"

#include <algorithm>
#include <cmath>

namespace vkchat::llm {

namespace {

// attn = softmax(q K^T / sqrt(head_dim)) V over cache rows 0 .. pos, causal, in calls of at most
// attn_tokens queries so the partial results fit the scratch.
void attend(ops::Ops& ops, const model::HParams& hp, const ops::Tensor& k_cache,
            const ops::Tensor& v_cache, const Scratch& s, const ops::Tensor& q,
            const ops::Tensor& attn, std::int64_t pos0, ForwardRounding rounding) {
  const ops::AttentionShape shape{static_cast<int>(hp.n_head),
                                  static_cast<int>(hp.n_head_kv),
                                  static_cast<int>(hp.head_dim),
                                  1.f / std::sqrt(static_cast<float>(hp.head_dim)),
                                  rounding.llama_cpp,
                                  hp.arch == model::Arch::Phi3};
  const std::int64_t step = s.shape().attn_tokens;
  for (std::int64_t t0 = 0; t0 < q.rows(); t0 += step) {
    const std::int64_t m = std::min(step, q.rows() - t0);
    ops.attention(q.row_range(t0, m), k_cache, v_cache, attn.row_range(t0, m), shape, pos0 + t0,
                  s.attn_partials);
  }
}

}  // namespace

void record_self_attention(ops::Ops& ops, const model::HParams& hp, const LayerTensors& L,
                           const KvCache& kv, const Scratch& s, std::size_t il, std::int64_t pos0,
                           std::int64_t n_tok, ForwardRounding rounding) {
  auto first = [n_tok](const ops::Tensor& t) { return t.row_range(0, n_tok); };
  const ops::Tensor xn = first(s.xn), q = first(s.q), k = first(s.k), v = first(s.v),
                    attn = first(s.attn), proj = first(s.proj);
  const float eps = hp.rms_eps;
  const int n_head = static_cast<int>(hp.n_head), n_head_kv = static_cast<int>(hp.n_head_kv);
  const int head_dim = static_cast<int>(hp.head_dim);

  ops::RoundedInput h(ops, xn, s.xq, rounding.llama_cpp);
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
  ops.linear(L.wo, ops::RoundedInput(ops, attn, s.xq, rounding.llama_cpp).for_weight(L.wo), proj);
}

}  // namespace vkchat::llm
