// qwen35's gated-delta-net kernels against the CPU reference (ref/ref_delta_net.h): the
// convolution over its rolling window, the gates, the recurrent state update with its L2 norms
// (with and without subgroups), and the output gates. Odd shapes, poisoned outputs.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "ref/random_weights.h"
#include "ref/ref_delta_net.h"
#include "ref/ref_ops.h"
#include "vk/kernel_rig.h"
#include "vk/vk_test_support.h"

namespace vkchat::test {
namespace {

using gguf::GgmlType;

std::span<const float> row(const std::vector<float>& v, std::int64_t t, std::int64_t n) {
  return std::span<const float>(v).subspan(static_cast<std::size_t>(t * n),
                                           static_cast<std::size_t>(n));
}

TEST(DeltaNetKernels, ConvOverRollingWindow) {
  const std::uint64_t seed = test_seed() + 301;
  SCOPED_TRACE(seed_trace(seed));
  KernelRig rig;
  const std::int64_t C = 67, d_conv = 4, T = 5;
  const std::vector<float> x = ref::random_floats(C * T, seed, -2, 2);
  const std::vector<float> w = ref::random_floats(C * d_conv, seed + 1);
  std::vector<float> window = ref::random_floats(C * (d_conv - 1), seed + 2);
  ops::Tensor xt = rig.f32(x, C, T), wt = rig.f32(w, d_conv, C);
  ops::Tensor win = rig.f32(window, C, d_conv - 1), out = rig.poisoned(GgmlType::F32, C, T);
  rig.run([&](ops::Ops& ops) { ops.delta_conv(xt, wt, win, out); });
  std::vector<float> want(x.size());
  for (std::int64_t t = 0; t < T; ++t) {
    ref::conv_step(window, row(x, t, C), w, d_conv,
                   std::span<float>(want).subspan(static_cast<std::size_t>(t * C), C));
  }
  EXPECT_LE(rel_l2(rig.read_f32(out), want), 1e-6);
  EXPECT_LE(rel_l2(rig.read_f32(win), window), 1e-7);  // the last d_conv - 1 inputs
}

TEST(DeltaNetKernels, Gates) {
  const std::uint64_t seed = test_seed() + 307;
  SCOPED_TRACE(seed_trace(seed));
  KernelRig rig;
  const std::int64_t H = 5, T = 3;
  std::vector<float> alpha = ref::random_floats(H * T, seed, -4, 4);
  alpha[1] = 30.f;  // past softplus's threshold
  const std::vector<float> beta_raw = ref::random_floats(H * T, seed + 1, -4, 4);
  const std::vector<float> dt = ref::random_floats(H, seed + 2);
  const std::vector<float> a = ref::random_floats(H, seed + 3, -2, -0.1f);
  ops::Tensor at = rig.f32(alpha, H, T), bt = rig.f32(beta_raw, H, T), dtt = rig.f32(dt, H),
              aa = rig.f32(a, H);
  ops::Tensor g = rig.poisoned(GgmlType::F32, H, T), beta = rig.poisoned(GgmlType::F32, H, T);
  rig.run([&](ops::Ops& ops) { ops.delta_gates(at, bt, dtt, aa, g, beta); });
  std::vector<float> want_g(alpha.size()), want_b(alpha.size());
  for (std::int64_t t = 0; t < T; ++t) {
    ref::delta_gates(row(alpha, t, H), row(beta_raw, t, H), dt, a,
                     std::span<float>(want_g).subspan(t * H, H),
                     std::span<float>(want_b).subspan(t * H, H));
  }
  EXPECT_LE(rel_l2(rig.read_f32(g), want_g), 1e-6);
  EXPECT_LE(rel_l2(rig.read_f32(beta), want_b), 1e-6);
}

// Three value heads per key head (tiled), a nonzero starting state, tokens in one dispatch and
// then one more token on the state the first left (decode in place).
void check_step(bool subgroups) {
  const std::uint64_t seed = test_seed() + (subgroups ? 311 : 313);
  SCOPED_TRACE(seed_trace(seed));
  KernelRig rig(subgroups);
  const ref::DeltaShape sh{32, 2, 6};
  const std::int64_t d = sh.head_dim, kd = sh.n_k_heads * d, vd = sh.n_v_heads * d, T = 5;
  const std::int64_t C = 2 * kd + vd;
  const float eps = 1e-6f;
  const std::vector<float> conv = ref::random_floats(C * (T + 1), seed, -1, 1);
  const std::vector<float> g = ref::random_floats(sh.n_v_heads * (T + 1), seed + 1, -1.f, 0.f);
  const std::vector<float> beta = ref::random_floats(sh.n_v_heads * (T + 1), seed + 2, 0.f, 1.f);
  std::vector<float> state = ref::random_floats(sh.state_floats(), seed + 3, -0.5f, 0.5f);

  const ops::Ops::DeltaShape dsh{static_cast<int>(d), static_cast<int>(sh.n_k_heads),
                                 static_cast<int>(sh.n_v_heads), eps};
  ops::Tensor ct = rig.f32(conv, C, T + 1), gt = rig.f32(g, sh.n_v_heads, T + 1),
              bt = rig.f32(beta, sh.n_v_heads, T + 1), st = rig.f32(state, sh.state_floats());
  ops::Tensor out = rig.poisoned(GgmlType::F32, vd, T + 1);
  rig.run([&](ops::Ops& ops) {
    ops.delta_step(ct.row_range(0, T), dsh, gt.row_range(0, T), bt.row_range(0, T), st,
                   out.row_range(0, T));
  });
  rig.run([&](ops::Ops& ops) {
    ops.delta_step(ct.row_range(T, 1), dsh, gt.row_range(T, 1), bt.row_range(T, 1), st,
                   out.row_range(T, 1));
  });

  std::vector<float> want(static_cast<std::size_t>(vd * (T + 1)));
  for (std::int64_t t = 0; t <= T; ++t) {
    std::vector<float> q(row(conv, t, C).begin(), row(conv, t, C).begin() + kd);
    std::vector<float> k(row(conv, t, C).begin() + kd, row(conv, t, C).begin() + 2 * kd);
    ref::head_l2norm(q, d, eps);
    ref::head_l2norm(k, d, eps);
    ref::delta_step(sh, state, q, k, row(conv, t, C).subspan(2 * kd), row(g, t, sh.n_v_heads),
                    row(beta, t, sh.n_v_heads),
                    std::span<float>(want).subspan(static_cast<std::size_t>(t * vd), vd));
  }
  EXPECT_LE(rel_l2(rig.read_f32(out), want), 1e-5);
  EXPECT_LE(rel_l2(rig.read_f32(st), state), 1e-5);
}

TEST(DeltaNetKernels, StepUpdatesStateInPlace) {
  check_step(true);
}
TEST(DeltaNetKernels, StepUpdatesStateInPlaceWithoutSubgroups) {
  check_step(false);
}

TEST(DeltaNetKernels, RejectsBadShapes) {
  KernelRig rig;
  std::vector<float> v(48 * 3, 0.f);
  ops::Tensor conv = rig.f32(v, 48, 1), g = rig.f32(v, 1, 1), s = rig.f32(v, 48),
              o = rig.f32(v, 48);
  // head_dim 12 is not a power of two.
  EXPECT_THROW(rig.run([&](ops::Ops& ops) {
    ops.delta_step(conv, {12, 1, 1, 1e-6f}, g, g, s, o);
  }),
               std::invalid_argument);
}

// The delta net's output gate (after the per-head RMSNorm: together ref::gated_head_rmsnorm)
// and full attention's sigmoid gate.
TEST(DeltaNetKernels, OutputGates) {
  const std::uint64_t seed = test_seed() + 317;
  SCOPED_TRACE(seed_trace(seed));
  KernelRig rig;
  const std::int64_t d = 32, H = 3, T = 2, n = d * H;
  const std::vector<float> o = ref::random_floats(n * T, seed, -3, 3);
  const std::vector<float> z = ref::random_floats(n * T, seed + 1, -4, 4);
  const std::vector<float> w = ref::random_floats(d, seed + 2, 0.5f, 1.5f);
  const float eps = 1e-6f;
  ops::Tensor ot = rig.f32(o, n, T), zt = rig.f32(z, n, T), wt = rig.f32(w, d);
  ops::Tensor normed = rig.f32(o, n, T), sig = rig.poisoned(GgmlType::F32, n, T);
  rig.run([&](ops::Ops& ops) {
    ops.head_rmsnorm(normed, static_cast<int>(H), wt, eps);
    ops.mul_silu(normed, zt, normed);
    ops.mul_sigmoid(ot, zt, sig);
  });
  std::vector<float> want(o.size()), want_sig(o.size());
  ref::gated_head_rmsnorm(o, z, w, d, eps, want);
  for (std::size_t i = 0; i < o.size(); ++i) {
    want_sig[i] = static_cast<float>(o[i] * ref::sigmoid(z[i]));
  }
  EXPECT_LE(rel_l2(rig.read_f32(normed), want), 1e-5);
  EXPECT_LE(rel_l2(rig.read_f32(sig), want_sig), 1e-6);
}

}  // namespace
}  // namespace vkchat::test
