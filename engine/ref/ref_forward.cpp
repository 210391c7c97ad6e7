// Reference forward pass: pre-norm transformer blocks with RoPE, grouped-query attention and a
// SwiGLU feed-forward, written as the sequence of ops it is.
#include "ref/ref_forward.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <utility>

#include "quant/act_rounding.h"
#include "quant/dequantize.h"
#include "quant/half.h"
#include "ref/ref_delta_net.h"
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
  k_cache_.resize(static_cast<std::size_t>(hp.n_layer));
  v_cache_.resize(k_cache_.size());
  conv_state_.resize(k_cache_.size());
  delta_state_.resize(k_cache_.size());
  for (std::int64_t il = 0; il < hp.n_layer; ++il) {
    if (hp.is_recurrent(il)) {
      conv_state_[il].assign(static_cast<std::size_t>(hp.delta.conv_state_floats()), 0.f);
      delta_state_[il].assign(static_cast<std::size_t>(hp.delta.ssm_state_floats()), 0.f);
    } else if (hp.kv_layer(il) == il) {  // layers sharing another's cache keep none
      k_cache_[il].resize(static_cast<std::size_t>(n_ctx * hp.layer_n_embd_k(il)));
      v_cache_[il].resize(static_cast<std::size_t>(n_ctx * hp.layer_n_embd_v(il)));
    }
  }
}

void RefForward::truncate(std::int64_t n) {
  if (n < 0 || n > pos_) {
    throw std::out_of_range("truncate to " + std::to_string(n) + " past position " +
                            std::to_string(pos_));
  }
  if (!spec_.hp.recurrent.empty() && n != pos_) {
    if (n != 0) {
      throw std::invalid_argument("truncate to " + std::to_string(n) + " of " +
                                  std::to_string(pos_) + " positions: " + spec_.hp.arch_name +
                                  "'s recurrent state cannot be truncated, only reset to 0");
    }
    for (auto& st : conv_state_) std::fill(st.begin(), st.end(), 0.f);
    for (auto& st : delta_state_) std::fill(st.begin(), st.end(), 0.f);
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
      case Arch::Qwen3Moe:
      case Arch::GptOss: return forward_qwen3moe(tokens);
      case Arch::Qwen35:
      case Arch::Qwen35Moe: return forward_qwen35(tokens);
      case Arch::Gemma2:
      case Arch::Gemma3: return forward_gemma(tokens);
      case Arch::Gemma4: return forward_gemma4(tokens);
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
    add_to(x, self_attention(il, L, norm(x, L.attn_norm), LayerRope{}));
    add_to(x, dense_ffn(L, norm(x, L.ffn_norm)));
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
    add_to(x, self_attention(il, L, norm(x, L.attn_norm), LayerRope{.temperature = true}));
    add_to(x, dense_ffn(L, norm(x, L.ffn_norm)));
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
    add_to(x, self_attention(il, L, norm(x, L.attn_norm), LayerRope{.rotate = hp.has_rope(il)}));
    add_to(x, dense_ffn(L, norm(x, L.ffn_norm)));
  }
  return logits(x);
}

// granite (Granite 3.x): llama with multipliers: the embeddings scaled, the attention scale the
// file gives (in attend), each block's output scaled before the residual add, the logits
// divided.
RefForward::Rows RefForward::forward_granite(std::span<const std::int32_t> tokens) {
  const auto& hp = spec_.hp;
  Rows x = embed(tokens);
  for (std::int64_t il = 0; il < hp.n_layer; ++il) {
    const model::LayerWeights& L = spec_.w.layers[il];
    Rows attn = self_attention(il, L, norm(x, L.attn_norm), LayerRope{.rotate = hp.has_rope(il)});
    if (hp.residual_scale != 0.f) scale_rows(attn, hp.residual_scale);
    add_to(x, attn);
    Rows f = dense_ffn(L, norm(x, L.ffn_norm));
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
    add_to(x, project(L.wo, rope_and_attend(il, std::move(q), std::move(k), v, LayerRope{})));
    // Feed-forward.
    h = norm(x, L.ffn_norm);
    Rows gate_up = project(L.ffn_up, h);
    Rows gate = columns(gate_up, 0, hp.n_ff);
    Rows up = columns(gate_up, hp.n_ff, hp.n_ff);
    add_to(x, project(L.ffn_down, swiglu(gate, up)));
  }
  return logits(x);
}

