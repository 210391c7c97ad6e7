// The device row layout: every kernel type round-trips bit-exactly through it at row lengths whose
// GGUF rows are and are not 16-byte multiples, rows are padded with zeros, and fields land where
// the layout comment in quant/device_layout.h puts them.
#include "quant/device_layout.h"

#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "gguf/ggml_types.h"
#include "quant/dequantize.h"
#include "quant/quantize.h"
#include "ref/random_weights.h"

using namespace vkchat::quant;
using vkchat::gguf::GgmlType;

namespace {

using Bytes = std::vector<std::byte>;

constexpr GgmlType kTypes[] = {
    GgmlType::F32,   GgmlType::F16,     GgmlType::BF16,   GgmlType::Q4_0,   GgmlType::Q4_1,
    GgmlType::Q5_0,  GgmlType::Q5_1,    GgmlType::Q8_0,   GgmlType::Q4_K,   GgmlType::Q5_K,
    GgmlType::Q6_K,  GgmlType::Q2_K,    GgmlType::Q3_K,   GgmlType::IQ4_NL, GgmlType::IQ4_XS,
    GgmlType::MXFP4, GgmlType::NVFP4,   GgmlType::TQ1_0,  GgmlType::TQ2_0,  GgmlType::Q1_0,
    GgmlType::Q2_0,  GgmlType::IQ2_XXS, GgmlType::IQ2_XS, GgmlType::IQ2_S,  GgmlType::IQ3_XXS,
    GgmlType::IQ3_S, GgmlType::IQ1_S,   GgmlType::IQ1_M};

// Row lengths for a type: one block, then lengths of real models (896, 4864) whose GGUF rows are
// not 16-byte multiples; for the float types also lengths that are not multiples of 8.
std::vector<std::int64_t> col_counts(GgmlType t) {
  const std::int64_t block = vkchat::gguf::traits(t).block_size;
  if (block == 1) return {1, 3, 5, 7, 13, 64, 896, 4864};
  if (block == 32) return {32, 64, 96, 160, 896, 4864};
  return {256, 512, 768, 4864};
}

std::string describe(GgmlType t, std::int64_t cols) {
  return std::string(vkchat::gguf::type_name(t)) + " x " + std::to_string(cols);
}

struct Rng {
  std::uint32_t seed = std::random_device{}();
  std::mt19937 gen{seed};
  Bytes bytes(std::uint64_t n) {
    Bytes b(n);
    for (std::byte& x : b) x = static_cast<std::byte>(gen());
    return b;
  }
};

// `rows` rows of the type in device layout.
Bytes to_device(GgmlType t, std::int64_t cols, std::int64_t rows, const Bytes& gguf) {
  Bytes dev(device_row_bytes(t, cols) * static_cast<std::uint64_t>(rows), std::byte{0xA5});
  to_device_rows(t, cols, rows, gguf, dev);
  return dev;
}

Bytes from_device(GgmlType t, std::int64_t cols, std::int64_t rows, const Bytes& dev) {
  Bytes gguf(row_bytes(t, cols) * static_cast<std::uint64_t>(rows), std::byte{0x5A});
  from_device_rows(t, cols, rows, dev, gguf);
  return gguf;
}

// Bytes 0, 1, 2, ... (mod 251, so that no field repeats another at the offsets checked).
Bytes counting(std::uint64_t n) {
  Bytes b(n);
  for (std::uint64_t i = 0; i < n; ++i) b[i] = static_cast<std::byte>(i % 251);
  return b;
}

// dev[at, at + n) == gguf[from, from + n).
void expect_moved(const Bytes& dev, std::uint64_t at, const Bytes& gguf, std::uint64_t from,
                  std::uint64_t n) {
  ASSERT_LE(at + n, dev.size());
  ASSERT_LE(from + n, gguf.size());
  EXPECT_EQ(std::memcmp(dev.data() + at, gguf.data() + from, n), 0)
      << n << " bytes at device " << at << " from GGUF " << from;
}

}  // namespace

