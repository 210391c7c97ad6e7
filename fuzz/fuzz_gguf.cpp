// libFuzzer entry for the GGUF reader: any input either parses or throws GgufError/MetadataError.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "gguf/gguf_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    auto f =
        vkchat::gguf::GgufFile::from_memory(std::vector<std::uint8_t>(data, data + size), "fuzz");
    for (const auto& [key, value] : f.metadata()) (void)value.to_string();
    for (const auto& t : f.tensors()) (void)t.shape_string();
    (void)f.get_optional<std::string_view>("general.architecture");
  } catch (const vkchat::GgufError&) {
  } catch (const vkchat::MetadataError&) {
  }
  return 0;
}
