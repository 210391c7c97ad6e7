// llama-quantize's type choices for the file types synth writes, without an importance matrix.
#include "synth/file_types.h"

#include <array>

namespace vkchat::synth {

using gguf::GgmlType;

namespace {

const std::array kFileTypes = {
    FileType{"F16", 1, GgmlType::F16},
    FileType{"BF16", 32, GgmlType::BF16},
    FileType{"Q8_0", 7, GgmlType::Q8_0},
    FileType{"Q4_0", 2, GgmlType::Q4_0},
    FileType{"Q4_1", 3, GgmlType::Q4_1},
    FileType{"Q5_0", 8, GgmlType::Q5_0},
    FileType{"Q5_1", 9, GgmlType::Q5_1},
    // Every matrix Q4_K / Q5_K; llama.cpp has no such file type, "mostly Q4_K" (Q4_K_S) is the
    // nearest.
    FileType{"Q4_K", 14, GgmlType::Q4_K},
    FileType{"Q5_K", 16, GgmlType::Q5_K},
    FileType{"Q6_K", 18, GgmlType::Q6_K},
    FileType{"Q4_K_M", 15, GgmlType::Q4_K, true},
    FileType{"Q5_K_M", 17, GgmlType::Q5_K, true},
    // The codebook-grid IQ types, which llama.cpp quantizes only with an importance matrix:
    // every matrix but the logits one in the type, written as random valid blocks (synth_model's
    // make_rows), not quantized from the random floats. For speed runs only: llama-quantize's
    // per-tensor choices for these file types are not followed and the outputs mean nothing.
    FileType{"IQ2_XXS", 19, GgmlType::IQ2_XXS, false},
    FileType{"IQ2_XS", 20, GgmlType::IQ2_XS, false},
    FileType{"IQ2_S", 28, GgmlType::IQ2_S, false},
    FileType{"IQ3_XXS", 23, GgmlType::IQ3_XXS, false},
    FileType{"IQ3_S", 26, GgmlType::IQ3_S, false},
    FileType{"IQ1_S", 24, GgmlType::IQ1_S, false},
    FileType{"IQ1_M", 31, GgmlType::IQ1_M, false},
};

// llama.cpp's use_more_bits: the first and last eighth of the layers and every third between.
bool use_more_bits(std::int64_t i, std::int64_t n) {
  return i < n / 8 || i >= 7 * n / 8 || (i - n / 8) % 3 == 2;
}

bool is_float(GgmlType t) {
  return t == GgmlType::F16 || t == GgmlType::BF16;
}

}  // namespace

std::span<const FileType> file_types() {
  return kFileTypes;
}

const FileType* find_file_type(std::string_view name) {
  for (const FileType& f : kFileTypes) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

GgmlType matrix_type(const FileType& ft, std::string_view role, std::int64_t layer,
                     std::int64_t n_layer, std::int64_t row_length, bool is_output) {
  if (is_float(ft.base)) return ft.base;
  if (is_output) {
    // The logits matrix gets 6 bits unless the file is Q8_0; Q8_0 where K-quant blocks do not fit.
    if (row_length % 256 != 0) return GgmlType::Q8_0;
    return ft.base == GgmlType::Q8_0 ? GgmlType::Q8_0 : GgmlType::Q6_K;
  }
  GgmlType t = ft.base;
  if (ft.k_mix && (role == "attn_v.weight" || role == "ffn_down.weight") &&
      use_more_bits(layer, n_layer)) {
    t = GgmlType::Q6_K;
  }
  if (row_length % gguf::traits(t).block_size != 0) {
    // llama-quantize's fallbacks for rows that are not whole super-blocks.
    switch (t) {
      case GgmlType::Q4_K: t = GgmlType::Q5_0; break;
      case GgmlType::Q5_K: t = GgmlType::Q5_1; break;
      case GgmlType::Q6_K: t = GgmlType::Q8_0; break;
      default: break;
    }
    if (row_length % gguf::traits(t).block_size != 0) t = GgmlType::F16;
  }
  return t;
}

}  // namespace vkchat::synth
