// The synthetic model's tensor plan, metadata and weight generation.
//
// Scaling. Every block input is RMS-normalized (norm weights 1), so projections with
// stddev 1/sqrt(fan_in) give unit-RMS activations: attention scores of unit spread and SwiGLU
// products of RMS ~0.6. The output matrix has stddev kLogitSpread / sqrt(n_embd), so logits over
// the normalized final state spread by kLogitSpread: wide enough that the largest of ~10^5 logits
// stands clear of the rest (top probabilities mostly 0.2 to 0.9 rather than 10^-5).
// Each feed-forward block adds RMS kResidual / sqrt(n_layer) to the residual stream and each
// attention block kAttnShare times that, so the stream ends near RMS kResidual whatever the depth.
// Two failure modes set these (found with llama.cpp's greedy decoding on qwen2.5-0.5b):
// - the stream must be large against the embedding rows (RMS kLogitSpread / sqrt(n_embd)): with
//   tied embeddings the current token's own row adds kLogitSpread^2 / kResidual to its own logit;
// - attention must not dominate: when the state at each position is mostly an average over the
//   context, it barely moves with the newest token, whose logit was the largest a step before, and
//   greedy decoding repeats one token forever. With attention a quarter of the feed-forward, the
//   next token depends mostly on the current one, shifted by the context, and the text wanders.
#include "synth/synth_model.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <future>
#include <numbers>
#include <stdexcept>
#include <string_view>
#include <thread>

#include "gguf/gguf_reader.h"
#include "gguf/gguf_writer.h"
#include "quant/dequantize.h"
#include "quant/dequantize_iq.h"
#include "quant/quantize.h"
#include "ref/random_weights.h"
#include "util/errors.h"

