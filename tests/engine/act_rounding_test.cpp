// llama.cpp's activation rounding (quant/act_rounding.h) on blocks computed by hand: which grid
// each weight type gets, Q8_0's ties to even and its fp16 scale, Q8_K's f32 scale with a
// negative maximum and with tied maxima of both signs, all-zero blocks, fp16 / bf16 ties.
#include "quant/act_rounding.h"

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>
#include <vector>

using vkchat::gguf::GgmlType;
using namespace vkchat::quant;

namespace {

std::vector<float> rounded(ActGrid grid, std::vector<float> x) {
  round_to_grid(grid, x);
  return x;
}

}  // namespace

TEST(ActRounding, EachWeightTypeGetsItsVecDotGrid) {
  EXPECT_EQ(act_grid_for(GgmlType::F32), ActGrid::Exact);
  EXPECT_EQ(act_grid_for(GgmlType::F16), ActGrid::F16);
  EXPECT_EQ(act_grid_for(GgmlType::BF16), ActGrid::BF16);
  for (GgmlType t : {GgmlType::Q4_0, GgmlType::Q5_0, GgmlType::Q8_0})
    EXPECT_EQ(act_grid_for(t), ActGrid::Q8_0);
  for (GgmlType t : {GgmlType::Q4_1, GgmlType::Q5_1}) EXPECT_EQ(act_grid_for(t), ActGrid::Q8_1);
  for (GgmlType t :
       {GgmlType::Q2_K, GgmlType::Q3_K, GgmlType::Q4_K, GgmlType::Q5_K, GgmlType::Q6_K})
    EXPECT_EQ(act_grid_for(t), ActGrid::Q8_K);
  // The low-bit types (ggml-cpu's vec_dot_type of each)
  for (GgmlType t :
       {GgmlType::IQ4_NL, GgmlType::MXFP4, GgmlType::NVFP4, GgmlType::Q1_0, GgmlType::Q2_0})
    EXPECT_EQ(act_grid_for(t), ActGrid::Q8_0);
  for (GgmlType t : {GgmlType::IQ4_XS, GgmlType::TQ1_0, GgmlType::TQ2_0})
    EXPECT_EQ(act_grid_for(t), ActGrid::Q8_K);
  EXPECT_EQ(act_grid_block(ActGrid::Q8_0), 32);
  EXPECT_EQ(act_grid_block(ActGrid::Q8_1), 32);
  EXPECT_EQ(act_grid_block(ActGrid::Q8_K), 256);
  EXPECT_EQ(act_grid_block(ActGrid::F16), 1);
}

TEST(ActRounding, Q8_0RoundsHalfToEvenOnAUnitScale) {
  // amax 127: d = 1 (exact in fp16), multiplier 127 / 127 = 1, so x' = x rounded half to even
  // (ggml's AVX2 path; the scalar reference's roundf would give 1, 3, -1 for the ties below).
  std::vector<float> x(32, 0.f);
  x[0] = 127.f;
  x[1] = 0.5f;
  x[2] = 1.5f;
  x[3] = 2.5f;
  x[4] = -0.5f;
  x[5] = -3.7f;
  x[6] = 12.49f;
  const std::vector<float> y = rounded(ActGrid::Q8_0, x);
  EXPECT_EQ(y[0], 127.f);
  EXPECT_EQ(y[1], 0.f);
  EXPECT_EQ(y[2], 2.f);
  EXPECT_EQ(y[3], 2.f);
  EXPECT_EQ(y[4], 0.f);
  EXPECT_TRUE(std::signbit(y[4]));
  EXPECT_EQ(y[5], -4.f);
  EXPECT_EQ(y[6], 12.f);
  // Q8_1 holds the same values.
  EXPECT_EQ(rounded(ActGrid::Q8_1, x), y);
}

TEST(ActRounding, Q8_0UsesTheScaleAsStoredInFp16) {
  // amax 1: d = 1/127 = 0.0078740157, stored as fp16 0.00787353515625 (2^-7 * (1 + 8/1024));
  // the multiplier stays 127 / amax = 127, so the largest element becomes 127 * fp16(d).
  std::vector<float> x(32, 0.f);
  x[7] = -1.f;
  x[8] = 0.5f;       // 63.5 -> 64 (even)
  x[9] = 0.25f;      // 31.75 -> 32
  x[10] = 0.0039f;   // 0.4953 -> 0
  x[11] = 0.00394f;  // 0.50038 -> 1
  const std::vector<float> y = rounded(ActGrid::Q8_0, x);
  const float d = 0.00787353515625f;
  EXPECT_EQ(y[7], -127.f * d);
  EXPECT_EQ(y[7], -0.99993896484375f);
  EXPECT_EQ(y[8], 64.f * d);
  EXPECT_EQ(y[9], 32.f * d);
  EXPECT_EQ(y[10], 0.f);
  EXPECT_EQ(y[11], d);
  // The next block is rounded on its own: amax 63.5 gives d = 0.5, multiplier 2.
  std::vector<float> two(64, 0.f);
  two[0] = 1.f;
  two[32] = 63.5f;
  two[33] = 0.25f;  // 0.5 -> 0
  two[34] = 0.75f;  // 1.5 -> 2 -> 1.0
  two[35] = 1.f;    // 2 -> 1.0
  const std::vector<float> z = rounded(ActGrid::Q8_0, two);
  EXPECT_EQ(z[0], 127.f * d);
  EXPECT_EQ(z[32], 63.5f);
  EXPECT_EQ(z[33], 0.f);
  EXPECT_EQ(z[34], 1.f);
  EXPECT_EQ(z[35], 1.f);
}

