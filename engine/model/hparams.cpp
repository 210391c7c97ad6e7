// Hyperparameters from `{arch}.*` metadata keys, with llama.cpp's defaults where a key is absent.
#include "model/hparams.h"

#include <optional>
#include <string>

#include "gguf/gguf_reader.h"
#include "util/errors.h"

namespace vkchat::model {

namespace {

Arch parse_arch(std::string_view name) {
  if (name == "llama") return Arch::Llama;
  if (name == "qwen2") return Arch::Qwen2;
  if (name == "qwen3") return Arch::Qwen3;
  if (name == "phi3") return Arch::Phi3;
  throw UnsupportedModel("unsupported architecture " + std::string(name.empty() ? "(none)" : name));
}

// A positive count from metadata.
std::int64_t positive(const gguf::GgufFile& f, const std::string& key,
                      std::optional<std::int64_t> fallback = {}) {
  const std::optional<std::int64_t> v = f.get_optional<std::int64_t>(key);
  if (!v && !fallback) throw MetadataError(f.path() + ": missing metadata key '" + key + "'");
  const std::int64_t n = v ? *v : *fallback;
  if (n <= 0)
    throw MetadataError(f.path() + ": metadata '" + key + "' is " + std::to_string(n) +
                        ", expected a positive count");
  return n;
}

}  // namespace

std::string_view arch_name(Arch a) {
  switch (a) {
    case Arch::Llama: return "llama";
    case Arch::Qwen2: return "qwen2";
    case Arch::Qwen3: return "qwen3";
    case Arch::Phi3: return "phi3";
  }
  return "?";
}

HParams read_hparams(const gguf::GgufFile& f) {
  HParams hp;
  hp.arch = parse_arch(f.architecture());
  hp.arch_name = std::string(f.architecture());
  const std::string a = hp.arch_name + ".";

  hp.n_embd = positive(f, a + "embedding_length");
  hp.n_layer = positive(f, a + "block_count");
  hp.n_head = positive(f, a + "attention.head_count");
  hp.n_head_kv = positive(f, a + "attention.head_count_kv", hp.n_head);
  if (hp.n_head % hp.n_head_kv != 0) {
    throw MetadataError(f.path() + ": head_count " + std::to_string(hp.n_head) +
                        " is not a multiple of head_count_kv " + std::to_string(hp.n_head_kv));
  }
  if (hp.n_embd % hp.n_head != 0 && !f.contains(a + "attention.key_length")) {
    throw MetadataError(f.path() + ": embedding_length " + std::to_string(hp.n_embd) +
                        " is not a multiple of head_count " + std::to_string(hp.n_head));
  }
  hp.head_dim = positive(f, a + "attention.key_length", hp.n_embd / hp.n_head);
  hp.head_dim_v = positive(f, a + "attention.value_length", hp.n_embd / hp.n_head);
  if (hp.head_dim_v != hp.head_dim) {
    throw UnsupportedModel(f.path() + ": attention.key_length " + std::to_string(hp.head_dim) +
                           " differs from value_length " + std::to_string(hp.head_dim_v));
  }
  hp.n_ff = positive(f, a + "feed_forward_length");
  hp.n_ctx_train = positive(f, a + "context_length");
  hp.rms_eps = f.get<float>(a + "attention.layer_norm_rms_epsilon");
  if (!(hp.rms_eps >= 0.f)) {
    throw MetadataError(f.path() + ": layer_norm_rms_epsilon must not be negative");
  }
  if (const gguf::TensorInfo* emb = f.find_tensor("token_embd.weight")) {
    hp.n_vocab = static_cast<std::int64_t>(emb->ne[1]);
  }

  hp.rope.type = hp.arch == Arch::Llama ? RopeType::Normal : RopeType::NeoX;
  hp.rope.n_rot = static_cast<int>(positive(f, a + "rope.dimension_count", hp.head_dim));
  if (hp.rope.n_rot > hp.head_dim || hp.rope.n_rot % 2 != 0) {
    throw MetadataError(f.path() + ": rope.dimension_count " + std::to_string(hp.rope.n_rot) +
                        " must be even and at most the head dimension " +
                        std::to_string(hp.head_dim));
  }
  hp.rope.freq_base = f.get_optional<float>(a + "rope.freq_base").value_or(10000.f);
  // Linear scaling divides positions by the factor; other kinds (yarn, longrope) change the
  // frequencies in ways this engine does not implement.
  const std::string scaling = f.get_optional<std::string>(a + "rope.scaling.type").value_or("none");
  if (scaling != "none" && scaling != "linear") {
    throw UnsupportedModel(f.path() + ": rope scaling '" + scaling + "' is not supported");
  }
  // As llama.cpp: the newer key, else the older one; 0 means no scaling.
  const float factor = f.get_optional<float>(a + "rope.scaling.factor")
                           .value_or(f.get_optional<float>(a + "rope.scale_linear").value_or(0.f));
  if (factor < 0.f) throw MetadataError(f.path() + ": rope scaling factor must not be negative");
  hp.rope.freq_scale = factor == 0.f ? 1.f : 1.f / factor;
  return hp;
}

}  // namespace vkchat::model