namespace vkchat::synth {

using gguf::GgmlType;

namespace {

constexpr double kLogitSpread = 10.0;
constexpr double kResidual = 6.0;
// Gemma normalizes each block's output (post norms) and multiplies the embeddings by sqrt(n_embd),
// so the stream starts as sqrt(n_embd) times the token's own (tied) row, which alone would give
// that token a logit of sqrt(n_embd) * kLogitSpread^2 / RMS(stream). Post-norm weights of RMS
// kGemmaPostNorm * kLogitSpread * sqrt(n_embd / (2 n_layer)) grow the stream to about
// kGemmaPostNorm * sqrt(n_embd) * kLogitSpread, so the own row adds only kLogitSpread /
// kGemmaPostNorm to its logit.
constexpr double kGemmaPostNorm = 2.0;
constexpr double kSwigluRms = 0.596;  // RMS of silu(g) * u for unit normal g, u
constexpr float kBiasStd = 0.1f;
constexpr double kAttnShare = 0.25;
// qwen35's delta-net decay exp(ssm_a * softplus(alpha + ssm_dt)): ssm_a = -exp(A_log) is
// negative, -1 here (A_log 0), and ssm_dt 1 as HF initializes it, so a state forgets about
// three quarters of itself per token and the next token stays mostly the current one's.
constexpr float kSsmA = -1.f;
constexpr float kSsmDt = 1.f;
// Rows are generated and written in batches of about this many output bytes.
constexpr std::uint64_t kBatchBytes = 32ull << 20;

// SplitMix64's output function: a bijective 64-bit mix.
constexpr std::uint64_t mix64(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

constexpr std::uint64_t kGolden = 0x9e3779b97f4a7c15ull;

std::uint64_t name_hash(std::string_view s) {
  std::uint64_t h = 0xcbf29ce484222325ull;  // FNV-1a
  for (char c : s) h = (h ^ static_cast<unsigned char>(c)) * 0x100000001b3ull;
  return h;
}

// Row r of a tensor: a SplitMix64 stream keyed by seed, tensor name and row, each 64-bit draw
// made an approximately normal value by summing its four 16-bit parts (Irwin-Hall, tails cut at
// 3.5 sigma, which weights do not miss). Fast enough that quantization dominates.
void fill_normal_row(float* out, std::int64_t n, float stddev, std::uint64_t key) {
  constexpr double kMean = 4 * 65535.0 / 2;
  const double sd4 = std::sqrt(4 * (65536.0 * 65536.0 - 1) / 12);
  const float scale = static_cast<float>(stddev / sd4);
  std::uint64_t s = key;
  for (std::int64_t i = 0; i < n; ++i) {
    s += kGolden;
    const std::uint64_t z = mix64(s);
    const std::uint32_t sum = static_cast<std::uint32_t>((z & 0xffff) + ((z >> 16) & 0xffff) +
                                                         ((z >> 32) & 0xffff) + (z >> 48));
    out[i] = static_cast<float>(static_cast<double>(sum) - kMean) * scale;
  }
}

// Standard deviations of the matrices whose outputs join the residual stream: a feed-forward's
// down projection over a SwiGLU product of `fan_in` values, and an attention's output projection.
double down_std(double residual, std::int64_t fan_in) {
  return residual / (kSwigluRms * std::sqrt(static_cast<double>(fan_in)));
}
double attn_output_std(double residual, std::int64_t fan_in) {
  return kAttnShare * residual / std::sqrt(static_cast<double>(fan_in));
}

struct Planner {
  const Preset& p;
  const FileType& ft;
  std::vector<TensorSpec> specs;

  void vec(std::string name, std::int64_t n, Fill fill, float stddev = 0) {
    specs.push_back(
        {std::move(name), {static_cast<std::uint64_t>(n)}, GgmlType::F32, fill, stddev});
  }
  void constant(std::string name, std::int64_t n, float value) {
    vec(std::move(name), n, Fill::Constant);
    specs.back().value = value;
  }
  // A matrix with `cols` inputs (ne[0], the row length) and `rows` outputs.
  void mat(std::string name, std::string_view role, std::int64_t layer, std::int64_t cols,
           std::int64_t rows, double stddev, bool is_output = false) {
    f32_mat(std::move(name), cols, rows, stddev);
    specs.back().type = matrix_type(ft, role, layer, p.n_layer, cols, is_output);
  }
  // A matrix outside the blocks, typed by its name.
  void top_mat(std::string_view name, std::int64_t cols, std::int64_t rows, double stddev,
               bool is_output = false) {
    mat(std::string(name), name, 0, cols, rows, stddev, is_output);
  }
  // A matrix kept F32 whatever the file type, as llama-quantize keeps it.
  void f32_mat(std::string name, std::int64_t cols, std::int64_t rows, double stddev) {
    specs.push_back({std::move(name),
                     {static_cast<std::uint64_t>(cols), static_cast<std::uint64_t>(rows)},
                     GgmlType::F32,
                     Fill::Normal,
                     static_cast<float>(stddev)});
  }
};

// The tensors of block il: each named "blk.<il>." + its role, matrices typed by that role.
struct BlockPlanner {
  Planner& pl;
  std::int64_t il;
  std::string prefix = "blk." + std::to_string(il) + ".";

  void vec(std::string_view role, std::int64_t n, Fill fill, float stddev = 0) {
    pl.vec(prefix + std::string(role), n, fill, stddev);
  }
  void constant(std::string_view role, std::int64_t n, float value) {
    pl.constant(prefix + std::string(role), n, value);
  }
  void mat(std::string_view role, std::int64_t cols, std::int64_t rows, double stddev) {
    pl.mat(prefix + std::string(role), role, il, cols, rows, stddev);
  }
  void f32_mat(std::string_view role, std::int64_t cols, std::int64_t rows, double stddev) {
    pl.f32_mat(prefix + std::string(role), cols, rows, stddev);
  }
  // n_expert stacked matrices of `cols` inputs and `rows` outputs (a mixture's experts), typed
  // as the dense matrix `dense_role` would be.
  void experts(std::string_view role, std::string_view dense_role, std::int64_t cols,
               std::int64_t rows, std::int64_t n_expert, double stddev) {
    pl.mat(prefix + std::string(role), dense_role, il, cols, rows, stddev);
    pl.specs.back().ne.push_back(static_cast<std::uint64_t>(n_expert));
  }

  // The dense SwiGLU feed-forward's three matrices, n_ff wide.
  void swiglu_ffn(std::int64_t n_ff, double in_std, double residual) {
    const std::int64_t E = pl.p.n_embd;
    mat("ffn_gate.weight", E, n_ff, in_std);
    mat("ffn_up.weight", E, n_ff, in_std);
    mat("ffn_down.weight", n_ff, E, down_std(residual, n_ff));
  }
  // The attention's output projection from q_dim values.
  void attn_output(std::int64_t q_dim, double residual) {
    mat("attn_output.weight", q_dim, pl.p.n_embd, attn_output_std(residual, q_dim));
  }
};

}  // namespace

std::vector<float> llama3_rope_freqs(const Preset& p) {
  // As llama.cpp's converter computes them from rope_scaling (rope_type "llama3").
  const Llama3RopeScaling& s = p.rope_scaling.value();
  const double low_wavelen = static_cast<double>(s.original_context) / s.low_freq_factor;
  const double high_wavelen = static_cast<double>(s.original_context) / s.high_freq_factor;
  std::vector<float> out;
  for (std::int64_t i = 0; i < p.head_dim; i += 2) {
    const double freq = 1.0 / std::pow(static_cast<double>(p.rope_base),
                                       static_cast<double>(i) / static_cast<double>(p.head_dim));
    const double wavelen = 2 * std::numbers::pi / freq;
    double f;
    if (wavelen < high_wavelen) {
      f = 1;
    } else if (wavelen > low_wavelen) {
      f = s.factor;
    } else {
      const double smooth =
          (static_cast<double>(s.original_context) / wavelen - s.low_freq_factor) /
          (s.high_freq_factor - s.low_freq_factor);
      f = 1 / ((1 - smooth) / s.factor + smooth);
    }
    out.push_back(static_cast<float>(f));
  }
  return out;
}

namespace {

// qwen35's blocks (src/models/qwen35.cpp: load_block_trunk), in the converter's order. The
// delta net's q/k/v come out of one projection and a short convolution (conv weights of
// stddev 1/sqrt(kernel) keep them unit RMS); its output, RMS-normed and gated by silu(z), has
// RMS ~kSwigluRms, so ssm_out scales like the attention output. Full-attention queries are
// [q, gate] per head, hence 2 q_dim rows.
void plan_qwen35_layers(Planner& pl, double in_std, double residual) {
  const Preset& p = pl.p;
  const Qwen35Shape& d = p.qwen35.value();
  const std::int64_t E = p.n_embd;
  const std::int64_t q_dim = p.n_head * p.head_dim, kv_dim = p.n_head_kv * p.head_dim;
  const std::int64_t key_dim = d.n_k_heads * d.state_size, value_dim = d.n_v_heads * d.state_size;
  const std::int64_t conv_dim = 2 * key_dim + value_dim;
  for (std::int64_t il = 0; il < p.n_layer; ++il) {
    BlockPlanner b{pl, il};
    b.vec("attn_norm.weight", E, Fill::Ones);
    if ((il + 1) % d.full_attention_interval != 0) {
      b.mat("attn_qkv.weight", E, conv_dim, in_std);
      b.mat("attn_gate.weight", E, value_dim, in_std);
      // Rows of conv_kernel values fit no block.
      b.f32_mat("ssm_conv1d.weight", d.conv_kernel, conv_dim,
                1 / std::sqrt(static_cast<double>(d.conv_kernel)));
      b.constant("ssm_dt.bias", d.n_v_heads, kSsmDt);
      b.constant("ssm_a", d.n_v_heads, kSsmA);
      b.mat("ssm_beta.weight", E, d.n_v_heads, in_std);
      b.mat("ssm_alpha.weight", E, d.n_v_heads, in_std);
      b.vec("ssm_norm.weight", d.state_size, Fill::Ones);
      b.mat("ssm_out.weight", value_dim, E, down_std(kAttnShare * residual, value_dim));
    } else {
      b.mat("attn_q.weight", E, 2 * q_dim, in_std);
      b.mat("attn_k.weight", E, kv_dim, in_std);
      b.mat("attn_v.weight", E, kv_dim, in_std);
      b.vec("attn_q_norm.weight", p.head_dim, Fill::Ones);
      b.vec("attn_k_norm.weight", p.head_dim, Fill::Ones);
      b.attn_output(q_dim, residual);
    }
    // qwen35's pre-FFN norm is named post_attention_norm.
    b.vec("post_attention_norm.weight", E, Fill::Ones);
    b.swiglu_ffn(p.n_ff, in_std, residual);
  }
}

// The blocks of the llama-like families (llama, qwen2, qwen3, qwen3moe, gemma3, gemma4).
void plan_layers(Planner& pl, double in_std, double residual, double post_norm) {
  const Preset& p = pl.p;
  const std::int64_t E = p.n_embd;
  const std::int64_t P = p.gemma4 ? p.gemma4->n_embd_per_layer : 0;
  for (std::int64_t il = 0; il < p.n_layer; ++il) {
    BlockPlanner b{pl, il};
    // gemma4: the full layers' own head size and KV heads; K as V there; no K/V on the layers
    // that read another layer's cache.
    const bool full = p.gemma4 && p.gemma4->is_full(il);
    const std::int64_t head_dim = full ? p.gemma4->head_dim_full : p.head_dim;
    const std::int64_t q_dim = p.n_head * head_dim;
    const std::int64_t kv_dim = (full ? p.gemma4->n_head_kv_full : p.n_head_kv) * head_dim;
    const bool own_kv = !p.gemma4 || il < p.n_layer - p.gemma4->n_kv_shared;
    b.vec("attn_norm.weight", E, Fill::Ones);
    b.mat("attn_q.weight", E, q_dim, in_std);
    if (own_kv) b.mat("attn_k.weight", E, kv_dim, in_std);
    if (own_kv && !(full && p.gemma4->k_eq_v)) b.mat("attn_v.weight", E, kv_dim, in_std);
    if (p.qkv_bias) {
      b.vec("attn_q.bias", q_dim, Fill::Normal, kBiasStd);
      b.vec("attn_k.bias", kv_dim, Fill::Normal, kBiasStd);
      b.vec("attn_v.bias", kv_dim, Fill::Normal, kBiasStd);
    }
    if (p.qk_norm) {
      b.vec("attn_q_norm.weight", head_dim, Fill::Ones);
      if (own_kv) b.vec("attn_k_norm.weight", head_dim, Fill::Ones);
    }
    b.attn_output(q_dim, residual);
    if (p.gemma) b.vec("post_attention_norm.weight", E, Fill::Normal, post_norm);
    b.vec("ffn_norm.weight", E, Fill::Ones);
    if (p.n_expert > 0) {
      // The router stays F32, as llama-quantize leaves ffn_gate_inp; the chosen experts' weights
      // sum to 1, so each expert's down projection is scaled like the dense one.
      const std::int64_t X = p.n_expert, FX = p.n_ff_exp;
      b.f32_mat("ffn_gate_inp.weight", E, X, in_std);
      b.experts("ffn_gate_exps.weight", "ffn_gate.weight", E, FX, X, in_std);
      b.experts("ffn_up_exps.weight", "ffn_up.weight", E, FX, X, in_std);
      b.experts("ffn_down_exps.weight", "ffn_down.weight", FX, E, X, down_std(residual, FX));
      continue;
    }
    b.swiglu_ffn(p.layer_n_ff(il), in_std, residual);
    if (p.gemma) b.vec("post_ffw_norm.weight", E, Fill::Normal, post_norm);
    if (P > 0) {
      b.mat("inp_gate.weight", E, P, in_std);
      b.mat("proj.weight", P, E, in_std);
      b.vec("post_norm.weight", E, Fill::Normal, post_norm);
    }
    if (p.gemma4) b.vec("layer_output_scale.weight", 1, Fill::Ones);
  }
}

// The rope_freqs tensor's values (llama 3's rope scaling, gemma4's proportional RoPE); empty
// for a preset without one.
std::vector<float> rope_freqs(const Preset& p) {
  return p.rope_scaling ? llama3_rope_freqs(p)
         : p.gemma4     ? gemma4_rope_freqs(p)
                        : std::vector<float>{};
}

}  // namespace

std::vector<float> gemma4_rope_freqs(const Preset& p) {
  // Gemma4Model.generate_extra_tensors: the full layers rotate the first partial_rotary_full of
  // their pairs; a divisor of 1e30 leaves the others (all but) unrotated.
  const Gemma4Shape& g = p.gemma4.value();
  const auto n_rot =
      static_cast<std::int64_t>(static_cast<double>(g.head_dim_full) * g.partial_rotary_full / 2);
  std::vector<float> out(static_cast<std::size_t>(g.head_dim_full / 2), 1e30f);
  std::fill_n(out.begin(), n_rot, 1.f);
  return out;
}

std::vector<TensorSpec> plan_tensors(const Preset& p, const FileType& ft, std::int64_t n_vocab) {
  Planner pl{p, ft, {}};
  const std::int64_t E = p.n_embd;
  const double embd_std = kLogitSpread / std::sqrt(static_cast<double>(E));
  const double in_std = 1 / std::sqrt(static_cast<double>(E));
  const double residual = kResidual / std::sqrt(static_cast<double>(p.n_layer));
  const double post_norm =
      kGemmaPostNorm * kLogitSpread *
      std::sqrt(static_cast<double>(E) / (2.0 * static_cast<double>(p.n_layer)));

  if (const std::size_t n = rope_freqs(p).size()) {
    pl.vec("rope_freqs.weight", static_cast<std::int64_t>(n), Fill::RopeFreqs);
  }
  pl.top_mat("token_embd.weight", E, n_vocab, embd_std, p.tied_embeddings);
  const std::int64_t P = p.gemma4 ? p.gemma4->n_embd_per_layer : 0;
  if (P > 0) {
    pl.top_mat("per_layer_token_embd.weight", P * p.n_layer, n_vocab, 1.0);
    pl.top_mat("per_layer_model_proj.weight", E, P * p.n_layer, in_std);
    pl.vec("per_layer_proj_norm.weight", P, Fill::Ones);
  }
  if (p.qwen35) {
    plan_qwen35_layers(pl, in_std, residual);
  } else {
    plan_layers(pl, in_std, residual, post_norm);
  }
  pl.vec("output_norm.weight", E, Fill::Ones);
  if (!p.tied_embeddings) pl.top_mat("output.weight", E, n_vocab, embd_std, true);
  return std::move(pl.specs);
}

namespace {

void write_metadata(gguf::GgufWriter& w, const Preset& p, const FileType& ft,
                    const gguf::GgufFile& vocab, std::int64_t n_vocab, std::uint64_t seed) {
  const std::string a = std::string(p.arch) + ".";
  const auto u32 = [](std::int64_t v) { return static_cast<std::uint32_t>(v); };
  w.set("general.architecture", p.arch);
  w.set("general.name", "synthetic " + std::string(p.name));
  w.set("general.description", "vkchat-cli synth: random weights at the shapes of " +
                                   std::string(p.name) + ", seed " + std::to_string(seed));
  w.set("general.file_type", ft.llama_ftype);
  w.set("general.quantization_version", std::uint32_t{2});
  w.set(a + "vocab_size", u32(n_vocab));
  w.set(a + "context_length", u32(p.n_ctx));
  w.set(a + "embedding_length", u32(p.n_embd));
  w.set(a + "feed_forward_length", u32(p.n_ff));
  w.set(a + "block_count", u32(p.n_layer));
  w.set(a + "attention.head_count", u32(p.n_head));
  w.set(a + "attention.head_count_kv", u32(p.n_head_kv));
  w.set(a + "attention.key_length", u32(p.head_dim));
  w.set(a + "attention.value_length", u32(p.head_dim));
  w.set(a + "rope.dimension_count", u32(p.qwen35 ? p.qwen35->rope_dims : p.head_dim));
  w.set(a + "rope.freq_base", p.rope_base);
  w.set(a + "attention.layer_norm_rms_epsilon", p.rms_eps);
  if (p.gemma4) {
    // Gemma4Model.set_gguf_parameters: the full layers' sizes as key_length and
    // rope.dimension_count, the sliding-window layers' in the _swa keys, KV heads and the
    // pattern per layer.
    const Gemma4Shape& g = *p.gemma4;
    std::vector<bool> swa;
    std::vector<std::int32_t> kv_heads;
    for (std::int64_t il = 0; il < p.n_layer; ++il) {
      swa.push_back(!g.is_full(il));
      kv_heads.push_back(static_cast<std::int32_t>(g.is_full(il) ? g.n_head_kv_full : p.n_head_kv));
    }
    w.set_array(a + "attention.head_count_kv", kv_heads);
    w.set_array(a + "attention.sliding_window_pattern", swa);
    w.set(a + "attention.key_length", u32(g.head_dim_full));
    w.set(a + "attention.value_length", u32(g.head_dim_full));
    w.set(a + "attention.key_length_swa", u32(p.head_dim));
    w.set(a + "attention.value_length_swa", u32(p.head_dim));
    w.set(a + "rope.dimension_count", u32(g.head_dim_full));
    w.set(a + "rope.dimension_count_swa", u32(p.head_dim));
    w.set(a + "attention.shared_kv_layers", u32(g.n_kv_shared));
    if (g.double_wide_mlp) {  // Gemma4Model: one width per layer
      std::vector<std::uint32_t> ff;
      for (std::int64_t il = 0; il < p.n_layer; ++il) ff.push_back(u32(p.layer_n_ff(il)));
      w.set_array(a + "feed_forward_length", ff);
    }
    w.set(a + "embedding_length_per_layer_input", u32(g.n_embd_per_layer));
    w.set(a + "final_logit_softcapping", g.final_softcap);
  }
  if (p.gemma) {
    // The keys convert_hf_to_gguf.py writes for Gemma 3 (no pattern key: llama.cpp's period 6).
    w.set(a + "attention.sliding_window", u32(p.gemma->sliding_window));
    w.set(a + "rope.freq_base_swa", p.gemma->rope_base_swa);
    if (p.gemma->rope_linear_factor > 0) {
      w.set(a + "rope.scaling.type", std::string_view("linear"));
      w.set(a + "rope.scaling.factor", p.gemma->rope_linear_factor);
    }
  }
  if (p.n_expert > 0) {
    w.set(a + "expert_count", u32(p.n_expert));
    w.set(a + "expert_used_count", u32(p.n_expert_used));
    w.set(a + "expert_feed_forward_length", u32(p.n_ff_exp));
  }
  if (p.qwen35) {
    // Qwen3NextModel.set_gguf_parameters and _Qwen35MRopeMixin.
    const Qwen35Shape& d = *p.qwen35;
    w.set(a + "ssm.conv_kernel", u32(d.conv_kernel));
    w.set(a + "ssm.state_size", u32(d.state_size));
    w.set(a + "ssm.group_count", u32(d.n_k_heads));
    w.set(a + "ssm.time_step_rank", u32(d.n_v_heads));
    w.set(a + "ssm.inner_size", u32(d.state_size * d.n_v_heads));
    w.set(a + "full_attention_interval", u32(d.full_attention_interval));
    w.set_array(a + "rope.dimension_sections",
                std::span<const std::int32_t>(d.rope_sections.data(), d.rope_sections.size()));
  }
  // The whole tokenizer: model, pre-tokenizer, tokens, scores, types, merges, special ids,
  // add_bos / add_eos and the chat template, whichever the vocab file has.
  for (const auto& [key, value] : vocab.metadata()) {
    if (key.starts_with("tokenizer.")) w.set_value(key, value);
  }
}

// Fills rows [r0, r1) of a tensor and encodes them at dst.
void make_rows(const TensorSpec& t, std::uint64_t tensor_key, std::int64_t r0, std::int64_t r1,
               std::uint8_t* dst, const std::vector<float>& fixed) {
  const auto cols = static_cast<std::int64_t>(t.ne[0]);
  const std::uint64_t rb = quant::row_bytes(t.type, cols);
  std::vector<float> row(static_cast<std::size_t>(cols));
  for (std::int64_t r = r0; r < r1; ++r) {
    std::uint8_t* out = dst + static_cast<std::uint64_t>(r - r0) * rb;
    const std::uint64_t row_key = mix64(tensor_key + static_cast<std::uint64_t>(r) * kGolden);
    if (quant::is_grid_iq_type(t.type)) {
      // No reference quantizer without an importance matrix (synth/file_types.cpp): random
      // valid blocks, keyed like the row's floats would be.
      const std::vector<std::uint8_t> blocks = ref::random_weights(t.type, 1, cols, row_key);
      std::memcpy(out, blocks.data(), rb);
      continue;
    }
    switch (t.fill) {
      case Fill::Normal: fill_normal_row(row.data(), cols, t.stddev, row_key); break;
      case Fill::Ones: std::fill(row.begin(), row.end(), 1.f); break;
      case Fill::Constant: std::fill(row.begin(), row.end(), t.value); break;
      case Fill::RopeFreqs: std::copy(fixed.begin(), fixed.end(), row.begin()); break;
    }
    quant::quantize_row(t.type, row.data(), out, cols);
  }
}

// Rows [r0, r1) split between `threads` threads, the calling one included.
void make_rows_parallel(const TensorSpec& t, std::uint64_t tensor_key, std::int64_t r0,
                        std::int64_t r1, std::uint8_t* dst, const std::vector<float>& fixed,
                        int threads) {
  const std::uint64_t rb = quant::row_bytes(t.type, static_cast<std::int64_t>(t.ne[0]));
  const std::int64_t n_threads = std::min<std::int64_t>(threads, r1 - r0);
  const std::int64_t per = (r1 - r0 + n_threads - 1) / n_threads;
  std::vector<std::exception_ptr> errors(static_cast<std::size_t>(n_threads));
  {
    std::vector<std::jthread> pool;
    for (std::int64_t k = 0; k < n_threads; ++k) {
      const std::int64_t a = std::min(r1, r0 + k * per), b = std::min(r1, a + per);
      auto job = [&, k, a, b] {
        try {
          make_rows(t, tensor_key, a, b, dst + static_cast<std::uint64_t>(a - r0) * rb, fixed);
        } catch (...) {
          errors[static_cast<std::size_t>(k)] = std::current_exception();
        }
      };
      if (k + 1 == n_threads) {
        job();  // the calling thread takes the last share
      } else {
        pool.emplace_back(job);
      }
    }
  }  // joins
  for (const std::exception_ptr& e : errors) {
    if (e) std::rethrow_exception(e);
  }
}

}  // namespace

SynthSummary write_synth_model(const Preset& p, const FileType& ft, const SynthOptions& opt) {
  const gguf::GgufFile vocab = gguf::GgufFile::open(opt.vocab);
  const std::span<const std::string_view> tokens =
      vocab.get_array<std::string_view>("tokenizer.ggml.tokens");
  SynthSummary sum;
  sum.n_vocab = static_cast<std::int64_t>(tokens.size());
  if (sum.n_vocab == 0) throw MetadataError(vocab.path() + ": tokenizer.ggml.tokens is empty");

  const std::vector<TensorSpec> specs = plan_tensors(p, ft, sum.n_vocab);
  gguf::GgufWriter w(opt.out);
  write_metadata(w, p, ft, vocab, sum.n_vocab, opt.seed);
  std::uint64_t total = 0;
  for (const TensorSpec& t : specs) {
    w.add_tensor(t.name, t.ne, t.type);
    total += w.tensor_bytes(w.tensor_count() - 1);
    std::uint64_t n = 1;
    for (std::uint64_t d : t.ne) n *= d;
    sum.n_params += n;
    ++sum.tensors_by_type[t.type];
  }
  w.write_header();

  const int threads = std::max(
      1, opt.threads > 0 ? opt.threads : static_cast<int>(std::thread::hardware_concurrency()));
  const std::vector<float> freqs = rope_freqs(p);
  // Two buffers: the threads fill one while the other is being written.
  std::vector<std::uint8_t> bufs[2];
  std::future<void> writing;
  int cur = 0;
  std::uint64_t done = 0;
  const auto wait_for_write = [&] {
    if (!writing.valid()) return;
    writing.get();  // rethrows a write error
    if (opt.progress) opt.progress(done, total);
  };
  for (const TensorSpec& t : specs) {
    const std::uint64_t key = mix64(opt.seed ^ mix64(name_hash(t.name)));
    const auto cols = static_cast<std::int64_t>(t.ne[0]);
    std::int64_t rows = 1;  // every row of every matrix (a 3-D tensor's experts one after another)
    for (std::size_t d = 1; d < t.ne.size(); ++d) rows *= static_cast<std::int64_t>(t.ne[d]);
    const std::uint64_t rb = quant::row_bytes(t.type, cols);
    const std::int64_t batch =
        std::clamp<std::int64_t>(static_cast<std::int64_t>(kBatchBytes / rb), 1, rows);
    for (std::int64_t b0 = 0; b0 < rows; b0 += batch) {
      const std::int64_t b1 = std::min(rows, b0 + batch);
      std::vector<std::uint8_t>& buf = bufs[cur];
      buf.resize(static_cast<std::size_t>(static_cast<std::uint64_t>(b1 - b0) * rb));
      make_rows_parallel(t, key, b0, b1, buf.data(), freqs, threads);
      wait_for_write();
      writing = std::async(std::launch::async, [&w, &buf] { w.write_tensor_data(buf); });
      done += buf.size();
      cur ^= 1;
    }
  }
  wait_for_write();
  sum.file_bytes = w.file_size();
  w.finish();
  return sum;
}

}  // namespace vkchat::synth
