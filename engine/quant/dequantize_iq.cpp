// The IQ formulas keep ggml's float evaluation order: the group scale as
// d * (0.5f + s) * 0.25f (or its type's variant), then scale * grid byte, then the sign as a
// factor of +-1 (exact); IQ1_* add the delta to the grid value before scaling.
#include "quant/dequantize_iq.h"

#include <cstring>
#include <stdexcept>

#include "quant/half.h"
#include "quant/iq_blocks.h"
#include "quant/iq_grids.h"

namespace vkchat::quant {

using gguf::GgmlType;

namespace {

std::uint32_t u32_at(const std::uint8_t* p) {
  std::uint32_t v;
  std::memcpy(&v, p, 4);  // little-endian host, as ggml's memcpy into aux32
  return v;
}

// y[0..8) = scale * the 8 magnitudes of a grid point, negated where `signs` has the bit.
void put8(float* y, float scale, std::uint64_t point, std::uint8_t signs) {
  for (int j = 0; j < 8; ++j) {
    y[j] = scale * static_cast<float>(grid_byte(point, j)) * ((signs >> j) & 1 ? -1.f : 1.f);
  }
}

// Two 4-element points (IQ3_*) make 8 elements under one sign byte.
std::uint64_t join4(std::uint32_t lo, std::uint32_t hi) {
  return static_cast<std::uint64_t>(lo) | (static_cast<std::uint64_t>(hi) << 32);
}

// IQ1_*: y[0..8) = scale * (grid value + delta).
void put8_iq1(float* y, float scale, std::uint64_t point, float delta) {
  for (int j = 0; j < 8; ++j) {
    y[j] = scale * (static_cast<float>(static_cast<std::int8_t>(grid_byte(point, j))) + delta);
  }
}

void dequant_iq2_xxs(const std::uint8_t* src, float* y, std::int64_t nb) {
  for (std::int64_t i = 0; i < nb; ++i) {
    const auto b = load_block<BlockIq2xxs>(src, i);
    const float d = fp16_to_f32(b.d);
    const auto* qs = reinterpret_cast<const std::uint8_t*>(b.qs);
    for (int g = 0; g < 8; ++g) {
      const std::uint32_t idx = u32_at(qs + 8 * g);
      const std::uint32_t aux = u32_at(qs + 8 * g + 4);
      const float db = d * (0.5f + static_cast<float>(aux >> 28)) * 0.25f;
      for (int l = 0; l < 4; ++l, y += 8) {
        put8(y, db, kIq2xxsGrid[(idx >> (8 * l)) & 0xFF], iq_signs(aux >> (7 * l)));
      }
    }
  }
}

void dequant_iq2_xs(const std::uint8_t* src, float* y, std::int64_t nb) {
  for (std::int64_t i = 0; i < nb; ++i) {
    const auto b = load_block<BlockIq2xs>(src, i);
    const float d = fp16_to_f32(b.d);
    for (int g = 0; g < 8; ++g) {
      const float db[2] = {d * (0.5f + static_cast<float>(b.scales[g] & 0xF)) * 0.25f,
                           d * (0.5f + static_cast<float>(b.scales[g] >> 4)) * 0.25f};
      for (int l = 0; l < 4; ++l, y += 8) {
        const std::uint16_t q = b.qs[4 * g + l];
        put8(y, db[l / 2], kIq2xsGrid[q & 511], iq_signs(q >> 9));
      }
    }
  }
}

void dequant_iq2_s(const std::uint8_t* src, float* y, std::int64_t nb) {
  for (std::int64_t i = 0; i < nb; ++i) {
    const auto b = load_block<BlockIq2s>(src, i);
    const float d = fp16_to_f32(b.d);
    const std::uint8_t* signs = b.qs + kQK_K / 8;
    for (int g = 0; g < 8; ++g) {
      const float db[2] = {d * (0.5f + static_cast<float>(b.scales[g] & 0xF)) * 0.25f,
                           d * (0.5f + static_cast<float>(b.scales[g] >> 4)) * 0.25f};
      for (int l = 0; l < 4; ++l, y += 8) {
        const unsigned index = b.qs[4 * g + l] | (((b.qh[g] >> (2 * l)) & 3u) << 8);
        put8(y, db[l / 2], kIq2sGrid[index], signs[4 * g + l]);
      }
    }
  }
}

void dequant_iq3_xxs(const std::uint8_t* src, float* y, std::int64_t nb) {
  for (std::int64_t i = 0; i < nb; ++i) {
    const auto b = load_block<BlockIq3xxs>(src, i);
    const float d = fp16_to_f32(b.d);
    const std::uint8_t* scales_and_signs = b.qs + kQK_K / 4;
    for (int g = 0; g < 8; ++g) {
      const std::uint32_t aux = u32_at(scales_and_signs + 4 * g);
      const float db = d * (0.5f + static_cast<float>(aux >> 28)) * 0.5f;
      for (int l = 0; l < 4; ++l, y += 8) {
        const std::uint8_t* q = b.qs + 8 * g + 2 * l;
        put8(y, db, join4(kIq3xxsGrid[q[0]], kIq3xxsGrid[q[1]]), iq_signs(aux >> (7 * l)));
      }
    }
  }
}

void dequant_iq3_s(const std::uint8_t* src, float* y, std::int64_t nb) {
  for (std::int64_t i = 0; i < nb; ++i) {
    const auto b = load_block<BlockIq3s>(src, i);
    const float d = fp16_to_f32(b.d);
    for (int g = 0; g < 8; ++g) {
      const int s = g % 2 == 0 ? b.scales[g / 2] & 0xF : b.scales[g / 2] >> 4;
      const float db = d * static_cast<float>(1 + 2 * s);
      for (int l = 0; l < 4; ++l, y += 8) {
        // Point 2l takes bit 2l of qh[g] as its ninth index bit, point 2l + 1 bit 2l + 1.
        const std::uint8_t* q = b.qs + 8 * g + 2 * l;
        const unsigned i0 = q[0] | (((b.qh[g] >> (2 * l)) & 1u) << 8);
        const unsigned i1 = q[1] | (((b.qh[g] >> (2 * l + 1)) & 1u) << 8);
        put8(y, db, join4(kIq3sGrid[i0], kIq3sGrid[i1]), b.signs[4 * g + l]);
      }
    }
  }
}

void dequant_iq1_s(const std::uint8_t* src, float* y, std::int64_t nb) {
  for (std::int64_t i = 0; i < nb; ++i) {
    const auto b = load_block<BlockIq1s>(src, i);
    const float d = fp16_to_f32(b.d);
    for (int g = 0; g < 8; ++g) {
      const unsigned qh = b.qh[g];
      const float dl = d * static_cast<float>(2 * ((qh >> 12) & 7) + 1);
      const float delta = qh & 0x8000 ? -kIq1Delta : kIq1Delta;
      for (int l = 0; l < 4; ++l, y += 8) {
        const unsigned index = b.qs[4 * g + l] | (((qh >> (3 * l)) & 7u) << 8);
        put8_iq1(y, dl, kIq1sGrid[index], delta);
      }
    }
  }
}

void dequant_iq1_m(const std::uint8_t* src, float* y, std::int64_t nb) {
  for (std::int64_t i = 0; i < nb; ++i) {
    const auto b = load_block<BlockIq1m>(src, i);
    std::uint16_t sc[4];
    std::memcpy(sc, b.scales, sizeof sc);
    // The fp16 super-block scale: the top nibble of each of the four words, word 0 lowest.
    const auto d16 = static_cast<std::uint16_t>((sc[0] >> 12) | ((sc[1] >> 8) & 0x00F0) |
                                                ((sc[2] >> 4) & 0x0F00) | (sc[3] & 0xF000));
    const float d = fp16_to_f32(d16);
    for (int g = 0; g < 8; ++g) {
      const unsigned w = sc[g / 2] >> (6 * (g % 2));
      const float dl[2] = {d * static_cast<float>(2 * (w & 7) + 1),
                           d * static_cast<float>(2 * ((w >> 3) & 7) + 1)};
      for (int l = 0; l < 4; ++l, y += 8) {
        // Point l: its qh byte is qh[2g + l/2], low nibble for even l, high nibble for odd;
        // the nibble's bits 0..2 are the high index bits, bit 3 the delta's sign.
        const unsigned nib = (b.qh[2 * g + l / 2] >> (4 * (l % 2))) & 0xF;
        const unsigned index = b.qs[4 * g + l] | ((nib & 7u) << 8);
        const float delta = nib & 8 ? -kIq1Delta : kIq1Delta;
        put8_iq1(y, dl[l / 2], kIq1sGrid[index], delta);
      }
    }
  }
}

}  // namespace

bool is_grid_iq_type(GgmlType type) {
  switch (type) {
    case GgmlType::IQ2_XXS:
    case GgmlType::IQ2_XS:
    case GgmlType::IQ2_S:
    case GgmlType::IQ3_XXS:
    case GgmlType::IQ3_S:
    case GgmlType::IQ1_S:
    case GgmlType::IQ1_M: return true;
    default: return false;
  }
}

void dequantize_grid_iq(GgmlType type, const std::uint8_t* src, float* y, std::int64_t nb) {
  switch (type) {
    case GgmlType::IQ2_XXS: return dequant_iq2_xxs(src, y, nb);
    case GgmlType::IQ2_XS: return dequant_iq2_xs(src, y, nb);
    case GgmlType::IQ2_S: return dequant_iq2_s(src, y, nb);
    case GgmlType::IQ3_XXS: return dequant_iq3_xxs(src, y, nb);
    case GgmlType::IQ3_S: return dequant_iq3_s(src, y, nb);
    case GgmlType::IQ1_S: return dequant_iq1_s(src, y, nb);
    case GgmlType::IQ1_M: return dequant_iq1_m(src, y, nb);
    default: throw std::logic_error("dequantize_grid_iq: not a codebook-grid IQ type");
  }
}

}  // namespace vkchat::quant
