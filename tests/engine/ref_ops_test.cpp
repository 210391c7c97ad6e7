// Reference ops against values worked out by hand, and against their defining identities.
#include "ref/ref_ops.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "gguf/gguf_reader.h"
#include "quant/half.h"
#include "support/test_support.h"

using namespace vkchat::ref;
using vkchat::gguf::GgmlType;

namespace {

std::span<const std::uint8_t> bytes_of(const std::vector<float>& v) {
  return {reinterpret_cast<const std::uint8_t*>(v.data()), v.size() * sizeof(float)};
}

}  // namespace

TEST(RefOps, MatvecAndMatmulF32) {
  // W = [[1, 2, 3], [-1, 0, 0.5]] (2 rows of 3).
  const std::vector<float> w = {1, 2, 3, -1, 0, 0.5f};
  const MatrixView m = MatrixView::of(GgmlType::F32, 3, 2, bytes_of(w));
  std::vector<float> y(2);
  matvec(m, std::vector<float>{1, 1, 2}, y);
  EXPECT_EQ(y, (std::vector<float>{9, 0}));
  std::vector<float> y2(4);
  matmul(m, std::vector<float>{1, 1, 2, 0, 1, 0}, y2, 2);
  EXPECT_EQ(y2, (std::vector<float>{9, 0, 2, 0}));
  EXPECT_THROW(matvec(m, std::vector<float>{1, 2}, y), std::invalid_argument);
  EXPECT_THROW(MatrixView::of(GgmlType::F32, 3, 3, bytes_of(w)), std::invalid_argument);
}

TEST(RefOps, MatvecQuantizedIsDequantizeThenDot) {
  // Two Q8_0 rows of 32: d = 0.5 and 0.25, q = j - 16 and 1.
  std::vector<std::uint8_t> raw(2 * 34);
  const std::uint16_t d0 = vkchat::quant::f32_to_fp16(0.5f), d1 = vkchat::quant::f32_to_fp16(0.25f);
  std::memcpy(raw.data(), &d0, 2);
  std::memcpy(raw.data() + 34, &d1, 2);
  for (int j = 0; j < 32; ++j) {
    raw[2 + j] = static_cast<std::uint8_t>(static_cast<std::int8_t>(j - 16));
    raw[36 + j] = 1;
  }
  const MatrixView m = MatrixView::of(GgmlType::Q8_0, 32, 2, raw);
  std::vector<float> x(32);
  for (int j = 0; j < 32; ++j) x[j] = static_cast<float>(j);
  std::vector<float> y(2);
  matvec(m, x, y);
  double want0 = 0;
  for (int j = 0; j < 32; ++j) want0 += 0.5 * (j - 16) * j;
  EXPECT_EQ(y[0], static_cast<float>(want0));
  EXPECT_EQ(y[1], 0.25f * 496);
}

TEST(RefOps, RmsNorm) {
  const std::vector<float> x = {1, 2, 3, 4}, w = {1, 1, 2, 0.5f};
  std::vector<float> out(4);
  rmsnorm(x, w, 0.f, out);
  const double inv = 1 / std::sqrt(7.5);
  EXPECT_FLOAT_EQ(out[0], static_cast<float>(inv));
  EXPECT_FLOAT_EQ(out[2], static_cast<float>(6 * inv));
  EXPECT_FLOAT_EQ(out[3], static_cast<float>(2 * inv));
  rmsnorm(x, w, 2.5f, out);  // eps inside the root: mean 7.5 + 2.5 = 10
  EXPECT_FLOAT_EQ(out[1], static_cast<float>(2 / std::sqrt(10.0)));
  std::vector<float> heads = {1, 2, 3, 4, 2, 4, 6, 8};
  head_rmsnorm(heads, 2, std::vector<float>{1, 1, 1, 1}, 0.f);
  for (int i = 0; i < 4; ++i) {
    EXPECT_FLOAT_EQ(heads[i], static_cast<float>((i + 1) * inv));
    EXPECT_FLOAT_EQ(heads[4 + i], heads[i]);  // scale-invariant
  }
}

