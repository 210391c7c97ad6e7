// Tensor lookup by llama.cpp's GGUF names, with every shape checked before anything runs.
#include "model/weights.h"

#include <algorithm>
#include <array>
#include <string>

#include "quant/dequantize.h"
#include "util/errors.h"

namespace vkchat::model {

namespace {

std::string shape_string(std::initializer_list<std::int64_t> dims) {
  std::string s = "[";
  for (std::int64_t d : dims) s += (s.size() > 1 ? ", " : "") + std::to_string(d);
  return s + "]";
}

class Finder {
 public:
  explicit Finder(const gguf::GgufFile& f) : f_(f) {}

  // The tensor with exactly this shape (trailing dimensions 1), or nullptr if absent and
  // optional.
  TensorRef get(const std::string& name, std::initializer_list<std::int64_t> shape,
                bool required = true) const {
    const gguf::TensorInfo* t = f_.find_tensor(name);
    if (!t) {
      if (!required) return nullptr;
      throw UnsupportedModel(f_.path() + ": missing tensor " + name);
    }
    std::array<std::uint64_t, 4> want{1, 1, 1, 1};
    std::size_t i = 0;
    for (std::int64_t d : shape) want[i++] = static_cast<std::uint64_t>(d);
    if (t->ne != want) {
      throw UnsupportedModel(f_.path() + ": tensor " + name + " has shape " + t->shape_string() +
                             ", expected " + shape_string(shape));
    }
    if (!quant::dequant_supported(t->type)) {
      throw UnsupportedModel(f_.path() + ": tensor " + name + " has type " +
                             std::string(gguf::type_name(t->type)) + ", which is not supported");
    }
    return t;
  }

