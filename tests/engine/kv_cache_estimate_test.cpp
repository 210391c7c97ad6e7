// The KV cache's size with sliding-window layers: a window layer keeps window + one prefill chunk
// rows (a ring), a global layer n_ctx; on Gemma 3 27B's shape (google/gemma-3-27b-it's
// config.json: 62 layers, 16 KV heads of 128, window 1024, every 6th layer global) at its 128K
// context that is a sixth of a cache of n_ctx rows everywhere.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <string>

#include "llm/kv_cache.h"
#include "llm/memory_estimate.h"
#include "llm/scratch.h"
#include "model/hparams.h"
#include "model/swa_hparams.h"

namespace vkchat::test {
namespace {

model::HParams gemma3_27b() {
  model::HParams hp;
  hp.n_layer = 62;
  hp.n_head = 32;
  hp.n_head_kv = 16;
  hp.head_dim = hp.head_dim_v = 128;
  hp.swa.window = 1024;
  hp.swa.layers = model::swa_layer_pattern(hp.n_layer, 6);
  return hp;
}

// K and V of one layer for `rows` rows (f16; V starts 256-aligned, which these rows are).
std::uint64_t layer_bytes(const model::HParams& hp, std::uint64_t rows) {
  return 2 * rows * static_cast<std::uint64_t>(hp.n_embd_k_gqa()) * 2;
}

TEST(KvCacheEstimate, SlidingWindowLayersKeepTheWindowPlusOneChunk) {
  const model::HParams hp = gemma3_27b();
  const std::int64_t n_ctx = 131072;
  std::uint64_t n_swa = 0;
  for (std::int64_t il = 0; il < hp.n_layer; ++il) {
    const std::int64_t rows = llm::KvCache::layer_rows(hp, il, n_ctx, llm::kMaxChunk);
    EXPECT_EQ(rows, hp.swa.is_swa(il) ? 1024 + llm::kMaxChunk : n_ctx) << il;
    n_swa += hp.swa.is_swa(il);
  }
  ASSERT_EQ(n_swa, 52u);  // layers 5, 11, .. 59 are global
  const std::uint64_t ring = layer_bytes(hp, 1024 + llm::kMaxChunk);
  const std::uint64_t full = layer_bytes(hp, n_ctx);
  const std::uint64_t want = n_swa * ring + (62 - n_swa) * full;
  const std::uint64_t got = llm::KvCache::bytes(hp, n_ctx, llm::kMaxChunk);
  EXPECT_EQ(got, want);
  EXPECT_EQ(llm::KvCache::window_rows(hp, n_ctx, llm::kMaxChunk), 1024 + llm::kMaxChunk);
  const std::uint64_t before = 62 * full;  // every layer n_ctx rows, as before the rings
  std::printf(
      "gemma-3-27b shape, %lld positions: KV cache %.2f GiB (n_ctx rows everywhere: "
      "%.2f GiB)\n",
      static_cast<long long>(n_ctx), static_cast<double>(got) / (1 << 30),
      static_cast<double>(before) / (1 << 30));
  EXPECT_LT(got, before / 5);

  llm::MemoryEstimate e;
  e.n_ctx = n_ctx;
  e.kv_cache = got;
  e.window_rows = llm::KvCache::window_rows(hp, n_ctx, llm::kMaxChunk);
  EXPECT_NE(e.describe().find("for 131072 positions (sliding-window layers keep 1536)"),
            std::string::npos)
      << e.describe();
}

// A context no longer than window + chunk keeps n_ctx rows on every layer: no ring, nothing that
// truncation could miss.
TEST(KvCacheEstimate, AShortContextKeepsEveryRow) {
  const model::HParams hp = gemma3_27b();
  for (const std::int64_t n_ctx : {std::int64_t{512}, std::int64_t{1536}}) {
    for (std::int64_t il = 0; il < hp.n_layer; ++il) {
      EXPECT_EQ(llm::KvCache::layer_rows(hp, il, n_ctx, std::min(llm::kMaxChunk, n_ctx)), n_ctx);
    }
    EXPECT_EQ(llm::KvCache::window_rows(hp, n_ctx, llm::kMaxChunk), 0);
    EXPECT_EQ(llm::KvCache::bytes(hp, n_ctx, llm::kMaxChunk),
              62 * layer_bytes(hp, static_cast<std::uint64_t>(n_ctx)));
  }
  // One position more: the window layers keep their 1536-row ring.
  EXPECT_EQ(llm::KvCache::window_rows(hp, 1537, llm::kMaxChunk), 1536);
}

}  // namespace
}  // namespace vkchat::test
