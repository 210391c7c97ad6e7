// Dequantization: every block type against blocks packed from random levels (with the packers of
// quant/quantize.h, ggml's quantize_row_*_ref layouts), then real GGUF tensors against their F32
// source and its re-quantization.
#include "quant/dequantize.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "gguf/gguf_reader.h"
#include "quant/blocks.h"
#include "quant/half.h"
#include "quant/quantize.h"
#include "support/test_support.h"

using namespace vkchat::quant;
using vkchat::gguf::GgmlType;
using vkchat::gguf::GgufFile;
using vkchat::gguf::TensorInfo;

namespace {

struct Rng {
  std::uint32_t seed = std::random_device{}();
  std::mt19937 gen{seed};
  int uniform(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(gen); }
  std::uint8_t level(int hi) { return static_cast<std::uint8_t>(uniform(0, hi)); }
  // A positive fp16 scale of moderate size, as a quantizer would store.
  std::uint16_t scale() {
    return f32_to_fp16(std::uniform_real_distribution<float>(1e-3f, 0.1f)(gen));
  }
};

template <class Block>
std::vector<float> run(GgmlType t, const std::vector<Block>& blocks, int per_block) {
  std::vector<std::uint8_t> bytes(blocks.size() * sizeof(Block) + 1);
  // Offset by one byte: rows in a GGUF carry no alignment guarantee.
  std::memcpy(bytes.data() + 1, blocks.data(), blocks.size() * sizeof(Block));
  std::vector<float> out(blocks.size() * per_block);
  dequantize_row(t, bytes.data() + 1, out.data(), static_cast<std::int64_t>(out.size()));
  return out;
}

void expect_bits(const std::vector<float>& got, const std::vector<float>& want,
                 std::uint32_t seed) {
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    ASSERT_EQ(std::bit_cast<std::uint32_t>(got[i]), std::bit_cast<std::uint32_t>(want[i]))
        << "element " << i << ": " << got[i] << " vs " << want[i] << " (seed " << seed << ")";
  }
}

constexpr int kBlocks = 3;

}  // namespace

TEST(Dequantize, BlockSizesMatchTypeTable) {
  const std::pair<GgmlType, std::size_t> sizes[] = {
      {GgmlType::Q4_0, sizeof(BlockQ4_0)}, {GgmlType::Q4_1, sizeof(BlockQ4_1)},
      {GgmlType::Q5_0, sizeof(BlockQ5_0)}, {GgmlType::Q5_1, sizeof(BlockQ5_1)},
      {GgmlType::Q8_0, sizeof(BlockQ8_0)}, {GgmlType::Q2_K, sizeof(BlockQ2_K)},
      {GgmlType::Q3_K, sizeof(BlockQ3_K)}, {GgmlType::Q4_K, sizeof(BlockQ4_K)},
      {GgmlType::Q5_K, sizeof(BlockQ5_K)}, {GgmlType::Q6_K, sizeof(BlockQ6_K)},
      {GgmlType::Q8_K, sizeof(BlockQ8_K)}};
  for (auto [t, size] : sizes) {
    EXPECT_EQ(vkchat::gguf::traits(t).type_size, size) << vkchat::gguf::type_name(t);
    EXPECT_EQ(vkchat::gguf::traits(t).block_size, t >= GgmlType::Q2_K ? 256u : 32u);
    EXPECT_TRUE(dequant_supported(t));
  }
}

TEST(Dequantize, UnsupportedTypeAndPartialBlockFail) {
  std::vector<std::uint8_t> src(1024);
  std::vector<float> dst(256);
  try {
    dequantize_row(GgmlType::I8, src.data(), dst.data(), 256);
    FAIL() << "I8 dequantized";
  } catch (const vkchat::UnsupportedModel& e) {
    EXPECT_NE(std::string(e.what()).find("I8"), std::string::npos) << e.what();
  }
  EXPECT_THROW(dequantize_row(GgmlType::Q4_0, src.data(), dst.data(), 33), std::invalid_argument);
  EXPECT_THROW(dequantize_row(GgmlType::Q4_K, src.data(), dst.data(), 128), std::invalid_argument);
  EXPECT_EQ(row_bytes(GgmlType::Q4_K, 512), 288u);
  EXPECT_EQ(row_bytes(GgmlType::F16, 7), 14u);
}

