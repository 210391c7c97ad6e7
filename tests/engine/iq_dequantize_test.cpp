// The codebook-grid IQ types (IQ2_XXS, IQ2_XS, IQ2_S, IQ3_XXS, IQ3_S, IQ1_S, IQ1_M) against
// llama.cpp's own dequantization: tests/data/quant/iq_grid_golden.tsv holds crafted blocks that
// use every grid entry, sign code, group scale and delta sign (and random blocks), each with the
// hash of ggml's dequantize_row_iq* output (made by scripts/iq-grid-golden.cpp).
#include <gtest/gtest.h>

#include <bit>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "gguf/ggml_types.h"
#include "gguf/gguf_reader.h"
#include "quant/dequantize.h"
#include "quant/iq_blocks.h"
#include "quant/iq_grids.h"
#include "support/test_support.h"

using namespace vkchat::quant;
using vkchat::gguf::GgmlType;

namespace {

struct GoldenBlock {
  GgmlType type;
  std::vector<std::uint8_t> bytes;
  std::uint64_t hash = 0;
};

GgmlType type_named(const std::string& name) {
  for (GgmlType t : {GgmlType::IQ2_XXS, GgmlType::IQ2_XS, GgmlType::IQ2_S, GgmlType::IQ3_XXS,
                     GgmlType::IQ3_S, GgmlType::IQ1_S, GgmlType::IQ1_M}) {
    if (vkchat::gguf::type_name(t) == name) return t;
  }
  throw std::runtime_error("unknown type " + name);
}

std::vector<GoldenBlock> read_golden() {
  const std::filesystem::path path =
      std::filesystem::path(VKCHAT_TEST_DATA_DIR) / "quant" / "iq_grid_golden.tsv";
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  std::vector<GoldenBlock> out;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream ss(line);
    std::string name, hex, hash;
    std::getline(ss, name, '\t');
    std::getline(ss, hex, '\t');
    std::getline(ss, hash, '\t');
    GoldenBlock b{type_named(name), {}, std::stoull(hash, nullptr, 16)};
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
      b.bytes.push_back(static_cast<std::uint8_t>(std::stoul(hex.substr(i, 2), nullptr, 16)));
    }
    out.push_back(std::move(b));
  }
  return out;
}

// FNV-1a over the floats' bits, as the generator hashes them.
std::uint64_t fnv(const std::vector<float>& y) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (float f : y) {
    const auto u = std::bit_cast<std::uint32_t>(f);
    for (int k = 0; k < 4; ++k) {
      h ^= (u >> (8 * k)) & 0xFF;
      h *= 0x100000001b3ull;
    }
  }
  return h;
}

template <class Block>
Block as(const GoldenBlock& g) {
  Block b;
  std::memcpy(&b, g.bytes.data(), sizeof b);
  return b;
}

// The grid entries (and sign codes) a block refers to, decoded independently of
// dequantize_iq.cpp from ggml-common.h's field descriptions, to show the golden covers them all.
struct Usage {
  std::set<unsigned> entries, signs;
};

void note_usage(const GoldenBlock& g, Usage& u) {
  switch (g.type) {
    case GgmlType::IQ2_XXS: {
      const auto b = as<BlockIq2xxs>(g);
      const auto* q = reinterpret_cast<const std::uint8_t*>(b.qs);
      for (int gr = 0; gr < 8; ++gr) {
        std::uint32_t aux;
        std::memcpy(&aux, q + 8 * gr + 4, 4);
        for (int l = 0; l < 4; ++l) {
          u.entries.insert(q[8 * gr + l]);
          u.signs.insert((aux >> (7 * l)) & 127);
        }
      }
      break;
    }
    case GgmlType::IQ2_XS:
      for (std::uint16_t q : as<BlockIq2xs>(g).qs) {
        u.entries.insert(q & 511);
        u.signs.insert(q >> 9);
      }
      break;
    case GgmlType::IQ2_S: {
      const auto b = as<BlockIq2s>(g);
      for (int p = 0; p < 32; ++p) {
        u.entries.insert(b.qs[p] | (((b.qh[p / 4] >> (2 * (p % 4))) & 3u) << 8));
        u.signs.insert(b.qs[32 + p]);
      }
      break;
    }
    case GgmlType::IQ3_XXS: {
      const auto b = as<BlockIq3xxs>(g);
      for (int p = 0; p < 64; ++p) u.entries.insert(b.qs[p]);
      for (int gr = 0; gr < 8; ++gr) {
        std::uint32_t aux;
        std::memcpy(&aux, b.qs + 64 + 4 * gr, 4);
        for (int l = 0; l < 4; ++l) u.signs.insert((aux >> (7 * l)) & 127);
      }
      break;
    }
    case GgmlType::IQ3_S: {
      const auto b = as<BlockIq3s>(g);
      for (int p = 0; p < 64; ++p)
        u.entries.insert(b.qs[p] | (((b.qh[p / 8] >> (p % 8)) & 1u) << 8));
      for (std::uint8_t s : b.signs) u.signs.insert(s);
      break;
    }
    case GgmlType::IQ1_S: {
      const auto b = as<BlockIq1s>(g);
      for (int p = 0; p < 32; ++p)
        u.entries.insert(b.qs[p] | (((b.qh[p / 4] >> (3 * (p % 4))) & 7u) << 8));
      break;
    }
    case GgmlType::IQ1_M: {
      const auto b = as<BlockIq1m>(g);
      for (int p = 0; p < 32; ++p)
        u.entries.insert(b.qs[p] | (((b.qh[p / 2] >> (4 * (p % 2))) & 7u) << 8));
      break;
    }
    default: FAIL() << "not an IQ grid type";
  }
}

}  // namespace

