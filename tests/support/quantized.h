// Whether a model file is quantized, for choosing golden tolerances. Header-only: the support
// sources are compiled into every test binary, and not all of them link the engine.
#pragma once
#include "gguf/gguf_reader.h"

namespace vkchat::test {

// Any tensor of a type other than F32, F16 and BF16.
inline bool is_quantized(const gguf::GgufFile& f) {
  for (const auto& t : f.tensors()) {
    if (t.type != gguf::GgmlType::F32 && t.type != gguf::GgmlType::F16 &&
        t.type != gguf::GgmlType::BF16) {
      return true;
    }
  }
  return false;
}

}  // namespace vkchat::test