TEST(Dequantize, FloatTypes) {
  const std::vector<float> x = {0.f, -1.5f, 3.14159f, 1e-6f, -65504.f, 0.333f, 1e30f};
  std::vector<std::uint8_t> f32(x.size() * 4), f16(x.size() * 2), bf16(x.size() * 2);
  std::memcpy(f32.data(), x.data(), f32.size());
  for (std::size_t i = 0; i < x.size(); ++i) {
    const std::uint16_t h = f32_to_fp16(x[i]), b = f32_to_bf16(x[i]);
    std::memcpy(f16.data() + 2 * i, &h, 2);
    std::memcpy(bf16.data() + 2 * i, &b, 2);
  }
  std::vector<float> y(x.size());
  const auto n = static_cast<std::int64_t>(x.size());
  dequantize_row(GgmlType::F32, f32.data(), y.data(), n);
  EXPECT_EQ(y, x);
  dequantize_row(GgmlType::F16, f16.data(), y.data(), n);
  for (std::size_t i = 0; i < x.size(); ++i) EXPECT_EQ(y[i], fp16_to_f32(f32_to_fp16(x[i])));
  EXPECT_EQ(y[1], -1.5f);
  EXPECT_TRUE(std::isinf(y[6]));
  dequantize_row(GgmlType::BF16, bf16.data(), y.data(), n);
  for (std::size_t i = 0; i < x.size(); ++i) EXPECT_EQ(y[i], bf16_to_f32(f32_to_bf16(x[i])));
}

TEST(Dequantize, Q4_0AndQ4_1) {
  Rng rng;
  std::vector<BlockQ4_0> b0(kBlocks);
  std::vector<BlockQ4_1> b1(kBlocks);
  std::vector<float> want0, want1;
  for (int i = 0; i < kBlocks; ++i) {
    std::uint8_t L[32];
    for (auto& l : L) l = rng.level(15);
    b0[i].d = b1[i].d = rng.scale();
    b1[i].m = f32_to_fp16(-0.37f * static_cast<float>(i + 1));
    pack_nibbles32(L, b0[i].qs);
    pack_nibbles32(L, b1[i].qs);
    const float d = fp16_to_f32(b0[i].d), m = fp16_to_f32(b1[i].m);
    for (int l : L) {
      want0.push_back(static_cast<float>(l - 8) * d);
      want1.push_back(static_cast<float>(l) * d + m);
    }
  }
  expect_bits(run(GgmlType::Q4_0, b0, 32), want0, rng.seed);
  expect_bits(run(GgmlType::Q4_1, b1, 32), want1, rng.seed);
}

TEST(Dequantize, Q5_0AndQ5_1) {
  Rng rng;
  std::vector<BlockQ5_0> b0(kBlocks);
  std::vector<BlockQ5_1> b1(kBlocks);
  std::vector<float> want0, want1;
  for (int i = 0; i < kBlocks; ++i) {
    std::uint8_t L[32];
    for (auto& l : L) l = rng.level(31);
    b0[i].d = b1[i].d = rng.scale();
    b1[i].m = f32_to_fp16(0.25f * static_cast<float>(i) - 0.6f);
    pack_q5_32(L, b0[i].qh, b0[i].qs);
    pack_q5_32(L, b1[i].qh, b1[i].qs);
    const float d = fp16_to_f32(b0[i].d), m = fp16_to_f32(b1[i].m);
    for (int l : L) {
      want0.push_back(static_cast<float>(l - 16) * d);
      want1.push_back(static_cast<float>(l) * d + m);
    }
  }
  expect_bits(run(GgmlType::Q5_0, b0, 32), want0, rng.seed);
  expect_bits(run(GgmlType::Q5_1, b1, 32), want1, rng.seed);
}