TEST(RefOps, AddBiasSoftmaxSiluSwigluArgmax) {
  std::vector<float> a = {1, 2, 3};
  add(a, std::vector<float>{0.5f, -2, 1}, a);
  EXPECT_EQ(a, (std::vector<float>{1.5f, 0, 4}));
  add_bias(a, std::vector<float>{1, 1, 1});
  EXPECT_EQ(a, (std::vector<float>{2.5f, 1, 5}));
  std::vector<float> s = {0, std::log(2.f), 1000, 1000};
  softmax(std::span<float>(s).first(2));
  EXPECT_FLOAT_EQ(s[0], 1 / 3.f);
  EXPECT_FLOAT_EQ(s[1], 2 / 3.f);
  softmax(std::span<float>(s).last(2));  // large logits: no overflow
  EXPECT_FLOAT_EQ(s[2], 0.5f);
  EXPECT_EQ(silu(0), 0);
  EXPECT_FLOAT_EQ(silu(1), static_cast<float>(1 / (1 + std::exp(-1.0))));
  EXPECT_FLOAT_EQ(silu(-50), static_cast<float>(-50 / (1 + std::exp(50.0))));
  std::vector<float> out(3);
  swiglu(std::vector<float>{0, 1, 30}, std::vector<float>{5, 2, 3}, out);
  EXPECT_EQ(out[0], 0);
  EXPECT_FLOAT_EQ(out[1], 2 * silu(1));
  EXPECT_FLOAT_EQ(out[2], 90);
  EXPECT_EQ(argmax(std::vector<float>{1, 3, 3, -1}), 1);
  EXPECT_EQ(argmax(std::vector<float>{}), -1);
}

TEST(RefOps, RopeBothConventions) {
  const double t1 = 1.0, t2 = std::pow(10000.0, -0.5);  // pos 1, head_dim 4: angles 1 and 0.01
  RopeParams p{RopeType::Normal, 4, 10000.f, 1.f};
  std::vector<float> x = {1, 0, 1, 0};
  rope(x, 1, 4, 1, p);
  EXPECT_FLOAT_EQ(x[0], static_cast<float>(std::cos(t1)));
  EXPECT_FLOAT_EQ(x[1], static_cast<float>(std::sin(t1)));
  EXPECT_FLOAT_EQ(x[2], static_cast<float>(std::cos(t2)));
  EXPECT_FLOAT_EQ(x[3], static_cast<float>(std::sin(t2)));
  p.type = RopeType::NeoX;
  x = {1, 1, 0, 0};
  rope(x, 1, 4, 1, p);
  EXPECT_FLOAT_EQ(x[0], static_cast<float>(std::cos(t1)));
  EXPECT_FLOAT_EQ(x[2], static_cast<float>(std::sin(t1)));
  EXPECT_FLOAT_EQ(x[1], static_cast<float>(std::cos(t2)));
  EXPECT_FLOAT_EQ(x[3], static_cast<float>(std::sin(t2)));
  // n_rot < head_dim: only the first n_rot of each head turn; two heads turn alike.
  p = {RopeType::NeoX, 2, 10000.f, 1.f};
  x = {1, 0, 7, 8, 1, 0, 7, 8};
  rope(x, 2, 4, 3, p);
  EXPECT_FLOAT_EQ(x[0], static_cast<float>(std::cos(3.0)));
  EXPECT_FLOAT_EQ(x[1], static_cast<float>(std::sin(3.0)));
  EXPECT_EQ(x[2], 7);
  EXPECT_EQ(x[3], 8);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(x[4 + i], x[i]);
  // Linear scaling: position 6 at scale 0.5 is position 3; and rotations compose.
  for (RopeType type : {RopeType::Normal, RopeType::NeoX}) {
    std::mt19937 rng(7);
    std::normal_distribution<float> nd;
    std::vector<float> a(16), b, c;
    for (float& v : a) v = nd(rng);
    b = c = a;
    rope(a, 2, 8, 6, {type, 6, 500.f, 0.5f});
    rope(b, 2, 8, 3, {type, 6, 500.f, 1.f});
    rope(c, 2, 8, 1, {type, 6, 500.f, 1.f});
    rope(c, 2, 8, 2, {type, 6, 500.f, 1.f});
    for (int i = 0; i < 16; ++i) {
      EXPECT_NEAR(a[i], b[i], 1e-6);
      EXPECT_NEAR(c[i], b[i], 1e-5);
    }
  }
  // Frequency factors divide each pair's angle: factor 2 at position 2 is factor 1 at 1.
  std::vector<float> f1 = {1, 0, 1, 0}, f2 = f1;
  rope(f1, 1, 4, 1, {RopeType::Normal, 4, 10000.f, 1.f});
  rope(f2, 1, 4, 2, {RopeType::Normal, 4, 10000.f, 1.f}, std::vector<float>{2.f, 2.f});
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(f1[i], f2[i], 1e-6);
  EXPECT_THROW(rope(f2, 1, 4, 2, {RopeType::Normal, 4, 1e4f, 1.f}, std::vector<float>{2.f}),
               std::invalid_argument);
  EXPECT_THROW(rope(x, 2, 4, 0, {RopeType::Normal, 6, 1e4f, 1.f}), std::invalid_argument);
}