TEST(IqDequantize, BlockSizesMatchTypeTable) {
  const std::pair<GgmlType, std::size_t> sizes[] = {
      {GgmlType::IQ2_XXS, sizeof(BlockIq2xxs)}, {GgmlType::IQ2_XS, sizeof(BlockIq2xs)},
      {GgmlType::IQ2_S, sizeof(BlockIq2s)},     {GgmlType::IQ3_XXS, sizeof(BlockIq3xxs)},
      {GgmlType::IQ3_S, sizeof(BlockIq3s)},     {GgmlType::IQ1_S, sizeof(BlockIq1s)},
      {GgmlType::IQ1_M, sizeof(BlockIq1m)}};
  for (auto [t, size] : sizes) {
    EXPECT_EQ(vkchat::gguf::traits(t).type_size, size) << vkchat::gguf::type_name(t);
    EXPECT_EQ(vkchat::gguf::traits(t).block_size, 256u);
    EXPECT_TRUE(dequant_supported(t));
  }
}

TEST(IqDequantize, SignTableIsEvenParity) {
  // ggml's ksigns_iq2xs, spot entries from ggml-common.h; the rest follow the parity rule that
  // the golden blocks check through dequantization.
  EXPECT_EQ(iq_signs(0), 0);
  EXPECT_EQ(iq_signs(1), 129);
  EXPECT_EQ(iq_signs(3), 3);
  EXPECT_EQ(iq_signs(127), 255);
  EXPECT_EQ(iq_signs(126), 126);
  for (unsigned c = 0; c < 128; ++c) EXPECT_EQ(std::popcount(unsigned{iq_signs(c)}) % 2, 0);
}

TEST(IqDequantize, MatchesLlamaCppOnEveryGridEntry) {
  const auto golden = read_golden();
  std::map<GgmlType, Usage> usage;
  std::map<GgmlType, int> lines;
  for (std::size_t i = 0; i < golden.size(); ++i) {
    const GoldenBlock& g = golden[i];
    ASSERT_EQ(g.bytes.size(), vkchat::gguf::traits(g.type).type_size) << "line " << i + 1;
    // Offset by one byte: tensor rows carry no alignment guarantee.
    std::vector<std::uint8_t> src(g.bytes.size() + 1);
    std::memcpy(src.data() + 1, g.bytes.data(), g.bytes.size());
    std::vector<float> y(256);
    dequantize_row(g.type, src.data() + 1, y.data(), 256);
    EXPECT_EQ(fnv(y), g.hash) << vkchat::gguf::type_name(g.type) << " block on line " << i + 1
                              << " of iq_grid_golden.tsv differs from llama.cpp's dequantization";
    note_usage(g, usage[g.type]);
    ++lines[g.type];
  }
  const struct {
    GgmlType type;
    std::size_t entries, signs;
  } want[] = {
      {GgmlType::IQ2_XXS, kIq2xxsGrid.size(), 128}, {GgmlType::IQ2_XS, kIq2xsGrid.size(), 128},
      {GgmlType::IQ2_S, kIq2sGrid.size(), 256},     {GgmlType::IQ3_XXS, kIq3xxsGrid.size(), 128},
      {GgmlType::IQ3_S, kIq3sGrid.size(), 256},     {GgmlType::IQ1_S, kIq1sGrid.size(), 0},
      {GgmlType::IQ1_M, kIq1sGrid.size(), 0}};
  for (const auto& w : want) {
    const std::string name(vkchat::gguf::type_name(w.type));
    EXPECT_GT(lines[w.type], 0) << name;
    EXPECT_EQ(usage[w.type].entries.size(), w.entries) << name << ": grid entries covered";
    EXPECT_EQ(usage[w.type].signs.size(), w.signs) << name << ": sign codes covered";
  }
}

// Every IQ tensor of ../shared/models/quant is held to llama.cpp's dequantization by
// QuantFiles.EveryTensorDequantizesBitExactly (tests/data/quant/dequant_golden.tsv).

TEST(IqDequantize, PartialBlockFails) {
  std::vector<std::uint8_t> src(1024);
  std::vector<float> dst(512);
  EXPECT_THROW(dequantize_row(GgmlType::IQ2_XXS, src.data(), dst.data(), 128),
               std::invalid_argument);
  EXPECT_EQ(row_bytes(GgmlType::IQ1_M, 512), 112u);
}