TEST(DeviceLayout, RowBytesAreThePaddedGgufRow) {
  for (GgmlType t : kTypes) {
    for (std::int64_t cols : col_counts(t)) {
      const std::uint64_t dev = device_row_bytes(t, cols);
      const std::uint64_t gguf = row_bytes(t, cols);
      EXPECT_EQ(dev % 16, 0u) << describe(t, cols);
      EXPECT_GE(dev, gguf) << describe(t, cols);
      EXPECT_LT(dev - gguf, 16u) << describe(t, cols);
    }
  }
  EXPECT_EQ(device_row_bytes(GgmlType::Q8_0, 896), 960u);    // 28 * 34 = 952 bytes in GGUF
  EXPECT_EQ(device_row_bytes(GgmlType::Q4_0, 4864), 2736u);  // 152 * 18 = 2736, already aligned
  EXPECT_EQ(device_row_bytes(GgmlType::Q6_K, 4864), 4000u);  // 19 * 210 = 3990
  EXPECT_EQ(device_row_bytes(GgmlType::F16, 7), 16u);
  EXPECT_EQ(device_row_bytes(GgmlType::Q4_K, 256), 144u);
}

TEST(DeviceLayout, RandomRowsRoundTripBitExactWithZeroPadding) {
  Rng rng;
  constexpr std::int64_t kRows = 3;
  for (GgmlType t : kTypes) {
    for (std::int64_t cols : col_counts(t)) {
      SCOPED_TRACE(describe(t, cols) + ", seed " + std::to_string(rng.seed));
      const Bytes gguf = rng.bytes(row_bytes(t, cols) * kRows);
      const Bytes dev = to_device(t, cols, kRows, gguf);
      const std::uint64_t gguf_row = row_bytes(t, cols);
      const std::uint64_t dev_row = device_row_bytes(t, cols);
      for (std::int64_t r = 0; r < kRows; ++r) {
        for (std::uint64_t i = gguf_row; i < dev_row; ++i) {
          ASSERT_EQ(dev[r * dev_row + i], std::byte{0}) << "padding byte " << i << " of row " << r;
        }
      }
      EXPECT_EQ(from_device(t, cols, kRows, dev), gguf);
    }
  }
}

// Types whose blocks are already 16-byte multiples, and the float types, keep their bytes: only
// the padding is new.
TEST(DeviceLayout, UnchangedTypesOnlyGainPadding) {
  Rng rng;
  for (GgmlType t :
       {GgmlType::F32, GgmlType::F16, GgmlType::BF16, GgmlType::Q4_K, GgmlType::Q5_K}) {
    for (std::int64_t cols : col_counts(t)) {
      SCOPED_TRACE(describe(t, cols));
      const Bytes gguf = rng.bytes(row_bytes(t, cols) * 2);
      const Bytes dev = to_device(t, cols, 2, gguf);
      const std::uint64_t n = row_bytes(t, cols);
      expect_moved(dev, 0, gguf, 0, n);
      expect_moved(dev, device_row_bytes(t, cols), gguf, n, n);
    }
  }
}

// One row of `cols` whose GGUF bytes count 0, 1, 2, ...: `device_bytes` in device layout, where
// device[at, at + n) holds gguf[from, from + n) for each move.
struct Move {
  std::uint64_t at, from, n;
};
struct PlaneCase {
  GgmlType type;
  std::int64_t cols;
  std::uint64_t device_bytes;
  std::vector<Move> moves;
};

TEST(DeviceLayout, FieldsLandInTheirPlanes) {
  const PlaneCase cases[] = {
      // Q8_0 (d, qs[32]), 2 blocks of 34: qs 0..64, d 64..68, zeros to 80.
      {GgmlType::Q8_0, 64, 80, {{0, 2, 32}, {32, 36, 32}, {64, 0, 2}, {66, 34, 2}}},
      // Q4_0 (d, qs[16]), 1 block of 18: qs 0..16, d 16..18.
      {GgmlType::Q4_0, 32, 32, {{0, 2, 16}, {16, 0, 2}}},
      // Q4_1 (d, m, qs[16]), 2 blocks of 20: qs 0..32, d and m together 32..40.
      {GgmlType::Q4_1, 64, 48, {{0, 4, 16}, {16, 24, 16}, {32, 0, 4}, {36, 20, 4}}},
      // Q5_0 (d, qh[4], qs[16]), 3 blocks of 22: qs 0..48, qh 48..60, d 60..66.
      {GgmlType::Q5_0, 96, 80, {{32, 44 + 6, 16}, {52, 22 + 2, 4}, {64, 44, 2}}},
      // Q5_1 (d, m, qh[4], qs[16]), 2 blocks of 24: qs 0..32, qh 32..40, dm 40..48.
      {GgmlType::Q5_1, 64, 48, {{16, 24 + 8, 16}, {36, 24 + 4, 4}, {44, 24, 4}}},
      // Q6_K (ql[128], qh[64], scales[16], d), 2 blocks of 210: ql 0..256, qh 256..384,
      // scales 384..416, d 416..420.
      {GgmlType::Q6_K,
       512,
       432,
       {{128, 210, 128},
        {256, 128, 64},
        {320, 210 + 128, 64},
        {400, 210 + 192, 16},
        {416, 208, 2},
        {418, 210 + 208, 2}}},
  };
  for (const PlaneCase& c : cases) {
    SCOPED_TRACE(describe(c.type, c.cols));
    const std::uint64_t gguf_bytes = row_bytes(c.type, c.cols);
    const Bytes gguf = counting(gguf_bytes);
    const Bytes dev = to_device(c.type, c.cols, 1, gguf);
    ASSERT_EQ(dev.size(), c.device_bytes);
    for (const Move& m : c.moves) expect_moved(dev, m.at, gguf, m.from, m.n);
    for (std::uint64_t i = gguf_bytes; i < dev.size(); ++i) EXPECT_EQ(dev[i], std::byte{0}) << i;
  }
}