TEST(Dequantize, Q8_0AndQ8_K) {
  Rng rng;
  std::vector<BlockQ8_0> b0(kBlocks);
  std::vector<BlockQ8_K> bk(kBlocks);
  std::vector<float> want0, wantk;
  for (int i = 0; i < kBlocks; ++i) {
    b0[i].d = rng.scale();
    bk[i].d = 0.0123f * static_cast<float>(i + 1);
    for (auto& q : b0[i].qs) {
      q = static_cast<std::int8_t>(rng.uniform(-128, 127));
      want0.push_back(static_cast<float>(q) * fp16_to_f32(b0[i].d));
    }
    for (auto& q : bk[i].qs) {
      q = static_cast<std::int8_t>(rng.uniform(-128, 127));
      wantk.push_back(bk[i].d * static_cast<float>(q));
    }
  }
  expect_bits(run(GgmlType::Q8_0, b0, 32), want0, rng.seed);
  expect_bits(run(GgmlType::Q8_K, bk, 256), wantk, rng.seed);
}

namespace {

// 2-bit packing shared by Q2_K and Q3_K (quantize_row_q2_K_ref's last loop).
void pack_crumbs(const int* L, std::uint8_t* qs) {
  for (int j = 0; j < 256; j += 128) {
    for (int l = 0; l < 32; ++l) {
      qs[j / 4 + l] = static_cast<std::uint8_t>(L[j + l] | (L[j + l + 32] << 2) |
                                                (L[j + l + 64] << 4) | (L[j + l + 96] << 6));
    }
  }
}

}  // namespace

TEST(Dequantize, Q2_K) {
  Rng rng;
  std::vector<BlockQ2_K> blocks(kBlocks);
  std::vector<float> want;
  for (auto& b : blocks) {
    int L[256], sc[16], mn[16];
    for (int& l : L) l = rng.uniform(0, 3);
    for (int j = 0; j < 16; ++j) {
      sc[j] = rng.uniform(0, 15);
      mn[j] = rng.uniform(0, 15);
      b.scales[j] = static_cast<std::uint8_t>(sc[j] | (mn[j] << 4));
    }
    pack_crumbs(L, b.qs);
    b.d = rng.scale();
    b.dmin = rng.scale();
    const float d = fp16_to_f32(b.d), dmin = fp16_to_f32(b.dmin);
    for (int k = 0; k < 256; ++k) {
      const float dl = d * static_cast<float>(sc[k / 16]),
                  ml = dmin * static_cast<float>(mn[k / 16]);
      want.push_back(dl * static_cast<float>(L[k]) - ml);
    }
  }
  expect_bits(run(GgmlType::Q2_K, blocks, 256), want, rng.seed);
}

TEST(Dequantize, Q3_K) {
  Rng rng;
  std::vector<BlockQ3_K> blocks(kBlocks);
  std::vector<float> want;
  for (auto& b : blocks) {
    int L[256], sc[16];
    for (int& l : L) l = rng.uniform(-4, 3);
    for (int& s : sc) s = rng.uniform(-32, 31);
    // Scales (quantize_row_q3_K_ref): low nibbles in bytes 0..7, top two bits in bytes 8..11.
    std::memset(b.scales, 0, 12);
    for (int j = 0; j < 16; ++j) {
      int l = sc[j] + 32;
      if (j < 8) {
        b.scales[j] = static_cast<std::uint8_t>(l & 0xF);
      } else {
        b.scales[j - 8] |= static_cast<std::uint8_t>((l & 0xF) << 4);
      }
      l >>= 4;
      b.scales[j % 4 + 8] |= static_cast<std::uint8_t>(l << (2 * (j / 4)));
    }
    // High bit into hmask: the first 32 values into bit 0, the next 32 into bit 1, ...
    int low[256];
    std::memset(b.hmask, 0, 32);
    for (int j = 0; j < 256; ++j) {
      int v = L[j] + 4;
      if (v > 3) {
        b.hmask[j % 32] |= static_cast<std::uint8_t>(1 << (j / 32));
        v -= 4;
      }
      low[j] = v;
    }
    pack_crumbs(low, b.qs);
    b.d = rng.scale();
    const float d = fp16_to_f32(b.d);
    for (int k = 0; k < 256; ++k) {
      want.push_back(d * static_cast<float>(sc[k / 16]) * static_cast<float>(L[k]));
    }
  }
  expect_bits(run(GgmlType::Q3_K, blocks, 256), want, rng.seed);
}

