// Gated delta net reference: the chunkwise form equals the token-by-token recurrence, the step
// matches the delta rule written out directly, and the conv, gates and norms match their formulas.
#include "ref/ref_delta_net.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "ref/random_weights.h"

using namespace vkchat::ref;

TEST(RefDeltaNet, ChunkedEqualsTokenByToken) {
  const DeltaShape sh{8, 2, 4};
  const std::int64_t n = 19;
  auto q = random_floats(n * sh.n_k_heads * sh.head_dim, 1);
  auto k = random_floats(q.size(), 2);
  head_l2norm(q, sh.head_dim, 1e-6f);
  head_l2norm(k, sh.head_dim, 1e-6f);
  const auto v = random_floats(n * sh.n_v_heads * sh.head_dim, 3);
  const auto g = random_floats(n * sh.n_v_heads, 4, -1.5f, 0.f);
  const auto beta = random_floats(g.size(), 5, 0.f, 1.f);
  const auto s_init = random_floats(sh.state_floats(), 6, -0.5f, 0.5f);

  // Token by token, with the delta rule written out here.
  std::vector<float> s_ref = s_init, o_ref(v.size());
  const std::int64_t d = sh.head_dim;
  for (std::int64_t t = 0; t < n; ++t) {
    for (std::int64_t h = 0; h < sh.n_v_heads; ++h) {
      float* S = s_ref.data() + h * d * d;
      const float* kt = k.data() + (t * sh.n_k_heads + h % sh.n_k_heads) * d;
      const float* qt = q.data() + (t * sh.n_k_heads + h % sh.n_k_heads) * d;
      const float* vt = v.data() + (t * sh.n_v_heads + h) * d;
      const double decay = std::exp(g[t * sh.n_v_heads + h]);
      for (std::int64_t e = 0; e < d * d; ++e) S[e] = static_cast<float>(S[e] * decay);
      for (std::int64_t j = 0; j < d; ++j) {
        double sk = 0;
        for (std::int64_t i = 0; i < d; ++i) sk += double(S[j * d + i]) * kt[i];
        const double dj = (vt[j] - sk) * beta[t * sh.n_v_heads + h];
        for (std::int64_t i = 0; i < d; ++i)
          S[j * d + i] = static_cast<float>(S[j * d + i] + kt[i] * dj);
      }
      for (std::int64_t j = 0; j < d; ++j) {
        double oj = 0;
        for (std::int64_t i = 0; i < d; ++i) oj += double(S[j * d + i]) * qt[i];
        o_ref[(t * sh.n_v_heads + h) * d + j] = static_cast<float>(oj / std::sqrt(double(d)));
      }
    }
  }
  for (const std::int64_t chunk : {1, 4, 8, 64}) {
    SCOPED_TRACE("chunk " + std::to_string(chunk));
    std::vector<float> s = s_init, o(v.size());
    delta_chunked(sh, s, q, k, v, g, beta, n, chunk, o);
    for (std::size_t i = 0; i < o.size(); ++i) ASSERT_NEAR(o[i], o_ref[i], 1e-5) << i;
    for (std::size_t i = 0; i < s.size(); ++i) ASSERT_NEAR(s[i], s_ref[i], 1e-5) << i;
  }
}

TEST(RefDeltaNet, ConvGatesAndNorms) {
  // Two channels, d_conv 3: window holds x_{t-2}, x_{t-1}.
  std::vector<float> window = {1, 2, 3, 4};
  const std::vector<float> w = {0.5f, -1, 2, 1, 1, 1};
  std::vector<float> out(2);
  conv_step(window, std::vector<float>{5, 6}, w, 3, out);
  auto silu = [](double x) { return x / (1 + std::exp(-x)); };
  EXPECT_NEAR(out[0], silu(0.5 * 1 - 1 * 3 + 2 * 5), 1e-6);
  EXPECT_NEAR(out[1], silu(2 + 4 + 6), 1e-5);
  EXPECT_EQ(window, (std::vector<float>{3, 4, 5, 6}));

  std::vector<float> g(1), b(1);
  delta_gates(std::vector<float>{0.3f}, std::vector<float>{-0.4f}, std::vector<float>{0.2f},
              std::vector<float>{-2.f}, g, b);
  EXPECT_NEAR(g[0], std::log1p(std::exp(0.5)) * -2.0, 1e-6);
  EXPECT_NEAR(b[0], 1 / (1 + std::exp(0.4)), 1e-7);

  std::vector<float> x = {3, 4};
  head_l2norm(x, 2, 1e-6f);
  EXPECT_NEAR(x[0], 0.6, 1e-7);
  EXPECT_NEAR(x[1], 0.8, 1e-7);

  std::vector<float> y(2);
  gated_head_rmsnorm(std::vector<float>{3, 4}, std::vector<float>{1, -1}, std::vector<float>{1, 2},
                     2, 0.f, y);
  const double inv = 1 / std::sqrt(12.5);
  EXPECT_NEAR(y[0], 3 * inv * 1 * silu(1), 1e-6);
  EXPECT_NEAR(y[1], 4 * inv * 2 * silu(-1), 1e-6);
  EXPECT_THROW(conv_step(window, std::vector<float>{1}, w, 3, out), std::invalid_argument);
}
