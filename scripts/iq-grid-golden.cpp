// Regenerates tests/data/quant/iq_grid_golden.tsv: crafted blocks of the codebook-grid IQ types
// that together use every grid entry, every sign code (IQ2_XXS, IQ2_XS, IQ3_XXS: 128; IQ2_S,
// IQ3_S: 256 sign bytes), every group scale and both delta signs, plus blocks of random bytes,
// each with the FNV-1a hash of llama.cpp's dequantization of it (dequantize_row_iq* of
// libggml-base.so). The test IqDequantize.MatchesLlamaCppOnEveryGridEntry checks
// vkchat::quant::dequantize_row against it. A developer tool, not a build step:
//   g++ -std=c++20 -O1 -Iengine scripts/iq-grid-golden.cpp -o /tmp/iq-grid-golden -ldl
//   /tmp/iq-grid-golden
//   /work/peer/node_modules/@node-llama-cpp/linux-x64/bins/linux-x64/libggml-base.so \
//       > tests/data/quant/iq_grid_golden.tsv
// Line format: TYPE <tab> block bytes in hex <tab> hash of the 256 floats' bits (16 hex digits).
#include <dlfcn.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "quant/half.h"
#include "quant/iq_blocks.h"

using namespace vkchat::quant;

namespace {

using DequantFn = void (*)(const void*, float*, std::int64_t);

std::mt19937 rng(20261202);  // raw 32-bit outputs only: the same on every platform
std::uint32_t bits() {
  return static_cast<std::uint32_t>(rng());
}

void fill_random(void* p, std::size_t n) {
  auto* b = static_cast<std::uint8_t*>(p);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>(bits());
}

// A finite fp16 scale of either sign, spread over magnitudes 2^-14 .. 2^1.
std::uint16_t scale16() {
  const std::uint32_t r = bits();
  const std::uint32_t exp = 1 + r % 16;
  return static_cast<std::uint16_t>(((r >> 8) & 0x8000) | (exp << 10) | ((r >> 4) & 0x3FF));
}

std::uint64_t fnv(const float* y, int n) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (int i = 0; i < n; ++i) {
    std::uint32_t u;
    std::memcpy(&u, &y[i], 4);
    for (int k = 0; k < 4; ++k) {
      h ^= (u >> (8 * k)) & 0xFF;
      h *= 0x100000001b3ull;
    }
  }
  return h;
}

template <class Block>
void emit(const char* name, DequantFn f, const Block& b) {
  float y[256];
  f(&b, y, 256);
  std::printf("%s\t", name);
  const auto* p = reinterpret_cast<const std::uint8_t*>(&b);
  for (std::size_t i = 0; i < sizeof b; ++i) std::printf("%02x", p[i]);
  std::printf("\t%016llx\n", static_cast<unsigned long long>(fnv(y, 256)));
}

// `crafted` blocks whose fields are set by craft(block, k), then `random` blocks of random bytes
// whose scale is made finite by fix(block).
template <class Block, class Craft, class Fix>
void type_rows(const char* name, DequantFn f, int crafted, Craft craft, Fix fix) {
  for (int k = 0; k < crafted; ++k) {
    Block b;
    fill_random(&b, sizeof b);
    fix(b);
    craft(b, k);
    emit(name, f, b);
  }
  for (int k = 0; k < 8; ++k) {
    Block b;
    fill_random(&b, sizeof b);
    fix(b);
    emit(name, f, b);
  }
}