// qwen3moe: qwen3's attention; the feed-forward is a mixture of experts (moe_ffn). gpt-oss
// (src/models/openai-moe.cpp) is the same sequence: its differences are in the shared steps
// (the output bias, the sinks and sliding windows in attend, YaRN in its RoPE parameters, the
// routing, expert biases and clamped SwiGLU in moe_ffn) and its ffn_norm's name.
RefForward::Rows RefForward::forward_qwen3moe(std::span<const std::int32_t> tokens) {
  const auto& hp = spec_.hp;
  Rows x = embed(tokens);
  for (std::int64_t il = 0; il < hp.n_layer; ++il) {
    const model::LayerWeights& L = spec_.w.layers[il];
    add_to(x, self_attention(il, L, norm(x, L.attn_norm), LayerRope{}));
    add_to(x, moe_ffn(L, norm(x, L.ffn_norm)));
  }
  return logits(x);
}

// qwen35 (src/models/qwen35.cpp): most layers are a gated delta net (linear attention with a
// recurrent state), every full_attention_interval-th a full attention whose output is gated;
// each is followed by the dense SwiGLU feed-forward, or (qwen35moe) the routed experts plus a
// gated shared expert.
RefForward::Rows RefForward::forward_qwen35(std::span<const std::int32_t> tokens) {
  const auto& hp = spec_.hp;
  Rows x = embed(tokens);
  for (std::int64_t il = 0; il < hp.n_layer; ++il) {
    const model::LayerWeights& L = spec_.w.layers[il];
    const Rows h = norm(x, L.attn_norm);
    add_to(x, hp.is_recurrent(il) ? delta_net(il, L, h) : gated_attention(il, L, h));
    const Rows f = norm(x, L.ffn_norm);
    add_to(x, L.ffn_gate_inp ? shared_expert_moe_ffn(L, f) : dense_ffn(L, f));
  }
  return logits(x);
}

// gemma2, gemma3: embeddings scaled by sqrt(n_embd); each sub-block's output is RMS-normed
// (attn_post_norm, ffn_post_norm) before its residual add; a GELU-gated feed-forward. The rest
// is in the shared steps: gemma3's per-head Q/K norms (self_attention), the sliding-window
// layers' window and RoPE, gemma2's score soft-cap (attend) and final soft-cap (logits).
RefForward::Rows RefForward::forward_gemma(std::span<const std::int32_t> tokens) {
  const auto& hp = spec_.hp;
  Rows x = embed(tokens);
  for (std::int64_t il = 0; il < hp.n_layer; ++il) {
    const model::LayerWeights& L = spec_.w.layers[il];
    add_to(x, norm(self_attention(il, L, norm(x, L.attn_norm), LayerRope{}), L.attn_post_norm));
    Rows h = norm(x, L.ffn_norm);
    Rows ffn = project(L.ffn_down, geglu(project(L.ffn_gate, h), project(L.ffn_up, h)));
    add_to(x, norm(ffn, L.ffn_post_norm));
  }
  return logits(x);
}

