// The Trash: deleted conversations listed newest-deleted first, restored whole, purged one by one,
// all at once, or once they have been there longer than kTrashKeepMs.
#include <gtest/gtest.h>

#include "store/chat_store.h"
#include "store/sqlite_db.h"
#include "store/temp_dir.h"

using namespace vkchat::store;

namespace {

std::vector<std::int64_t> ids(const std::vector<Conversation>& list) {
  std::vector<std::int64_t> out;
  for (const Conversation& c : list) out.push_back(c.id);
  return out;
}

std::int64_t count(const std::filesystem::path& file, const std::string& table) {
  Statement st = Database::open(file).prepare("SELECT count(*) FROM " + table);
  st.step();
  return st.int64(0);
}

}  // namespace

TEST(Trash, DeletedConversationsWaitThereUntilRestoredOrPurged) {
  vkchat::test::TempDir dir;
  ChatStore store = ChatStore::open(dir / "chat.db");
  const std::int64_t a = store.create_conversation().id;
  const std::int64_t b = store.create_conversation().id;
  const std::int64_t keep = store.create_conversation().id;
  store.add_user_message(a, "apples");
  store.add_user_message(b, "bananas");
  EXPECT_TRUE(store.list_deleted_conversations().empty());

  store.delete_conversation(a);
  store.delete_conversation(b);
  EXPECT_EQ(ids(store.list_conversations()), (std::vector<std::int64_t>{keep}));
  EXPECT_EQ(ids(store.list_deleted_conversations()), (std::vector<std::int64_t>{b, a}));
  EXPECT_TRUE(store.search("apples").empty());  // search leaves the Trash out

  store.restore_conversation(a);
  EXPECT_EQ(ids(store.list_deleted_conversations()), (std::vector<std::int64_t>{b}));
  EXPECT_EQ(store.active_path(a).at(0).content, "apples");
  EXPECT_EQ(store.search("apples").size(), 1u);

  store.purge_conversation(b);
  EXPECT_TRUE(store.list_deleted_conversations().empty());
  EXPECT_EQ(count(dir / "chat.db", "messages"), 1);  // only "apples" is left
}

TEST(Trash, OnlyWhatWasDeletedBeforeTheCutoffIsPurged) {
  vkchat::test::TempDir dir;
  ChatStore store = ChatStore::open(dir / "chat.db");
  const std::int64_t old_one = store.create_conversation().id;
  const std::int64_t recent = store.create_conversation().id;
  const std::int64_t live = store.create_conversation().id;
  store.add_user_message(old_one, "from last season");
  store.add_user_message(recent, "from yesterday");
  store.add_user_message(live, "from today");
  store.delete_conversation(old_one);
  store.delete_conversation(recent);
  const std::int64_t now = now_ms();
  constexpr std::int64_t kDay = 24LL * 60 * 60 * 1000;
  {
    Database raw = Database::open(dir / "chat.db");
    raw.prepare("UPDATE conversations SET deleted_at = ?2 WHERE id = ?1")
        .bind(old_one, now - 31 * kDay)
        .run();
    raw.prepare("UPDATE conversations SET deleted_at = ?2 WHERE id = ?1")
        .bind(recent, now - 29 * kDay)
        .run();
  }
  EXPECT_EQ(kTrashKeepMs, 30 * kDay);
  EXPECT_EQ(store.purge_deleted_before(now - kTrashKeepMs), 1);
  EXPECT_THROW(store.conversation(old_one), StoreError);
  EXPECT_EQ(ids(store.list_deleted_conversations()), (std::vector<std::int64_t>{recent}));
  EXPECT_EQ(ids(store.list_conversations()), (std::vector<std::int64_t>{live}));
  EXPECT_EQ(count(dir / "chat.db", "messages"), 2);

  // Emptying the Trash takes the rest of it, and nothing live.
  EXPECT_EQ(store.purge_deleted_conversations(), 1);
  EXPECT_EQ(ids(store.list_conversations()), (std::vector<std::int64_t>{live}));
  EXPECT_EQ(store.integrity_check(), "ok");
}
