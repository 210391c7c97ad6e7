// Quantization: every type's quantize -> dequantize error within the bound its format allows, on
// Gaussian, heavy-tailed and degenerate blocks. Byte equality with llama.cpp's own quantization
// is checked on real files in dequantize_test.cpp (stories260K Q8_0 / Q4_0).
#include "quant/quantize.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "quant/blocks.h"
#include "quant/dequantize.h"
#include "quant/half.h"
#include "util/errors.h"

using namespace vkchat::quant;
using vkchat::gguf::GgmlType;

namespace {

constexpr GgmlType kTypes[] = {GgmlType::F32,  GgmlType::F16,  GgmlType::BF16, GgmlType::Q4_0,
                               GgmlType::Q4_1, GgmlType::Q5_0, GgmlType::Q5_1, GgmlType::Q8_0,
                               GgmlType::Q4_K, GgmlType::Q5_K, GgmlType::Q6_K};

std::string name(GgmlType t) {
  return std::string(vkchat::gguf::type_name(t));
}

std::vector<float> round_trip(GgmlType t, const std::vector<float>& x) {
  const std::vector<std::uint8_t> q = quantize(t, x);
  EXPECT_EQ(q.size(), row_bytes(t, static_cast<std::int64_t>(x.size())));
  std::vector<float> y(x.size());
  dequantize_row(t, q.data(), y.data(), static_cast<std::int64_t>(x.size()));
  return y;
}

// The largest error an element may have, as a fraction of the largest magnitude in its block
// (legacy types: the 32-element block; K-quants: the 256-element super-block). Half a step from
// rounding (a whole step where the top level is clamped), plus the fp16 rounding of the scales;
// the K-quants' 6- or 8-bit sub-block scales add a few percent, set from ggml's behaviour on
// Gaussian and heavy-tailed data with a margin.
double rel_bound(GgmlType t) {
  switch (t) {
    case GgmlType::F16: return 1.0 / 2048;
    case GgmlType::BF16: return 1.0 / 256;
    case GgmlType::Q8_0: return 0.5 / 127 + 1.0 / 1024;
    case GgmlType::Q4_0: return 1.0 / 8 + 1.0 / 1024;
    case GgmlType::Q5_0: return 1.0 / 16 + 1.0 / 1024;
    case GgmlType::Q4_1: return 2 * 0.5 / 15 + 1.0 / 256;  // range up to 2 * amax
    case GgmlType::Q5_1: return 2 * 0.5 / 31 + 1.0 / 256;
    case GgmlType::Q4_K: return 0.16;
    case GgmlType::Q5_K: return 0.08;
    case GgmlType::Q6_K: return 0.04;
    default: return 0;
  }
}

struct Stats {
  double worst_rel = 0;  // largest |err| / block amax
  double rel_rms = 0;    // RMS error / RMS value over the whole row
};

Stats measure(GgmlType t, const std::vector<float>& x, const std::vector<float>& y) {
  const std::size_t block =
      t == GgmlType::Q4_K || t == GgmlType::Q5_K || t == GgmlType::Q6_K ? 256 : 32;
  Stats s;
  double num = 0, den = 0;
  for (std::size_t b = 0; b < x.size(); b += block) {
    double amax = 0;
    for (std::size_t i = b; i < b + block; ++i) amax = std::max(amax, std::fabs(double(x[i])));
    for (std::size_t i = b; i < b + block; ++i) {
      const double e = std::fabs(double(x[i]) - y[i]);
      num += e * e;
      den += double(x[i]) * x[i];
      if (amax > 0)
        s.worst_rel = std::max(s.worst_rel, e / amax);
      else
        EXPECT_EQ(y[i], 0.f);
    }
  }
  s.rel_rms = den > 0 ? std::sqrt(num / den) : 0;
  return s;
}

}  // namespace

