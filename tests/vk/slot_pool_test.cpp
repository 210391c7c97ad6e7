// The server's slots (app/server/slot_pool.h, slot_engine.h): leases in arrival order with a
// bounded queue, the longest cached prefix preferred, the device's turns in arrival order, the
// memory check for N KV caches; then two slots of stories260K on lavapipe generating at once on
// two threads, each answering exactly as it does alone, and a stop in one leaving the other be.
#include "server/slot_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "llm/model.h"
#include "server/slot_engine.h"
#include "support/test_support.h"
#include "util/errors.h"

namespace vkchat::test {
namespace {

using namespace std::chrono_literals;
using server::SlotPool;
using server::TurnLock;

// Waits (up to 10 s) until `done` holds.
template <class F>
bool eventually(F done) {
  for (int i = 0; i < 10000 && !done(); ++i) std::this_thread::sleep_for(1ms);
  return done();
}

TEST(SlotPool, FreeSlotsAreLeasedAtOnceAndOnlyWaitingRequestsCountForTheQueue) {
  SlotPool pool(2, 1);
  std::optional<SlotPool::Lease> a = pool.acquire("");
  std::optional<SlotPool::Lease> b = pool.acquire("");
  ASSERT_TRUE(a && b);
  EXPECT_NE(a->slot(), b->slot());
  EXPECT_EQ(pool.busy(), 2u);
  EXPECT_EQ(pool.waiting(), 0u);  // two running, none waiting: the queue of one is free

  std::optional<std::size_t> third;
  std::thread waiter([&] {
    std::optional<SlotPool::Lease> l = pool.acquire("");
    if (l) third = l->slot();
  });
  ASSERT_TRUE(eventually([&] { return pool.waiting() == 1; }));
  EXPECT_FALSE(pool.acquire("").has_value());  // the queue is full: refused at once

  const std::size_t freed = a->slot();
  a.reset();
  waiter.join();
  EXPECT_EQ(third, freed);
  EXPECT_EQ(pool.waiting(), 0u);

  SlotPool none_wait(1, 0);
  std::optional<SlotPool::Lease> only = none_wait.acquire("");
  ASSERT_TRUE(only);
  EXPECT_FALSE(none_wait.acquire("").has_value());
}

TEST(SlotPool, WaitingRequestsGetSlotsInArrivalOrder) {
  SlotPool pool(1, 8);
  std::optional<SlotPool::Lease> holder = pool.acquire("");
  std::mutex m;
  std::vector<int> order;
  std::vector<std::thread> threads;
  for (int i = 0; i < 5; ++i) {
    threads.emplace_back([&, i] {
      std::optional<SlotPool::Lease> l = pool.acquire("");
      const std::lock_guard lock(m);
      order.push_back(i);
    });
    ASSERT_TRUE(eventually([&] { return pool.waiting() == static_cast<std::size_t>(i) + 1; }));
  }
  holder.reset();
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3, 4}));
}

TEST(SlotPool, TakesTheFreeSlotHoldingTheLongestPrefixElseTheLeastRecentlyUsed) {
  SlotPool pool(3, 0);
  std::vector<std::size_t> slot_of;  // by key: "aaa", "abc", "xyz"
  {
    std::vector<SlotPool::Lease> all;
    for (const char* key : {"aaa", "abc", "xyz"}) {
      all.push_back(*pool.acquire(""));
      all.back().set_key(key);
      slot_of.push_back(all.back().slot());
    }
  }
  EXPECT_EQ(pool.acquire("abd")->slot(), slot_of[1]);
  EXPECT_EQ(pool.acquire("xy")->slot(), slot_of[2]);
  // Nothing in common with any: the least recently used ("aaa"'s, leased first).
  EXPECT_EQ(pool.acquire("q")->slot(), slot_of[0]);
  {
    std::optional<SlotPool::Lease> busy = pool.acquire("abc");
    EXPECT_EQ(busy->slot(), slot_of[1]);
    // The best slot is busy: the next best free one.
    EXPECT_EQ(pool.acquire("abc")->slot(), slot_of[0]);
  }
}

