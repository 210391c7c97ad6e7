// Lookup of embedded SPIR-V by kernel name.
#include "vk/shader_registry.h"

#include <stdexcept>
#include <string>

namespace vkchat::vk {

std::span<const std::uint32_t> find_shader(std::string_view name) {
  for (const EmbeddedShader& s : embedded_shaders()) {
    if (s.name == name) return s.words;
  }
  throw std::out_of_range("no embedded shader named '" + std::string(name) + "'");
}

}  // namespace vkchat::vk
