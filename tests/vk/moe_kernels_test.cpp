// The mixture-of-experts kernels against the CPU reference: the routing (softmax, top-k in
// llama.cpp's order with ties, renormalized weights), matrix x vector by expert id (plain and
// fused gate/up SwiGLU, inputs shared per token or one per slot, odd shapes, repeated and bad
// ids) and the weighted sum of the experts' outputs. Outputs start poisoned (kernel_rig.h).
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "ref/random_weights.h"
#include "ref/ref_moe.h"
#include "ref/ref_ops.h"
#include "vk/kernel_rig.h"
#include "vk/vk_test_support.h"

namespace vkchat::test {
namespace {

using gguf::GgmlType;

// Routes T tokens' logits [T x n] on the GPU; checks ids (exactly) and weights against
// ref::route_softmax_top_k.
void check_route(KernelRig& rig, const std::vector<float>& logits, std::int64_t n, std::int64_t k,
                 bool normalize) {
  const std::int64_t T = static_cast<std::int64_t>(logits.size()) / n;
  ops::Tensor lt = rig.f32(logits, n, T);
  ops::Tensor ids = rig.poisoned(GgmlType::I32, k, T), w = rig.poisoned(GgmlType::F32, k, T);
  rig.run([&](ops::Ops& ops) { ops.moe_route(lt, ids, w, normalize); });
  const std::vector<std::int32_t> got_ids = rig.read_i32(ids);
  const std::vector<float> got_w = rig.read_f32(w);
  for (std::int64_t t = 0; t < T; ++t) {
    const ref::Route want =
        ref::route_softmax_top_k(std::span(logits).subspan(t * n, n), k, normalize);
    for (std::int64_t j = 0; j < k; ++j) {
      ASSERT_EQ(got_ids[t * k + j], want.ids[j])
          << "n " << n << " k " << k << " token " << t << " slot " << j;
      EXPECT_NEAR(got_w[t * k + j], want.weights[j], 2e-6 * std::max(1.f, want.weights[j]))
          << "n " << n << " k " << k << " token " << t << " slot " << j;
    }
  }
}

// Scores with many ties (few distinct values) and one token of distinct random scores, at
// expert counts below, at and above std::sort's insertion-sort threshold of 16.
TEST(MoeKernels, RouteMatchesTheReferenceWithTies) {
  std::uint64_t seed = test_seed();
  SCOPED_TRACE(seed_trace(seed));
  KernelRig rig;
  std::mt19937_64 rng(seed);
  for (std::int64_t n : {2, 16, 17, 128, 512}) {
    for (std::int64_t k : {1, 2, 8}) {
      if (k > n) continue;
      for (bool normalize : {true, false}) {
        std::vector<float> logits;
        for (int distinct : {1, 2, 3, 7}) {
          std::uniform_int_distribution<int> d(0, distinct - 1);
          for (std::int64_t i = 0; i < n; ++i) logits.push_back(0.5f * static_cast<float>(d(rng)));
        }
        std::vector<float> r = ref::random_floats(static_cast<std::size_t>(n), rng(), -4.f, 4.f);
        logits.insert(logits.end(), r.begin(), r.end());
        check_route(rig, logits, n, k, normalize);
      }
    }
  }
}

// ggml's own argsort of crafted ties (tests/data/ggml_argsort_ties.inc): the device picks
// the same experts in the same order.
TEST(MoeKernels, RouteOrdersTiesAsGgmlArgsort) {
  struct Golden {
    int n, mul, add, mod;
    std::vector<std::int32_t> ids;
  };
  const std::vector<Golden> goldens = {
#include "data/ggml_argsort_ties.inc"
  };
  KernelRig rig;
  for (const Golden& g : goldens) {
    const std::int64_t k = std::min(g.n, 8);
    std::vector<float> logits(static_cast<std::size_t>(g.n));
    for (int i = 0; i < g.n; ++i)
      logits[static_cast<std::size_t>(i)] = float((i * g.mul + g.add) % g.mod);
    ops::Tensor lt = rig.f32(logits, g.n, 1);
    ops::Tensor ids = rig.poisoned(GgmlType::I32, k, 1), w = rig.poisoned(GgmlType::F32, k, 1);
    rig.run([&](ops::Ops& ops) { ops.moe_route(lt, ids, w, true); });
    EXPECT_EQ(rig.read_i32(ids), std::vector<std::int32_t>(g.ids.begin(), g.ids.begin() + k))
        << "n " << g.n << " mul " << g.mul << " add " << g.add << " mod " << g.mod;
  }
}

double tolerance(GgmlType t) {
  return t == GgmlType::F32 ? 1e-5 : 1e-4;
}

// n_expert stacked [K x N] matrices of `type` and their dequantized reference.
struct Experts {
  std::vector<std::uint8_t> bytes;
  ops::Tensor t;
  std::int64_t K, N, E;
  // y = x W[e]^T for one vector x.
  std::vector<float> apply(GgmlType type, std::int32_t e, std::span<const float> x) const {
    std::vector<float> all(static_cast<std::size_t>(N * E));
    ref::matmul(view(type, bytes, K, N * E), x, all, 1);
    return {all.begin() + e * N, all.begin() + (e + 1) * N};
  }
};

Experts experts(KernelRig& rig, GgmlType type, std::int64_t K, std::int64_t N, std::int64_t E,
                std::uint64_t seed) {
  Experts x{ref::random_weights(type, N * E, K, seed), {}, K, N, E};
  x.t = rig.weights(type, x.bytes, K, N * E);
  x.t.ne = {K, N, E, 1};
  return x;
}

std::int64_t odd_k(GgmlType type) {
  const std::int64_t b = gguf::traits(type).block_size;
  return b == 1 ? 97 : b == 32 ? 256 + 32 * 3 : 512;
}

class MatvecIdTest : public ::testing::TestWithParam<GgmlType> {};

// 3 tokens x 2 slots over 5 experts (one chosen twice by a token, the first and last experts
// present, one id out of range, which reads the last expert), inputs shared per token and one
// per slot.
TEST_P(MatvecIdTest, ReadsTheChosenExperts) {
  const GgmlType type = GetParam();
  std::uint64_t seed = test_seed() + 3;
  SCOPED_TRACE(seed_trace(seed));
  KernelRig rig;
  const std::int64_t K = odd_k(type), N = 37, E = 5, T = 3, k = 2;
  const Experts w = experts(rig, type, K, N, E, seed);
  const std::vector<std::int32_t> id_values{4, 0, 2, 2, 1, 99};
  const ops::Tensor ids = rig.i32(id_values);
  for (std::int64_t x_rows : {T, T * k}) {
    SCOPED_TRACE("x rows " + std::to_string(x_rows));
    const std::vector<float> x = ref::random_floats(static_cast<std::size_t>(x_rows * K), seed + 1);
    ops::Tensor xt = rig.f32(x, K, x_rows);
    ops::Tensor y = rig.poisoned(GgmlType::F32, N, T * k);
    rig.run([&](ops::Ops& ops) { ops.matvec_id(w.t, ids, xt, y); });
    std::vector<float> want;
    for (std::int64_t s = 0; s < T * k; ++s) {
      const std::int64_t row = s / (T * k / x_rows);
      const std::int32_t e = std::min<std::int32_t>(id_values[s], static_cast<std::int32_t>(E - 1));
      const std::vector<float> ys = w.apply(type, e, std::span(x).subspan(row * K, K));
      want.insert(want.end(), ys.begin(), ys.end());
    }
    EXPECT_LE(rel_l2(rig.read_f32(y), want), tolerance(type));
  }
}

TEST_P(MatvecIdTest, SwigluGateUpFused) {
  const GgmlType type = GetParam();
  std::uint64_t seed = test_seed() + 5;
  SCOPED_TRACE(seed_trace(seed));
  KernelRig rig;
  const std::int64_t K = odd_k(type), N = 29, E = 4, T = 2, k = 3;
  const Experts gate = experts(rig, type, K, N, E, seed),
                up = experts(rig, type, K, N, E, seed + 1);
  const std::vector<std::int32_t> id_values{3, 1, 0, 2, 3, 1};
  const ops::Tensor ids = rig.i32(id_values);
  const std::vector<float> x = ref::random_floats(static_cast<std::size_t>(T * K), seed + 2);
  ops::Tensor xt = rig.f32(x, K, T);
  ops::Tensor y = rig.poisoned(GgmlType::F32, N, T * k);
  rig.run([&](ops::Ops& ops) { ops.matvec_id_swiglu(gate.t, up.t, ids, xt, y); });
  std::vector<float> want;
  for (std::int64_t s = 0; s < T * k; ++s) {
    const auto xs = std::span(x).subspan(s / k * K, K);
    const std::vector<float> g = gate.apply(type, id_values[s], xs),
                             u = up.apply(type, id_values[s], xs);
    std::vector<float> h(g.size());
    ref::swiglu(g, u, h);
    want.insert(want.end(), h.begin(), h.end());
  }
  EXPECT_LE(rel_l2(rig.read_f32(y), want), tolerance(type));
}

std::string type_name(const ::testing::TestParamInfo<GgmlType>& info) {
  return std::string(gguf::type_name(info.param));
}

// A float type, a 32-element block, K-quants as blocks (Q4_K) and as planes (Q2_K), and a
// codebook type (IQ2_XXS: its table binds after the ids): the by-id kernels differ from
// matvec.comp (matvec_test.cpp covers every type) only in where the expert's rows and the rows of
// x and y start, and in that binding. MXFP4 passes too but its pipelines take lavapipe 30-60 s to
// build, past the suite's budget.
INSTANTIATE_TEST_SUITE_P(Types, MatvecIdTest,
                         ::testing::Values(GgmlType::F32, GgmlType::Q8_0, GgmlType::Q4_K,
                                           GgmlType::Q2_K, GgmlType::IQ2_XXS),
                         type_name);

// The shared-memory reductions of the "_nosg" builds.
TEST(MoeKernels, MatvecIdWithoutSubgroups) {
  std::uint64_t seed = test_seed() + 7;
  SCOPED_TRACE(seed_trace(seed));
  KernelRig rig(false);
  const std::int64_t K = 512, N = 21, E = 3;
  const Experts w = experts(rig, GgmlType::Q8_0, K, N, E, seed);
  const std::vector<std::int32_t> id_values{2, 0};
  const ops::Tensor ids = rig.i32(id_values);
  const std::vector<float> x = ref::random_floats(static_cast<std::size_t>(K), seed + 1);
  ops::Tensor xt = rig.f32(x, K, 1);
  ops::Tensor y = rig.poisoned(GgmlType::F32, N, 2);
  rig.run([&](ops::Ops& ops) { ops.matvec_id(w.t, ids, xt, y); });
  std::vector<float> want = w.apply(GgmlType::Q8_0, 2, x), second = w.apply(GgmlType::Q8_0, 0, x);
  want.insert(want.end(), second.begin(), second.end());
  EXPECT_LE(rel_l2(rig.read_f32(y), want), tolerance(GgmlType::Q8_0));
}

// out[t] = sum_j w[t][j] y[t k + j], against a double sum.
TEST(MoeKernels, CombineSumsTheWeightedSlots) {
  std::uint64_t seed = test_seed() + 9;
  SCOPED_TRACE(seed_trace(seed));
  KernelRig rig;
  for (std::int64_t k : {1, 3, 8}) {
    const std::int64_t T = 3, n = 45;
    const std::vector<float> y = ref::random_floats(static_cast<std::size_t>(T * k * n), seed);
    const std::vector<float> w =
        ref::random_floats(static_cast<std::size_t>(T * k), seed + 1, 0.f, 1.f);
    ops::Tensor yt = rig.f32(y, n, T * k), wt = rig.f32(w, k, T);
    ops::Tensor out = rig.poisoned(GgmlType::F32, n, T);
    rig.run([&](ops::Ops& ops) { ops.moe_combine(yt, wt, out); });
    std::vector<float> want(static_cast<std::size_t>(T * n));
    for (std::int64_t t = 0; t < T; ++t) {
      for (std::int64_t c = 0; c < n; ++c) {
        double s = 0;
        for (std::int64_t j = 0; j < k; ++j) s += double{w[t * k + j]} * y[(t * k + j) * n + c];
        want[t * n + c] = static_cast<float>(s);
      }
    }
    EXPECT_LE(rel_l2(rig.read_f32(out), want), 1e-6) << "k " << k;
  }
}

// x[t] += sigmoid(gate[t]) y[t] (qwen35moe's shared expert), against double arithmetic; gates
// of both signs and large magnitudes, where the sigmoid saturates.
TEST(MoeKernels, SharedExpertAddsItsGatedOutput) {
  std::uint64_t seed = test_seed() + 10;
  SCOPED_TRACE(seed_trace(seed));
  KernelRig rig;
  const std::int64_t T = 4, n = 77;
  const std::vector<float> x = ref::random_floats(static_cast<std::size_t>(T * n), seed);
  const std::vector<float> y = ref::random_floats(static_cast<std::size_t>(T * n), seed + 1);
  const std::vector<float> g{-3.5f, 0.f, 0.75f, 40.f};
  ops::Tensor xt = rig.f32(x, n, T), yt = rig.f32(y, n, T), gt = rig.f32(g, 1, T);
  rig.run([&](ops::Ops& ops) { ops.moe_shared_add(xt, yt, gt); });
  std::vector<float> want(x.size());
  for (std::int64_t t = 0; t < T; ++t) {
    const double s = 1.0 / (1.0 + std::exp(-double{g[t]}));
    for (std::int64_t c = 0; c < n; ++c) {
      want[t * n + c] = static_cast<float>(x[t * n + c] + s * y[t * n + c]);
    }
  }
  EXPECT_LE(rel_l2(rig.read_f32(xt), want), 1e-6);
}

}  // namespace
}  // namespace vkchat::test
