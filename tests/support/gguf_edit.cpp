// GGUF copies with edits (see gguf_edit.h).
#include "support/gguf_edit.h"

namespace vkchat::test {

void edit_gguf(const std::filesystem::path& in, const std::filesystem::path& out,
               const GgufEdits& edits) {
  const gguf::GgufFile f = gguf::GgufFile::open(in);
  gguf::GgufWriter w(out);
  for (const auto& [key, value] : f.metadata()) {
    if (edits.drop_keys.contains(std::string(key)) || key == "general.alignment") continue;
    w.set_value(key, value);
  }
  if (f.contains("general.alignment")) w.set_alignment(static_cast<std::uint32_t>(f.alignment()));
  if (edits.metadata) edits.metadata(w);
  for (const gguf::TensorInfo& t : f.tensors()) {
    w.add_tensor(t.name, std::span<const std::uint64_t>(t.ne.data(), t.n_dims), t.type);
  }
  for (const auto& [name, values] : edits.add_f32) {
    w.add_tensor(name, {static_cast<std::uint64_t>(values.size())}, gguf::GgmlType::F32);
  }
  w.write_header();
  for (const gguf::TensorInfo& t : f.tensors()) {
    std::vector<std::uint8_t> bytes(t.data.begin(), t.data.end());
    if (edits.tensor_data) edits.tensor_data(t, bytes);
    w.write_tensor_data(bytes);
  }
  for (const auto& [name, values] : edits.add_f32) {
    w.write_tensor_data(std::span<const std::uint8_t>(
        reinterpret_cast<const std::uint8_t*>(values.data()), values.size() * sizeof(float)));
  }
  w.finish();
}

}  // namespace vkchat::test
