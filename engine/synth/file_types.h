// The file types `synth --type` offers and which tensor gets which ggml type in each, following
// llama-quantize's choices (llama_tensor_get_type) so a synthetic file is laid out like the real
// one of that type.
#pragma once
#include <cstdint>
#include <span>
#include <string_view>

#include "gguf/ggml_types.h"

namespace vkchat::synth {

struct FileType {
  std::string_view name;      // what --type takes, e.g. "Q4_K_M"
  std::uint32_t llama_ftype;  // general.file_type (LLAMA_FTYPE_MOSTLY_*)
  gguf::GgmlType base;        // the type of most weight matrices
  bool k_mix = false;         // Q4_K_M / Q5_K_M: attn_v and ffn_down of some layers in Q6_K
};

std::span<const FileType> file_types();
const FileType* find_file_type(std::string_view name);  // nullptr when unknown

// What a weight matrix is stored as. `role` is the tensor name's suffix after "blk.N." (or the
// whole name outside blocks), `layer`/`n_layer` place it in the stack, `row_length` is ne[0];
// `is_output` marks the matrix the logits come from (output.weight, or token_embd when tied).
// One-dimensional tensors (norms, biases, rope factors) are always F32 and never come here.
gguf::GgmlType matrix_type(const FileType& ft, std::string_view role, std::int64_t layer,
                           std::int64_t n_layer, std::int64_t row_length, bool is_output);

}  // namespace vkchat::synth
