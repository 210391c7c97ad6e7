// Hyperparameters from `{arch}.*` metadata keys, with llama.cpp's defaults where a key is absent.
#include "model/hparams.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

#include "gguf/gguf_reader.h"
#include "model/gemma4_hparams.h"
#include "model/gemma_hparams.h"
#include "util/errors.h"

namespace vkchat::model {

namespace {

Arch parse_arch(std::string_view name) {
  if (name == "llama") return Arch::Llama;
  if (name == "qwen2") return Arch::Qwen2;
  if (name == "qwen3") return Arch::Qwen3;
  if (name == "phi3") return Arch::Phi3;
  if (name == "qwen3moe") return Arch::Qwen3Moe;
  if (name == "qwen35") return Arch::Qwen35;
  if (name == "qwen35moe") return Arch::Qwen35Moe;
  if (name == "gemma2") return Arch::Gemma2;
  if (name == "gemma3") return Arch::Gemma3;
  if (name == "gemma4") return Arch::Gemma4;
  if (name == "mistral3") return Arch::Mistral3;
  if (name == "smollm3") return Arch::SmolLM3;
  if (name == "granite") return Arch::Granite;
  if (name == "gpt-oss") return Arch::GptOss;
  throw UnsupportedModel("unsupported architecture " + std::string(name.empty() ? "(none)" : name));
}

// A count from metadata, from 1 to `max`: checked before anything narrows or multiplies it, so
// that 2^32 is not read as 0 nor 2^33 + 2 as 2.
std::int64_t count(const gguf::GgufFile& f, const std::string& key, std::int64_t max,
                   std::optional<std::int64_t> fallback = {}) {
  const std::optional<std::int64_t> v = f.get_optional<std::int64_t>(key);
  if (!v && !fallback) throw MetadataError(f.path() + ": missing metadata key '" + key + "'");
  const std::int64_t n = v ? *v : *fallback;
  if (n <= 0 || n > max) {
    throw MetadataError(f.path() + ": metadata '" + key + "' is " + std::to_string(n) +
                        ", expected a count from 1 to " + std::to_string(max));
  }
  return n;
}

// A float from metadata that must be finite and at least `min` (NaN is named as such, not as
// "negative").
float finite(const gguf::GgufFile& f, const std::string& key, float value, float min,
             const char* expected) {
  if (!std::isfinite(value) || value < min) {
    throw MetadataError(f.path() + ": metadata '" + key + "' is " + std::to_string(value) +
                        ", expected " + expected);
  }
  return value;
}

// An integer array from metadata, whatever integer type the writer chose; nullopt when absent.
std::optional<std::vector<std::int64_t>> int_array(const gguf::GgufFile& f,
                                                   const std::string& key) {
  const gguf::Array* arr = f.find_array(key);
  if (!arr) return std::nullopt;
  std::vector<std::int64_t> out;
  bool ints = true;
  std::visit(
      [&](const auto& items) {
        using E = typename std::decay_t<decltype(items)>::value_type;
        if constexpr (std::is_integral_v<E>) {
          for (E v : items) {
            if constexpr (std::is_same_v<E, std::uint64_t>) {
              if (v > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
                ints = false;
                return;
              }
            }
            out.push_back(static_cast<std::int64_t>(v));
          }
        } else {
          ints = false;
        }
      },
      arr->items);
  if (!ints) throw MetadataError(f.path() + ": metadata '" + key + "' is not an integer array");
  return out;
}

// qwen35's gated delta net (src/models/qwen35.cpp: load_arch_hparams): the ssm.* sizes, the
// M-RoPE sections and which layers are recurrent.
void read_delta_net(const gguf::GgufFile& f, const std::string& a, std::int64_t block_count,
                    HParams& hp) {
  DeltaNetParams& d = hp.delta;
  d.d_conv = count(f, a + "ssm.conv_kernel", 64);
  d.d_inner = count(f, a + "ssm.inner_size", kMaxWidth);
  d.head_dim = count(f, a + "ssm.state_size", 1024);
  d.n_k_heads = count(f, a + "ssm.group_count", kMaxHeads);
  d.n_v_heads = count(f, a + "ssm.time_step_rank", kMaxHeads);
  if (d.n_v_heads % d.n_k_heads != 0) {
    throw MetadataError(f.path() + ": " + a + "ssm.time_step_rank " + std::to_string(d.n_v_heads) +
                        " is not a multiple of " + a + "ssm.group_count " +
                        std::to_string(d.n_k_heads));
  }
  // llama.cpp's state is head_v_dim^2 per head with head_v_dim = inner_size / time_step_rank and
  // asserts it equal to the key head size (state_size).
  if (d.d_inner != d.n_v_heads * d.head_dim) {
    throw UnsupportedModel(f.path() + ": " + a + "ssm.inner_size " + std::to_string(d.d_inner) +
                           " is not ssm.time_step_rank x ssm.state_size (" +
                           std::to_string(d.n_v_heads) + " x " + std::to_string(d.head_dim) + ")");
  }

  const std::string sect_key = a + "rope.dimension_sections";
  const std::optional<std::vector<std::int64_t>> sections = int_array(f, sect_key);
  if (!sections) throw MetadataError(f.path() + ": missing metadata key '" + sect_key + "'");
  std::int64_t sum = 0;
  for (std::size_t i = 0; i < hp.rope.mrope_sections.size(); ++i) {
    const std::int64_t v = i < sections->size() ? (*sections)[i] : 0;
    if (v < 0 || v > hp.rope.n_rot) {
      throw MetadataError(f.path() + ": metadata '" + sect_key + "' has " + std::to_string(v) +
                          ", expected a count of at most " + std::to_string(hp.rope.n_rot));
    }
    hp.rope.mrope_sections[i] = static_cast<int>(v);
    sum += v;
  }
  if (sum == 0) throw MetadataError(f.path() + ": metadata '" + sect_key + "' is all zero");

  hp.recurrent.assign(static_cast<std::size_t>(hp.n_layer), false);
  if (const std::optional<std::vector<std::int64_t>> flags =
          int_array(f, a + "attention.recurrent_layers")) {
    if (static_cast<std::int64_t>(flags->size()) != block_count) {
      throw MetadataError(f.path() + ": metadata '" + a + "attention.recurrent_layers' has " +
                          std::to_string(flags->size()) + " entries for " +
                          std::to_string(block_count) + " blocks");
    }
    for (std::int64_t il = 0; il < hp.n_layer; ++il) hp.recurrent[il] = (*flags)[il] != 0;
  } else {
    const std::int64_t interval = count(f, a + "full_attention_interval", kMaxLayers, 4);
    for (std::int64_t il = 0; il < hp.n_layer; ++il) hp.recurrent[il] = (il + 1) % interval != 0;
  }
}

// The rope.scaling.* keys, with llama.cpp's defaults and its derivation of the magnitude
// (llama_context's yarn_attn_factor, in float as it computes it).
void read_rope_scaling(const gguf::GgufFile& f, HParams& hp) {
  const std::string a = hp.arch_name + ".";
  RopeParams& r = hp.rope;
  // llama.cpp's default kind is linear, which without a factor is no scaling.
  const std::string scaling =
      f.get_optional<std::string>(a + "rope.scaling.type").value_or("linear");
  if (scaling != "none" && scaling != "linear" && scaling != "yarn" && scaling != "longrope") {
    throw UnsupportedModel(f.path() + ": rope scaling '" + scaling + "' is not supported");
  }
  // As llama.cpp: the newer key, else the older one; 0 means no scaling, and "none" ignores it.
  const std::string factor_key =
      f.contains(a + "rope.scaling.factor") ? a + "rope.scaling.factor" : a + "rope.scale_linear";
  const float factor = finite(f, factor_key, f.get_optional<float>(factor_key).value_or(0.f), 0.f,
                              "a finite number of at least 0");
  r.freq_scale = factor == 0.f || scaling == "none" ? 1.f : 1.f / factor;
  const std::string orig_key = a + "rope.scaling.original_context_length";
  r.n_ctx_orig = f.contains(orig_key) ? count(f, orig_key, kMaxContextLength) : hp.n_ctx_train;
  auto optional_float = [&](const std::string& key, float fallback, float min,
                            const char* expected) {
    return finite(f, key, f.get_optional<float>(key).value_or(fallback), min, expected);
  };
  const float rope_attn_factor =
      optional_float(a + "rope.scaling.attn_factor", 1.f, 0.f, "a finite number of at least 0");
  // Only these architectures read the YaRN beta and log-multiplier keys in llama.cpp; the others
  // keep its defaults.
  const bool yarn_keys = hp.arch == Arch::Mistral3;
  float log_mul = 0.f;
  if (yarn_keys) {
    r.beta_fast = optional_float(a + "rope.scaling.yarn_beta_fast", 32.f,
                                 std::numeric_limits<float>::min(), "a finite number above 0");
    r.beta_slow = optional_float(a + "rope.scaling.yarn_beta_slow", 1.f,
                                 std::numeric_limits<float>::min(), "a finite number above 0");
    log_mul = optional_float(a + "rope.scaling.yarn_log_multiplier", 0.f,
                             -std::numeric_limits<float>::max(), "a finite number");
  }
  r.ext_factor = scaling == "yarn" ? 1.f : 0.f;
  // LongRoPE's frequency divisors are tensors (model::rope_factors); llama.cpp loads them for
  // phi3 only among the families here.
  r.longrope = scaling == "longrope";
  if (r.longrope && hp.arch != Arch::Phi3) {
    throw UnsupportedModel(f.path() + ": rope scaling 'longrope' is supported for phi3 only");
  }
  r.attn_factor = 1.f;
  if (r.ext_factor != 0.f) {
    auto mscale = [](float scale, float m) {
      return scale <= 1.0f ? 1.0f : 0.1f * m * std::log(scale) + 1.0f;
    };
    const float fac = 1.0f / r.freq_scale;
    r.attn_factor = log_mul != 0.f ? mscale(fac, 1.0f) / mscale(fac, log_mul) : mscale(fac, 1.0f);
    // rope_cos_sin multiplies by 1 + 0.1 ln(factor) again, as ggml's rope_yarn does.
    r.attn_factor *= 1.0f / (1.0f + 0.1f * std::log(fac));
  }
  r.attn_factor *= rope_attn_factor;
}

// granite's multipliers; logit_scale is required, as in llama.cpp.
void read_granite_scales(const gguf::GgufFile& f, HParams& hp) {
  const std::string a = hp.arch_name + ".";
  auto get = [&](const std::string& key, std::optional<float> fallback) {
    const std::optional<float> v = f.get_optional<float>(key);
    if (!v && !fallback) throw MetadataError(f.path() + ": missing metadata key '" + key + "'");
    return finite(f, key, v.value_or(fallback.value_or(0.f)), 0.f, "a finite number of at least 0");
  };
  hp.logit_scale = get(a + "logit_scale", std::nullopt);
  if (hp.logit_scale == 0.f) {
    throw MetadataError(f.path() + ": metadata '" + a + "logit_scale' is 0, expected above 0");
  }
  hp.residual_scale = get(a + "residual_scale", 0.f);
  // 0 (or no key) leaves the embeddings unscaled, which HParams::embd_scale says with 1.
  if (const float e = get(a + "embedding_scale", 0.f); e != 0.f) hp.embd_scale = e;
  hp.attn_scale = get(a + "attention.scale", 0.f);
  // Granite switches RoPE off with rope.scaling.finetuned false (llama.cpp's default: true).
  hp.rope_enabled = f.get_optional<bool>(a + "rope.scaling.finetuned").value_or(true);
}

}  // namespace

std::string_view arch_name(Arch a) {
  switch (a) {
    case Arch::Llama: return "llama";
    case Arch::Qwen2: return "qwen2";
    case Arch::Qwen3: return "qwen3";
    case Arch::Phi3: return "phi3";
    case Arch::Qwen3Moe: return "qwen3moe";
    case Arch::Qwen35: return "qwen35";
    case Arch::Qwen35Moe: return "qwen35moe";
    case Arch::Gemma2: return "gemma2";
    case Arch::Gemma3: return "gemma3";
    case Arch::Gemma4: return "gemma4";
    case Arch::Mistral3: return "mistral3";
    case Arch::SmolLM3: return "smollm3";
    case Arch::Granite: return "granite";
    case Arch::GptOss: return "gpt-oss";
  }
  return "?";
}

float attn_temperature(const HParams& hp, std::int64_t pos) {
  if (hp.attn_temp_scale == 0.f) return 1.f;
  // llama.cpp: log(floor(pos / n) + 1.0) * scale + 1.0, the position and period in float.
  const float p = static_cast<float>(pos), n = static_cast<float>(hp.attn_temp_period);
  return static_cast<float>(std::log(std::floor(p / n) + 1.0) * hp.attn_temp_scale + 1.0);
}

HParams read_hparams(const gguf::GgufFile& f) {
  HParams hp;
  hp.arch = parse_arch(f.architecture());
  hp.arch_name = std::string(f.architecture());
  const std::string a = hp.arch_name + ".";

  hp.n_embd = count(f, a + "embedding_length", kMaxWidth);
  // Every layer has several tensors, so a file cannot hold more layers than tensors.
  const std::int64_t block_count =
      count(f, a + "block_count",
            std::clamp<std::int64_t>(static_cast<std::int64_t>(f.tensors().size()), 1, kMaxLayers));
  // The multi-token-prediction blocks (qwen35) come after the layers that run.
  const std::int64_t nextn = f.get_optional<std::int64_t>(a + "nextn_predict_layers").value_or(0);
  if (nextn < 0 || nextn >= block_count) {
    throw MetadataError(f.path() + ": metadata '" + a + "nextn_predict_layers' is " +
                        std::to_string(nextn) + ", expected fewer than the " +
                        std::to_string(block_count) + " blocks");
  }
  hp.n_layer_nextn = nextn;
  hp.n_layer = block_count - nextn;
  if (hp.arch == Arch::Gemma4) {
    read_gemma4_heads(f, hp);  // per-layer head counts and sizes
  } else {
    hp.n_head = count(f, a + "attention.head_count", kMaxHeads);
    hp.n_head_kv = count(f, a + "attention.head_count_kv", hp.n_head, hp.n_head);
    if (hp.n_head % hp.n_head_kv != 0) {
      throw MetadataError(f.path() + ": " + a + "attention.head_count " +
                          std::to_string(hp.n_head) + " is not a multiple of " + a +
                          "attention.head_count_kv " + std::to_string(hp.n_head_kv));
    }
    if (hp.n_embd % hp.n_head != 0 && !f.contains(a + "attention.key_length")) {
      throw MetadataError(f.path() + ": " + a + "embedding_length " + std::to_string(hp.n_embd) +
                          " is not a multiple of " + a + "attention.head_count " +
                          std::to_string(hp.n_head));
    }
    hp.head_dim = count(f, a + "attention.key_length", kMaxWidth, hp.n_embd / hp.n_head);
    hp.head_dim_v = count(f, a + "attention.value_length", kMaxWidth, hp.n_embd / hp.n_head);
    if (hp.head_dim_v != hp.head_dim) {
      throw UnsupportedModel(f.path() + ": attention.key_length " + std::to_string(hp.head_dim) +
                             " differs from value_length " + std::to_string(hp.head_dim_v));
    }
  }
  // qwen35moe's conversion writes no feed_forward_length (only the experts' widths); llama.cpp
  // then takes 0.
  if (hp.arch == Arch::Qwen35Moe && !f.contains(a + "feed_forward_length")) {
    hp.n_ff = 0;
  } else if (hp.arch == Arch::Gemma4) {
    read_gemma4_ffn(f, hp);  // a width per layer in E2B/E4B
  } else {
    hp.n_ff = count(f, a + "feed_forward_length", kMaxWidth);
  }
  hp.n_ctx_train = count(f, a + "context_length", kMaxContextLength);
  const std::string eps_key = a + "attention.layer_norm_rms_epsilon";
  hp.rms_eps = finite(f, eps_key, f.get<float>(eps_key), 0.f, "a finite number of at least 0");
  if (const gguf::TensorInfo* emb = f.find_tensor("token_embd.weight")) {
    // Token ids are int32 everywhere; the reader has bounded the shape by the file's size.
    if (emb->ne[1] > static_cast<std::uint64_t>(std::numeric_limits<std::int32_t>::max())) {
      throw UnsupportedModel(f.path() + ": token_embd.weight has " + std::to_string(emb->ne[1]) +
                             " rows, more than token ids can number");
    }
    hp.n_vocab = static_cast<std::int64_t>(emb->ne[1]);
  }

  // As llama.cpp's llama_model_rope_type: the llama variants rotate adjacent pairs.
  const bool normal_rope = hp.arch == Arch::Llama || hp.arch == Arch::Mistral3 ||
                           hp.arch == Arch::SmolLM3 || hp.arch == Arch::Granite;
  hp.rope.type = normal_rope ? RopeType::Normal : RopeType::NeoX;
  // Bounded by the width first, so that the narrowing below is exact.
  const std::int64_t n_rot = count(f, a + "rope.dimension_count", kMaxWidth, hp.head_dim);
  if (n_rot > hp.head_dim || n_rot % 2 != 0) {
    throw MetadataError(f.path() + ": metadata '" + a + "rope.dimension_count' is " +
                        std::to_string(n_rot) + ", expected an even count of at most the head " +
                        "dimension " + std::to_string(hp.head_dim));
  }
  hp.rope.n_rot = static_cast<int>(n_rot);
  // llama.cpp's mistral3 and granite graphs assert whole-head rotation (the temperature folded
  // into the queries' RoPE table relies on it too).
  if ((hp.arch == Arch::Mistral3 || hp.arch == Arch::Granite) && n_rot != hp.head_dim) {
    throw UnsupportedModel(f.path() + ": " + a + "rope.dimension_count " + std::to_string(n_rot) +
                           " differs from the head dimension " + std::to_string(hp.head_dim) +
                           ", which " + hp.arch_name + " requires");
  }
  const std::string base_key = a + "rope.freq_base";
  hp.rope.freq_base = finite(f, base_key, f.get_optional<float>(base_key).value_or(10000.f),
                             std::numeric_limits<float>::min(), "a finite number above 0");
  read_rope_scaling(f, hp);
  if (hp.arch == Arch::Mistral3) {
    const std::string temp_key = a + "attention.temperature_scale";
    hp.attn_temp_scale = finite(f, temp_key, f.get_optional<float>(temp_key).value_or(0.f),
                                -std::numeric_limits<float>::max(), "a finite number");
    // llama.cpp takes the temperature's period from the YaRN context (no key of its own).
    if (hp.attn_temp_scale != 0.f) hp.attn_temp_period = hp.rope.n_ctx_orig;
  }
  if (hp.arch == Arch::SmolLM3) hp.no_rope_layer_step = 4;  // hard-coded in llama.cpp
  if (hp.arch == Arch::Granite) read_granite_scales(f, hp);
  if (hp.arch == Arch::Qwen3Moe || hp.arch == Arch::Qwen35Moe || hp.arch == Arch::GptOss) {
    hp.moe.n_expert = count(f, a + "expert_count", kMaxExperts);
    hp.moe.n_expert_used = count(f, a + "expert_used_count", hp.moe.n_expert);
    hp.moe.n_ff_exp = count(f, a + "expert_feed_forward_length", kMaxWidth);
    // llama.cpp's qwen3moe graph renormalizes the chosen experts' weights; no key says so.
    // gpt-oss's (src/models/openai-moe.cpp) picks the top k logits and softmaxes those, with the
    // clamped SwiGLU (LLM_FFN_SWIGLU_OAI_MOE).
    const bool oai = hp.arch == Arch::GptOss;
    hp.moe.norm_top_k = !oai;
    hp.moe.gating = oai ? MoeGating::SoftmaxOfTopK : MoeGating::Softmax;
    hp.moe.swiglu_oai = oai;
  }
  if (hp.arch == Arch::Qwen35Moe) {
    // src/models/qwen35moe.cpp: the shared expert's width defaults to feed_forward_length.
    hp.moe.n_ff_shexp = count(f, a + "expert_shared_feed_forward_length", kMaxWidth,
                              hp.n_ff > 0 ? std::optional<std::int64_t>(hp.n_ff) : std::nullopt);
    // build_moe_ffn scales the chosen weights by expert_weights_scale unless it is 0 or 1.
    const float scale = f.get_optional<float>(a + "expert_weights_scale").value_or(0.f);
    if (scale != 0.f && scale != 1.f) {
      throw UnsupportedModel(f.path() + ": " + a + "expert_weights_scale " + std::to_string(scale) +
                             " is not supported");
    }
  }
  if (hp.delta_net_hybrid()) read_delta_net(f, a, block_count, hp);
  if (hp.arch == Arch::Gemma2 || hp.arch == Arch::Gemma3) read_gemma_hparams(f, hp);
  if (hp.arch == Arch::Gemma4) read_gemma4_hparams(f, hp);
  if (hp.arch == Arch::GptOss) read_gpt_oss_swa(f, hp);
  return hp;
}

}  // namespace vkchat::model