// gemma4 (dense, src/models/gemma4.cpp): gemma3's block with each layer's own head count and
// size; Q and K RMS-normed per head with weights, V per head without (V is K's projection where
// the layer has no attn_v); attention scale 1; RoPE with the layer kind's table (proportional
// RoPE through rope_freqs on the full layers); layers past n_layer_kv attend over an earlier
// layer's cache; the residual stream after each layer times layer_output_scale.
RefForward::Rows RefForward::forward_gemma4(std::span<const std::int32_t> tokens) {
  const auto& hp = spec_.hp;
  Rows x = embed(tokens);
  const Rows per_layer = hp.n_embd_per_layer > 0 ? per_layer_inputs(tokens, x) : Rows(0, 0);
  for (std::int64_t il = 0; il < hp.n_layer; ++il) {
    const model::LayerWeights& L = spec_.w.layers[il];
    const model::LayerAttention la = hp.layer_attention(il);
    const Rows h = norm(x, L.attn_norm);
    Rows q = project(L.wq, h);
    head_norm(q, la.n_head, L.q_norm);
    rope(q, la.n_head, il);
    Rows k(0, 0), v(0, 0);
    if (hp.kv_layer(il) == il) {
      k = project(L.wk, h);
      v = L.wv ? project(L.wv, h) : k;
      head_norm(k, la.n_head_kv, L.k_norm);
      // ggml_rms_norm without a weight: times ones, which changes no value.
      const std::vector<float> ones(static_cast<std::size_t>(la.head_dim), 1.f);
      for (std::int64_t t = 0; t < v.n; ++t) {
        head_rmsnorm(v.row(t), static_cast<int>(la.n_head_kv), ones, hp.rms_eps);
      }
      rope(k, la.n_head_kv, il);
    }
    add_to(x, norm(project(L.wo, attend(il, q, k, v)), L.attn_post_norm));
    const Rows f = norm(x, L.ffn_norm);
    const Rows ffn = project(L.ffn_down, geglu(project(L.ffn_gate, f), project(L.ffn_up, f)));
    add_to(x, norm(ffn, L.ffn_post_norm));
    if (L.pl_inp_gate) {
      // The per-layer embedding: gelu(gate(x)) times the layer's slice of the per-layer
      // inputs, projected back to the stream and normed, added to it.
      Rows g = project(L.pl_inp_gate, x);
      const Rows ones_up = [&] {
        Rows o(g.n, g.width);
        std::fill(o.data.begin(), o.data.end(), 1.f);
        return o;
      }();
      g = geglu(g, ones_up);  // ggml_gelu: the GELU of the gated form, times 1
      const Rows slice = columns(per_layer, il * hp.n_embd_per_layer, hp.n_embd_per_layer);
      for (std::size_t i = 0; i < g.data.size(); ++i) g.data[i] *= slice.data[i];
      add_to(x, norm(project(L.pl_proj, g), L.pl_post_norm));
    }
    if (L.out_scale) scale_rows(x, quant::dequantize_tensor(*L.out_scale)[0]);
  }
  return logits(x);
}

// llama.cpp's build_inp_per_layer and project_per_layer_inputs: each token's per-layer
// embedding row times sqrt(P), plus the RMS-normed (per slice of P) projection of the scaled
// embeddings x times 1/sqrt(n_embd), the sum times 1/sqrt(2). One row of n_layer * P per token.
RefForward::Rows RefForward::per_layer_inputs(std::span<const std::int32_t> tokens,
                                              const Rows& x) const {
  const auto& hp = spec_.hp;
  const std::int64_t P = hp.n_embd_per_layer;
  const quant::MatrixView table = quant::MatrixView::of(*spec_.w.per_layer_tok_embd);
  Rows inp(x.n, P * hp.n_layer);
  for (std::int64_t t = 0; t < x.n; ++t) embedding_row(table, tokens[t], inp.row(t));
  scale_rows(inp, std::sqrt(static_cast<float>(P)));
  Rows proj = project(spec_.w.per_layer_model_proj, x);
  scale_rows(proj, 1.0f / std::sqrt(static_cast<float>(hp.n_embd)));
  head_norm(proj, hp.n_layer, spec_.w.per_layer_proj_norm);
  add_to(proj, inp);
  scale_rows(proj, 1.0f / std::sqrt(2.0f));
  return proj;
}

// qwen35moe (build_layer_ffn): the routed experts, plus the shared expert's SwiGLU output times
// sigmoid(ffn_gate_inp_shexp . x).
RefForward::Rows RefForward::shared_expert_moe_ffn(const model::LayerWeights& L,
                                                   const Rows& h) const {
  Rows out = moe_ffn(L, h);
  const Rows shared =
      project(L.ffn_down_shexp, swiglu(project(L.ffn_gate_shexp, h), project(L.ffn_up_shexp, h)));
  const Rows gate = project(L.ffn_gate_inp_shexp, h);
  for (std::int64_t t = 0; t < h.n; ++t) {
    const double s = sigmoid(gate.row(t)[0]);
    for (std::int64_t i = 0; i < out.width; ++i) {
      out.row(t)[i] += static_cast<float>(shared.row(t)[i] * s);
    }
  }
  return out;
}

