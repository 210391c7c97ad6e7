// gemma2 / gemma3 hyperparameters, and gpt-oss's sliding windows, as llama.cpp reads them.
#include "model/gemma_hparams.h"

#include <cmath>
#include <limits>
#include <string>

#include "gguf/gguf_reader.h"
#include "util/errors.h"

namespace vkchat::model {

float read_positive(const gguf::GgufFile& f, const std::string& key, float fallback) {
  const float v = f.get_optional<float>(key).value_or(fallback);
  if (!std::isfinite(v) || v <= 0.f) {
    throw MetadataError(f.path() + ": metadata '" + key + "' is " + std::to_string(v) +
                        ", expected a finite number above 0");
  }
  return v;
}

namespace {

// sliding_window_pattern as llama.cpp's get_key_or_arr reads it for these families: a scalar
// period; an array (Gemma 4's per-layer form) is not read and the family's default stays.
std::int64_t swa_period(const gguf::GgufFile& f, const std::string& key, std::int64_t fallback) {
  const gguf::Value* v = f.find(key);
  if (!v || v->type == gguf::ValueType::ARRAY) return fallback;
  const std::optional<std::int64_t> n = v->as_int();
  if (!n || *n < 0 || *n > kMaxLayers) {
    throw MetadataError(f.path() + ": metadata '" + key + "' is not a layer period from 0 to " +
                        std::to_string(kMaxLayers));
  }
  return *n;
}

std::int64_t window(const gguf::GgufFile& f, const std::string& key, std::int64_t fallback) {
  const std::int64_t w = f.get_optional<std::int64_t>(key).value_or(fallback);
  if (w < 0 || w > kMaxContextLength) {
    throw MetadataError(f.path() + ": metadata '" + key + "' is " + std::to_string(w) +
                        ", expected a window from 0 to " + std::to_string(kMaxContextLength));
  }
  return w;
}

}  // namespace

void read_gemma_hparams(const gguf::GgufFile& f, HParams& hp) {
  const std::string a = hp.arch_name + ".";
  hp.embd_scale = std::sqrt(static_cast<float>(hp.n_embd));
  // gemma_pytorch's query_pre_attn_scalar: n_embd / n_head for the 27B models (62 layers for
  // Gemma 3, 46 for Gemma 2), head_dim otherwise; llama.cpp decides by the layer count too.
  const bool is_27b = hp.arch == Arch::Gemma3 ? hp.n_layer == 62 : hp.n_layer == 46;
  hp.attn_scale = 1.f / std::sqrt(static_cast<float>(is_27b ? hp.n_embd / hp.n_head : hp.head_dim));
  hp.swa.rope = hp.rope;
  if (hp.arch == Arch::Gemma2) {
    // Every Gemma 2 has sliding-window layers; its SWA layers share the global RoPE unless the
    // file says otherwise.
    hp.swa.window = window(f, a + "attention.sliding_window", 4096);
    hp.swa.layers =
        swa_layer_pattern(hp.n_layer, swa_period(f, a + "attention.sliding_window_pattern", 2));
    hp.swa.rope.freq_base = read_positive(f, a + "rope.freq_base_swa", hp.rope.freq_base);
    hp.attn_softcap = read_positive(f, a + "attn_logit_softcapping", 50.f);
    hp.final_softcap = read_positive(f, a + "final_logit_softcapping", 30.f);
  } else {
    // Gemma 3: sliding windows only where the file gives one; SWA layers have base 10000 and no
    // scaling (the file's linear scaling is the global layers').
    hp.swa.window = window(f, a + "attention.sliding_window", 0);
    if (hp.swa.window > 0) {
      hp.swa.layers =
          swa_layer_pattern(hp.n_layer, swa_period(f, a + "attention.sliding_window_pattern", 6));
      hp.swa.rope.freq_base = read_positive(f, a + "rope.freq_base_swa", 10000.f);
      hp.swa.rope.freq_scale = 1.f;
    }
    const std::string cap_key = a + "final_logit_softcapping";
    hp.final_softcap = f.contains(cap_key) ? read_positive(f, cap_key, 0.f) : 0.f;
  }
}

void read_gpt_oss_swa(const gguf::GgufFile& f, HParams& hp) {
  const std::string a = hp.arch_name + ".";
  const std::string key = a + "attention.sliding_window";
  if (!f.contains(key)) throw MetadataError(f.path() + ": missing metadata key '" + key + "'");
  hp.swa.window = window(f, key, 0);
  hp.swa.layers =
      swa_layer_pattern(hp.n_layer, swa_period(f, a + "attention.sliding_window_pattern", 2));
  hp.swa.rope = hp.rope;
  hp.swa.rope.freq_base = read_positive(f, a + "rope.freq_base_swa", hp.rope.freq_base);
}

}  // namespace vkchat::model
