// The SPIR-V modules compiled from shaders/*.comp at build time and embedded in the binary.
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace vkchat::vk {

struct EmbeddedShader {
  std::string_view name;  // file name without .comp
  std::span<const std::uint32_t> words;
};

// Every embedded shader, in build order. Defined in the generated shader_index.cpp.
std::span<const EmbeddedShader> embedded_shaders();

// The shader named `name`; throws std::out_of_range naming it when absent.
std::span<const std::uint32_t> find_shader(std::string_view name);

}  // namespace vkchat::vk