 private:
  const gguf::GgufFile& f_;
};

// One qwen35 layer (src/models/qwen35.cpp: load_block_trunk): a gated delta net or a full
// attention with an output gate, then the dense SwiGLU feed-forward (qwen35moe.cpp: routed
// experts and a gated shared expert instead). The MTP blocks after
// n_layer are not looked up: llama.cpp skips them unless it drafts with them.
LayerWeights find_qwen35_layer(const Finder& find, const HParams& hp, std::int64_t il) {
  const std::int64_t E = hp.n_embd, F = hp.n_ff;
  const DeltaNetParams& d = hp.delta;
  const std::string p = "blk." + std::to_string(il) + ".";
  LayerWeights l;
  l.attn_norm = find.get(p + "attn_norm.weight", {E});
  l.ffn_norm = find.get(p + "post_attention_norm.weight", {E});
  if (hp.is_recurrent(il)) {
    l.wqkv = find.get(p + "attn_qkv.weight", {E, d.conv_channels()});
    l.attn_gate = find.get(p + "attn_gate.weight", {E, d.value_dim()});
    l.ssm_conv1d = find.get(p + "ssm_conv1d.weight", {d.d_conv, d.conv_channels()});
    l.ssm_dt = find.get(p + "ssm_dt.bias", {d.n_v_heads});
    l.ssm_a = find.get(p + "ssm_a", {d.n_v_heads});
    l.ssm_beta = find.get(p + "ssm_beta.weight", {E, d.n_v_heads});
    l.ssm_alpha = find.get(p + "ssm_alpha.weight", {E, d.n_v_heads});
    l.ssm_norm = find.get(p + "ssm_norm.weight", {d.head_dim});
    l.ssm_out = find.get(p + "ssm_out.weight", {d.value_dim(), E});
  } else {
    l.wq = find.get(p + "attn_q.weight", {E, 2 * hp.n_embd_q()});
    l.wk = find.get(p + "attn_k.weight", {E, hp.n_embd_k_gqa()});
    l.wv = find.get(p + "attn_v.weight", {E, hp.n_embd_v_gqa()});
    l.q_norm = find.get(p + "attn_q_norm.weight", {hp.head_dim});
    l.k_norm = find.get(p + "attn_k_norm.weight", {hp.head_dim});
    l.wo = find.get(p + "attn_output.weight", {hp.n_embd_attn_out(), E});
  }
  if (hp.moe.n_expert > 0) {
    const std::int64_t X = hp.moe.n_expert, FX = hp.moe.n_ff_exp, FS = hp.moe.n_ff_shexp;
    l.ffn_gate_inp = find.get(p + "ffn_gate_inp.weight", {E, X});
    l.ffn_gate_exps = find.get(p + "ffn_gate_exps.weight", {E, FX, X});
    l.ffn_up_exps = find.get(p + "ffn_up_exps.weight", {E, FX, X});
    l.ffn_down_exps = find.get(p + "ffn_down_exps.weight", {FX, E, X});
    l.ffn_gate_inp_shexp = find.get(p + "ffn_gate_inp_shexp.weight", {E});
    l.ffn_gate_shexp = find.get(p + "ffn_gate_shexp.weight", {E, FS});
    l.ffn_up_shexp = find.get(p + "ffn_up_shexp.weight", {E, FS});
    l.ffn_down_shexp = find.get(p + "ffn_down_shexp.weight", {FS, E});
    return l;
  }
  l.ffn_gate = find.get(p + "ffn_gate.weight", {E, F});
  l.ffn_up = find.get(p + "ffn_up.weight", {E, F});
  l.ffn_down = find.get(p + "ffn_down.weight", {F, E});
  return l;
}

// One gemma4 layer (src/models/gemma4.cpp load_arch_tensors): gemma3's block with the layer's
// own head count and size, V optional (K's projection serves as V), no K/V projections on
// layers that share another's cache, and the layer output scale.
LayerWeights find_gemma4_layer(const Finder& find, const HParams& hp, std::int64_t il) {
  const std::int64_t E = hp.n_embd, F = hp.layer_n_ff(il);
  const LayerAttention la = hp.layer_attention(il);
  const std::int64_t Q = la.n_head * la.head_dim, KV = la.n_head_kv * la.head_dim;
  const bool own_kv = il < hp.n_layer_kv();
  const std::string p = "blk." + std::to_string(il) + ".";
  LayerWeights l;
  l.attn_norm = find.get(p + "attn_norm.weight", {E});
  l.wq = find.get(p + "attn_q.weight", {E, Q});
  l.wk = find.get(p + "attn_k.weight", {E, KV}, own_kv);
  l.wv = find.get(p + "attn_v.weight", {E, KV}, false);
  l.wo = find.get(p + "attn_output.weight", {Q, E});
  l.q_norm = find.get(p + "attn_q_norm.weight", {la.head_dim});
  l.k_norm = find.get(p + "attn_k_norm.weight", {la.head_dim}, own_kv);
  l.attn_post_norm = find.get(p + "post_attention_norm.weight", {E});
  l.out_scale = find.get(p + "layer_output_scale.weight", {1}, false);
  l.ffn_norm = find.get(p + "ffn_norm.weight", {E});
  l.ffn_gate = find.get(p + "ffn_gate.weight", {E, F});
  l.ffn_up = find.get(p + "ffn_up.weight", {E, F});
  l.ffn_down = find.get(p + "ffn_down.weight", {F, E});
  l.ffn_post_norm = find.get(p + "post_ffw_norm.weight", {E});
  if (const std::int64_t P = hp.n_embd_per_layer; P > 0) {
    l.pl_inp_gate = find.get(p + "inp_gate.weight", {E, P});
    l.pl_proj = find.get(p + "proj.weight", {P, E});
    l.pl_post_norm = find.get(p + "post_norm.weight", {E});
  }
  if (!own_kv) l.wk = l.wv = l.k_norm = nullptr;  // the shared cache's layer computed them
  return l;
}

}  // namespace

Weights find_weights(const gguf::GgufFile& f, const HParams& hp) {
  const Finder find(f);
  const std::int64_t E = hp.n_embd, V = hp.n_vocab, F = hp.n_ff;
  Weights w;
  w.token_embd = find.get("token_embd.weight", {E, V});
  w.output_norm = find.get("output_norm.weight", {E});
  // gemma2's output is always token_embd (llama.cpp loads no output.weight for it).
  w.output = hp.arch == Arch::Gemma2 ? nullptr : find.get("output.weight", {E, V}, false);
  w.tied_output = w.output == nullptr;
  if (w.tied_output) w.output = w.token_embd;
  // gemma4's full-attention layers require them (proportional RoPE).
  const bool freqs_required =
      hp.arch == Arch::Gemma4 && std::count(hp.swa.layers.begin(), hp.swa.layers.end(), false) > 0;
  w.rope_freqs = find.get("rope_freqs.weight", {hp.rope.n_rot / 2}, freqs_required);
  if (hp.rope.longrope) {
    w.rope_factors_long = find.get("rope_factors_long.weight", {hp.rope.n_rot / 2});
    w.rope_factors_short = find.get("rope_factors_short.weight", {hp.rope.n_rot / 2});
  }

  if (const std::int64_t P = hp.n_embd_per_layer; P > 0) {
    w.per_layer_tok_embd = find.get("per_layer_token_embd.weight", {P * hp.n_layer, V});
    w.per_layer_model_proj = find.get("per_layer_model_proj.weight", {E, P * hp.n_layer});
    w.per_layer_proj_norm = find.get("per_layer_proj_norm.weight", {P});
  }
  for (std::int64_t il = 0; il < hp.n_layer; ++il) {
    if (hp.delta_net_hybrid()) {
      w.layers.push_back(find_qwen35_layer(find, hp, il));
      continue;
    }
    if (hp.arch == Arch::Gemma4) {
      w.layers.push_back(find_gemma4_layer(find, hp, il));
      continue;
    }
    const std::string p = "blk." + std::to_string(il) + ".";
    LayerWeights l;
    l.attn_norm = find.get(p + "attn_norm.weight", {E});
    if (hp.arch == Arch::Phi3) {
      l.wqkv = find.get(p + "attn_qkv.weight",
                        {E, hp.n_embd_q() + hp.n_embd_k_gqa() + hp.n_embd_v_gqa()});
    } else {
      l.wq = find.get(p + "attn_q.weight", {E, hp.n_embd_q()});
      l.wk = find.get(p + "attn_k.weight", {E, hp.n_embd_k_gqa()});
      l.wv = find.get(p + "attn_v.weight", {E, hp.n_embd_v_gqa()});
    }
    if (hp.arch == Arch::Qwen2 || hp.arch == Arch::Llama || hp.arch == Arch::GptOss) {
      // qwen2 and gpt-oss always have them; a few llama-architecture models do too.
      const bool required = hp.arch != Arch::Llama;
      l.bq = find.get(p + "attn_q.bias", {hp.n_embd_q()}, required);
      l.bk = find.get(p + "attn_k.bias", {hp.n_embd_k_gqa()}, required);
      l.bv = find.get(p + "attn_v.bias", {hp.n_embd_v_gqa()}, required);
    }
    if (hp.arch == Arch::Qwen3 || hp.arch == Arch::Qwen3Moe || hp.arch == Arch::Gemma3) {
      l.q_norm = find.get(p + "attn_q_norm.weight", {hp.head_dim});
      l.k_norm = find.get(p + "attn_k_norm.weight", {hp.head_dim});
    }
    l.wo = find.get(p + "attn_output.weight", {hp.n_embd_attn_out(), E});
    if (hp.arch == Arch::Gemma2 || hp.arch == Arch::Gemma3) {
      l.attn_post_norm = find.get(p + "post_attention_norm.weight", {E});
      l.ffn_post_norm = find.get(p + "post_ffw_norm.weight", {E});
    }
    if (hp.arch == Arch::GptOss) {
      l.bo = find.get(p + "attn_output.bias", {E});
      l.attn_sinks = find.get(p + "attn_sinks.weight", {hp.n_head});
    }
    // gpt-oss names the feed-forward's input norm post_attention_norm (as qwen35).
    l.ffn_norm = find.get(
        p + (hp.arch == Arch::GptOss ? "post_attention_norm.weight" : "ffn_norm.weight"), {E});
    if (hp.moe.n_expert > 0) {
      const std::int64_t X = hp.moe.n_expert, FX = hp.moe.n_ff_exp;
      l.ffn_gate_inp = find.get(p + "ffn_gate_inp.weight", {E, X});
      l.ffn_gate_exps = find.get(p + "ffn_gate_exps.weight", {E, FX, X});
      l.ffn_up_exps = find.get(p + "ffn_up_exps.weight", {E, FX, X});
      l.ffn_down_exps = find.get(p + "ffn_down_exps.weight", {FX, E, X});
      if (hp.arch == Arch::GptOss) {
        l.ffn_gate_inp_b = find.get(p + "ffn_gate_inp.bias", {X});
        l.ffn_gate_exps_b = find.get(p + "ffn_gate_exps.bias", {FX, X});
        l.ffn_up_exps_b = find.get(p + "ffn_up_exps.bias", {FX, X});
        l.ffn_down_exps_b = find.get(p + "ffn_down_exps.bias", {E, X});
      }
      w.layers.push_back(l);
      continue;
    }
    if (hp.arch == Arch::Phi3) {
      l.ffn_up = find.get(p + "ffn_up.weight", {E, 2 * F});
    } else {
      l.ffn_gate = find.get(p + "ffn_gate.weight", {E, F});
      l.ffn_up = find.get(p + "ffn_up.weight", {E, F});
    }
    l.ffn_down = find.get(p + "ffn_down.weight", {F, E});
    w.layers.push_back(l);
  }
  return w;
}

ModelSpec read_model_spec(const gguf::GgufFile& f) {
  ModelSpec spec;
  spec.hp = read_hparams(f);
  spec.w = find_weights(f, spec.hp);
  return spec;
}

TensorRef rope_factors(const ModelSpec& spec, std::int64_t n_ctx) {
  if (spec.w.rope_freqs) return spec.w.rope_freqs;
  return n_ctx > spec.hp.rope.n_ctx_orig ? spec.w.rope_factors_long : spec.w.rope_factors_short;
}

}  // namespace vkchat::model
