// The embedding gather dequantizes on the GPU bit for bit as the CPU reference (ggml's
// formulas) does: random blocks of every kernel type, and rows of every tensor of the real
// model files in ../shared/models.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <random>
#include <set>

#include "gguf/gguf_reader.h"
#include "quant/dequantize.h"
#include "quant/dequantize_iq.h"
#include "ref/random_weights.h"
#include "support/test_support.h"
#include "vk/kernel_rig.h"
#include "vk/vk_test_support.h"

namespace vkchat::test {
namespace {

using gguf::GgmlType;

// Rows `ids` of the table, gathered on the GPU, compared bit for bit with dequantize_row.
void expect_bit_exact(KernelRig& rig, GgmlType type, std::span<const std::uint8_t> bytes,
                      std::int64_t cols, std::int64_t rows, const std::vector<std::int32_t>& ids) {
  ops::Tensor table = rig.weights(type, bytes, cols, rows);
  ops::Tensor idt = rig.i32(ids);
  ops::Tensor out = rig.poisoned(GgmlType::F32, cols, static_cast<std::int64_t>(ids.size()));
  rig.run([&](ops::Ops& ops) { ops.embedding(table, idt, out); });
  std::vector<float> got = rig.read_f32(out);
  quant::MatrixView m = view(type, bytes, cols, rows);
  std::vector<float> want(static_cast<std::size_t>(cols));
  for (std::size_t t = 0; t < ids.size(); ++t) {
    m.dequantize_row(ids[t], want.data());
    const float* g = got.data() + t * static_cast<std::size_t>(cols);
    for (std::int64_t i = 0; i < cols; ++i) {
      // Bits, not values: a NaN or -0 mismatch counts too.
      if (std::memcmp(&g[i], &want[i], 4) != 0) {
        ADD_FAILURE() << "row " << ids[t] << " element " << i << ": " << g[i] << " vs " << want[i];
        return;
      }
    }
  }
}

class EmbeddingTest : public ::testing::TestWithParam<GgmlType> {};

TEST_P(EmbeddingTest, RandomBlocksBitExact) {
  GgmlType type = GetParam();
  std::uint64_t seed = test_seed() + 23;
  SCOPED_TRACE(seed_trace(seed));
  KernelRig rig;
  std::int64_t cols = gguf::traits(type).block_size == 1 ? 77 : 512, rows = 300;
  std::vector<std::uint8_t> bytes = ref::random_weights(type, rows, cols, seed);
  expect_bit_exact(rig, type, bytes, cols, rows, {0, 299, 17, 17, 150, 1});
}

INSTANTIATE_TEST_SUITE_P(
    AllTypes, EmbeddingTest,
    ::testing::Values(GgmlType::F32, GgmlType::F16, GgmlType::BF16, GgmlType::Q4_0, GgmlType::Q4_1,
                      GgmlType::Q5_0, GgmlType::Q5_1, GgmlType::Q8_0, GgmlType::Q4_K,
                      GgmlType::Q5_K, GgmlType::Q6_K, GgmlType::Q2_K, GgmlType::Q3_K,
                      GgmlType::IQ4_NL, GgmlType::IQ4_XS, GgmlType::MXFP4, GgmlType::NVFP4,
                      GgmlType::TQ1_0, GgmlType::TQ2_0, GgmlType::Q1_0, GgmlType::Q2_0,
                      GgmlType::IQ2_XXS, GgmlType::IQ2_XS, GgmlType::IQ2_S, GgmlType::IQ3_XXS,
                      GgmlType::IQ3_S, GgmlType::IQ1_S, GgmlType::IQ1_M),
    [](const auto& info) { return std::string(gguf::type_name(info.param)); });

// gemma4's per-layer embeddings: a table of r rows per id, gathered z-major (row z * T + t of
// the output is table row ids[t] * r + z), bit for bit.
TEST(Embedding, SeveralRowsPerIdGatherZMajor) {
  std::uint64_t seed = test_seed() + 31;
  SCOPED_TRACE(seed_trace(seed));
  KernelRig rig;
  const GgmlType type = GgmlType::Q8_0;
  const std::int64_t cols = 64, r = 3, n_ids = 50;
  std::vector<std::uint8_t> bytes = ref::random_weights(type, r * n_ids, cols, seed);
  ops::Tensor table = rig.weights(type, bytes, cols, r * n_ids);
  const std::vector<std::int32_t> ids = {7, 0, 49, 7};
  ops::Tensor idt = rig.i32(ids);
  const auto T = static_cast<std::int64_t>(ids.size());
  ops::Tensor out = rig.poisoned(GgmlType::F32, cols, r * T);
  rig.run([&](ops::Ops& ops) { ops.embedding(table, idt, r, out); });
  std::vector<float> got = rig.read_f32(out);
  quant::MatrixView m = view(type, bytes, cols, r * n_ids);
  std::vector<float> want(static_cast<std::size_t>(cols));
  for (std::int64_t z = 0; z < r; ++z) {
    for (std::int64_t t = 0; t < T; ++t) {
      m.dequantize_row(ids[static_cast<std::size_t>(t)] * r + z, want.data());
      const float* g = got.data() + (z * T + t) * cols;
      ASSERT_EQ(std::memcmp(g, want.data(), static_cast<std::size_t>(cols) * 4), 0)
          << "sub-row " << z << " of token " << t;
    }
  }
}

TEST(Embedding, RealModelTensorsBitExact) {
  std::uint64_t seed = test_seed() + 29;
  SCOPED_TRACE(seed_trace(seed));
  std::mt19937_64 rng(seed);
  KernelRig rig;
  std::set<GgmlType> seen;
  for (const auto& e : std::filesystem::directory_iterator(shared_path("models"))) {
    if (e.path().extension() != ".gguf") continue;
    auto f = gguf::GgufFile::open(e.path());
    for (const gguf::TensorInfo& t : f.tensors()) {
      if (!ops::kernel_supports(t.type)) continue;
      SCOPED_TRACE(e.path().filename().string() + " " + std::string(t.name));
      auto rows = static_cast<std::int64_t>(t.rows());
      std::vector<std::int32_t> ids = {0, static_cast<std::int32_t>(rows - 1)};
      for (int i = 0; i < 3; ++i) ids.push_back(static_cast<std::int32_t>(rng() % rows));
      expect_bit_exact(rig, t.type, t.data, static_cast<std::int64_t>(t.ne[0]), rows, ids);
      seen.insert(t.type);
    }
  }
  // The files hold these types; all of them were checked.
  for (GgmlType t : {GgmlType::F32, GgmlType::F16, GgmlType::Q4_0, GgmlType::Q8_0, GgmlType::Q4_K,
                     GgmlType::Q5_K, GgmlType::Q6_K}) {
    EXPECT_TRUE(seen.count(t)) << gguf::type_name(t);
  }
}

// Every codebook-grid IQ tensor of the llama-quantize files in ../shared/models/quant (made
// with an importance matrix, so their indices are the ones real files use), a few rows each.
TEST(Embedding, QuantFileIqTensorsBitExact) {
  std::uint64_t seed = test_seed() + 31;
  SCOPED_TRACE(seed_trace(seed));
  std::mt19937_64 rng(seed);
  KernelRig rig;
  std::set<GgmlType> seen;
  for (const auto& e : std::filesystem::directory_iterator(shared_path("models/quant"))) {
    if (e.path().extension() != ".gguf") continue;
    auto f = gguf::GgufFile::open(e.path());
    for (const gguf::TensorInfo& t : f.tensors()) {
      if (!quant::is_grid_iq_type(t.type)) continue;
      SCOPED_TRACE(e.path().filename().string() + " " + std::string(t.name));
      auto rows = static_cast<std::int64_t>(t.rows());
      std::vector<std::int32_t> ids = {0, static_cast<std::int32_t>(rows - 1)};
      ids.push_back(static_cast<std::int32_t>(rng() % rows));
      expect_bit_exact(rig, t.type, t.data, static_cast<std::int64_t>(t.ne[0]), rows, ids);
      seen.insert(t.type);
    }
  }
  for (GgmlType t : {GgmlType::IQ2_XXS, GgmlType::IQ2_XS, GgmlType::IQ2_S, GgmlType::IQ3_XXS,
                     GgmlType::IQ3_S, GgmlType::IQ1_S, GgmlType::IQ1_M}) {
    EXPECT_TRUE(seen.count(t)) << gguf::type_name(t);
  }
}

TEST(Embedding, RowsOutsideTheTableAreLeftAlone) {
  KernelRig rig;
  std::vector<std::uint8_t> bytes = ref::random_weights(GgmlType::Q8_0, 4, 64, 5);
  ops::Tensor table = rig.weights(GgmlType::Q8_0, bytes, 64, 4);
  std::vector<std::int32_t> ids = {2, 4};
  ops::Tensor idt = rig.i32(ids);
  ops::Tensor out = rig.poisoned(GgmlType::F32, 64, 2);
  rig.run([&](ops::Ops& ops) { ops.embedding(table, idt, out); });
  std::vector<float> got = rig.read_f32(out);
  EXPECT_FALSE(std::isnan(got[0]));
  EXPECT_TRUE(std::isnan(got[64]));
}

}  // namespace
}  // namespace vkchat::test
