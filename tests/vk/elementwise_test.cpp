// Residual add, bias add, SwiGLU, GeGLU, scale, soft-cap, argmax and the plain copy against the
// CPU reference.
#include <gtest/gtest.h>

#include <cmath>

#include "ref/random_weights.h"
#include "ref/ref_ops.h"
#include "vk/kernel_rig.h"
#include "vk/vk_test_support.h"

namespace vkchat::test {
namespace {

using gguf::GgmlType;

TEST(Elementwise, AddBiasAddSwiglu) {
  std::uint64_t seed = test_seed() + 47;
  SCOPED_TRACE(seed_trace(seed));
  KernelRig rig;
  const std::int64_t n = 1027, T = 3;
  std::vector<float> a = ref::random_floats(n * T, seed, -4, 4);
  std::vector<float> b = ref::random_floats(n * T, seed + 1, -4, 4);
  std::vector<float> bias = ref::random_floats(n, seed + 2);
  ops::Tensor at = rig.f32(a, n, T), bt = rig.f32(b, n, T), biast = rig.f32(bias, n);
  ops::Tensor sum = rig.poisoned(GgmlType::F32, n, T), sw = rig.poisoned(GgmlType::F32, n, T);
  ops::Tensor biased = rig.f32(a, n, T);
  rig.run([&](ops::Ops& ops) {
    ops.add(at, bt, sum);
    ops.swiglu(at, bt, sw);
    ops.add_bias(biased, biast);
  });
  std::vector<float> want_sum(a.size()), want_sw(a.size()), want_bias = a;
  ref::add(a, b, want_sum);
  ref::swiglu(a, b, want_sw);
  for (std::int64_t t = 0; t < T; ++t) {
    ref::add_bias(std::span<float>(want_bias).subspan(t * n, n), bias);
  }
  EXPECT_LE(rel_l2(rig.read_f32(sum), want_sum), 1e-6);
  EXPECT_LE(rel_l2(rig.read_f32(sw), want_sw), 1e-5);
  EXPECT_LE(rel_l2(rig.read_f32(biased), want_bias), 1e-6);
}

// Gemma's ops. The gates span past +-10, where ggml's table ends. The llama.cpp variant rounds the
// gelu input and result to fp16 as the reference does; the GPU's tanh differs from the CPU's in
// the last bits, which moves an fp16 rounding by one step where the value sits at a midpoint.
TEST(Elementwise, GegluScaleSoftcap) {
  std::uint64_t seed = test_seed() + 71;
  SCOPED_TRACE(seed_trace(seed));
  KernelRig rig;
  const std::int64_t n = 1027, T = 3;
  std::vector<float> gate = ref::random_floats(n * T, seed, -12, 12);
  std::vector<float> up = ref::random_floats(n * T, seed + 1, -4, 4);
  std::vector<float> logits = ref::random_floats(n * T, seed + 2, -200, 200);
  ops::Tensor gt = rig.f32(gate, n, T), ut = rig.f32(up, n, T);
  ops::Tensor exact = rig.poisoned(GgmlType::F32, n, T), ll = rig.poisoned(GgmlType::F32, n, T);
  ops::Tensor scaled = rig.f32(up, n, T), capped = rig.f32(logits, n, T);
  rig.run([&](ops::Ops& ops) {
    ops.geglu(gt, ut, exact, false);
    ops.geglu(gt, ut, ll, true);
    ops.scale(scaled, 11.3137085f);
    ops.softcap(capped, 30.f);
  });
  std::vector<float> want(gate.size()), want_ll(gate.size()), want_scaled = up,
                                                              want_capped = logits;
  ref::geglu(gate, up, want);
  ref::geglu_llama_cpp(gate, up, want_ll);
  for (float& v : want_scaled) v *= 11.3137085f;
  ref::softcap(want_capped, 30.f);
  EXPECT_LE(rel_l2(rig.read_f32(exact), want), 1e-5);
  EXPECT_LE(rel_l2(rig.read_f32(ll), want_ll), 1e-4);
  EXPECT_EQ(rig.read_f32(scaled), want_scaled);
  const std::vector<float> got_capped = rig.read_f32(capped);
  EXPECT_LE(rel_l2(got_capped, want_capped), 1e-5);
  for (float v : got_capped) ASSERT_LE(std::abs(v), 30.f);
}

TEST(Elementwise, ArgmaxFirstOfEquals) {
  std::uint64_t seed = test_seed() + 53;
  SCOPED_TRACE(seed_trace(seed));
  KernelRig rig;
  const std::int64_t n = 151936;  // a qwen2 vocabulary
  std::vector<float> x = ref::random_floats(n * 3, seed, -10, 10);
  x[n + 77] = 50.f;  // row 1: a tie, the first wins
  x[n + 90000] = 50.f;
  for (std::int64_t i = 2 * n; i < 3 * n; ++i) x[i] = -1.f;  // row 2: all equal
  x[2 * n + 5] = std::nanf("");                              // NaN never wins
  ops::Tensor xt = rig.f32(x, n, 3);
  ops::Tensor out = rig.poisoned(GgmlType::I32, 3);
  rig.run([&](ops::Ops& ops) { ops.argmax(xt, out); });
  std::vector<std::int32_t> got = rig.read_i32(out);
  EXPECT_EQ(got[0], ref::argmax(std::span<const float>(x).first(n)));
  EXPECT_EQ(got[1], 77);
  EXPECT_EQ(got[2], 0);
}

TEST(Elementwise, CopyIsExact) {
  KernelRig rig;
  std::vector<float> x = ref::random_floats(4096, test_seed());
  ops::Tensor src = rig.f32(x, 4096), dst = rig.poisoned(GgmlType::F32, 4096);
  rig.run([&](ops::Ops& ops) { ops.copy(src, dst); });
  EXPECT_EQ(rig.read_f32(dst), x);
}

}  // namespace
}  // namespace vkchat::test