// qwen35's full attention: one projection gives each head's query and its output gate side by
// side; per-head Q/K norms, M-RoPE, attention, then the output times sigmoid(gate).
RefForward::Rows RefForward::gated_attention(std::int64_t il, const model::LayerWeights& L,
                                             const Rows& h) {
  const auto& hp = spec_.hp;
  const std::int64_t hd = hp.head_dim;
  const Rows qg = project(L.wq, h);
  Rows q(h.n, hp.n_embd_q()), gate(h.n, hp.n_embd_q());
  for (std::int64_t t = 0; t < h.n; ++t) {
    for (std::int64_t head = 0; head < hp.n_head; ++head) {
      const auto src = qg.row(t).subspan(static_cast<std::size_t>(2 * head * hd));
      std::copy_n(src.begin(), hd, q.row(t).begin() + head * hd);
      std::copy_n(src.begin() + hd, hd, gate.row(t).begin() + head * hd);
    }
  }
  Rows k = project(L.wk, h);
  const Rows v = project(L.wv, h);
  head_norm(q, hp.n_head, L.q_norm);
  head_norm(k, hp.n_head_kv, L.k_norm);
  Rows o = rope_and_attend(il, std::move(q), std::move(k), v, LayerRope{});
  for (std::size_t i = 0; i < o.data.size(); ++i) {
    o.data[i] = static_cast<float>(o.data[i] * sigmoid(gate.data[i]));
  }
  return project(L.wo, o);
}

// qwen35's gated delta net (build_layer_attn_linear): Q, K, V through the causal convolution
// (its window carried across calls), the gates, L2-normed Q and K, the delta rule over the
// layer's recurrent state, the gated per-head norm with z, and the output projection.
RefForward::Rows RefForward::delta_net(std::int64_t il, const model::LayerWeights& L,
                                       const Rows& h) {
  const auto& hp = spec_.hp;
  const model::DeltaNetParams& d = hp.delta;
  const Rows qkv = project(L.wqkv, h);
  const Rows z = project(L.attn_gate, h);
  const Rows beta_raw = project(L.ssm_beta, h);
  const Rows alpha = project(L.ssm_alpha, h);
  const std::vector<float> conv_w = quant::dequantize_tensor(*L.ssm_conv1d);
  const std::vector<float> dt_bias = quant::dequantize_tensor(*L.ssm_dt);
  const std::vector<float> a = quant::dequantize_tensor(*L.ssm_a);
  const std::vector<float> norm_w = quant::dequantize_tensor(*L.ssm_norm);

  Rows conv(h.n, d.conv_channels()), g(h.n, d.n_v_heads), beta(h.n, d.n_v_heads);
  for (std::int64_t t = 0; t < h.n; ++t) {
    conv_step(conv_state_[il], qkv.row(t), conv_w, d.d_conv, conv.row(t));
    delta_gates(alpha.row(t), beta_raw.row(t), dt_bias, a, g.row(t), beta.row(t));
  }
  Rows q = columns(conv, 0, d.key_dim());
  Rows k = columns(conv, d.key_dim(), d.key_dim());
  const Rows v = columns(conv, 2 * d.key_dim(), d.value_dim());
  head_l2norm(q.data, d.head_dim, hp.rms_eps);
  head_l2norm(k.data, d.head_dim, hp.rms_eps);

  const DeltaShape shape{d.head_dim, d.n_k_heads, d.n_v_heads};
  Rows o(h.n, d.value_dim());
  delta_chunked(shape, delta_state_[il], q.data, k.data, v.data, g.data, beta.data, h.n,
                kDeltaChunk, o.data);
  gated_head_rmsnorm(o.data, z.data, norm_w, d.head_dim, hp.rms_eps, o.data);
  return project(L.ssm_out, o);
}

RefForward::Rows RefForward::dense_ffn(const model::LayerWeights& L, const Rows& h) const {
  return project(L.ffn_down, swiglu(project(L.ffn_gate, h), project(L.ffn_up, h)));
}

// Attention of the llama block over separate Q/K/V projections, with the optional Q/K/V biases
// (qwen2) and per-head Q/K norms (qwen3, qwen3moe); h is the normalized input.
RefForward::Rows RefForward::self_attention(std::int64_t il, const model::LayerWeights& L,
                                            const Rows& h, LayerRope rotation) {
  auto [q, k, v] = project_qkv(L, h);
  Rows out = project(L.wo, rope_and_attend(il, std::move(q), std::move(k), v, rotation));
  add_bias(out, L.bo);
  return out;
}