TEST(TurnLock, WaitersGetTheLockInArrivalOrder) {
  TurnLock turns;
  turns.lock();
  std::vector<int> order;  // written with the lock held
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      const std::lock_guard lock(turns);
      order.push_back(i);
    });
    ASSERT_TRUE(eventually([&] { return turns.waiting() == static_cast<std::size_t>(i) + 1; }));
  }
  turns.unlock();
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3}));
  EXPECT_EQ(turns.waiting(), 0u);
}

TEST(SlotPool, NKvCachesMustFitBesideOneCopyOfTheWeights) {
  llm::MemoryEstimate one;
  one.weights = 1000;
  one.kv_cache = 100;
  one.scratch = 50;
  one.n_ctx = 512;
  EXPECT_EQ(server::slots_estimate(one, 4).total(), 1600u);
  EXPECT_NO_THROW(server::check_slots_fit(one, 4, 1600, "dev"));
  try {
    server::check_slots_fit(one, 5, 1600, "dev");
    FAIL() << "5 slots do not fit";
  } catch (const InsufficientMemory& e) {
    EXPECT_EQ(e.needed(), 1750u);
    EXPECT_EQ(e.available(), 1600u);
    EXPECT_NE(std::string(e.what()).find("serving 5 slots"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("fewer slots (--parallel)"), std::string::npos);
  }
}

TEST(SlotPool, AConversationsKeyStartsWithTheKeyOfEachOfItsPrefixes) {
  const std::vector<chat::Message> one = {{"user", "Once upon"}};
  const std::vector<chat::Message> two = {
      {"user", "Once upon"}, {"assistant", "a time"}, {"user", "And?"}};
  const std::string k1 = server::conversation_key(one);
  EXPECT_EQ(server::conversation_key(two).substr(0, k1.size()), k1);
  EXPECT_NE(server::conversation_key(std::vector<chat::Message>{{"system", "Once upon"}}), k1);
}

// Two slots of one model on two threads.
class SlotEngineTest : public ::testing::Test {
 protected:
  static llm::Model& model() {
    static std::unique_ptr<llm::Model> m = [] {
      llm::LoadOptions o;
      o.n_ctx = 256;
      o.device.validation = true;
      return llm::Model::load(shared_path("models/stories260K.gguf"), o);
    }();
    return *m;
  }
  static server::ChatRequest request(const std::string& text, std::int64_t max_tokens) {
    server::ChatRequest r;
    r.messages = {{"user", text}};
    r.sampling.temperature = 0;
    r.max_tokens = max_tokens;
    return r;
  }
};

TEST_F(SlotEngineTest, TwoSlotsGenerateAtOnceEachAsItDoesAlone) {
  server::SlotEngine engine(model(), "m", 2, 4, {});
  const server::ChatRequest ra = request("Tell me a story.", 16);
  const server::ChatRequest rb = request("The cat", 16);
  std::string alone_a, alone_b;
  {
    std::optional<SlotPool::Lease> l = engine.acquire(ra);
    alone_a = engine.run(*l, ra).text;
  }
  {
    std::optional<SlotPool::Lease> l = engine.acquire(rb);
    alone_b = engine.run(*l, rb).text;
  }
  ASSERT_FALSE(alone_a.empty());
  ASSERT_FALSE(alone_b.empty());

  // Fresh slots, so that nothing is reused and both prefill again.
  server::SlotEngine fresh(model(), "m", 2, 4, {});
  std::mutex m;
  std::vector<char> log;  // who produced each token, in the order they came
  std::atomic<bool> a_started{false}, b_started{false};
  auto piece_of = [&](char who) {
    return [&, who](const chat::Piece&) {
      const std::lock_guard lock(m);
      log.push_back(who);
      (who == 'a' ? a_started : b_started) = true;
    };
  };
  chat::TurnResult a, b;
  std::thread ta([&] {
    std::optional<SlotPool::Lease> l = fresh.acquire(ra);
    // After its first piece A waits, without the device, until B has produced one: B runs while
    // A is in the middle of its answer. (between() also runs between prefill chunks.)
    a = fresh.run(*l, ra, piece_of('a'),
                  [&] { return !a_started || eventually([&] { return b_started.load(); }); });
  });
  ASSERT_TRUE(eventually([&] {
    const std::lock_guard lock(m);
    return !log.empty();
  }));
  std::thread tb([&] {
    std::optional<SlotPool::Lease> l = fresh.acquire(rb);
    b = fresh.run(*l, rb, piece_of('b'));
  });
  ta.join();
  tb.join();
  EXPECT_EQ(a.text, alone_a);
  EXPECT_EQ(b.text, alone_b);
  EXPECT_EQ(a.finish, chat::FinishReason::MaxTokens);
  EXPECT_EQ(b.finish, chat::FinishReason::MaxTokens);
  // Each had pieces before the other's last one.
  const std::string order(log.begin(), log.end());
  EXPECT_LT(order.find('b'), order.rfind('a')) << order;
  EXPECT_LT(order.find('a'), order.rfind('b')) << order;
}

TEST_F(SlotEngineTest, AGoneClientStopsItsSlotWithinOneTokenAndTheOtherGoesOn) {
  server::SlotEngine engine(model(), "m", 2, 4, {});
  const server::ChatRequest rb = request("The cat", 24);
  std::string alone_b;
  {
    std::optional<SlotPool::Lease> l = engine.acquire(rb);
    alone_b = engine.run(*l, rb).text;
  }
  server::SlotEngine fresh(model(), "m", 2, 4, {});
  chat::TurnResult a, b;
  std::int64_t a_tokens = 0, gone_at = 0;
  std::thread ta([&] {
    const server::ChatRequest ra = request("Tell me a story.", 1000);
    std::optional<SlotPool::Lease> l = fresh.acquire(ra);
    // The client is gone once it has had three tokens (between() runs right after a piece).
    a = fresh.run(
        *l, ra, [&](const chat::Piece& p) { a_tokens = p.tokens; },
        [&] {
          if (a_tokens < 3) return true;
          gone_at = a_tokens;
          return false;
        });
  });
  std::thread tb([&] {
    std::optional<SlotPool::Lease> l = fresh.acquire(rb);
    b = fresh.run(*l, rb);
  });
  ta.join();
  tb.join();
  EXPECT_EQ(a.finish, chat::FinishReason::Stopped);
  EXPECT_GE(gone_at, 3);
  EXPECT_EQ(static_cast<std::int64_t>(a.tokens.size()), gone_at);  // not one token more
  EXPECT_EQ(b.finish, chat::FinishReason::MaxTokens);
  EXPECT_EQ(b.text, alone_b);
}

TEST_F(SlotEngineTest, AFollowUpGoesToTheSlotHoldingItsPrefix) {
  server::SlotEngine engine(model(), "m", 2, 4, {});
  const server::ChatRequest x = request("Tell me a story.", 8);
  server::ChatRequest y = request("The cat sat on the mat.", 8);
  std::size_t slot_y = 0;
  std::string answer_y;
  {
    std::optional<SlotPool::Lease> l = engine.acquire(x);
    engine.run(*l, x);
  }
  {
    std::optional<SlotPool::Lease> l = engine.acquire(y);
    slot_y = l->slot();
    answer_y = engine.run(*l, y).text;
  }
  // The least recently used slot is x's; the follow-up of y goes to y's all the same.
  y.messages.push_back({"assistant", answer_y});
  y.messages.push_back({"user", "And then?"});
  std::optional<SlotPool::Lease> l = engine.acquire(y);
  EXPECT_EQ(l->slot(), slot_y);
  const chat::TurnResult r = engine.run(*l, y);
  EXPECT_GT(r.stats.tokens_reused, 10);
}

}  // namespace
}  // namespace vkchat::test