void set_d(auto& b) {
  b.d = scale16();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s path/to/libggml-base.so\n", argv[0]);
    return 2;
  }
  void* lib = dlopen(argv[1], RTLD_NOW);
  if (!lib) {
    std::fprintf(stderr, "%s\n", dlerror());
    return 1;
  }
  auto fn = [&](const char* sym) {
    auto* f = reinterpret_cast<DequantFn>(dlsym(lib, sym));
    if (!f) {
      std::fprintf(stderr, "missing %s\n", sym);
      std::exit(1);
    }
    return f;
  };

  // IQ2_XXS: 32 points per block, 8 blocks for 256 entries; sign code and scale cycle.
  type_rows<BlockIq2xxs>(
      "IQ2_XXS", fn("dequantize_row_iq2_xxs"), 8,
      [](BlockIq2xxs& b, int k) {
        auto* qs = reinterpret_cast<std::uint8_t*>(b.qs);
        for (int g = 0; g < 8; ++g) {
          std::uint32_t aux = static_cast<std::uint32_t>((g + 2 * k) % 16) << 28;
          for (int l = 0; l < 4; ++l) {
            const int p = 32 * k + 4 * g + l;
            qs[8 * g + l] = static_cast<std::uint8_t>(p);
            aux |= static_cast<std::uint32_t>(p % 128) << (7 * l);
          }
          std::memcpy(qs + 8 * g + 4, &aux, 4);
        }
      },
      set_d<BlockIq2xxs>);
  // IQ2_XS: 512 entries, 16 blocks.
  type_rows<BlockIq2xs>(
      "IQ2_XS", fn("dequantize_row_iq2_xs"), 16,
      [](BlockIq2xs& b, int k) {
        for (int p = 0; p < 32; ++p) {
          const int e = 32 * k + p;
          b.qs[p] = static_cast<std::uint16_t>(e | ((e % 128) << 9));
        }
        for (int g = 0; g < 8; ++g)
          b.scales[g] = static_cast<std::uint8_t>(16 * ((g + k) % 16) + k);
      },
      set_d<BlockIq2xs>);
  // IQ2_S: 1024 entries, 32 blocks; sign bytes 0..255 over each 8 blocks.
  type_rows<BlockIq2s>(
      "IQ2_S", fn("dequantize_row_iq2_s"), 32,
      [](BlockIq2s& b, int k) {
        for (int g = 0; g < 8; ++g) {
          b.qh[g] = 0;
          for (int l = 0; l < 4; ++l) {
            const int e = 32 * k + 4 * g + l;
            b.qs[4 * g + l] = static_cast<std::uint8_t>(e);
            b.qh[g] = static_cast<std::uint8_t>(b.qh[g] | ((e >> 8) << (2 * l)));
            b.qs[32 + 4 * g + l] = static_cast<std::uint8_t>(e);
          }
          b.scales[g] = static_cast<std::uint8_t>(16 * ((g + k) % 16) + (15 - g));
        }
      },
      set_d<BlockIq2s>);
  // IQ3_XXS: 64 points of 4 per block, 4 blocks; 32 sign codes per block.
  type_rows<BlockIq3xxs>(
      "IQ3_XXS", fn("dequantize_row_iq3_xxs"), 4,
      [](BlockIq3xxs& b, int k) {
        for (int p = 0; p < 64; ++p) b.qs[p] = static_cast<std::uint8_t>(64 * k + p);
        for (int g = 0; g < 8; ++g) {
          std::uint32_t aux = static_cast<std::uint32_t>(4 * k + g % 4 + 8 * (g / 4)) % 16 << 28;
          for (int l = 0; l < 4; ++l)
            aux |= static_cast<std::uint32_t>(32 * k + 4 * g + l) << (7 * l);
          std::memcpy(b.qs + 64 + 4 * g, &aux, 4);
        }
      },
      set_d<BlockIq3xxs>);
  // IQ3_S: 512 entries, 8 blocks; sign bytes 0..255 over 8 blocks; scale nibbles cycle.
  type_rows<BlockIq3s>(
      "IQ3_S", fn("dequantize_row_iq3_s"), 8,
      [](BlockIq3s& b, int k) {
        for (int g = 0; g < 8; ++g) {
          b.qh[g] = 0;
          for (int p = 0; p < 8; ++p) {
            const int e = 64 * k + 8 * g + p;
            b.qs[8 * g + p] = static_cast<std::uint8_t>(e);
            b.qh[g] = static_cast<std::uint8_t>(b.qh[g] | ((e >> 8) << p));
          }
          for (int l = 0; l < 4; ++l)
            b.signs[4 * g + l] = static_cast<std::uint8_t>(32 * k + 4 * g + l);
        }
        for (int s = 0; s < 4; ++s)
          b.scales[s] = static_cast<std::uint8_t>(16 * ((2 * s + k) % 16) + (2 * s + 1 + k) % 16);
      },
      set_d<BlockIq3s>);
  // IQ1_S: 2048 entries, 64 blocks; scale and delta sign cycle.
  type_rows<BlockIq1s>(
      "IQ1_S", fn("dequantize_row_iq1_s"), 64,
      [](BlockIq1s& b, int k) {
        for (int g = 0; g < 8; ++g) {
          std::uint32_t qh = static_cast<std::uint32_t>((g + k) % 8) << 12 |
                             static_cast<std::uint32_t>((g + k / 8) % 2) << 15;
          for (int l = 0; l < 4; ++l) {
            const int e = 32 * k + 4 * g + l;
            b.qs[4 * g + l] = static_cast<std::uint8_t>(e);
            qh |= static_cast<std::uint32_t>(e >> 8) << (3 * l);
          }
          b.qh[g] = static_cast<std::uint16_t>(qh);
        }
      },
      set_d<BlockIq1s>);
  // IQ1_M: 2048 entries, 64 blocks; the fp16 scale spread over the scale words' top nibbles.
  auto iq1m_d = [](BlockIq1m& b) {
    const std::uint16_t d = scale16();
    std::uint16_t sc[4];
    std::memcpy(sc, b.scales, sizeof sc);
    for (int w = 0; w < 4; ++w)
      sc[w] = static_cast<std::uint16_t>((sc[w] & 0x0FFF) | (((d >> (4 * w)) & 0xF) << 12));
    std::memcpy(b.scales, sc, sizeof sc);
  };
  type_rows<BlockIq1m>(
      "IQ1_M", fn("dequantize_row_iq1_m"), 64,
      [](BlockIq1m& b, int k) {
        for (int g = 0; g < 8; ++g) {
          for (int h = 0; h < 2; ++h) {
            std::uint8_t qh = 0;
            for (int l = 0; l < 2; ++l) {
              const int e = 32 * k + 4 * g + 2 * h + l;
              b.qs[4 * g + 2 * h + l] = static_cast<std::uint8_t>(e);
              const int sign = (k + g + h + l) % 2;
              qh = static_cast<std::uint8_t>(qh | (((e >> 8) | (sign << 3)) << (4 * l)));
            }
            b.qh[2 * g + h] = qh;
          }
        }
        std::uint16_t sc[4];
        std::memcpy(sc, b.scales, sizeof sc);
        for (int w = 0; w < 4; ++w) {
          const int s = (4 * w + k) % 8;  // four 3-bit scales per word: s, s+1, s+2, s+3 mod 8
          std::uint16_t v = 0;
          for (int j = 0; j < 4; ++j)
            v = static_cast<std::uint16_t>(v | (((s + j) % 8) << (3 * j)));
          sc[w] = static_cast<std::uint16_t>((sc[w] & 0xF000) | v);
        }
        std::memcpy(b.scales, sc, sizeof sc);
      },
      iq1m_d);
  return 0;
}