TEST(Dequantize, Q4_KAndQ5_K) {
  Rng rng;
  std::vector<BlockQ4_K> b4(kBlocks);
  std::vector<BlockQ5_K> b5(kBlocks);
  std::vector<float> want4, want5;
  for (int i = 0; i < kBlocks; ++i) {
    std::uint8_t L[256], ls[8], lm[8];
    for (auto& l : L) l = rng.level(31);
    for (int j = 0; j < 8; ++j) {
      ls[j] = rng.level(63);
      lm[j] = rng.level(63);
    }
    pack_k4_scale_min(ls, lm, b4[i].scales);
    pack_k4_scale_min(ls, lm, b5[i].scales);
    b4[i].d = b5[i].d = rng.scale();
    b4[i].dmin = b5[i].dmin = rng.scale();
    // Q4_K keeps the low 4 bits; Q5_K adds the fifth in qh.
    pack_q4_k_levels(L, b4[i].qs);
    pack_q5_k_levels(L, b5[i].qh, b5[i].qs);
    const float d = fp16_to_f32(b4[i].d), dmin = fp16_to_f32(b4[i].dmin);
    for (int k = 0; k < 256; ++k) {
      const float dl = d * static_cast<float>(ls[k / 32]),
                  ml = dmin * static_cast<float>(lm[k / 32]);
      want4.push_back(dl * static_cast<float>(L[k] & 15) - ml);
      want5.push_back(dl * static_cast<float>(L[k]) - ml);
    }
  }
  expect_bits(run(GgmlType::Q4_K, b4, 256), want4, rng.seed);
  expect_bits(run(GgmlType::Q5_K, b5, 256), want5, rng.seed);
}

TEST(Dequantize, Q6_K) {
  Rng rng;
  std::vector<BlockQ6_K> blocks(kBlocks);
  std::vector<float> want;
  for (auto& b : blocks) {
    std::uint8_t L[256];
    for (auto& l : L) l = rng.level(63);
    for (auto& s : b.scales) s = static_cast<std::int8_t>(rng.uniform(-128, 127));
    pack_q6_k_levels(L, b.ql, b.qh);
    b.d = rng.scale();
    const float d = fp16_to_f32(b.d);
    for (int k = 0; k < 256; ++k) {
      want.push_back(d * static_cast<float>(b.scales[k / 16]) * static_cast<float>(L[k] - 32));
    }
  }
  expect_bits(run(GgmlType::Q6_K, blocks, 256), want, rng.seed);
}

// ---- real files ----

namespace {

// Largest |x - y| allowed for one element of a block with scale d (see quantize_row_*_ref):
// half a step from rounding (a whole step where Q4_0 clamps its top value), plus the largest
// quant times the fp16 rounding of d.
double block_error_bound(GgmlType t, float d) {
  const double ad = std::fabs(d);
  switch (t) {
    case GgmlType::Q8_0: return ad * (0.5 + 127.0 / 2048) + 1e-30;
    case GgmlType::Q4_0: return ad * (1.0 + 8.0 / 2048) + 1e-30;
    default: return 0;
  }
}

float block_d(const TensorInfo& t, std::uint64_t block) {
  const auto size = vkchat::gguf::traits(t.type).type_size;
  std::uint16_t d;
  std::memcpy(&d, t.data.data() + block * size, 2);
  return fp16_to_f32(d);
}

double rel_rms(const std::vector<float>& a, const std::vector<float>& b) {
  double num = 0, den = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    num += (double(a[i]) - b[i]) * (double(a[i]) - b[i]);
    den += double(b[i]) * b[i];
  }
  return std::sqrt(num / den);
}

}  // namespace

