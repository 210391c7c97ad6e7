// The codebooks of the codebook-grid IQ types (quant/iq_grids.h) as one device table: the six
// grids back to back, each at a 16-byte boundary, read by shaders/weights_iq.glsl as rgba32ui
// texels. Uploaded once per device (ops::Kernels::iq_grids) and bound to every weight kernel of
// the types with quant::is_grid_iq_type, instead of shader constant arrays: as arrays, lavapipe
// spent minutes compiling each pipeline. The sign tables are formulas (iq_grids.h), computed in the
// shader.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace vkchat::quant {

// First texel of each grid in the table; mirrors the IQ_GRID_* constants of weights_iq.glsl.
// 64-bit points take two words (low word first), 32-bit points one.
inline constexpr std::uint32_t kIqGridTexelIq2xxs = 0;    // 256 x 8 bytes
inline constexpr std::uint32_t kIqGridTexelIq2xs = 128;   // 512 x 8
inline constexpr std::uint32_t kIqGridTexelIq2s = 384;    // 1024 x 8
inline constexpr std::uint32_t kIqGridTexelIq3xxs = 896;  // 256 x 4
inline constexpr std::uint32_t kIqGridTexelIq3s = 960;    // 512 x 4
inline constexpr std::uint32_t kIqGridTexelIq1s = 1088;   // 2048 x 8 (IQ1_S and IQ1_M)
inline constexpr std::uint32_t kIqGridTexels = 2112;

// The table's bytes (kIqGridTexels x 16).
std::vector<std::byte> iq_device_grids();

}  // namespace vkchat::quant
