// A GGUF file's weight type as people name it, for what info, bench, chat and the window show.
#pragma once
#include <string>

#include "gguf/gguf_reader.h"

namespace vkchat::gguf {

// general.file_type as llama.cpp names it ("Q4_K_M"); when the file has no such key (stories260K)
// or a number llama.cpp does not name, the type holding most of the tensor bytes ("F32"); for a
// file without tensors, "unknown" or "" (no key).
std::string file_type_label(const GgufFile& f);

}  // namespace vkchat::gguf
