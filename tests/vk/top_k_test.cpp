// The device top-k (a decoded token's alternatives and its greedy choice) against a double
// reference: ids in order (equal logits: the smaller index first), probabilities of the softmax
// under the temperature over the whole row, and the flag for a row with a NaN or an infinity.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "ref/random_weights.h"
#include "ref/ref_ops.h"
#include "vk/kernel_rig.h"
#include "vk/vk_test_support.h"

namespace vkchat::test {
namespace {

using gguf::GgmlType;

struct Want {
  std::vector<std::int32_t> ids;
  std::vector<double> probs;
};

Want reference_top_k(std::span<const float> row, std::int64_t k, double inv_temp) {
  std::vector<std::int32_t> order(row.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::int32_t a, std::int32_t b) {
    return row[static_cast<std::size_t>(a)] > row[static_cast<std::size_t>(b)];
  });
  const double m = row[static_cast<std::size_t>(order[0])] * inv_temp;
  double sum = 0;
  for (float v : row) sum += std::exp(v * inv_temp - m);
  Want w;
  for (std::int64_t j = 0; j < k; ++j) {
    const std::int32_t i = order[static_cast<std::size_t>(j)];
    w.ids.push_back(i);
    w.probs.push_back(std::exp(row[static_cast<std::size_t>(i)] * inv_temp - m) / sum);
  }
  return w;
}

TEST(TopK, MatchesTheReferenceAtEveryKAndTemperature) {
  std::uint64_t seed = test_seed() + 61;
  SCOPED_TRACE(seed_trace(seed));
  KernelRig rig;
  const std::int64_t n = 151936, rows = 3;  // a qwen2 vocabulary
  std::vector<float> x = ref::random_floats(static_cast<std::size_t>(n * rows), seed, -10, 10);
  // Row 1: ties at the top, which go in index order; row 2: a peaked distribution.
  x[n + 90000] = 30.f;
  x[n + 77] = 30.f;
  x[n + 5000] = 29.f;
  x[2 * n + 123] = 40.f;
  const ops::Tensor xt = rig.f32(x, n, rows);
  for (const std::int64_t k : {1, 5, 10, 16}) {
    for (const float inv_temp : {1.f, 1.f / 0.7f}) {
      SCOPED_TRACE("k " + std::to_string(k) + ", 1/T " + std::to_string(inv_temp));
      ops::Tensor ids = rig.poisoned(GgmlType::I32, k, rows);
      ops::Tensor probs = rig.poisoned(GgmlType::F32, k, rows);
      ops::Tensor bad = rig.poisoned(GgmlType::I32, rows);
      rig.run([&](ops::Ops& ops) { ops.top_k(xt, k, inv_temp, ids, probs, bad); });
      const std::vector<std::int32_t> got_ids = rig.read_i32(ids), got_bad = rig.read_i32(bad);
      const std::vector<float> got_p = rig.read_f32(probs);
      for (std::int64_t r = 0; r < rows; ++r) {
        const Want w = reference_top_k(std::span<const float>(x).subspan(r * n, n), k, inv_temp);
        EXPECT_EQ(got_bad[r], 0);
        for (std::int64_t j = 0; j < k; ++j) {
          EXPECT_EQ(got_ids[r * k + j], w.ids[j]) << "row " << r << " rank " << j;
          EXPECT_NEAR(got_p[r * k + j], w.probs[j], 1e-4 * w.probs[j] + 1e-9)
              << "row " << r << " rank " << j;
        }
      }
      if (k == 5) {
        EXPECT_EQ(got_ids[k], 77);  // row 1's tie: the smaller index first
        EXPECT_EQ(got_ids[k + 1], 90000);
        EXPECT_EQ(got_ids[k + 2], 5000);
      }
    }
  }
}

TEST(TopK, ARowWithANanOrAnInfinityIsFlagged) {
  KernelRig rig;
  const std::int64_t n = 1000;
  std::vector<float> x(static_cast<std::size_t>(3 * n), 0.5f);
  x[10] = 2.f;
  x[n + 7] = std::nanf("");
  x[2 * n + 999] = -INFINITY;
  const ops::Tensor xt = rig.f32(x, n, 3);
  ops::Tensor ids = rig.poisoned(GgmlType::I32, 4, 3), probs = rig.poisoned(GgmlType::F32, 4, 3);
  ops::Tensor bad = rig.poisoned(GgmlType::I32, 3);
  rig.run([&](ops::Ops& ops) { ops.top_k(xt, 4, 1.f, ids, probs, bad); });
  EXPECT_EQ(rig.read_i32(bad), (std::vector<std::int32_t>{0, 1, 1}));
  EXPECT_EQ(rig.read_i32(ids)[0], 10);
  // Equal logits after the first: in index order.
  EXPECT_EQ(rig.read_i32(ids)[1], 0);
  EXPECT_EQ(rig.read_i32(ids)[3], 2);
}

}  // namespace
}  // namespace vkchat::test
