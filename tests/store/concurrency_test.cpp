// The threading contract: one ChatStore per thread on the same file. Writers wait for each other
// (busy timeout, BEGIN IMMEDIATE) instead of failing, and readers see only whole writes.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "store/chat_store.h"
#include "store/temp_dir.h"

using namespace vkchat::store;

TEST(Concurrency, OneStorePerThreadOnOneFile) {
  vkchat::test::TempDir dir;
  const auto path = dir / "chat.db";
  ChatStore::open(path);  // created and migrated once, so the threads race on writes only
  constexpr int kWriters = 4;
  constexpr int kTurns = 40;
  std::atomic<bool> writing{true};
  std::atomic<int> failures{0};
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      try {
        ChatStore store = ChatStore::open(path);
        std::int64_t c = store.create_conversation().id;
        for (int t = 0; t < kTurns; ++t) {
          store.add_user_message(c, "writer" + std::to_string(w) + " turn " + std::to_string(t));
          Message a = store.begin_assistant_message(c, SamplingSettings{});
          store.checkpoint(a.id, "partial", 1);
          store.finish_assistant_message(a.id, "answer " + std::to_string(t), 2, GenerationStats{});
        }
      } catch (const std::exception& e) {
        ADD_FAILURE() << "writer " << w << ": " << e.what();
        ++failures;
      }
    });
  }
  std::thread reader([&] {
    try {
      ChatStore store = ChatStore::open(path);
      while (writing) {
        for (const Conversation& c : store.list_conversations()) {
          std::vector<Message> path = store.active_path(c.id);
          // A whole write: a message and the leaf that points at it arrive together, and
          // every user turn has its parent answer finished.
          for (std::size_t i = 0; i + 1 < path.size(); ++i) {
            if (path[i].role == Role::Assistant && !path[i].complete) ++failures;
          }
        }
        store.search("writer0");
      }
    } catch (const std::exception& e) {
      ADD_FAILURE() << "reader: " << e.what();
      ++failures;
    }
  });
  for (std::thread& t : writers) t.join();
  writing = false;
  reader.join();
  EXPECT_EQ(failures.load(), 0);

  ChatStore store = ChatStore::open(path);
  std::vector<Conversation> all = store.list_conversations();
  ASSERT_EQ(all.size(), static_cast<std::size_t>(kWriters));
  for (const Conversation& c : all) {
    EXPECT_EQ(store.active_path(c.id).size(), static_cast<std::size_t>(2 * kTurns));
  }
  EXPECT_EQ(store.search("turn").size(), static_cast<std::size_t>(kWriters));
  EXPECT_EQ(store.integrity_check(), "ok");
}