TEST(Quantize, SupportedTypesRoundTripWithinBounds) {
  std::mt19937 gen(7);
  std::normal_distribution<float> normal(0.f, 0.02f);
  std::student_t_distribution<float> heavy(2.f);
  // 16 super-blocks of Gaussian weights, then 16 of heavy-tailed ones (outliers stress the
  // scale choice).
  std::vector<float> x(256 * 32);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = i < x.size() / 2 ? normal(gen) : heavy(gen);
  std::map<GgmlType, double> rms, worst;
  for (GgmlType t : kTypes) {
    SCOPED_TRACE(name(t));
    ASSERT_TRUE(quantize_supported(t));
    const std::vector<float> y = round_trip(t, x);
    const Stats s = measure(t, x, y);
    if (t == GgmlType::F32) {
      EXPECT_EQ(y, x);
      continue;
    }
    EXPECT_LE(s.worst_rel, rel_bound(t));
    rms[t] = s.rel_rms;
    worst[t] = s.worst_rel;
  }
  // More bits, less error.
  EXPECT_LT(rms[GgmlType::F16], rms[GgmlType::BF16]);
  EXPECT_LT(rms[GgmlType::BF16], rms[GgmlType::Q8_0]);
  EXPECT_LT(rms[GgmlType::Q8_0], rms[GgmlType::Q6_K]);
  EXPECT_LT(rms[GgmlType::Q6_K], rms[GgmlType::Q5_K]);
  EXPECT_LT(rms[GgmlType::Q5_K], rms[GgmlType::Q4_K]);
  EXPECT_LT(rms[GgmlType::Q5_0], rms[GgmlType::Q4_0]);
  EXPECT_LT(rms[GgmlType::Q5_1], rms[GgmlType::Q4_1]);
  // The K-quants' searched scales beat the legacy types of the same width.
  EXPECT_LT(rms[GgmlType::Q4_K], rms[GgmlType::Q4_0]);
  EXPECT_LT(rms[GgmlType::Q5_K], rms[GgmlType::Q5_0]);
  for (auto [t, e] : rms) {
    std::printf("%-5s relative RMS error %.5f, worst error / block max %.5f (bound %.5f)\n",
                name(t).c_str(), e, worst[t], rel_bound(t));
  }
}

TEST(Quantize, DegenerateBlocks) {
  // Zero, constant, single-spike and all-negative blocks: exact zeros stay zero and nothing
  // becomes NaN.
  std::vector<float> x(256 * 4, 0.f);
  for (std::size_t i = 256; i < 512; ++i) x[i] = 0.75f;
  x[512 + 100] = -3.f;
  for (std::size_t i = 768; i < 1024; ++i) x[i] = -0.01f * static_cast<float>(i % 17 + 1);
  for (GgmlType t : kTypes) {
    SCOPED_TRACE(name(t));
    const std::vector<float> y = round_trip(t, x);
    for (std::size_t i = 0; i < 256; ++i) ASSERT_EQ(y[i], 0.f) << i;
    for (float v : y) ASSERT_TRUE(std::isfinite(v));
    const Stats s = measure(t, x, y);
    EXPECT_LE(s.worst_rel, rel_bound(t) + 1e-6);
  }
}

TEST(Quantize, Q8_0AndQ4_0FollowGgmlRounding) {
  // One block worked by hand: amax 1.27 -> d = 0.01, values rounded half away from zero (Q8_0);
  // Q4_0's d = max / -8 takes the sign of the largest value, which becomes level 0.
  std::vector<float> x(32, 0.f);
  x[0] = 1.27f;
  x[1] = 0.016f;   // 1.6 steps -> 2
  x[2] = -0.026f;  // -2.6 steps -> -3
  const auto q8 = quantize(GgmlType::Q8_0, x);
  BlockQ8_0 b8;
  std::memcpy(&b8, q8.data(), sizeof b8);
  EXPECT_EQ(b8.d, f32_to_fp16(1.27f / 127));
  EXPECT_EQ(b8.qs[0], 127);
  EXPECT_EQ(b8.qs[1], 2);
  EXPECT_EQ(b8.qs[2], -3);
  EXPECT_EQ(b8.qs[3], 0);

  x[0] = -1.6f;  // d = 0.2, level (x / d + 8.5) truncated
  x[1] = 0.6f;   // 3 + 8.5 = 11.5 -> 11
  x[2] = 1.55f;  // 7.75 + 8.5 = 16.25 -> clamped to 15
  const auto q4 = quantize(GgmlType::Q4_0, x);
  BlockQ4_0 b4;
  std::memcpy(&b4, q4.data(), sizeof b4);
  EXPECT_EQ(b4.d, f32_to_fp16(-1.6f / -8));
  EXPECT_EQ(b4.qs[0] & 15, 0);
  EXPECT_EQ(b4.qs[1] & 15, 11);
  EXPECT_EQ(b4.qs[2] & 15, 15);
  EXPECT_EQ(b4.qs[3] & 15, 8);
}

TEST(Quantize, RejectsUnsupportedTypesAndPartialBlocks) {
  std::vector<float> x(256, 1.f);
  std::vector<std::uint8_t> out(1024);
  EXPECT_FALSE(quantize_supported(GgmlType::Q2_K));
  EXPECT_THROW(quantize_row(GgmlType::Q2_K, x.data(), out.data(), 256), vkchat::UnsupportedModel);
  EXPECT_THROW(quantize_row(GgmlType::Q4_0, x.data(), out.data(), 48), std::invalid_argument);
  EXPECT_THROW(quantize_row(GgmlType::Q6_K, x.data(), out.data(), 128), std::invalid_argument);
}