TEST(RefOps, AttentionGroupedQueryHeads) {
  // 4 query heads share 2 kv heads (head_dim 2) over 2 cached positions.
  const int hd = 2;
  const std::vector<float> k = {1, 0, 0, 1,     // pos 0: kv head 0, kv head 1
                                0, 1, 1, 0};    // pos 1
  const std::vector<float> v = {1, 2, 10, 20,   // pos 0
                                3, 4, 30, 40};  // pos 1
  const std::vector<float> q = {2, 0, 0, 0, 2, 0, 0, 0};
  std::vector<float> out(8);
  attention(q, k, v, 2, 4, 2, hd, 1.f, out);
  // Head 0 (kv 0): scores [2, 0]; head 1 (kv 0): [0, 0]; head 2 (kv 1): [0, 2]; head 3: [0, 0].
  const double w = std::exp(2.0) / (std::exp(2.0) + 1);
  EXPECT_FLOAT_EQ(out[0], static_cast<float>(w * 1 + (1 - w) * 3));
  EXPECT_FLOAT_EQ(out[1], static_cast<float>(w * 2 + (1 - w) * 4));
  EXPECT_FLOAT_EQ(out[2], 2);
  EXPECT_FLOAT_EQ(out[3], 3);
  EXPECT_FLOAT_EQ(out[4], static_cast<float>((1 - w) * 10 + w * 30));
  EXPECT_FLOAT_EQ(out[6], 20);
  // One cached position: the output is that position's value, whatever the scores.
  attention(q, k, v, 1, 4, 2, hd, 0.7f, out);
  EXPECT_EQ(out, (std::vector<float>{1, 2, 1, 2, 10, 20, 10, 20}));
  EXPECT_THROW(attention(q, k, v, 3, 4, 2, hd, 1.f, out), std::invalid_argument);
  EXPECT_THROW(attention(q, k, v, 1, 4, 3, hd, 1.f, out), std::invalid_argument);
}

// gpt-oss's sinks: a per-head logit in the softmax's denominator only, so one cached position
// gives value * e^s0 / (e^s0 + e^sink); the llama.cpp-rounding path folds it in the same way.
TEST(RefOps, AttentionSinksJoinTheDenominatorOnly) {
  const std::vector<float> k = {1, 0}, v = {4, 8}, q = {1.5f, 0, 0, 0};
  const std::vector<float> sinks = {0.5f, 3.f};  // below and above the head's score
  AttentionOptions opt;
  opt.sinks = sinks;
  std::vector<float> out(4), rounded(4);
  attention(q, k, v, 1, 2, 1, 2, 1.f, out, opt);
  attention_llama_cpp(q, k, v, 1, 2, 1, 2, 1.f, rounded, opt);
  const double w0 = std::exp(1.5) / (std::exp(1.5) + std::exp(0.5)),
               w1 = 1 / (1 + std::exp(3.0));  // head 1's score is 0
  const std::vector<float> want = {float(4 * w0), float(8 * w0), float(4 * w1), float(8 * w1)};
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_NEAR(out[i], want[i], 1e-6) << i;
    EXPECT_NEAR(rounded[i], want[i], 1e-6) << i;
  }
  const std::vector<float> one_sink = {0.f};
  opt.sinks = one_sink;
  EXPECT_THROW(attention(q, k, v, 1, 2, 1, 2, 1.f, out, opt), std::invalid_argument);
}

// ggml_swiglu_oai: the gate clamped above at 7, up clamped to [-7, 7] and shifted by 1.
TEST(RefOps, SwigluOaiClamps) {
  const std::vector<float> gate = {1.f, 9.f, -2.f}, up = {0.5f, 10.f, -9.f};
  std::vector<float> out(3);
  swiglu_oai(gate, up, out);
  const auto glu = [](double g) { return g / (1 + std::exp(-1.702 * g)); };
  EXPECT_NEAR(out[0], glu(1) * 1.5, 1e-6);
  EXPECT_NEAR(out[1], glu(7) * 8, 1e-5);
  EXPECT_NEAR(out[2], glu(-2) * -6, 1e-6);
}

TEST(RefOps, EmbeddingRow) {
  const auto f =
      vkchat::gguf::GgufFile::open(vkchat::test::shared_path("models/stories260K-q4_0.gguf"));
  const auto& t = f.tensor("token_embd.weight");
  const MatrixView m = MatrixView::of(t);
  std::vector<float> row(static_cast<std::size_t>(m.cols));
  embedding_row(m, 403, row);
  EXPECT_EQ(row, vkchat::quant::dequantize_tensor_row(t, 403));
  EXPECT_THROW(embedding_row(m, m.rows, row), std::out_of_range);
  EXPECT_THROW(embedding_row(m, -1, row), std::out_of_range);
}
