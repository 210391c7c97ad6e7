// Matrix x vector, matrix x matrix and the fused gate/up SwiGLU against the CPU reference, for
// every weight type the kernels read: odd small shapes, several tokens, one realistic shape per
// type family, and the shared-memory reduction fallback.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "ref/random_weights.h"
#include "ref/ref_ops.h"
#include "util/env.h"
#include "util/errors.h"
#include "vk/kernel_rig.h"
#include "vk/vk_test_support.h"

namespace vkchat::test {
namespace {

using gguf::GgmlType;

bool is_float(GgmlType t) {
  return t == GgmlType::F32 || t == GgmlType::F16 || t == GgmlType::BF16;
}
// The tolerances: f32 weights 1e-5; others against the dequantized reference 1e-4.
double tolerance(GgmlType t) {
  return t == GgmlType::F32 ? 1e-5 : 1e-4;
}
std::int64_t block(GgmlType t) {
  return gguf::traits(t).block_size;
}

enum class Kernel { Matvec, Matmul, Linear };

// sum_k |W[r][k] x[t][k]| for each output: what the sum is made of before cancellation.
std::vector<float> magnitudes(const quant::MatrixView& m, const std::vector<float>& x,
                              std::int64_t T) {
  std::vector<float> row(static_cast<std::size_t>(m.cols));
  std::vector<float> out(static_cast<std::size_t>(T * m.rows));
  for (std::int64_t r = 0; r < m.rows; ++r) {
    m.dequantize_row(r, row.data());
    for (std::int64_t t = 0; t < T; ++t) {
      double s = 0;
      for (std::int64_t k = 0; k < m.cols; ++k) s += std::fabs(double{row[k]} * x[t * m.cols + k]);
      out[t * m.rows + r] = static_cast<float>(s);
    }
  }
  return out;
}

// Relative L2 error, except that a result that cancels to almost nothing (one row whose terms
// happen to sum near zero) is measured against a thousandth of its terms' magnitude: f32
// rounding of the terms is then all that is left, and no kernel can do better.
double conditioned_rel_l2(std::span<const float> got, std::span<const float> want,
                          std::span<const float> mags) {
  double want2 = 0, mag2 = 0;
  for (std::size_t i = 0; i < want.size(); ++i) {
    want2 += double{want[i]} * want[i];
    mag2 += double{mags[i]} * mags[i];
  }
  double err2 = 0;
  for (std::size_t i = 0; i < want.size(); ++i) {
    if (std::isnan(got[i])) return std::numeric_limits<double>::infinity();  // unwritten
    double d = double{got[i]} - want[i];
    err2 += d * d;
  }
  return std::sqrt(err2) / std::max(std::sqrt(want2), std::sqrt(mag2) / 1000);
}

// y = x W^T on the GPU and on the CPU; returns the relative L2 error.
double compare_linear(KernelRig& rig, GgmlType type, std::int64_t N, std::int64_t K, std::int64_t T,
                      Kernel kernel, std::uint64_t seed) {
  std::vector<std::uint8_t> wb = ref::random_weights(type, N, K, seed);
  std::vector<float> x = ref::random_floats(static_cast<std::size_t>(T * K), seed + 1);
  ops::Tensor w = rig.weights(type, wb, K, N);
  ops::Tensor xt = rig.f32(x, K, T);
  ops::Tensor y = rig.poisoned(GgmlType::F32, N, T);
  rig.run([&](ops::Ops& ops) {
    switch (kernel) {
      case Kernel::Matvec: ops.matvec(w, xt, y); break;
      case Kernel::Matmul: ops.matmul(w, xt, y); break;
      case Kernel::Linear: ops.linear(w, xt, y); break;
    }
  });
  std::vector<float> want(static_cast<std::size_t>(T * N));
  quant::MatrixView m = view(type, wb, K, N);
  ref::matmul(m, x, want, T);
  return conditioned_rel_l2(rig.read_f32(y), want, magnitudes(m, x, T));
}

// K = 256 n + 32 (or an odd K for the float types). The streaming matvec (CPU devices) bakes a
// row's units per invocation into its pipeline, so tests that need no other K share this one and
// its pipeline: on lavapipe each pipeline of a codebook type costs seconds to build.
std::int64_t k_odd(GgmlType type) {
  return is_float(type) ? 97 : (block(type) == 32 ? 256 * 2 + 32 : 256 * 3);
}

class LinearTest : public ::testing::TestWithParam<GgmlType> {};

// Whether this run takes `type` through the wide row of MatvecOddShapes on a device where that
// row builds a pipeline of its own: on a streaming device (lavapipe) a row of 4096 elements makes
// an invocation hold 17 units of x, a specialization that costs LLVM 5-15 s per type there and
// that nothing else in the suite builds. Each type is drawn with probability 1/8 from the printed
// seed, so that over runs every type meets it; VKCHAT_FULL_SWEEP=1 takes every type.
bool wide_row_drawn(GgmlType type, std::uint64_t seed) {
  if (env_flag("VKCHAT_FULL_SWEEP")) return true;
  std::mt19937_64 gen(seed ^ (0x9e3779b97f4a7c15ull * (static_cast<std::uint64_t>(type) + 1)));
  return gen() % 8 == 0;
}

TEST_P(LinearTest, MatvecOddShapes) {
  GgmlType type = GetParam();
  std::uint64_t seed = test_seed();
  SCOPED_TRACE(seed_trace(seed));
  KernelRig rig;
  // One row; K one block; K = 256 n + 32 (or an odd K for the float types); N not a multiple
  // of the rows per workgroup; K longer than one pass of the plain matvec's workgroup (64 x 32)
  // over the row, the widest rows its streaming form takes on CPU devices.
  std::int64_t b = block(type);
  struct Shape {
    std::int64_t N, K;
  } shapes[] = {{1, b}, {1, k_odd(type)}, {37, k_odd(type)}};
  for (const Shape& s : shapes) {
    SCOPED_TRACE("N " + std::to_string(s.N) + " K " + std::to_string(s.K));
    EXPECT_LE(compare_linear(rig, type, s.N, s.K, 1, Kernel::Matvec, seed), tolerance(type));
  }
  const std::int64_t wide = 64 * 32 * 2 + (is_float(type) ? 33 : b);
  const ops::KernelConfig& cfg = rig.kernels().config();
  const std::uint32_t units = cfg.matvec_stream_units(wide);
  if (units != 0 && units != cfg.matvec_stream_units(k_odd(type)) && !wide_row_drawn(type, seed)) {
    std::printf("%s: the wide row (K %lld, %u units per invocation) is not drawn this run, %s\n",
                std::string(gguf::type_name(type)).c_str(), static_cast<long long>(wide), units,
                seed_trace(seed).c_str());
    return;
  }
  SCOPED_TRACE("N 5 K " + std::to_string(wide));
  EXPECT_LE(compare_linear(rig, type, 5, wide, 1, Kernel::Matvec, seed), tolerance(type));
}

TEST_P(LinearTest, MatvecSeveralTokens) {
  GgmlType type = GetParam();
  std::uint64_t seed = test_seed() + 7;
  SCOPED_TRACE(seed_trace(seed));
  KernelRig rig;
  EXPECT_LE(compare_linear(rig, type, 19, k_odd(type), 3, Kernel::Matvec, seed), tolerance(type));
}

TEST_P(LinearTest, MatmulTiles) {
  GgmlType type = GetParam();
  std::uint64_t seed = test_seed() + 11;
  SCOPED_TRACE(seed_trace(seed));
  KernelRig rig;
  // Partial tiles in every direction: N and T not multiples of 32, K not a multiple of 64.
  std::int64_t K = is_float(type) ? 101 : 256 + (block(type) == 32 ? 32 : 256);
  EXPECT_LE(compare_linear(rig, type, 45, K, 37, Kernel::Matmul, seed), tolerance(type));
  EXPECT_LE(compare_linear(rig, type, 1, block(type), 2, Kernel::Matmul, seed + 1),
            tolerance(type));
  // linear() takes the tiled path from KernelConfig::matmul_min_tokens tokens on.
  EXPECT_LE(compare_linear(rig, type, 33, K, rig.kernels().config().matmul_min_tokens,
                           Kernel::Linear, seed + 2),
            tolerance(type));
}

TEST_P(LinearTest, SwigluGateUpFused) {
  GgmlType type = GetParam();
  std::uint64_t seed = test_seed() + 13;
  SCOPED_TRACE(seed_trace(seed));
  KernelRig rig;
  std::int64_t K = is_float(type) ? 67 : 256 + (block(type) == 32 ? 32 : 256), N = 29;
  for (std::int64_t T :
       {std::int64_t{1}, std::int64_t{2}, std::int64_t{rig.kernels().config().matmul_min_tokens}}) {
    SCOPED_TRACE("tokens " + std::to_string(T));
    std::vector<std::uint8_t> gb = ref::random_weights(type, N, K, seed);
    std::vector<std::uint8_t> ub = ref::random_weights(type, N, K, seed + 1);
    std::vector<float> x = ref::random_floats(static_cast<std::size_t>(T * K), seed + 2);
    ops::Tensor g = rig.weights(type, gb, K, N), u = rig.weights(type, ub, K, N);
    ops::Tensor xt = rig.f32(x, K, T);
    ops::Tensor y = rig.poisoned(GgmlType::F32, N, T);
    ops::Tensor tmp = rig.poisoned(GgmlType::F32, N, T);
    rig.run([&](ops::Ops& ops) { ops.linear_swiglu(g, u, xt, y, tmp); });
    std::vector<float> gate(static_cast<std::size_t>(T * N)), up(gate.size()), want(gate.size());
    ref::matmul(view(type, gb, K, N), x, gate, T);
    ref::matmul(view(type, ub, K, N), x, up, T);
    ref::swiglu(gate, up, want);
    EXPECT_LE(rel_l2(rig.read_f32(y), want), tolerance(type));
  }
}

std::string type_name(const ::testing::TestParamInfo<GgmlType>& info) {
  return std::string(gguf::type_name(info.param));
}

INSTANTIATE_TEST_SUITE_P(
    AllTypes, LinearTest,
    ::testing::Values(GgmlType::F32, GgmlType::F16, GgmlType::BF16, GgmlType::Q4_0, GgmlType::Q4_1,
                      GgmlType::Q5_0, GgmlType::Q5_1, GgmlType::Q8_0, GgmlType::Q4_K,
                      GgmlType::Q5_K, GgmlType::Q6_K, GgmlType::Q2_K, GgmlType::Q3_K,
                      GgmlType::IQ4_NL, GgmlType::IQ4_XS, GgmlType::MXFP4, GgmlType::NVFP4,
                      GgmlType::TQ1_0, GgmlType::TQ2_0, GgmlType::Q1_0, GgmlType::Q2_0,
                      GgmlType::IQ2_XXS, GgmlType::IQ2_XS, GgmlType::IQ2_S, GgmlType::IQ3_XXS,
                      GgmlType::IQ3_S, GgmlType::IQ1_S, GgmlType::IQ1_M),
    type_name);

// The realistic decode shape once per type family: float, 32-element blocks, K-quants, the
// codebook-grid IQ types.
class RealisticTest : public ::testing::TestWithParam<GgmlType> {};

TEST_P(RealisticTest, Matvec4096x4096) {
  GgmlType type = GetParam();
  std::uint64_t seed = test_seed() + 17;
  SCOPED_TRACE(seed_trace(seed));
  KernelRig rig;
  EXPECT_LE(compare_linear(rig, type, 4096, 4096, 1, Kernel::Matvec, seed), tolerance(type));
}

INSTANTIATE_TEST_SUITE_P(Families, RealisticTest,
                         ::testing::Values(GgmlType::F16, GgmlType::Q8_0, GgmlType::Q4_K,
                                           GgmlType::IQ3_XXS),
                         type_name);

// The shared-memory reductions of the "_nosg" builds, for devices without subgroup arithmetic.
TEST(LinearFallback, MatvecWithoutSubgroups) {
  std::uint64_t seed = test_seed() + 19;
  SCOPED_TRACE(seed_trace(seed));
  KernelRig rig(false);
  ASSERT_FALSE(rig.kernels().config().subgroups);
  for (GgmlType type : {GgmlType::F32, GgmlType::Q4_0, GgmlType::Q6_K}) {
    SCOPED_TRACE(std::string(gguf::type_name(type)));
    EXPECT_LE(compare_linear(rig, type, 21, 512, 2, Kernel::Matvec, seed), tolerance(type));
  }
}

// KernelConfig::for_device picks the matvec by device type (64 x 2 on GPUs, the streaming one
// SIMD row x 32 rows on CPUs); whichever this device gets, every layout must compute the same
// thing. stream 0: matvec.comp with `rows` rows; else matvec_stream.comp with `stream` rows
// (max_units 2 sends the widest rows below back to matvec.comp).
//
// The whole sweep, layout x subgroup mode x every type a kernel reads, costs a pipeline build per
// case on lavapipe (minutes per type), so a run samples it (sweep_cases below) with a seed that
// is printed: VKCHAT_SWEEP_SEED=N replays a run, VKCHAT_FULL_SWEEP=1 runs every case.
struct MatvecLayout {
  std::uint32_t wg, rows, stream, max_units;
};
constexpr MatvecLayout kMatvecLayouts[] = {{64, 2, 0, 64}, {8, 32, 0, 64}, {4, 7, 0, 64},
                                           {32, 1, 0, 64}, {1, 3, 0, 64},  {8, 2, 32, 64},
                                           {4, 2, 5, 64},  {2, 2, 1, 64},  {8, 4, 32, 2}};

constexpr GgmlType kLayoutTypes[] = {GgmlType::F32,  GgmlType::F16,  GgmlType::BF16,
                                     GgmlType::Q4_0, GgmlType::Q4_1, GgmlType::Q5_0,
                                     GgmlType::Q5_1, GgmlType::Q8_0};

struct SweepCase {
  MatvecLayout layout;
  bool subgroups;
  GgmlType type;
};

// Every weight type the kernels read.
std::vector<GgmlType> kernel_types() {
  std::vector<GgmlType> types;
  for (std::uint32_t id = 0; id < 64; ++id) {
    if (auto t = gguf::type_traits(id); t && ops::kernel_supports(t->type))
      types.push_back(t->type);
  }
  return types;
}

// Sampled: every type once in matvec.comp (a layout with stream 0, drawn), so that every type x
// kernel (matvec.comp and its SwiGLU form; LinearTest covers matvec_stream.comp for every type)
// runs in each run; then every layout and subgroup mode not drawn yet once, with a type drawn
// from the block types of one decode step each (kLayoutTypes). Those cases test the workgroup
// shape, which no type's decode changes, and the big decoders (K-quant and codebook types) cost
// lavapipe seconds per pipeline: drawing them there doubled the test's time. The subgroup mode of
// each type's case is drawn too: over runs every type meets both.
std::vector<SweepCase> sweep_cases(std::uint64_t seed, bool full) {
  std::vector<SweepCase> cases;
  const std::vector<GgmlType> types = kernel_types();
  if (full) {
    for (bool sg : {true, false}) {
      for (const MatvecLayout& l : kMatvecLayouts) {
        for (GgmlType t : types) cases.push_back({l, sg, t});
      }
    }
    return cases;
  }
  std::mt19937_64 gen(seed);
  std::vector<std::pair<MatvecLayout, bool>> plain, all;
  for (bool sg : {true, false}) {
    for (const MatvecLayout& l : kMatvecLayouts) {
      all.push_back({l, sg});
      if (l.stream == 0) plain.push_back({l, sg});
    }
  }
  std::shuffle(plain.begin(), plain.end(), gen);
  std::vector<bool> used(all.size(), false);
  auto mark = [&](const MatvecLayout& l, bool sg) {
    for (std::size_t i = 0; i < all.size(); ++i) {
      const auto& [a, asg] = all[i];
      if (a.wg == l.wg && a.rows == l.rows && a.stream == l.stream && a.max_units == l.max_units &&
          asg == sg)
        used[i] = true;
    }
  };
  for (std::size_t i = 0; i < types.size(); ++i) {
    const auto& [l, sg] = plain[i % plain.size()];
    cases.push_back({l, sg, types[i]});
    mark(l, sg);
  }
  for (std::size_t i = 0; i < all.size(); ++i) {
    if (!used[i]) {
      cases.push_back({all[i].first, all[i].second, kLayoutTypes[gen() % std::size(kLayoutTypes)]});
    }
  }
  return cases;
}

// The sweep in kSweepShards parts (case i in part i % kSweepShards), each its own test, so that
// ctest runs them side by side: whole, it was the suite's longest test by far.
constexpr std::size_t kSweepShards = 4;
class LinearLayoutSweep : public ::testing::TestWithParam<std::size_t> {};

TEST_P(LinearLayoutSweep, MatvecAndSwigluAtEveryWorkgroupShape) {
  std::uint64_t seed = test_seed() + 23;
  if (auto s = env_value("VKCHAT_SWEEP_SEED")) seed = std::stoull(*s);
  const bool full = env_flag("VKCHAT_FULL_SWEEP");
  const std::vector<SweepCase> all = sweep_cases(seed, full);
  std::vector<SweepCase> cases;
  for (std::size_t i = GetParam(); i < all.size(); i += kSweepShards) cases.push_back(all[i]);
  std::printf("layout sweep part %zu of %zu: %zu of %zu cases (%s), VKCHAT_SWEEP_SEED=%llu\n",
              GetParam() + 1, kSweepShards, cases.size(), all.size(), full ? "full" : "sampled",
              static_cast<unsigned long long>(seed));
  SCOPED_TRACE("VKCHAT_SWEEP_SEED=" + std::to_string(seed) + (full ? " VKCHAT_FULL_SWEEP=1" : ""));
  for (const SweepCase& sc : cases) {
    const MatvecLayout& l = sc.layout;
    ops::KernelConfig c = ops::KernelConfig::for_device(vk_context());
    c.subgroups = c.subgroups && sc.subgroups;
    c.matvec_wg = l.wg;
    c.matvec_rows = l.rows;
    c.matvec_stream_rows = l.stream;
    c.matvec_stream_max_units = l.max_units;
    KernelRig rig(c);
    const GgmlType type = sc.type;
    SCOPED_TRACE("wg " + std::to_string(l.wg) + " rows " + std::to_string(l.rows) + " stream " +
                 std::to_string(l.stream) + " max units " + std::to_string(l.max_units) +
                 (c.subgroups ? "" : " nosg") + " " + std::string(gguf::type_name(type)));
    // N not a multiple of any row count above; K several passes of the widest workgroup.
    EXPECT_LE(compare_linear(rig, type, 75, 256 * 9, 2, Kernel::Matvec, seed), tolerance(type));
    std::int64_t N = 45, K = 512;
    std::vector<std::uint8_t> gb = ref::random_weights(type, N, K, seed + 1);
    std::vector<std::uint8_t> ub = ref::random_weights(type, N, K, seed + 2);
    std::vector<float> x = ref::random_floats(static_cast<std::size_t>(K), seed + 3);
    ops::Tensor g = rig.weights(type, gb, K, N), u = rig.weights(type, ub, K, N);
    ops::Tensor xt = rig.f32(x, K, 1);
    ops::Tensor y = rig.poisoned(GgmlType::F32, N, 1);
    ops::Tensor tmp = rig.poisoned(GgmlType::F32, N, 1);
    rig.run([&](ops::Ops& ops) { ops.linear_swiglu(g, u, xt, y, tmp); });
    std::vector<float> gate(static_cast<std::size_t>(N)), up(gate.size()), want(gate.size());
    ref::matmul(view(type, gb, K, N), x, gate, 1);
    ref::matmul(view(type, ub, K, N), x, up, 1);
    ref::swiglu(gate, up, want);
    EXPECT_LE(rel_l2(rig.read_f32(y), want), tolerance(type));
  }
}

INSTANTIATE_TEST_SUITE_P(Part, LinearLayoutSweep, ::testing::Range<std::size_t>(0, kSweepShards));

// KernelConfig::for_device picks the matmul by device type (shared-memory tiles on GPUs,
// register blocks on CPUs); whichever this device gets, both must compute the same thing, for
// every type and at register-block shapes that leave partial blocks in both directions.
//
// Each run: the shared-memory tiles (the GPUs' kernel, which nothing else runs on a CPU device)
// and 8 x 8 register blocks of a workgroup of 8 (an 8-wide CPU device's default, whose pipelines
// LinearTest.MatmulTiles has built there) for every type; the two odd block shapes, whose pipelines
// cost lavapipe seconds per type, each for two types drawn with the printed seed (VKCHAT_SWEEP_SEED
// replays a run, VKCHAT_FULL_SWEEP=1 runs every type at every shape).
TEST(LinearLayouts, MatmulSharedTilesAndRegisterBlocks) {
  std::uint64_t seed = test_seed() + 29;
  if (auto s = env_value("VKCHAT_SWEEP_SEED")) seed = std::stoull(*s);
  const bool full = env_flag("VKCHAT_FULL_SWEEP");
  SCOPED_TRACE("VKCHAT_SWEEP_SEED=" + std::to_string(seed) + (full ? " VKCHAT_FULL_SWEEP=1" : ""));
  struct Layout {
    std::uint32_t wg, rows, tokens;  // rows 0: the shared-memory tiles
    bool every_type;
  } layouts[] = {{64, 0, 8, true}, {8, 8, 8, true}, {4, 3, 5, false}, {1, 1, 1, false}};
  const std::vector<GgmlType> types = {GgmlType::F32,  GgmlType::F16,  GgmlType::BF16,
                                       GgmlType::Q4_0, GgmlType::Q4_1, GgmlType::Q5_0,
                                       GgmlType::Q5_1, GgmlType::Q8_0, GgmlType::Q4_K,
                                       GgmlType::Q5_K, GgmlType::Q6_K};
  std::mt19937_64 gen(seed);
  for (const Layout& l : layouts) {
    std::vector<GgmlType> run = types;
    if (!l.every_type && !full) {
      std::shuffle(run.begin(), run.end(), gen);
      run.resize(2);
    }
    ops::KernelConfig c = ops::KernelConfig::for_device(vk_context());
    c.matvec_wg = l.wg;
    c.matmul_rows = l.rows;
    c.matmul_tokens = l.tokens;
    KernelRig rig(c);
    SCOPED_TRACE("wg " + std::to_string(l.wg) + " rows " + std::to_string(l.rows) + " tokens " +
                 std::to_string(l.tokens));
    for (GgmlType type : run) {
      SCOPED_TRACE(std::string(gguf::type_name(type)));
      std::int64_t K = is_float(type) ? 101 : 256 + (block(type) == 32 ? 32 : 256);
      EXPECT_LE(compare_linear(rig, type, 45, K, 19, Kernel::Matmul, seed), tolerance(type));
    }
  }
}

TEST(LinearChecks, ShapeMismatchAndUnsupportedTypeThrow) {
  KernelRig rig;
  std::vector<float> x(64, 1.f);
  std::vector<std::uint8_t> wb = ref::random_weights(GgmlType::Q4_0, 4, 64, 1);
  ops::Tensor w = rig.weights(GgmlType::Q4_0, wb, 64, 4);
  ops::Tensor xt = rig.f32(x, 64);
  ops::Tensor bad_y = rig.poisoned(GgmlType::F32, 5);
  rig.run([&](ops::Ops& ops) {
    EXPECT_THROW(ops.matvec(w, xt, bad_y), std::invalid_argument);
    ops::Tensor q2 = w;
    q2.type = GgmlType::Q8_K;  // dequantizes on the CPU, but no kernel reads it
    q2.ne = {256, 1, 1, 1};
    EXPECT_THROW(ops.matvec(q2, xt, bad_y), vkchat::UnsupportedModel);
  });
}

}  // namespace
}  // namespace vkchat::test