TEST(Dequantize, Stories260KQuantizedFilesMatchF32Source) {
  const GgufFile f32 = GgufFile::open(vkchat::test::shared_path("models/stories260K.gguf"));
  std::map<GgmlType, int> seen;
  for (const char* name : {"models/stories260K-q8_0.gguf", "models/stories260K-q4_0.gguf"}) {
    const GgufFile q = GgufFile::open(vkchat::test::shared_path(name));
    for (const TensorInfo& t : q.tensors()) {
      SCOPED_TRACE(std::string(name) + " " + std::string(t.name) + " " +
                   std::string(vkchat::gguf::type_name(t.type)));
      const TensorInfo& src = f32.tensor(t.name);
      ASSERT_EQ(src.ne, t.ne);
      const std::vector<float> x = dequantize_tensor(src);
      const std::vector<float> y = dequantize_tensor(t);
      ++seen[t.type];
      switch (t.type) {
        case GgmlType::F32: EXPECT_EQ(x, y); break;
        case GgmlType::F16:
          for (std::size_t i = 0; i < x.size(); ++i) {
            ASSERT_EQ(y[i], fp16_to_f32(f32_to_fp16(x[i]))) << i;
          }
          break;
        case GgmlType::Q8_0:
        case GgmlType::Q4_0: {
          // llama-quantize used ggml's reference quantizer, which quantize() reproduces.
          const auto bytes = quantize(t.type, x);
          ASSERT_EQ(bytes.size(), t.data.size());
          EXPECT_TRUE(std::equal(bytes.begin(), bytes.end(), t.data.begin()))
              << "file bytes differ from ggml's reference quantization of the F32 source";
          for (std::size_t i = 0; i < x.size(); ++i) {
            const double bound = block_error_bound(t.type, block_d(t, i / 32));
            ASSERT_LE(std::fabs(double(x[i]) - y[i]), bound) << "element " << i;
          }
          EXPECT_LT(rel_rms(y, x), t.type == GgmlType::Q8_0 ? 0.01 : 0.15);
          break;
        }
        default: ADD_FAILURE() << "unexpected type";
      }
    }
  }
  EXPECT_GT(seen[GgmlType::Q8_0], 0);
  EXPECT_GT(seen[GgmlType::Q4_0], 0);
  EXPECT_GT(seen[GgmlType::F16], 0);
}

TEST(Dequantize, SynthKQuantFilesAgreeWithEachOther) {
  // The three files were quantized from one F32 original, so the same tensor dequantized from
  // each must agree within each type's error, Q6_K being the closest to the original.
  const GgufFile q4 = GgufFile::open(vkchat::test::shared_path("models/synth-llama-q4_k_m.gguf"));
  const GgufFile q5 = GgufFile::open(vkchat::test::shared_path("models/synth-llama-q5_k_m.gguf"));
  const GgufFile q6 = GgufFile::open(vkchat::test::shared_path("models/synth-llama-q6_k.gguf"));
  std::map<GgmlType, double> worst;
  for (const TensorInfo& t6 : q6.tensors()) {
    SCOPED_TRACE(std::string(t6.name));
    const std::vector<float> ref = dequantize_tensor(t6);
    double sum = 0, sum2 = 0;
    for (float v : ref) {
      ASSERT_TRUE(std::isfinite(v));
      sum += v;
      sum2 += double(v) * v;
    }
    const double mean = sum / ref.size(), sd = std::sqrt(sum2 / ref.size() - mean * mean);
    EXPECT_GT(sd, 1e-4);
    if (t6.name.find("norm") == std::string_view::npos) {
      EXPECT_LT(std::fabs(mean), 0.1 * sd);
    }
    for (const GgufFile* other : {&q4, &q5}) {
      const TensorInfo& t = other->tensor(t6.name);
      ASSERT_EQ(t.ne, t6.ne);
      const std::vector<float> y = dequantize_tensor(t);
      const double err = t.type == t6.type ? 0 : rel_rms(y, ref);
      if (t.type == t6.type) {
        EXPECT_EQ(y, ref);  // same type from the same original: same bytes
      }
      worst[t.type] = std::max(worst[t.type], err);
    }
  }
  ASSERT_TRUE(worst.count(GgmlType::Q4_K));
  ASSERT_TRUE(worst.count(GgmlType::Q5_K));
  // Typical relative RMS error against the original: Q4_K ~0.1, Q5_K ~0.05, Q6_K ~0.02.
  EXPECT_LT(worst[GgmlType::Q4_K], 0.15);
  EXPECT_LT(worst[GgmlType::Q5_K], 0.08);
  EXPECT_GT(worst[GgmlType::Q4_K], worst[GgmlType::Q5_K]);
  for (auto [t, e] : worst) {
    std::printf("%s: worst relative RMS vs the Q6_K file %.4f\n",
                std::string(vkchat::gguf::type_name(t)).c_str(), e);
  }
}
