// llama.cpp's activation rounding on the GPU (shaders/round_act.comp) against the CPU's
// quant::round_to_grid, bit for bit: random rows of several magnitudes, rows with ties at the
// 8-bit grid's midpoints, tiny values whose fp16 scale is subnormal, all-zero blocks, with and
// without subgroups; and ops::RoundedInput recording one rounding per grid.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>

#include "quant/act_rounding.h"
#include "ref/random_weights.h"
#include "vk/kernel_rig.h"
#include "vk/vk_test_support.h"

namespace vkchat::test {
namespace {

using gguf::GgmlType;
using quant::ActGrid;

// Rows of 512 values: random in [-s, s] for a spread of scales s (including ones whose Q8_0
// scale is an fp16 subnormal), a block of ties (k + 0.5 after the 127 / amax multiplier), a
// zero block and negative maxima.
std::vector<float> test_rows(std::uint64_t seed, std::int64_t n, std::int64_t rows) {
  std::vector<float> x;
  const float scales[] = {1e-4f, 3e-3f, 0.05f, 1.f, 7.5f, 300.f};
  for (std::int64_t r = 0; r < rows; ++r) {
    const float s = scales[r % 6];
    std::vector<float> row = ref::random_floats(n, seed + static_cast<std::uint64_t>(r), -s, s);
    if (r % 3 == 1) {
      // Block 2 (32 values): amax 127, so the multiplier is 1 and these are exact ties.
      row[64] = -127.f;
      for (int j = 1; j < 32; ++j) row[64 + j] = static_cast<float>(j - 16) + 0.5f;
      // Block 4: all zero; the last 256-block of the row gets a negative maximum.
      for (int j = 0; j < 32; ++j) row[128 + j] = 0.f;
      row[static_cast<std::size_t>(n) - 20] = -4 * s;
    }
    x.insert(x.end(), row.begin(), row.end());
  }
  return x;
}

std::vector<std::uint32_t> bits(std::span<const float> v) {
  std::vector<std::uint32_t> b(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) b[i] = std::bit_cast<std::uint32_t>(v[i]);
  return b;
}

class RoundAct : public ::testing::TestWithParam<bool> {};

TEST_P(RoundAct, BitExactWithTheCpu) {
  const std::uint64_t seed = test_seed() + 61;
  SCOPED_TRACE(seed_trace(seed));
  KernelRig rig(GetParam());
  const std::int64_t n = 512, rows = 12;
  const std::vector<float> x = test_rows(seed, n, rows);
  for (ActGrid grid : {ActGrid::Q8_0, ActGrid::Q8_1, ActGrid::Q8_K, ActGrid::F16, ActGrid::BF16}) {
    SCOPED_TRACE(std::string(quant::act_grid_name(grid)));
    ops::Tensor xt = rig.f32(x, n, rows), out = rig.poisoned(GgmlType::F32, n, rows);
    ops::Tensor in_place = rig.f32(x, n, rows);
    rig.run([&](ops::Ops& ops) {
      ops.round_activations(xt, out, grid);
      ops.round_activations(in_place, in_place, grid);
    });
    std::vector<float> want = x;
    for (std::int64_t r = 0; r < rows; ++r) {
      quant::round_to_grid(grid, std::span<float>(want).subspan(r * n, n));
    }
    const std::vector<float> got = rig.read_f32(out);
    std::size_t mismatches = 0;
    for (std::size_t i = 0; i < want.size(); ++i) {
      if (std::bit_cast<std::uint32_t>(got[i]) != std::bit_cast<std::uint32_t>(want[i])) {
        if (++mismatches <= 5) {
          ADD_FAILURE() << "element " << i << " (row " << i / n << "): " << got[i] << " vs "
                        << want[i] << " from " << x[i];
        }
      }
    }
    EXPECT_EQ(mismatches, 0u);
    EXPECT_EQ(bits(rig.read_f32(in_place)), bits(want));
  }
}

INSTANTIATE_TEST_SUITE_P(Subgroups, RoundAct, ::testing::Bool(),
                         [](const auto& info) { return std::string(info.param ? "On" : "Off"); });

TEST(RoundAct, RoundedInputRoundsOncePerGrid) {
  KernelRig rig;
  const std::int64_t n = 256, rows = 2;
  const std::vector<float> x = test_rows(test_seed() + 67, n, rows);
  ops::Tensor xt = rig.f32(x, n, rows), scratch = rig.poisoned(GgmlType::F32, 1024, rows);
  // Weight views only need a type and shape here.
  auto weight = [&](GgmlType t) {
    ops::Tensor w = xt;
    w.type = t;
    return w;
  };
  rig.run([&](ops::Ops& ops) {
    ops::RoundedInput off(ops, xt, scratch, false);
    EXPECT_EQ(off.for_weight(weight(GgmlType::Q4_K)).offset, xt.offset);
    ops::RoundedInput in(ops, xt, scratch, true);
    EXPECT_EQ(in.for_weight(weight(GgmlType::F32)).buffer, xt.buffer);  // F32: no rounding
    const ops::Tensor& a = in.for_weight(weight(GgmlType::Q4_K));
    EXPECT_EQ(a.buffer, scratch.buffer);
    EXPECT_EQ(a.ne, xt.ne);
    in.for_weight(weight(GgmlType::Q6_K));  // same grid: nothing recorded
  });
  std::vector<float> want = x;
  for (std::int64_t r = 0; r < rows; ++r) {
    quant::round_to_grid(ActGrid::Q8_K, std::span<float>(want).subspan(r * n, n));
  }
  std::vector<float> got = rig.read_f32(scratch);
  got.resize(static_cast<std::size_t>(n * rows));
  EXPECT_EQ(bits(got), bits(want));
}

}  // namespace
}  // namespace vkchat::test
