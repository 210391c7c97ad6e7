// Crafted bad-input files: a copy of a GGUF with some of its metadata or tensor data changed, as
// a damaged or adversarial model file would have it.
#pragma once
#include <cstdint>
#include <filesystem>
#include <functional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "gguf/gguf_reader.h"
#include "gguf/gguf_writer.h"

namespace vkchat::test {

struct GgufEdits {
  std::set<std::string> drop_keys;  // not copied
  // Called after every other key was copied: set (replace) or add keys here.
  std::function<void(gguf::GgufWriter&)> metadata;
  // Called with each tensor's bytes before they are written; may change them (not their size).
  std::function<void(const gguf::TensorInfo&, std::vector<std::uint8_t>&)> tensor_data;
  // 1-D F32 tensors added after the file's own.
  std::vector<std::pair<std::string, std::vector<float>>> add_f32;
};

// Writes `in` to `out` with `edits` applied; tensors keep their names, shapes and types.
void edit_gguf(const std::filesystem::path& in, const std::filesystem::path& out,
               const GgufEdits& edits);

}  // namespace vkchat::test