TEST(DeviceLayout, DequantizesAsTheGgufRows) {
  std::mt19937 gen(7);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  constexpr std::int64_t kRows = 2;
  for (GgmlType t : kTypes) {
    const std::int64_t cols = 896 % vkchat::gguf::traits(t).block_size == 0 ? 896 : 768;
    SCOPED_TRACE(describe(t, cols));
    std::vector<float> x(static_cast<std::size_t>(cols * kRows));
    for (float& v : x) v = dist(gen);
    // Types without a quantizer: random blocks with sane scales.
    const std::vector<std::uint8_t> q =
        quantize_supported(t) ? quantize(t, x) : vkchat::ref::random_weights(t, kRows, cols, 7);
    const Bytes gguf(reinterpret_cast<const std::byte*>(q.data()),
                     reinterpret_cast<const std::byte*>(q.data() + q.size()));
    const Bytes back = from_device(t, cols, kRows, to_device(t, cols, kRows, gguf));
    const auto want = MatrixView::of(t, cols, kRows, q);
    const auto got = MatrixView::of(
        t, cols, kRows, std::span(reinterpret_cast<const std::uint8_t*>(back.data()), back.size()));
    std::vector<float> a(static_cast<std::size_t>(cols)), b(a.size());
    for (std::int64_t r = 0; r < kRows; ++r) {
      want.dequantize_row(r, a.data());
      got.dequantize_row(r, b.data());
      ASSERT_EQ(std::memcmp(a.data(), b.data(), a.size() * sizeof(float)), 0) << "row " << r;
    }
  }
}

TEST(DeviceLayout, RejectsWrongSizesPartialBlocksAndUnreadTypes) {
  const Bytes gguf(68);
  Bytes dev(80);
  Bytes short_dev(68);
  EXPECT_THROW(to_device_rows(GgmlType::Q8_0, 64, 1, gguf, short_dev), std::invalid_argument);
  EXPECT_THROW(to_device_rows(GgmlType::Q8_0, 64, 2, gguf, dev), std::invalid_argument);
  Bytes long_gguf(80);
  EXPECT_THROW(from_device_rows(GgmlType::Q8_0, 64, 1, dev, long_gguf), std::invalid_argument);
  Bytes partial(51);
  EXPECT_THROW(to_device_rows(GgmlType::Q8_0, 48, 1, partial, dev), std::invalid_argument);
  EXPECT_THROW(device_row_bytes(GgmlType::Q8_0, 48), std::invalid_argument);
  // Q8_K dequantizes on the CPU (it is ggml's activation type) but no GPU kernel reads it.
  EXPECT_THROW(device_row_bytes(GgmlType::Q8_K, 256), std::invalid_argument);
  const Bytes q8k(292);
  Bytes q8k_dev(304);
  EXPECT_THROW(to_device_rows(GgmlType::Q8_K, 256, 1, q8k, q8k_dev), std::invalid_argument);
  try {
    device_row_bytes(GgmlType::Q8_K, 256);
    FAIL() << "Q8_K has no device layout";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("Q8_K"), std::string::npos) << e.what();
  }
}

TEST(DeviceLayout, NoRowsOrEmptyRowsMoveNothing) {
  Bytes none;
  EXPECT_NO_THROW(to_device_rows(GgmlType::Q6_K, 256, 0, none, none));
  EXPECT_NO_THROW(from_device_rows(GgmlType::F32, 0, 4, none, none));
}