RefForward::Rows RefForward::rope_and_attend(std::int64_t il, Rows q, Rows k, const Rows& v,
                                             LayerRope rotation) {
  const auto& hp = spec_.hp;
  if (rotation.rotate) {
    rope(q, hp.n_head, il);
    rope(k, hp.n_head_kv, il);
  }
  if (rotation.temperature) temperature(q);
  return attend(il, q, k, v);
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

// Per token: route (ref_moe.h), then each chosen expert's SwiGLU feed-forward, summed with the
// route's weights. gpt-oss adds biases to the router's logits and to each expert's gate, up and
// down outputs (row e of the bias tensor for expert e), and uses the clamped SwiGLU.
RefForward::Rows RefForward::moe_ffn(const model::LayerWeights& L, const Rows& x) const {
  const model::MoeParams& moe = spec_.hp.moe;
  const quant::MatrixView router = quant::MatrixView::of(*L.ffn_gate_inp);
  const auto bias_of = [](TensorRef b) {
    return b ? quant::dequantize_tensor(*b) : std::vector<float>{};
  };
  const std::vector<float> router_b = bias_of(L.ffn_gate_inp_b),
                           gate_b = bias_of(L.ffn_gate_exps_b), up_b = bias_of(L.ffn_up_exps_b),
                           down_b = bias_of(L.ffn_down_exps_b);
  // out += expert e's bias row, where the layer has that bias.
  const auto add_expert_bias = [](Rows& y, const std::vector<float>& b, std::int32_t e) {
    if (b.empty()) return;
    const auto w = static_cast<std::size_t>(y.width);
    ref::add_bias(y.row(0), std::span(b).subspan(static_cast<std::size_t>(e) * w, w));
  };
  Rows out(x.n, x.width);
  for (std::int64_t t = 0; t < x.n; ++t) {
    Rows xt(1, x.width);
    std::copy(x.row(t).begin(), x.row(t).end(), xt.data.begin());
    Rows logits = project(router, xt);
    if (!router_b.empty()) ref::add_bias(logits.row(0), router_b);
    const Route r = moe.gating == model::MoeGating::SoftmaxOfTopK
                        ? route_top_k_softmax(logits.data, moe.n_expert_used)
                        : route_softmax_top_k(logits.data, moe.n_expert_used, moe.norm_top_k);
    std::span<float> o = out.row(t);
    for (std::size_t j = 0; j < r.ids.size(); ++j) {
      const std::int32_t e = r.ids[j];
      Rows gate = project(expert_matrix(*L.ffn_gate_exps, e), xt);
      Rows up = project(expert_matrix(*L.ffn_up_exps, e), xt);
      add_expert_bias(gate, gate_b, e);
      add_expert_bias(up, up_b, e);
      Rows hidden(1, gate.width);
      if (moe.swiglu_oai) {
        ref::swiglu_oai(gate.row(0), up.row(0), hidden.row(0));
      } else {
        hidden = swiglu(gate, up);
      }
      Rows down = project(expert_matrix(*L.ffn_down_exps, e), hidden);
      add_expert_bias(down, down_b, e);
      for (std::size_t i = 0; i < o.size(); ++i) o[i] += r.weights[j] * down.data[i];
    }
  }
  return out;
}

RefForward::Rows RefForward::embed(std::span<const std::int32_t> tokens) const {
  const quant::MatrixView table = quant::MatrixView::of(*spec_.w.token_embd);
  Rows x(static_cast<std::int64_t>(tokens.size()), spec_.hp.n_embd);
  for (std::int64_t t = 0; t < x.n; ++t) embedding_row(table, tokens[t], x.row(t));
  // gemma's sqrt(n_embd), granite's embedding_scale: multiplied in float as ggml_scale does.
  if (spec_.hp.embd_scale != 1.f) scale_rows(x, spec_.hp.embd_scale);
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

void RefForward::rope(Rows& x, std::int64_t n_heads, std::int64_t layer) const {
  const auto& hp = spec_.hp;
  // gemma4's rope_freqs belong to its full-attention layers only.
  const std::span<const float> factors = hp.rope_freqs_full_layers_only && hp.swa.is_swa(layer)
                                             ? std::span<const float>()
                                             : std::span<const float>(rope_freqs_);
  for (std::int64_t t = 0; t < x.n; ++t) {
    ref::rope(x.row(t), static_cast<int>(n_heads),
              static_cast<int>(hp.layer_attention(layer).head_dim), pos_ + t, hp.layer_rope(layer),
              factors, rounding_ == Rounding::LlamaCpp ? RopeAngles::LlamaCpp : RopeAngles::Exact);
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
// A layer that shares another's cache (HParams::kv_layer) passes no rows of K and V and reads
// that layer's cache, written earlier in the same pass.
RefForward::Rows RefForward::attend(std::int64_t layer, const Rows& q, const Rows& k,
                                    const Rows& v) {
  const auto& hp = spec_.hp;
  const model::LayerAttention la = hp.layer_attention(layer);
  std::vector<float>& kc = k_cache_[hp.kv_layer(layer)];
  std::vector<float>& vc = v_cache_[hp.kv_layer(layer)];
  const auto store = [&](std::span<const float> row, float* dst) {
    for (float x : row)
      *dst++ = kv_ == KvPrecision::F16 ? quant::fp16_to_f32(quant::f32_to_fp16(x)) : x;
  };
  for (std::int64_t t = 0; t < k.n; ++t) {
    store(k.row(t), kc.data() + (pos_ + t) * k.width);
    store(v.row(t), vc.data() + (pos_ + t) * v.width);
  }
  // 1 / sqrt(head_dim) as llama.cpp computes it, in float, or the family's own scale.
  const float scale = hp.attention_scale();
  // Token t's window (sliding-window layers) and the soft-cap of its scores.
  const TensorRef sink_tensor = spec_.w.layers[static_cast<std::size_t>(layer)].attn_sinks;
  const std::vector<float> sinks =
      sink_tensor ? quant::dequantize_tensor(*sink_tensor) : std::vector<float>{};
  const auto options = [&](std::int64_t t) {
    return AttentionOptions{model::window_first_key(pos_ + t, hp.layer_window(layer)),
                            hp.attn_softcap, sinks};
  };
  const int n_head = static_cast<int>(la.n_head), n_head_kv = static_cast<int>(la.n_head_kv);
  const int head_dim = static_cast<int>(la.head_dim);
  Rows out(q.n, la.n_head * la.head_dim);
  if (rounding_ == Rounding::Exact) {
    for (std::int64_t t = 0; t < q.n; ++t) {
      attention(q.row(t), kc, vc, pos_ + t + 1, n_head, n_head_kv, head_dim, scale, out.row(t),
                options(t));
    }
    return out;
  }
  // llama.cpp's phi3 and gemma graphs scale the query before attention and attend with scale 1,
  // so the scaled query is what its flash attention rounds to fp16.
  const bool scale_query_first =
      hp.arch == Arch::Phi3 || hp.arch == Arch::Gemma2 || hp.arch == Arch::Gemma3;
  Rows qq = q;
  if (scale_query_first) {
    for (float& x : qq.data) x *= scale;
  }
  for (std::int64_t t = 0; t < q.n; ++t) {
    attention_llama_cpp(qq.row(t), kc, vc, pos_ + t + 1, n_head, n_head_kv, head_dim,
                        scale_query_first ? 1.f : scale, out.row(t), options(t));
  }
  return out;
}

RefForward::Rows RefForward::swiglu(const Rows& gate, const Rows& up) {
  Rows out(gate.n, gate.width);
  for (std::int64_t t = 0; t < gate.n; ++t) ref::swiglu(gate.row(t), up.row(t), out.row(t));
  return out;
}

RefForward::Rows RefForward::geglu(const Rows& gate, const Rows& up) const {
  Rows out(gate.n, gate.width);
  for (std::int64_t t = 0; t < gate.n; ++t) {
    if (rounding_ == Rounding::LlamaCpp) {
      geglu_llama_cpp(gate.row(t), up.row(t), out.row(t));
    } else {
      ref::geglu(gate.row(t), up.row(t), out.row(t));
    }
  }
  return out;
}

void RefForward::add_to(Rows& x, const Rows& y) {
  for (std::int64_t t = 0; t < x.n; ++t) add(x.row(t), y.row(t), x.row(t));
}

RefForward::Rows RefForward::logits(const Rows& x) const {
  Rows out = project(spec_.w.output, norm(x, spec_.w.output_norm));
  if (spec_.hp.final_softcap != 0.f) softcap(out.data, spec_.hp.final_softcap);
  return out;
}

}  // namespace vkchat::ref
