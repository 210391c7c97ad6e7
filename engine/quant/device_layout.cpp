// GGUF rows <-> device rows. Each type is a list of planes, each plane one field (a byte range of
// the block); one loop moves the fields in either direction, with a memcpy per field of a block
// (a single memcpy per row when the plane is the whole block).
#include "quant/device_layout.h"

#include <array>
#include <cstddef>
#include <cstring>
#include <initializer_list>
#include <stdexcept>
#include <string>

#include "quant/blocks.h"
#include "quant/blocks_lowbit.h"
#include "quant/dequantize.h"
#include "quant/iq_blocks.h"

namespace vkchat::quant {

using gguf::GgmlType;

namespace {

constexpr std::uint64_t kRowAlign = 16;  // one rgba32ui texel

// Bytes [offset, offset + size) of a block.
struct Field {
  std::uint32_t offset = 0;
  std::uint32_t size = 0;
};

// The planes of a row in device order. No planes: the block as it is (one plane of the whole
// block, whose size comes from the type's traits).
struct Layout {
  GgmlType type;
  std::array<Field, 4> planes{};
  std::size_t count = 0;
};

// Whether the fields cover each of the block's `size` bytes exactly once.
constexpr bool covers(const Layout& l, std::size_t size) {
  for (std::size_t byte = 0; byte < size; ++byte) {
    int hits = 0;
    for (std::size_t p = 0; p < l.count; ++p) {
      if (byte >= l.planes[p].offset && byte < l.planes[p].offset + l.planes[p].size) ++hits;
    }
    if (hits != 1) return false;
  }
  std::size_t total = 0;
  for (std::size_t p = 0; p < l.count; ++p) total += l.planes[p].size;
  return total == size;
}

constexpr Layout planes(GgmlType type, std::initializer_list<Field> fields) {
  Layout l{type};
  for (Field f : fields) l.planes[l.count++] = f;
  return l;
}

constexpr Layout kQ4_0 = planes(GgmlType::Q4_0, {{offsetof(BlockQ4_0, qs), sizeof(BlockQ4_0::qs)},
                                                 {offsetof(BlockQ4_0, d), sizeof(BlockQ4_0::d)}});
constexpr Layout kQ4_1 =
    planes(GgmlType::Q4_1, {{offsetof(BlockQ4_1, qs), sizeof(BlockQ4_1::qs)},
                            {offsetof(BlockQ4_1, d), sizeof(BlockQ4_1::d) + sizeof(BlockQ4_1::m)}});
constexpr Layout kQ5_0 = planes(GgmlType::Q5_0, {{offsetof(BlockQ5_0, qs), sizeof(BlockQ5_0::qs)},
                                                 {offsetof(BlockQ5_0, qh), sizeof(BlockQ5_0::qh)},
                                                 {offsetof(BlockQ5_0, d), sizeof(BlockQ5_0::d)}});
constexpr Layout kQ5_1 =
    planes(GgmlType::Q5_1, {{offsetof(BlockQ5_1, qs), sizeof(BlockQ5_1::qs)},
                            {offsetof(BlockQ5_1, qh), sizeof(BlockQ5_1::qh)},
                            {offsetof(BlockQ5_1, d), sizeof(BlockQ5_1::d) + sizeof(BlockQ5_1::m)}});
constexpr Layout kQ8_0 = planes(GgmlType::Q8_0, {{offsetof(BlockQ8_0, qs), sizeof(BlockQ8_0::qs)},
                                                 {offsetof(BlockQ8_0, d), sizeof(BlockQ8_0::d)}});
constexpr Layout kQ6_K =
    planes(GgmlType::Q6_K, {{offsetof(BlockQ6_K, ql), sizeof(BlockQ6_K::ql)},
                            {offsetof(BlockQ6_K, qh), sizeof(BlockQ6_K::qh)},
                            {offsetof(BlockQ6_K, scales), sizeof(BlockQ6_K::scales)},
                            {offsetof(BlockQ6_K, d), sizeof(BlockQ6_K::d)}});
// A plane list that skipped or repeated a byte (say d without m) would not round-trip.
static_assert(covers(kQ4_0, sizeof(BlockQ4_0)) && covers(kQ4_1, sizeof(BlockQ4_1)) &&
              covers(kQ5_0, sizeof(BlockQ5_0)) && covers(kQ5_1, sizeof(BlockQ5_1)) &&
              covers(kQ8_0, sizeof(BlockQ8_0)) && covers(kQ6_K, sizeof(BlockQ6_K)));

// --- Low-bit types: Q2_K, Q3_K, IQ4_NL, IQ4_XS, MXFP4, NVFP4, TQ1_0, TQ2_0, Q1_0, Q2_0 ---
// Planes of 4-byte multiples (or byte planes read through their word) so that every field is
// a texel or word load in weights.glsl.
constexpr Layout kQ2_K = planes(
    GgmlType::Q2_K, {{offsetof(BlockQ2_K, qs), sizeof(BlockQ2_K::qs)},
                     {offsetof(BlockQ2_K, scales), sizeof(BlockQ2_K::scales)},
                     {offsetof(BlockQ2_K, d), sizeof(BlockQ2_K::d) + sizeof(BlockQ2_K::dmin)}});
constexpr Layout kQ3_K =
    planes(GgmlType::Q3_K, {{offsetof(BlockQ3_K, hmask), sizeof(BlockQ3_K::hmask)},
                            {offsetof(BlockQ3_K, qs), sizeof(BlockQ3_K::qs)},
                            {offsetof(BlockQ3_K, scales), sizeof(BlockQ3_K::scales)},
                            {offsetof(BlockQ3_K, d), sizeof(BlockQ3_K::d)}});
constexpr Layout kIQ4_NL =
    planes(GgmlType::IQ4_NL, {{offsetof(BlockIQ4_NL, qs), sizeof(BlockIQ4_NL::qs)},
                              {offsetof(BlockIQ4_NL, d), sizeof(BlockIQ4_NL::d)}});
// d, scales_h and scales_l are the block's first 8 bytes: one plane of two words.
constexpr Layout kIQ4_XS =
    planes(GgmlType::IQ4_XS, {{offsetof(BlockIQ4_XS, qs), sizeof(BlockIQ4_XS::qs)},
                              {offsetof(BlockIQ4_XS, d), offsetof(BlockIQ4_XS, qs)}});
constexpr Layout kMXFP4 =
    planes(GgmlType::MXFP4, {{offsetof(BlockMXFP4, qs), sizeof(BlockMXFP4::qs)},
                             {offsetof(BlockMXFP4, e), sizeof(BlockMXFP4::e)}});
constexpr Layout kNVFP4 =
    planes(GgmlType::NVFP4, {{offsetof(BlockNVFP4, qs), sizeof(BlockNVFP4::qs)},
                             {offsetof(BlockNVFP4, d), sizeof(BlockNVFP4::d)}});
constexpr Layout kTQ1_0 =
    planes(GgmlType::TQ1_0, {{offsetof(BlockTQ1_0, qs), sizeof(BlockTQ1_0::qs)},
                             {offsetof(BlockTQ1_0, qh), sizeof(BlockTQ1_0::qh)},
                             {offsetof(BlockTQ1_0, d), sizeof(BlockTQ1_0::d)}});
constexpr Layout kTQ2_0 =
    planes(GgmlType::TQ2_0, {{offsetof(BlockTQ2_0, qs), sizeof(BlockTQ2_0::qs)},
                             {offsetof(BlockTQ2_0, d), sizeof(BlockTQ2_0::d)}});
constexpr Layout kQ1_0 = planes(GgmlType::Q1_0, {{offsetof(BlockQ1_0, qs), sizeof(BlockQ1_0::qs)},
                                                 {offsetof(BlockQ1_0, d), sizeof(BlockQ1_0::d)}});
constexpr Layout kQ2_0 = planes(GgmlType::Q2_0, {{offsetof(BlockQ2_0, qs), sizeof(BlockQ2_0::qs)},
                                                 {offsetof(BlockQ2_0, d), sizeof(BlockQ2_0::d)}});
static_assert(covers(kQ2_K, sizeof(BlockQ2_K)) && covers(kQ3_K, sizeof(BlockQ3_K)) &&
              covers(kIQ4_NL, sizeof(BlockIQ4_NL)) && covers(kIQ4_XS, sizeof(BlockIQ4_XS)) &&
              covers(kMXFP4, sizeof(BlockMXFP4)) && covers(kNVFP4, sizeof(BlockNVFP4)) &&
              covers(kTQ1_0, sizeof(BlockTQ1_0)) && covers(kTQ2_0, sizeof(BlockTQ2_0)) &&
              covers(kQ1_0, sizeof(BlockQ1_0)) && covers(kQ2_0, sizeof(BlockQ2_0)));
// --- end of the low-bit types ---

// --- codebook-grid IQ types: planes of 4-byte multiples; adjacent byte fields (IQ2_S's qh and
// scales, IQ3_S's qh, signs and scales) stay together as one plane, read through its words ---
constexpr Layout kIQ2_XXS =
    planes(GgmlType::IQ2_XXS, {{offsetof(BlockIq2xxs, qs), sizeof(BlockIq2xxs::qs)},
                               {offsetof(BlockIq2xxs, d), sizeof(BlockIq2xxs::d)}});
constexpr Layout kIQ2_XS =
    planes(GgmlType::IQ2_XS, {{offsetof(BlockIq2xs, qs), sizeof(BlockIq2xs::qs)},
                              {offsetof(BlockIq2xs, scales), sizeof(BlockIq2xs::scales)},
                              {offsetof(BlockIq2xs, d), sizeof(BlockIq2xs::d)}});
constexpr Layout kIQ2_S = planes(
    GgmlType::IQ2_S, {{offsetof(BlockIq2s, qs), sizeof(BlockIq2s::qs)},
                      {offsetof(BlockIq2s, qh), sizeof(BlockIq2s::qh) + sizeof(BlockIq2s::scales)},
                      {offsetof(BlockIq2s, d), sizeof(BlockIq2s::d)}});
constexpr Layout kIQ3_XXS =
    planes(GgmlType::IQ3_XXS, {{offsetof(BlockIq3xxs, qs), sizeof(BlockIq3xxs::qs)},
                               {offsetof(BlockIq3xxs, d), sizeof(BlockIq3xxs::d)}});
constexpr Layout kIQ3_S = planes(
    GgmlType::IQ3_S, {{offsetof(BlockIq3s, qs), sizeof(BlockIq3s::qs)},
                      {offsetof(BlockIq3s, qh), sizeof(BlockIq3s::qh) + sizeof(BlockIq3s::signs) +
                                                    sizeof(BlockIq3s::scales)},
                      {offsetof(BlockIq3s, d), sizeof(BlockIq3s::d)}});
constexpr Layout kIQ1_S = planes(GgmlType::IQ1_S, {{offsetof(BlockIq1s, qs), sizeof(BlockIq1s::qs)},
                                                   {offsetof(BlockIq1s, qh), sizeof(BlockIq1s::qh)},
                                                   {offsetof(BlockIq1s, d), sizeof(BlockIq1s::d)}});
static_assert(covers(kIQ2_XXS, sizeof(BlockIq2xxs)) && covers(kIQ2_XS, sizeof(BlockIq2xs)) &&
              covers(kIQ2_S, sizeof(BlockIq2s)) && covers(kIQ3_XXS, sizeof(BlockIq3xxs)) &&
              covers(kIQ3_S, sizeof(BlockIq3s)) && covers(kIQ1_S, sizeof(BlockIq1s)));
// IQ1_M keeps its 56-byte blocks: qs, qh and scales start at word boundaries (0, 32, 48).
// --- end codebook-grid IQ types ---

// Every type the GPU kernels read (ops/kernels.cpp's kKernelTypes).
constexpr Layout kLayouts[] = {
    {GgmlType::F32},
    {GgmlType::F16},
    {GgmlType::BF16},
    kQ4_0,
    kQ4_1,
    kQ5_0,
    kQ5_1,
    kQ8_0,
    {GgmlType::Q4_K},
    {GgmlType::Q5_K},
    kQ6_K,
    kQ2_K,
    kQ3_K,
    kIQ4_NL,
    kIQ4_XS,
    kMXFP4,
    kNVFP4,
    kTQ1_0,
    kTQ2_0,
    kQ1_0,
    kQ2_0,
    kIQ2_XXS,
    kIQ2_XS,
    kIQ2_S,
    kIQ3_XXS,
    kIQ3_S,
    kIQ1_S,
    {GgmlType::IQ1_M},
};

// One row's geometry.
struct RowShape {
  std::int64_t blocks = 0;
  std::uint32_t block_bytes = 0;
  std::uint64_t gguf_bytes = 0;
  std::uint64_t device_bytes = 0;
  std::array<Field, 4> planes{};
  std::size_t count = 0;
};

RowShape row_shape(GgmlType type, std::int64_t cols) {
  const Layout* layout = nullptr;
  for (const Layout& l : kLayouts) {
    if (l.type == type) layout = &l;
  }
  if (!layout) {
    throw std::invalid_argument("tensor type " + std::string(gguf::type_name(type)) +
                                " has no device layout: no GPU kernel reads it");
  }
  const gguf::TypeTraits tr = gguf::traits(type);
  RowShape s;
  s.gguf_bytes = row_bytes(type, cols);  // throws for a partial block
  s.blocks = cols / tr.block_size;
  s.block_bytes = tr.type_size;
  s.device_bytes = (s.gguf_bytes + kRowAlign - 1) / kRowAlign * kRowAlign;
  s.planes = layout->planes;
  s.count = layout->count;
  if (s.count == 0) s.planes[s.count++] = {0, tr.type_size};
  return s;
}

enum class Direction { ToDevice, FromDevice };

void repack(GgmlType type, std::int64_t cols, std::int64_t rows, std::span<const std::byte> src,
            std::span<std::byte> dst, Direction dir) {
  const RowShape s = row_shape(type, cols);
  if (rows < 0) throw std::invalid_argument(std::to_string(rows) + " rows");
  const bool to_device = dir == Direction::ToDevice;
  const std::uint64_t src_row = to_device ? s.gguf_bytes : s.device_bytes;
  const std::uint64_t dst_row = to_device ? s.device_bytes : s.gguf_bytes;
  const auto n = static_cast<std::uint64_t>(rows);
  if (src.size() != n * src_row || dst.size() != n * dst_row) {
    throw std::invalid_argument(
        std::to_string(rows) + " rows of " + std::to_string(cols) + " " +
        std::string(gguf::type_name(type)) + " need " + std::to_string(n * src_row) + " -> " +
        std::to_string(n * dst_row) + " bytes, got " + std::to_string(src.size()) + " -> " +
        std::to_string(dst.size()) + (to_device ? " (GGUF -> device)" : " (device -> GGUF)"));
  }
  const auto nb = static_cast<std::uint64_t>(s.blocks);
  if (nb == 0) return;  // empty rows: nothing to move (and no null pointer reaches memcpy)
  for (std::uint64_t r = 0; r < n; ++r) {
    const std::byte* in = src.data() + r * src_row;
    std::byte* out = dst.data() + r * dst_row;
    std::uint64_t plane = 0;  // start of the current plane in the device row
    for (std::size_t p = 0; p < s.count; ++p) {
      const Field f = s.planes[p];
      if (f.size == s.block_bytes) {
        std::memcpy(out, in, nb * f.size);
      } else {
        for (std::uint64_t b = 0; b < nb; ++b) {
          const std::uint64_t in_block = b * s.block_bytes + f.offset;
          const std::uint64_t in_plane = plane + b * f.size;
          if (to_device) {
            std::memcpy(out + in_plane, in + in_block, f.size);
          } else {
            std::memcpy(out + in_block, in + in_plane, f.size);
          }
        }
      }
      plane += nb * f.size;
    }
    if (to_device) std::memset(out + s.gguf_bytes, 0, s.device_bytes - s.gguf_bytes);
  }
}

}  // namespace

std::uint64_t device_row_bytes(GgmlType type, std::int64_t cols) {
  return row_shape(type, cols).device_bytes;
}

void to_device_rows(GgmlType type, std::int64_t cols, std::int64_t rows,
                    std::span<const std::byte> src, std::span<std::byte> dst) {
  repack(type, cols, rows, src, dst, Direction::ToDevice);
}

void from_device_rows(GgmlType type, std::int64_t cols, std::int64_t rows,
                      std::span<const std::byte> src, std::span<std::byte> dst) {
  repack(type, cols, rows, src, dst, Direction::FromDevice);
}

}  // namespace vkchat::quant
