// Random GGUF blocks with sane scales.
#include "ref/random_weights.h"

#include <cstddef>
#include <cstring>
#include <random>
#include <stdexcept>

#include "quant/blocks.h"
#include "quant/blocks_lowbit.h"
#include "quant/dequantize.h"
#include "quant/half.h"
#include "quant/iq_blocks.h"
#include "util/errors.h"

namespace vkchat::ref {

using gguf::GgmlType;

namespace {

struct Rng {
  std::mt19937_64 gen;
  float uniform(float lo, float hi) { return std::uniform_real_distribution<float>(lo, hi)(gen); }
  // A signed fp16 scale, occasionally subnormal.
  std::uint16_t scale() {
    if (gen() % 16 == 0) {
      auto h = static_cast<std::uint16_t>(1 + gen() % 0x3ff);  // subnormal magnitude
      return static_cast<std::uint16_t>(h | ((gen() & 1) << 15));
    }
    float v = uniform(0.002f, 0.05f) * (gen() & 1 ? -1.f : 1.f);
    return quant::f32_to_fp16(v);
  }
};

void put16(std::uint8_t* p, std::uint16_t v) {
  std::memcpy(p, &v, 2);
}

}  // namespace

std::vector<float> random_floats(std::size_t n, std::uint64_t seed, float lo, float hi) {
  std::mt19937_64 gen(seed);
  std::uniform_real_distribution<float> d(lo, hi);
  std::vector<float> v(n);
  for (float& x : v) x = d(gen);
  return v;
}

std::vector<std::uint8_t> random_weights(GgmlType type, std::int64_t rows, std::int64_t cols,
                                         std::uint64_t seed) {
  quant::require_dequant_supported(type);
  const std::uint64_t row_bytes = quant::row_bytes(type, cols);
  const std::uint64_t total = row_bytes * static_cast<std::uint64_t>(rows);
  std::vector<std::uint8_t> out(total);
  Rng rng{std::mt19937_64(seed)};
  for (std::uint8_t& b : out) b = static_cast<std::uint8_t>(rng.gen());

  const gguf::TypeTraits tr = gguf::traits(type);
  const std::uint64_t n_blocks = total / tr.type_size;
  auto block = [&](std::uint64_t i) { return out.data() + i * tr.type_size; };
  switch (type) {
    case GgmlType::F32:
      for (std::uint64_t i = 0; i < n_blocks; ++i) {
        float v = rng.uniform(-1.f, 1.f);
        std::memcpy(block(i), &v, 4);
      }
      break;
    case GgmlType::F16:
      for (std::uint64_t i = 0; i < n_blocks; ++i)
        put16(block(i), quant::f32_to_fp16(rng.uniform(-1.f, 1.f)));
      break;
    case GgmlType::BF16:
      for (std::uint64_t i = 0; i < n_blocks; ++i)
        put16(block(i), quant::f32_to_bf16(rng.uniform(-1.f, 1.f)));
      break;
    case GgmlType::Q4_0:
    case GgmlType::Q5_0:
    case GgmlType::Q8_0:
      for (std::uint64_t i = 0; i < n_blocks; ++i) put16(block(i), rng.scale());  // d first
      break;
    case GgmlType::Q4_1:
    case GgmlType::Q5_1:
    case GgmlType::Q4_K:
    case GgmlType::Q5_K:
    case GgmlType::Q2_K:
      for (std::uint64_t i = 0; i < n_blocks; ++i) {
        std::uint8_t* b = block(i);
        std::size_t d_at = type == GgmlType::Q2_K ? offsetof(quant::BlockQ2_K, d) : 0;
        put16(b + d_at, rng.scale());
        put16(b + d_at + 2, rng.scale());  // m or dmin
      }
      break;
    case GgmlType::Q3_K:
      for (std::uint64_t i = 0; i < n_blocks; ++i)
        put16(block(i) + offsetof(quant::BlockQ3_K, d), rng.scale());
      break;
    case GgmlType::Q6_K:
      for (std::uint64_t i = 0; i < n_blocks; ++i)
        put16(block(i) + offsetof(quant::BlockQ6_K, d), rng.scale());
      break;
    case GgmlType::Q8_K:
      for (std::uint64_t i = 0; i < n_blocks; ++i) {
        float d = rng.uniform(0.002f, 0.05f);
        std::memcpy(block(i), &d, 4);
      }
      break;
    // Low-bit types: random quants with a sane scale.
    case GgmlType::IQ4_NL:
    case GgmlType::IQ4_XS:
    case GgmlType::Q1_0:
    case GgmlType::Q2_0:
      for (std::uint64_t i = 0; i < n_blocks; ++i) put16(block(i), rng.scale());  // d first
      break;
    case GgmlType::TQ1_0:
      for (std::uint64_t i = 0; i < n_blocks; ++i)
        put16(block(i) + offsetof(quant::BlockTQ1_0, d), rng.scale());
      break;
    case GgmlType::TQ2_0:
      for (std::uint64_t i = 0; i < n_blocks; ++i)
        put16(block(i) + offsetof(quant::BlockTQ2_0, d), rng.scale());
      break;
    case GgmlType::MXFP4:
      // E8M0 exponents 2^-12 .. 2^-3 (halved): values of weight size.
      for (std::uint64_t i = 0; i < n_blocks; ++i)
        block(i)[0] = static_cast<std::uint8_t>(116 + rng.gen() % 10);
      break;
    case GgmlType::NVFP4:
      // UE4M3 scales with exponents 2..8 (about 2^-6 .. 2^1, halved), any mantissa.
      for (std::uint64_t i = 0; i < n_blocks; ++i) {
        for (int s = 0; s < 4; ++s)
          block(i)[s] = static_cast<std::uint8_t>(0x10 + rng.gen() % 0x38);
      }
      break;
    // Codebook-grid IQ types: every index and sign byte is valid; d first, except IQ1_M.
    case GgmlType::IQ2_XXS:
    case GgmlType::IQ2_XS:
    case GgmlType::IQ2_S:
    case GgmlType::IQ3_XXS:
    case GgmlType::IQ3_S:
    case GgmlType::IQ1_S:
      for (std::uint64_t i = 0; i < n_blocks; ++i) put16(block(i), rng.scale());
      break;
    case GgmlType::IQ1_M:
      // The fp16 d sits in the top nibbles of the four scale words (nibble k in word k).
      for (std::uint64_t i = 0; i < n_blocks; ++i) {
        std::uint8_t* sc = block(i) + offsetof(quant::BlockIq1m, scales);
        const std::uint16_t d = rng.scale();
        for (int k = 0; k < 4; ++k) {
          std::uint16_t w;
          std::memcpy(&w, sc + 2 * k, 2);
          w = static_cast<std::uint16_t>((w & 0x0FFF) | (((d >> (4 * k)) & 0xF) << 12));
          put16(sc + 2 * k, w);
        }
      }
      break;
    default: throw UnsupportedModel("random_weights: no generator for this type");
  }
  return out;
}

}  // namespace vkchat::ref
