// gemma4 hyperparameters as llama.cpp reads them.
#include "model/gemma4_hparams.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

#include "gguf/gguf_reader.h"
#include "model/gemma_hparams.h"
#include "util/errors.h"

namespace vkchat::model {

namespace {

// llama.cpp's get_key_or_arr: a scalar for every layer, or an array of exactly n_layer values;
// nullopt when the key is absent. Each value must lie in [lo, hi].
std::optional<std::vector<std::int64_t>> per_layer(const gguf::GgufFile& f, const std::string& key,
                                                   std::int64_t n_layer, std::int64_t lo,
                                                   std::int64_t hi) {
  const gguf::Value* v = f.find(key);
  if (!v) return std::nullopt;
  std::vector<std::int64_t> out;
  bool ok = true;
  if (v->type == gguf::ValueType::ARRAY) {
    const gguf::Array& a = std::get<gguf::Array>(v->data);
    std::visit(
        [&](const auto& items) {
          using E = typename std::decay_t<decltype(items)>::value_type;
          if constexpr (std::is_integral_v<E>) {
            for (const E x : items) {
              const bool fits = !std::is_unsigned_v<E> || sizeof(E) < 8 ||
                                static_cast<std::uint64_t>(x) <= static_cast<std::uint64_t>(hi);
              ok = ok && fits;
              out.push_back(fits ? static_cast<std::int64_t>(x) : hi + 1);
            }
          } else {
            ok = false;
          }
        },
        a.items);
    if (ok && static_cast<std::int64_t>(out.size()) != n_layer) {
      throw MetadataError(f.path() + ": metadata '" + key + "' has " + std::to_string(out.size()) +
                          " entries for " + std::to_string(n_layer) + " layers");
    }
  } else if (v->type == gguf::ValueType::BOOL) {
    out.assign(static_cast<std::size_t>(n_layer), std::get<bool>(v->data) ? 1 : 0);
  } else {
    const std::optional<std::int64_t> n = v->as_int();
    ok = n.has_value();
    out.assign(static_cast<std::size_t>(n_layer), n.value_or(0));
  }
  ok =
      ok && std::all_of(out.begin(), out.end(), [&](std::int64_t x) { return x >= lo && x <= hi; });
  if (!ok) {
    throw MetadataError(f.path() + ": metadata '" + key + "' is " + v->to_string() +
                        ", expected a value from " + std::to_string(lo) + " to " +
                        std::to_string(hi) + " or an array of them, one per layer");
  }
  return out;
}

std::int64_t width(const gguf::GgufFile& f, const std::string& key, std::int64_t fallback) {
  const std::int64_t w = f.get_optional<std::int64_t>(key).value_or(fallback);
  if (w <= 0 || w > kMaxWidth) {
    throw MetadataError(f.path() + ": metadata '" + key + "' is " + std::to_string(w) +
                        ", expected a count from 1 to " + std::to_string(kMaxWidth));
  }
  return w;
}

}  // namespace

void read_gemma4_ffn(const gguf::GgufFile& f, HParams& hp) {
  const std::string key = hp.arch_name + ".feed_forward_length";
  std::vector<std::int64_t> widths =
      per_layer(f, key, hp.n_layer, 1, kMaxWidth).value_or(std::vector<std::int64_t>());
  if (widths.empty()) throw MetadataError(f.path() + ": missing metadata '" + key + "'");
  hp.n_ff = *std::max_element(widths.begin(), widths.end());
  const bool uniform = std::all_of(widths.begin(), widths.end(),
                                   [&](std::int64_t w) { return w == widths.front(); });
  hp.layer_ff = uniform ? std::vector<std::int64_t>() : std::move(widths);
}

void read_gemma4_heads(const gguf::GgufFile& f, HParams& hp) {
  const std::string a = hp.arch_name + ".";
  const std::int64_t L = hp.n_layer;
  const std::string heads_key = a + "attention.head_count";
  const std::optional<std::vector<std::int64_t>> heads = per_layer(f, heads_key, L, 1, kMaxHeads);
  if (!heads) throw MetadataError(f.path() + ": missing metadata key '" + heads_key + "'");
  const std::vector<std::int64_t> kv_heads =
      per_layer(f, a + "attention.head_count_kv", L, 1, kMaxHeads).value_or(*heads);
  const std::optional<std::vector<std::int64_t>> pattern =
      per_layer(f, a + "attention.sliding_window_pattern", L, 0, 1);
  if (!pattern) {
    throw MetadataError(f.path() + ": missing metadata key '" + a +
                        "attention.sliding_window_pattern'");
  }
  // As llama.cpp: the full layers' sizes default from the first layer's head count, the
  // sliding-window layers' from the full layers'.
  const std::int64_t hd = width(f, a + "attention.key_length", hp.n_embd / (*heads)[0]);
  const std::int64_t hd_v = width(f, a + "attention.value_length", hp.n_embd / (*heads)[0]);
  const std::int64_t hd_swa = width(f, a + "attention.key_length_swa", hd);
  const std::int64_t hd_v_swa = width(f, a + "attention.value_length_swa", hd_v);
  if (hd != hd_v || hd_swa != hd_v_swa) {
    throw UnsupportedModel(f.path() + ": gemma4 requires equal key and value head sizes, got " +
                           std::to_string(hd) + "/" + std::to_string(hd_v) + " and (SWA) " +
                           std::to_string(hd_swa) + "/" + std::to_string(hd_v_swa));
  }
  hp.swa.layers.assign(static_cast<std::size_t>(L), false);
  hp.layer_attn.resize(static_cast<std::size_t>(L));
  hp.n_head = hp.n_head_kv = hp.head_dim = 0;
  for (std::int64_t il = 0; il < L; ++il) {
    const auto i = static_cast<std::size_t>(il);
    hp.swa.layers[i] = (*pattern)[i] != 0;
    LayerAttention& la = hp.layer_attn[i];
    la = {(*heads)[i], kv_heads[i], hp.swa.layers[i] ? hd_swa : hd};
    if (la.n_head % la.n_head_kv != 0) {
      throw MetadataError(f.path() + ": layer " + std::to_string(il) + "'s head count " +
                          std::to_string(la.n_head) + " is not a multiple of its KV head count " +
                          std::to_string(la.n_head_kv));
    }
    hp.n_head = std::max(hp.n_head, la.n_head);
    hp.n_head_kv = std::max(hp.n_head_kv, la.n_head_kv);
    hp.head_dim = std::max(hp.head_dim, la.head_dim);
  }
  hp.head_dim_v = hp.head_dim;
}

void read_gemma4_hparams(const gguf::GgufFile& f, HParams& hp) {
  const std::string a = hp.arch_name + ".";
  hp.embd_scale = std::sqrt(static_cast<float>(hp.n_embd));
  hp.attn_scale = 1.f;  // gemma4.cpp: self.scaling = 1.0 (the Q/K norms take its place)
  const std::string window_key = a + "attention.sliding_window";
  const std::optional<std::int64_t> window = f.get_optional<std::int64_t>(window_key);
  if (!window) throw MetadataError(f.path() + ": missing metadata key '" + window_key + "'");
  if (*window <= 0 || *window > kMaxContextLength) {
    throw MetadataError(f.path() + ": metadata '" + window_key + "' is " + std::to_string(*window) +
                        ", expected a window from 1 to " + std::to_string(kMaxContextLength));
  }
  hp.swa.window = *window;
  // The sliding-window layers: their own base, the same scaling, their own rotated dimensions
  // (default: the full layers'), and no rope_freqs (the full layers' proportional RoPE).
  hp.swa.rope = hp.rope;
  hp.swa.rope.freq_base = read_positive(f, a + "rope.freq_base_swa", hp.rope.freq_base);
  const std::int64_t hd_swa = hp.layer_attn.empty() ? hp.head_dim : [&] {
    for (std::int64_t il = 0; il < hp.n_layer; ++il) {
      if (hp.swa.is_swa(il)) return hp.layer_attention(il).head_dim;
    }
    return hp.head_dim;
  }();
  const std::string rot_key = a + "rope.dimension_count_swa";
  const std::int64_t n_rot_swa = f.get_optional<std::int64_t>(rot_key).value_or(hp.rope.n_rot);
  if (n_rot_swa <= 0 || n_rot_swa > hd_swa || n_rot_swa % 2 != 0) {
    throw MetadataError(f.path() + ": metadata '" + rot_key + "' is " + std::to_string(n_rot_swa) +
                        ", expected an even count of at most the sliding-window head size " +
                        std::to_string(hd_swa));
  }
  hp.swa.rope.n_rot = static_cast<int>(n_rot_swa);
  hp.rope_freqs_full_layers_only = true;
  // The full layers rotate their whole head: n_rot above the full head size is refused by
  // read_hparams against the largest head, so check against the full layers' own.
  for (std::int64_t il = 0; il < hp.n_layer; ++il) {
    if (!hp.swa.is_swa(il) && hp.rope.n_rot > hp.layer_attention(il).head_dim) {
      throw MetadataError(f.path() + ": metadata '" + a + "rope.dimension_count' is " +
                          std::to_string(hp.rope.n_rot) + ", more than layer " +
                          std::to_string(il) + "'s head size " +
                          std::to_string(hp.layer_attention(il).head_dim));
    }
  }

  const std::string shared_key = a + "attention.shared_kv_layers";
  hp.n_kv_shared = f.get_optional<std::int64_t>(shared_key).value_or(0);
  if (hp.n_kv_shared < 0 || hp.n_kv_shared > hp.n_layer - 2) {
    // llama.cpp asserts n_layer_kv_from_start >= 2: a shared layer reads layer
    // n_layer_kv - 1 or - 2.
    throw MetadataError(f.path() + ": metadata '" + shared_key + "' is " +
                        std::to_string(hp.n_kv_shared) + ", expected 0 to " +
                        std::to_string(hp.n_layer - 2) + " (n_layer - 2)");
  }
  for (std::int64_t il = hp.n_layer_kv(); il < hp.n_layer; ++il) {
    // The reuse rule assumes the last layer with its own KV is full attention and the one before
    // it sliding-window (as in every Gemma 4); otherwise a layer would read a cache of the other
    // kind.
    const std::int64_t src = hp.kv_layer(il);
    if (hp.swa.is_swa(src) != hp.swa.is_swa(il) ||
        hp.layer_attention(src).n_head_kv != hp.layer_attention(il).n_head_kv ||
        hp.layer_attention(src).head_dim != hp.layer_attention(il).head_dim) {
      throw UnsupportedModel(f.path() + ": shared-KV layer " + std::to_string(il) +
                             " would read layer " + std::to_string(src) +
                             "'s cache, which is of another kind or shape");
    }
  }

  const std::string pl_key = a + "embedding_length_per_layer_input";
  hp.n_embd_per_layer = f.get_optional<std::int64_t>(pl_key).value_or(0);
  if (hp.n_embd_per_layer < 0 || hp.n_embd_per_layer > kMaxWidth) {
    throw MetadataError(f.path() + ": metadata '" + pl_key + "' is " +
                        std::to_string(hp.n_embd_per_layer) + ", expected 0 to " +
                        std::to_string(kMaxWidth));
  }
  if (f.get_optional<std::int64_t>(a + "expert_count").value_or(0) != 0) {
    throw UnsupportedModel(f.path() + ": gemma4's mixture of experts (" + a +
                           "expert_count) is not supported yet");
  }
  const std::string cap_key = a + "final_logit_softcapping";
  hp.final_softcap = f.contains(cap_key) ? read_positive(f, cap_key, 0.f) : 0.f;
}

}  // namespace vkchat::model