TEST(ActRounding, AllZeroBlocksStayZero) {
  for (ActGrid g : {ActGrid::Q8_0, ActGrid::Q8_1, ActGrid::Q8_K}) {
    const std::vector<float> y = rounded(g, std::vector<float>(256, 0.f));
    for (float v : y) EXPECT_EQ(v, 0.f) << act_grid_name(g);
  }
}

TEST(ActRounding, Q8_KWithANegativeMaximum) {
  // max = -254 (the element of largest magnitude): iscale = -127 / -254 = 0.5, d = 1 / iscale = 2
  // kept in f32, q = nearest_int(0.5 * x) with ties to even.
  std::vector<float> x(256, 0.f);
  x[5] = -254.f;
  x[6] = 3.f;     // 1.5 -> 2 -> 4
  x[7] = 1.f;     // 0.5 -> 0
  x[8] = 5.f;     // 2.5 -> 2 -> 4
  x[9] = -7.f;    // -3.5 -> -4 -> -8
  x[10] = 0.9f;   // 0.45 -> 0
  x[11] = 253.f;  // 126.5 -> 126 -> 252
  const std::vector<float> y = rounded(ActGrid::Q8_K, x);
  EXPECT_EQ(y[5], -254.f);
  EXPECT_EQ(y[6], 4.f);
  EXPECT_EQ(y[7], 0.f);
  EXPECT_EQ(y[8], 4.f);
  EXPECT_EQ(y[9], -8.f);
  EXPECT_EQ(y[10], 0.f);
  EXPECT_EQ(y[11], 252.f);
}

TEST(ActRounding, Q8_KIsOddWhateverTheSignOfItsMaximum) {
  // The sign convention (iscale = -127 / max) cancels in q * d: negating the block negates the
  // result, and with +m and -m tied the first one's sign does not matter either.
  std::vector<float> x(256);
  for (int i = 0; i < 256; ++i) x[i] = std::sin(0.37f * static_cast<float>(i)) * 3.f;
  x[17] = 5.f;
  x[200] = -5.f;
  std::vector<float> neg(x);
  for (float& v : neg) v = -v;
  const std::vector<float> a = rounded(ActGrid::Q8_K, x), b = rounded(ActGrid::Q8_K, neg);
  for (int i = 0; i < 256; ++i) EXPECT_EQ(a[i], -b[i]) << i;
  // d = 1 / (127 / 5): the maxima land on +-127 * d.
  const float d = 1.f / (127.f / 5.f);
  EXPECT_EQ(a[17], 127.f * d);
  EXPECT_EQ(a[200], -127.f * d);
}

TEST(ActRounding, F16AndBf16RoundHalfToEven) {
  const float f16_tie_down = 1.f + 0x1p-11f;    // halfway between 1 and 1 + 2^-10
  const float f16_tie_up = 1.f + 3 * 0x1p-11f;  // halfway between 1 + 2^-10 and 1 + 2^-9
  const std::vector<float> h = rounded(ActGrid::F16, {f16_tie_down, f16_tie_up, 65520.f, 3e-7f});
  EXPECT_EQ(h[0], 1.f);
  EXPECT_EQ(h[1], 1.f + 0x1p-9f);
  EXPECT_TRUE(std::isinf(h[2]));
  EXPECT_EQ(h[3], 5 * 0x1p-24f);  // an fp16 subnormal: 3e-7 = 5.03 quanta of 2^-24
  const std::vector<float> b = rounded(ActGrid::BF16, {1.f + 0x1p-8f, 1.f + 3 * 0x1p-8f});
  EXPECT_EQ(b[0], 1.f);
  EXPECT_EQ(b[1], 1.f + 0x1p-6f);
  const std::vector<float> e = rounded(ActGrid::Exact, {1.f + 0x1p-20f});
  EXPECT_EQ(e[0], 1.f + 0x1p-20f);
}

TEST(ActRounding, PartialBlocksAreRejected) {
  std::vector<float> x(48);
  EXPECT_THROW(round_to_grid(ActGrid::Q8_0, x), std::invalid_argument);
  std::vector<float> k(288);
  EXPECT_THROW(round_to_grid(ActGrid::Q8_K, k), std::invalid_argument);
  EXPECT_NO_THROW(round_to_grid(ActGrid::F16, x));
}
