// RMSNorm (plain, fused with the residual add, per head) and RoPE (normal and NeoX, partial
// rotation, frequency base and linear scaling) against the CPU reference.
#include <gtest/gtest.h>

#include "ops/rope_table.h"
#include "ref/random_weights.h"
#include "ref/ref_ops.h"
#include "vk/kernel_rig.h"
#include "vk/vk_test_support.h"

namespace vkchat::test {
namespace {

using gguf::GgmlType;
constexpr double kTol = 1e-5;

class NormTest : public ::testing::TestWithParam<bool> {};  // subgroups on / off

TEST_P(NormTest, RmsnormRows) {
  std::uint64_t seed = test_seed() + 31;
  SCOPED_TRACE(seed_trace(seed));
  KernelRig rig(GetParam());
  for (auto [n, T] : {std::pair<std::int64_t, std::int64_t>{1, 1}, {333, 3}, {4096, 2}}) {
    SCOPED_TRACE("n " + std::to_string(n) + " rows " + std::to_string(T));
    std::vector<float> x = ref::random_floats(static_cast<std::size_t>(n * T), seed, -3, 3);
    std::vector<float> w = ref::random_floats(static_cast<std::size_t>(n), seed + 1);
    ops::Tensor xt = rig.f32(x, n, T), wt = rig.f32(w, n);
    ops::Tensor out = rig.poisoned(GgmlType::F32, n, T);
    rig.run([&](ops::Ops& ops) { ops.rmsnorm(xt, wt, out, 1e-5f); });
    std::vector<float> want(x.size());
    for (std::int64_t t = 0; t < T; ++t) {
      auto row = std::span<const float>(x).subspan(t * n, n);
      ref::rmsnorm(row, w, 1e-5f, std::span<float>(want).subspan(t * n, n));
    }
    EXPECT_LE(rel_l2(rig.read_f32(out), want), kTol);
  }
}

TEST_P(NormTest, AddRmsnormFused) {
  std::uint64_t seed = test_seed() + 37;
  SCOPED_TRACE(seed_trace(seed));
  KernelRig rig(GetParam());
  const std::int64_t n = 1000, T = 3;
  std::vector<float> a = ref::random_floats(n * T, seed), b = ref::random_floats(n * T, seed + 1);
  std::vector<float> w = ref::random_floats(n, seed + 2);
  ops::Tensor at = rig.f32(a, n, T), bt = rig.f32(b, n, T), wt = rig.f32(w, n);
  ops::Tensor sum = rig.poisoned(GgmlType::F32, n, T), out = rig.poisoned(GgmlType::F32, n, T);
  rig.run([&](ops::Ops& ops) { ops.add_rmsnorm(at, bt, sum, wt, out, 1e-6f); });
  std::vector<float> want_sum(a.size()), want(a.size());
  ref::add(a, b, want_sum);
  for (std::int64_t t = 0; t < T; ++t) {
    ref::rmsnorm(std::span<const float>(want_sum).subspan(t * n, n), w, 1e-6f,
                 std::span<float>(want).subspan(t * n, n));
  }
  EXPECT_LE(rel_l2(rig.read_f32(sum), want_sum), kTol);
  EXPECT_LE(rel_l2(rig.read_f32(out), want), kTol);
}

TEST_P(NormTest, HeadRmsnormInPlace) {
  std::uint64_t seed = test_seed() + 41;
  SCOPED_TRACE(seed_trace(seed));
  KernelRig rig(GetParam());
  const int n_heads = 6, hd = 64;
  const std::int64_t T = 2;
  std::vector<float> x = ref::random_floats(n_heads * hd * T, seed, -2, 2);
  std::vector<float> w = ref::random_floats(hd, seed + 1);
  ops::Tensor xt = rig.f32(x, n_heads * hd, T), wt = rig.f32(w, hd);
  rig.run([&](ops::Ops& ops) { ops.head_rmsnorm(xt, n_heads, wt, 1e-6f); });
  std::vector<float> want = x;
  for (std::int64_t t = 0; t < T; ++t) {
    ref::head_rmsnorm(std::span<float>(want).subspan(t * n_heads * hd, n_heads * hd), n_heads, w,
                      1e-6f);
  }
  EXPECT_LE(rel_l2(rig.read_f32(xt), want), kTol);
}

INSTANTIATE_TEST_SUITE_P(Reductions, NormTest, ::testing::Values(true, false),
                         [](const auto& info) { return info.param ? "subgroup" : "shared"; });

struct RopeCase {
  const char* name;
  ref::RopeType type;
  int head_dim, n_rot;
  float base, scale;
};

class RopeTest : public ::testing::TestWithParam<RopeCase> {};

TEST_P(RopeTest, MatchesReference) {
  const RopeCase& c = GetParam();
  std::uint64_t seed = test_seed() + 43;
  SCOPED_TRACE(seed_trace(seed));
  KernelRig rig;
  ref::RopeParams params{c.type, c.n_rot, c.base, c.scale};
  const int n_heads = 3;
  const std::int64_t n_pos = 5000;
  ops::RopeTable table = ops::RopeTable::create(rig.ctx(), params, n_pos);
  // A prefill batch from position 0 and a decode step far into the context.
  for (auto [pos0, T] : {std::pair<std::int64_t, std::int64_t>{0, 5}, {4321, 1}}) {
    SCOPED_TRACE("pos0 " + std::to_string(pos0));
    std::vector<float> x = ref::random_floats(n_heads * c.head_dim * T, seed + pos0);
    ops::Tensor xt = rig.f32(x, n_heads * c.head_dim, T);
    const ops::Positions pos = rig.positions(pos0, T);
    rig.run([&](ops::Ops& ops) { ops.rope(xt, n_heads, c.head_dim, pos, table); });
    std::vector<float> want = x;
    for (std::int64_t t = 0; t < T; ++t) {
      ref::rope(std::span<float>(want).subspan(t * n_heads * c.head_dim, n_heads * c.head_dim),
                n_heads, c.head_dim, pos0 + t, params);
    }
    EXPECT_LE(rel_l2(rig.read_f32(xt), want), kTol);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Conventions, RopeTest,
    ::testing::Values(RopeCase{"normal", ref::RopeType::Normal, 64, 64, 10000.f, 1.f},
                      RopeCase{"neox", ref::RopeType::NeoX, 128, 128, 1000000.f, 1.f},
                      RopeCase{"normal_partial_scaled", ref::RopeType::Normal, 80, 32, 10000.f,
                               0.25f},
                      RopeCase{"neox_partial", ref::RopeType::NeoX, 96, 64, 500000.f, 1.f}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(Rope, PositionsPastTheTableThrow) {
  KernelRig rig;
  ops::RopeTable table = ops::RopeTable::create(rig.ctx(), {ref::RopeType::Normal, 8}, 4);
  std::vector<float> x(16);
  ops::Tensor xt = rig.f32(x, 16, 2);
  const ops::Positions pos = rig.positions(3, 2);
  rig.run(
      [&](ops::Ops& ops) { EXPECT_THROW(ops.rope(xt, 2, 8, pos, table), std::invalid_argument); });
}

}  // namespace
}  // namespace vkchat::test
