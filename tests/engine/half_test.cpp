// fp16 and bf16 conversions: exhaustive over every 16-bit pattern, and rounding of floats
// checked against the compiler's own IEEE conversion (_Float16) on ties and random bit patterns.
#include "quant/half.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <random>

using namespace vkchat::quant;

namespace {

std::uint16_t compiler_fp16(float f) {
  return std::bit_cast<std::uint16_t>(static_cast<_Float16>(f));
}

}  // namespace

TEST(Half, Fp16ToF32IsExactForEveryPattern) {
  for (std::uint32_t h = 0; h < 65536; ++h) {
    const float got = fp16_to_f32(static_cast<std::uint16_t>(h));
    const float want = static_cast<float>(std::bit_cast<_Float16>(static_cast<std::uint16_t>(h)));
    if (std::isnan(want)) {
      EXPECT_TRUE(std::isnan(got)) << h;
      EXPECT_EQ(std::signbit(got), std::signbit(want)) << h;
    } else {
      ASSERT_EQ(std::bit_cast<std::uint32_t>(got), std::bit_cast<std::uint32_t>(want)) << h;
    }
  }
}

TEST(Half, Fp16RoundTripsEveryNonNan) {
  for (std::uint32_t h = 0; h < 65536; ++h) {
    const auto v = static_cast<std::uint16_t>(h);
    if ((v & 0x7c00) == 0x7c00 && (v & 0x3ff)) continue;  // NaN
    ASSERT_EQ(f32_to_fp16(fp16_to_f32(v)), v) << h;
  }
}

TEST(Half, F32ToFp16RoundsTiesToEven) {
  // The exact midpoint between each pair of neighbouring fp16 values, and a hair either side.
  for (std::uint32_t h = 0; h < 0x7c00; ++h) {
    const double lo = fp16_to_f32(static_cast<std::uint16_t>(h));
    const double hi = h + 1 == 0x7c00 ? 65536.0 : fp16_to_f32(static_cast<std::uint16_t>(h + 1));
    const float mid = static_cast<float>((lo + hi) / 2);  // exact: needs 12 significant bits
    for (float f : {mid, std::nextafter(mid, 0.f), std::nextafter(mid, 1e9f)}) {
      ASSERT_EQ(f32_to_fp16(f), compiler_fp16(f)) << h << " " << f;
      ASSERT_EQ(f32_to_fp16(-f), compiler_fp16(-f)) << h << " " << f;
    }
  }
}

TEST(Half, F32ToFp16MatchesCompilerOnRandomPatterns) {
  const std::uint32_t seed = std::random_device{}();
  std::mt19937 rng(seed);
  for (int i = 0; i < 2'000'000; ++i) {
    const float f = std::bit_cast<float>(static_cast<std::uint32_t>(rng()));
    if (std::isnan(f)) continue;
    ASSERT_EQ(f32_to_fp16(f), compiler_fp16(f)) << "seed " << seed << " value " << f;
  }
}

TEST(Half, F32ToFp16SpecialValues) {
  EXPECT_EQ(f32_to_fp16(0.f), 0x0000);
  EXPECT_EQ(f32_to_fp16(-0.f), 0x8000);
  EXPECT_EQ(f32_to_fp16(1.f), 0x3c00);
  EXPECT_EQ(f32_to_fp16(65504.f), 0x7bff);
  EXPECT_EQ(f32_to_fp16(65519.99f), 0x7bff);
  EXPECT_EQ(f32_to_fp16(65520.f), 0x7c00);
  EXPECT_EQ(f32_to_fp16(INFINITY), 0x7c00);
  EXPECT_EQ(f32_to_fp16(-INFINITY), 0xfc00);
  EXPECT_EQ(f32_to_fp16(0x1p-24f), 0x0001);
  EXPECT_EQ(f32_to_fp16(0x1p-25f), 0x0000);    // tie to even (zero)
  EXPECT_EQ(f32_to_fp16(0x1.8p-24f), 0x0002);  // tie to even (two)
  // ggml turns every NaN into 0x7E00 with the sign kept.
  EXPECT_EQ(f32_to_fp16(std::bit_cast<float>(0x7f800001u)), 0x7e00);
  EXPECT_EQ(f32_to_fp16(std::bit_cast<float>(0xffc12345u)), 0xfe00);
}

TEST(Half, Bf16) {
  for (std::uint32_t h = 0; h < 65536; ++h) {
    const auto v = static_cast<std::uint16_t>(h);
    const float f = bf16_to_f32(v);
    ASSERT_EQ(std::bit_cast<std::uint32_t>(f), h << 16);
    if (!std::isnan(f)) {
      ASSERT_EQ(f32_to_bf16(f), v);
    }
  }
  EXPECT_EQ(f32_to_bf16(std::bit_cast<float>(0x3f808000u)), 0x3f80);  // tie, even below
  EXPECT_EQ(f32_to_bf16(std::bit_cast<float>(0x3f818000u)), 0x3f82);  // tie, even above
  EXPECT_EQ(f32_to_bf16(std::bit_cast<float>(0x3f808001u)), 0x3f81);
  EXPECT_EQ(f32_to_bf16(std::bit_cast<float>(0x7f800001u)), 0x7fc0);  // NaN forced quiet
  EXPECT_EQ(f32_to_bf16(std::bit_cast<float>(0x7f7fffffu)), 0x7f80);  // rounds to infinity
}
