// Reference forward pass: pre-norm transformer blocks with RoPE, grouped-query attention and a
// SwiGLU feed-forward, written as the sequence of ops it is.
#include "ref/ref_forward.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "quant/act_rounding.h"
#include "quant/dequantize.h"
#include "quant/half.h"
#include "ref/ref_moe.h"
#include "ref/ref_ops.h"

namespace vkchat::ref {

using model::Arch;
using model::TensorRef;

RefForward::RefForward(const model::ModelSpec& spec, std::int64_t n_ctx, KvPrecision kv,
                       Rounding rounding)
    : spec_(spec), n_ctx_(n_ctx), kv_(kv), rounding_(rounding) {
  if (n_ctx <= 0) throw std::invalid_argument("RefForward: n_ctx must be positive");
  if (const TensorRef factors = model::rope_factors(spec, n_ctx)) {
    rope_freqs_ = quant::dequantize_tensor(*factors);
  }
  const auto& hp = spec.hp;
  k_cache_.assign(hp.n_layer, std::vector<float>(n_ctx * hp.n_embd_k_gqa()));
  v_cache_.assign(hp.n_layer, std::vector<float>(n_ctx * hp.n_embd_v_gqa()));
}

void RefForward::truncate(std::int64_t n) {
  if (n < 0 || n > pos_) {
    throw std::out_of_range("truncate to " + std::to_string(n) + " past position " +
                            std::to_string(pos_));
  }
  pos_ = n;
}

std::vector<float> RefForward::feed(std::span<const std::int32_t> tokens) {
  const auto n = static_cast<std::int64_t>(tokens.size());
  if (pos_ + n > n_ctx_) {
    throw std::out_of_range("context full: " + std::to_string(pos_) + " + " + std::to_string(n) +
                            " tokens exceed n_ctx " + std::to_string(n_ctx_));
  }
  if (n == 0) return {};
  Rows out = [&] {
    switch (spec_.hp.arch) {
      case Arch::Phi3: return forward_phi3(tokens);
      case Arch::Qwen3Moe: return forward_qwen3moe(tokens);
      case Arch::Mistral3: return forward_mistral3(tokens);
      case Arch::SmolLM3: return forward_smollm3(tokens);
      case Arch::Granite: return forward_granite(tokens);
      case Arch::Llama:
      case Arch::Qwen2:
      case Arch::Qwen3: break;
    }
    return forward_llama(tokens);
  }();
  pos_ += n;
  return std::move(out.data);
}

// llama, qwen2 (+ Q/K/V bias) and qwen3 (+ per-head RMSNorm of Q and K).
RefForward::Rows RefForward::forward_llama(std::span<const std::int32_t> tokens) {
  const auto& hp = spec_.hp;
  Rows x = embed(tokens);
  for (std::int64_t il = 0; il < hp.n_layer; ++il) {
    const model::LayerWeights& L = spec_.w.layers[il];
    add_to(x, self_attention(il, L, norm(x, L.attn_norm)));
    add_to(x, ffn(L, norm(x, L.ffn_norm)));
  }
  return logits(x);
}

// mistral3 (Ministral 3): llama with YaRN (in the RoPE parameters) and the attention
// temperature: after RoPE each query is scaled by its position's temperature.
RefForward::Rows RefForward::forward_mistral3(std::span<const std::int32_t> tokens) {
  const auto& hp = spec_.hp;
  Rows x = embed(tokens);
  for (std::int64_t il = 0; il < hp.n_layer; ++il) {
    const model::LayerWeights& L = spec_.w.layers[il];
    auto [q, k, v] = project_qkv(L, norm(x, L.attn_norm));
    rope(q, hp.n_head);
    rope(k, hp.n_head_kv);
    temperature(q);
    add_to(x, project(L.wo, attend(il, q, k, v)));
    add_to(x, ffn(L, norm(x, L.ffn_norm)));
  }
  return logits(x);
}

// smollm3: llama without RoPE on every fourth layer (NoPE: those layers see positions only
// through the causal mask).
RefForward::Rows RefForward::forward_smollm3(std::span<const std::int32_t> tokens) {
  const auto& hp = spec_.hp;
  Rows x = embed(tokens);
  for (std::int64_t il = 0; il < hp.n_layer; ++il) {
    const model::LayerWeights& L = spec_.w.layers[il];
    auto [q, k, v] = project_qkv(L, norm(x, L.attn_norm));
    if (hp.has_rope(il)) {
      rope(q, hp.n_head);
      rope(k, hp.n_head_kv);
    }
    add_to(x, project(L.wo, attend(il, q, k, v)));
    add_to(x, ffn(L, norm(x, L.ffn_norm)));
  }
  return logits(x);
}

// granite (Granite 3.x): llama with multipliers: the embeddings scaled, the attention scale the
// file gives (in attend), each block's output scaled before the residual add, the logits
// divided.
RefForward::Rows RefForward::forward_granite(std::span<const std::int32_t> tokens) {
  const auto& hp = spec_.hp;
  Rows x = embed(tokens);
  if (hp.embedding_scale != 0.f) scale_rows(x, hp.embedding_scale);
  for (std::int64_t il = 0; il < hp.n_layer; ++il) {
    const model::LayerWeights& L = spec_.w.layers[il];
    auto [q, k, v] = project_qkv(L, norm(x, L.attn_norm));
    if (hp.has_rope(il)) {
      rope(q, hp.n_head);
      rope(k, hp.n_head_kv);
    }
    Rows attn = project(L.wo, attend(il, q, k, v));
    if (hp.residual_scale != 0.f) scale_rows(attn, hp.residual_scale);
    add_to(x, attn);
    Rows f = ffn(L, norm(x, L.ffn_norm));
    if (hp.residual_scale != 0.f) scale_rows(f, hp.residual_scale);
    add_to(x, f);
  }
  Rows out = logits(x);
  scale_rows(out, 1.0f / hp.logit_scale);
  return out;
}

// phi3: Q, K and V come from one fused projection; ffn_up yields gate and up side by side.
RefForward::Rows RefForward::forward_phi3(std::span<const std::int32_t> tokens) {
  const auto& hp = spec_.hp;
  Rows x = embed(tokens);
  for (std::int64_t il = 0; il < hp.n_layer; ++il) {
    const model::LayerWeights& L = spec_.w.layers[il];
    // Attention.
    Rows h = norm(x, L.attn_norm);
    Rows qkv = project(L.wqkv, h);
    Rows q = columns(qkv, 0, hp.n_embd_q());
    Rows k = columns(qkv, hp.n_embd_q(), hp.n_embd_k_gqa());
    Rows v = columns(qkv, hp.n_embd_q() + hp.n_embd_k_gqa(), hp.n_embd_v_gqa());
    rope(q, hp.n_head);
    rope(k, hp.n_head_kv);
    add_to(x, project(L.wo, attend(il, q, k, v)));
    // Feed-forward.
    h = norm(x, L.ffn_norm);
    Rows gate_up = project(L.ffn_up, h);
    Rows gate = columns(gate_up, 0, hp.n_ff);
    Rows up = columns(gate_up, hp.n_ff, hp.n_ff);
    add_to(x, project(L.ffn_down, swiglu(gate, up)));
  }
  return logits(x);
}

// qwen3moe: qwen3's attention; the feed-forward is a mixture of experts (moe_ffn).
RefForward::Rows RefForward::forward_qwen3moe(std::span<const std::int32_t> tokens) {
  const auto& hp = spec_.hp;
  Rows x = embed(tokens);
  for (std::int64_t il = 0; il < hp.n_layer; ++il) {
    const model::LayerWeights& L = spec_.w.layers[il];
    add_to(x, self_attention(il, L, norm(x, L.attn_norm)));
    add_to(x, moe_ffn(L, norm(x, L.ffn_norm)));
  }
  return logits(x);
}

// Attention of the llama block over separate Q/K/V projections, with the optional Q/K/V biases
// (qwen2) and per-head Q/K norms (qwen3, qwen3moe); h is the normalized input.
RefForward::Rows RefForward::self_attention(std::int64_t il, const model::LayerWeights& L,
                                            const Rows& h) {
  const auto& hp = spec_.hp;
  auto [q, k, v] = project_qkv(L, h);
  rope(q, hp.n_head);
  rope(k, hp.n_head_kv);
  return project(L.wo, attend(il, q, k, v));
}

RefForward::Qkv RefForward::project_qkv(const model::LayerWeights& L, const Rows& h) const {
  const auto& hp = spec_.hp;
  Qkv r{project(L.wq, h), project(L.wk, h), project(L.wv, h)};
  add_bias(r.q, L.bq);
  add_bias(r.k, L.bk);
  add_bias(r.v, L.bv);
  head_norm(r.q, hp.n_head, L.q_norm);
  head_norm(r.k, hp.n_head_kv, L.k_norm);
  return r;
}

RefForward::Rows RefForward::ffn(const model::LayerWeights& L, const Rows& h) const {
  return project(L.ffn_down, swiglu(project(L.ffn_gate, h), project(L.ffn_up, h)));
}

// Per token: route (ref_moe.h), then each chosen expert's SwiGLU feed-forward, summed with the
// route's weights.
RefForward::Rows RefForward::moe_ffn(const model::LayerWeights& L, const Rows& x) const {
  const model::MoeParams& moe = spec_.hp.moe;
  const quant::MatrixView router = quant::MatrixView::of(*L.ffn_gate_inp);
  Rows out(x.n, x.width);
  for (std::int64_t t = 0; t < x.n; ++t) {
    Rows xt(1, x.width);
    std::copy(x.row(t).begin(), x.row(t).end(), xt.data.begin());
    const Route r =
        route_softmax_top_k(project(router, xt).data, moe.n_expert_used, moe.norm_top_k);
    std::span<float> o = out.row(t);
    for (std::size_t j = 0; j < r.ids.size(); ++j) {
      const Rows hidden = swiglu(project(expert_matrix(*L.ffn_gate_exps, r.ids[j]), xt),
                                 project(expert_matrix(*L.ffn_up_exps, r.ids[j]), xt));
      const Rows down = project(expert_matrix(*L.ffn_down_exps, r.ids[j]), hidden);
      for (std::size_t i = 0; i < o.size(); ++i) o[i] += r.weights[j] * down.data[i];
    }
  }
  return out;
}

RefForward::Rows RefForward::embed(std::span<const std::int32_t> tokens) const {
  const quant::MatrixView table = quant::MatrixView::of(*spec_.w.token_embd);
  Rows x(static_cast<std::int64_t>(tokens.size()), spec_.hp.n_embd);
  for (std::int64_t t = 0; t < x.n; ++t) embedding_row(table, tokens[t], x.row(t));
  return x;
}

RefForward::Rows RefForward::norm(const Rows& x, TensorRef weight) const {
  const std::vector<float> w = quant::dequantize_tensor(*weight);
  Rows out(x.n, x.width);
  for (std::int64_t t = 0; t < x.n; ++t) rmsnorm(x.row(t), w, spec_.hp.rms_eps, out.row(t));
  return out;
}

RefForward::Rows RefForward::project(TensorRef w, const Rows& x) const {
  return project(quant::MatrixView::of(*w), x);
}

RefForward::Rows RefForward::project(const quant::MatrixView& m, const Rows& x) const {
  Rows y(x.n, m.rows);
  if (rounding_ == Rounding::Exact) {
    matmul(m, x.data, y.data, x.n);
    return y;
  }
  Rows rounded = x;
  const quant::ActGrid grid = quant::act_grid_for(m.type);
  for (std::int64_t t = 0; t < x.n; ++t) quant::round_to_grid(grid, rounded.row(t));
  matmul(m, rounded.data, y.data, x.n);
  return y;
}

RefForward::Rows RefForward::columns(const Rows& x, std::int64_t first, std::int64_t width) {
  Rows out(x.n, width);
  for (std::int64_t t = 0; t < x.n; ++t) {
    const auto src =
        x.row(t).subspan(static_cast<std::size_t>(first), static_cast<std::size_t>(width));
    std::copy(src.begin(), src.end(), out.row(t).begin());
  }
  return out;
}

void RefForward::add_bias(Rows& x, TensorRef bias) const {
  if (!bias) return;
  const std::vector<float> b = quant::dequantize_tensor(*bias);
  for (std::int64_t t = 0; t < x.n; ++t) ref::add_bias(x.row(t), b);
}

void RefForward::head_norm(Rows& x, std::int64_t n_heads, TensorRef weight) const {
  if (!weight) return;
  const std::vector<float> w = quant::dequantize_tensor(*weight);
  for (std::int64_t t = 0; t < x.n; ++t) {
    head_rmsnorm(x.row(t), static_cast<int>(n_heads), w, spec_.hp.rms_eps);
  }
}

void RefForward::rope(Rows& x, std::int64_t n_heads) const {
  for (std::int64_t t = 0; t < x.n; ++t) {
    ref::rope(x.row(t), static_cast<int>(n_heads), static_cast<int>(spec_.hp.head_dim), pos_ + t,
              spec_.hp.rope, rope_freqs_,
              rounding_ == Rounding::LlamaCpp ? RopeAngles::LlamaCpp : RopeAngles::Exact);
  }
}

void RefForward::temperature(Rows& q) const {
  for (std::int64_t t = 0; t < q.n; ++t) {
    const float f = model::attn_temperature(spec_.hp, pos_ + t);
    for (float& x : q.row(t)) x *= f;
  }
}

void RefForward::scale_rows(Rows& x, float factor) {
  ref::scale(x.data, factor, x.data);
}

// Writes the batch's K and V at positions pos_.. and lets token t attend to positions 0..pos_+t.
RefForward::Rows RefForward::attend(std::int64_t layer, const Rows& q, const Rows& k,
                                    const Rows& v) {
  const auto& hp = spec_.hp;
  std::vector<float>& kc = k_cache_[layer];
  std::vector<float>& vc = v_cache_[layer];
  const auto store = [&](std::span<const float> row, float* dst) {
    for (float x : row)
      *dst++ = kv_ == KvPrecision::F16 ? quant::fp16_to_f32(quant::f32_to_fp16(x)) : x;
  };
  for (std::int64_t t = 0; t < q.n; ++t) {
    store(k.row(t), kc.data() + (pos_ + t) * k.width);
    store(v.row(t), vc.data() + (pos_ + t) * v.width);
  }
  // 1 / sqrt(head_dim) as llama.cpp computes it, in float, or the file's attention scale.
  const float scale = hp.kq_scale();
  Rows out(q.n, hp.n_embd_attn_out());
  if (rounding_ == Rounding::Exact) {
    for (std::int64_t t = 0; t < q.n; ++t) {
      attention(q.row(t), kc, vc, pos_ + t + 1, static_cast<int>(hp.n_head),
                static_cast<int>(hp.n_head_kv), static_cast<int>(hp.head_dim), scale, out.row(t));
    }
    return out;
  }
  // llama.cpp's phi3 graph scales the query before attention and attends with scale 1, so the
  // scaled query is what its flash attention rounds to fp16.
  const bool scale_query_first = hp.arch == Arch::Phi3;
  Rows qq = q;
  if (scale_query_first) {
    for (float& x : qq.data) x *= scale;
  }
  for (std::int64_t t = 0; t < q.n; ++t) {
    attention_llama_cpp(qq.row(t), kc, vc, pos_ + t + 1, static_cast<int>(hp.n_head),
                        static_cast<int>(hp.n_head_kv), static_cast<int>(hp.head_dim),
                        scale_query_first ? 1.f : scale, out.row(t));
  }
  return out;
}

RefForward::Rows RefForward::swiglu(const Rows& gate, const Rows& up) {
  Rows out(gate.n, gate.width);
  for (std::int64_t t = 0; t < gate.n; ++t) ref::swiglu(gate.row(t), up.row(t), out.row(t));
  return out;
}

void RefForward::add_to(Rows& x, const Rows& y) {
  for (std::int64_t t = 0; t < x.n; ++t) add(x.row(t), y.row(t), x.row(t));
}

RefForward::Rows RefForward::logits(const Rows& x) const {
  return project(spec_.w.output, norm(x, spec_.w.output_norm));
}

}  // namespace vkchat::ref
