// Conversations, settings and recent models: create, read, update, delete with undo, and that
// all of it is still there after the store is closed and opened again.
#include "store/chat_store.h"

#include <gtest/gtest.h>

#include <ctime>

#include "store/date_groups.h"
#include "store/sqlite_db.h"
#include "store/store_schema.h"
#include "store/temp_dir.h"

using namespace vkchat::store;

namespace {

std::string pragma(const std::filesystem::path& path, const std::string& sql) {
  Database db = Database::open(path);
  Statement st = db.prepare(sql);
  st.step();
  return st.text(0);
}

}  // namespace

TEST(ChatStore, OpensWithWalForeignKeysAndCurrentSchema) {
  vkchat::test::TempDir dir;
  ChatStore store = ChatStore::open(dir / "chat.db");
  EXPECT_EQ(pragma(dir / "chat.db", "PRAGMA journal_mode"), "wal");
  EXPECT_EQ(pragma(dir / "chat.db", "PRAGMA user_version"), std::to_string(kSchemaVersion));
  EXPECT_EQ(store.integrity_check(), "ok");
  // Foreign keys are on for the store's own connection: a message of no conversation is refused.
  Database raw = Database::open(dir / "chat.db");
  raw.exec("PRAGMA foreign_keys = ON");
  EXPECT_THROW(raw.exec("INSERT INTO messages (conversation_id, role, created_at) "
                        "VALUES (999, 'user', 0)"),
               StoreError);
}

TEST(ChatStore, ConversationCrudSurvivesReopen) {
  vkchat::test::TempDir dir;
  std::int64_t a_id = 0;
  ChatSettings tuned;
  tuned.sampling.temperature = 1.3;
  tuned.sampling.top_p = 0.5;
  tuned.sampling.top_k = 7;
  tuned.sampling.min_p = 0.2;
  tuned.sampling.repeat_penalty = 1.15;
  tuned.sampling.max_tokens = 77;
  tuned.sampling.seed_mode = SeedMode::Fixed;
  tuned.sampling.seed = 0xFFFFFFFFFFFFFFF0ull;  // above INT64_MAX: stored by bit pattern
  tuned.system_prompt = "You are terse.\nVery.";
  {
    ChatStore store = ChatStore::open(dir / "chat.db");
    Conversation a = store.create_conversation();
    EXPECT_GT(a.id, 0);
    EXPECT_TRUE(a.title_is_auto);
    EXPECT_EQ(a.settings, ChatSettings{});  // built-in defaults
    EXPECT_EQ(a.created_at, a.updated_at);
    EXPECT_NEAR(static_cast<double>(a.created_at), static_cast<double>(now_ms()), 60'000);
    a_id = a.id;
    store.create_conversation();
    store.rename_conversation(a_id, "Renamed \"chat\"");
    store.set_conversation_model(a_id, "/models/x.gguf", "sha256:abc");
    store.set_conversation_settings(a_id, tuned);
  }
  ChatStore store = ChatStore::open(dir / "chat.db");
  Conversation a = store.conversation(a_id);
  EXPECT_EQ(a.title, "Renamed \"chat\"");
  EXPECT_FALSE(a.title_is_auto);
  EXPECT_EQ(a.model_path, "/models/x.gguf");
  EXPECT_EQ(a.model_hash, "sha256:abc");
  EXPECT_EQ(a.settings, tuned);
  EXPECT_EQ(a.active_leaf_id, std::nullopt);
  EXPECT_EQ(store.list_conversations().size(), 2u);
  EXPECT_THROW(store.conversation(12345), StoreError);
  EXPECT_THROW(store.rename_conversation(12345, "x"), StoreError);
  EXPECT_THROW(store.set_conversation_settings(12345, tuned), StoreError);
}

TEST(ChatStore, ListIsMostRecentlyUpdatedFirst) {
  vkchat::test::TempDir dir;
  ChatStore store = ChatStore::open(dir / "chat.db");
  std::int64_t first = store.create_conversation().id;
  std::int64_t second = store.create_conversation().id;
  std::int64_t third = store.create_conversation().id;
  auto ids = [&] {
    std::vector<std::int64_t> out;
    for (const Conversation& c : store.list_conversations()) out.push_back(c.id);
    return out;
  };
  EXPECT_EQ(ids(), (std::vector<std::int64_t>{third, second, first}));
  // A new message moves a conversation to the top.
  store.add_user_message(first, "hello");
  EXPECT_EQ(ids().front(), first);
  EXPECT_GE(store.conversation(first).updated_at, store.conversation(third).updated_at);
}

TEST(ChatStore, DeleteIsUndoableUntilPurged) {
  vkchat::test::TempDir dir;
  ChatStore store = ChatStore::open(dir / "chat.db");
  std::int64_t keep = store.create_conversation().id;
  std::int64_t gone = store.create_conversation().id;
  std::int64_t msg = store.add_user_message(gone, "remember the alamo").id;

  store.delete_conversation(gone);
  ASSERT_EQ(store.list_conversations().size(), 1u);
  EXPECT_EQ(store.list_conversations()[0].id, keep);
  EXPECT_TRUE(store.conversation(gone).deleted_at.has_value());
  EXPECT_THROW(store.purge_conversation(keep), StoreError);  // live ones cannot be purged

  store.restore_conversation(gone);
  EXPECT_EQ(store.list_conversations().size(), 2u);
  EXPECT_EQ(store.message(msg).content, "remember the alamo");

  store.delete_conversation(gone);
  store.purge_conversation(gone);
  EXPECT_THROW(store.conversation(gone), StoreError);
  EXPECT_THROW(store.message(msg), StoreError);  // its messages went with it
  EXPECT_THROW(store.restore_conversation(gone), StoreError);

  std::int64_t later = store.create_conversation().id;
  store.add_user_message(later, "x");
  store.delete_conversation(later);
  store.delete_conversation(keep);
  EXPECT_EQ(store.purge_deleted_conversations(), 2);
  EXPECT_TRUE(store.list_conversations().empty());
  Database raw = Database::open(dir / "chat.db");
  Statement left = raw.prepare(
      "SELECT (SELECT count(*) FROM messages), "
      "(SELECT count(*) FROM conversations)");
  left.step();
  EXPECT_EQ(left.int64(0), 0);
  EXPECT_EQ(left.int64(1), 0);
  EXPECT_EQ(store.integrity_check(), "ok");
}

TEST(ChatStore, SettingsAndDefaults) {
  vkchat::test::TempDir dir;
  ChatSettings mine;
  mine.sampling.temperature = 0.1;
  mine.sampling.top_p = 0.3;
  mine.sampling.seed_mode = SeedMode::Fixed;
  mine.sampling.seed = 42;
  mine.system_prompt = "Be brief.";
  mine.enable_thinking = false;  // the template switches are defaults too
  mine.reasoning_effort = "low";
  {
    ChatStore store = ChatStore::open(dir / "chat.db");
    EXPECT_EQ(store.setting("ui.theme"), std::nullopt);
    store.set_setting("ui.theme", "dark");
    store.set_setting("ui.theme", "light");
    EXPECT_EQ(store.setting("ui.theme"), "light");
    EXPECT_EQ(store.default_chat_settings(), ChatSettings{});
    store.set_default_chat_settings(mine);
  }
  ChatStore store = ChatStore::open(dir / "chat.db");
  EXPECT_EQ(store.setting("ui.theme"), "light");
  EXPECT_EQ(store.default_chat_settings(), mine);
  EXPECT_EQ(store.create_conversation().settings, mine);  // new chats start from the defaults
  EXPECT_EQ(store.conversation(store.create_conversation().id).settings, mine);
  EXPECT_EQ(store.setting("defaults.temperature"), "0.1");
  store.reset_default_chat_settings();
  EXPECT_EQ(store.default_chat_settings(), ChatSettings{});
  store.remove_setting("ui.theme");
  EXPECT_EQ(store.setting("ui.theme"), std::nullopt);
  // A value nobody could have written through the API is reported, not guessed around.
  store.set_setting("defaults.top_k", "many");
  try {
    store.default_chat_settings();
    FAIL() << "unreadable default accepted";
  } catch (const StoreError& e) {
    EXPECT_NE(std::string(e.what()).find("defaults.top_k"), std::string::npos) << e.what();
  }
}

TEST(ChatStore, RecentModels) {
  vkchat::test::TempDir dir;
  ChatStore store = ChatStore::open(dir / "chat.db");
  store.remember_model({"/m/a.gguf", "A", "llama", 1000, "Q4_0", 100});
  store.remember_model({"/m/b.gguf", "B", "qwen2", 2000, "F16", 200});
  store.remember_model({"/m/c.gguf", "C", "gemma", 3000, "Q8_0", 300});
  std::vector<RecentModel> list = store.recent_models();
  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ(list[0], (RecentModel{"/m/c.gguf", "C", "gemma", 3000, "Q8_0", 300}));
  EXPECT_EQ(list[2].path, "/m/a.gguf");
  // Opening again updates it in place and brings it to the top (0 = now).
  store.remember_model({"/m/a.gguf", "A2", "llama", 1001, "Q4_K", 0});
  list = store.recent_models(2);
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].path, "/m/a.gguf");
  EXPECT_EQ(list[0].name, "A2");
  EXPECT_EQ(list[0].quant, "Q4_K");
  EXPECT_GT(list[0].last_opened, 300);
  store.forget_model("/m/a.gguf");
  EXPECT_EQ(store.recent_models().size(), 2u);
  EXPECT_EQ(store.recent_models()[0].path, "/m/c.gguf");
}

TEST(DateGroups, LocalCalendarDays) {
  // Times built from local calendar fields, so the test holds in any time zone.
  auto local = [](int year, int month, int day, int hour, int minute) {
    std::tm tm{};
    tm.tm_year = year - 1900;
    tm.tm_mon = month - 1;
    tm.tm_mday = day;
    tm.tm_hour = hour;
    tm.tm_min = minute;
    tm.tm_isdst = -1;
    return static_cast<std::int64_t>(std::mktime(&tm)) * 1000;
  };
  std::int64_t now = local(2024, 3, 10, 0, 30);  // just after midnight
  EXPECT_EQ(date_group(local(2024, 3, 10, 0, 1), now), DateGroup::Today);
  EXPECT_EQ(date_group(local(2024, 3, 10, 23, 0), now), DateGroup::Today);  // clock set back
  EXPECT_EQ(date_group(local(2024, 3, 9, 23, 59), now), DateGroup::Yesterday);
  EXPECT_EQ(date_group(local(2024, 3, 9, 0, 0), now), DateGroup::Yesterday);
  EXPECT_EQ(date_group(local(2024, 3, 8, 23, 59), now), DateGroup::Previous7Days);
  EXPECT_EQ(date_group(local(2024, 3, 3, 0, 0), now), DateGroup::Previous7Days);
  EXPECT_EQ(date_group(local(2024, 3, 2, 23, 59), now), DateGroup::Older);
  EXPECT_EQ(date_group(local(2023, 12, 31, 12, 0), local(2024, 1, 1, 9, 0)), DateGroup::Yesterday);

  std::vector<Conversation> list(5);
  std::int64_t times[] = {local(2024, 3, 10, 0, 10), local(2024, 3, 9, 12, 0),
                          local(2024, 3, 9, 8, 0), local(2024, 1, 1, 0, 0),
                          local(2023, 1, 1, 0, 0)};
  for (int i = 0; i < 5; ++i) {
    list[static_cast<std::size_t>(i)].id = i;
    list[static_cast<std::size_t>(i)].updated_at = times[i];
  }
  std::vector<ConversationGroup> groups = group_by_date(list, now);
  ASSERT_EQ(groups.size(), 3u);  // no Previous7Days: empty groups are left out
  EXPECT_EQ(groups[0].group, DateGroup::Today);
  EXPECT_EQ(groups[1].group, DateGroup::Yesterday);
  ASSERT_EQ(groups[1].conversations.size(), 2u);
  EXPECT_EQ(groups[1].conversations[0].id, 1);
  EXPECT_EQ(groups[1].conversations[1].id, 2);
  EXPECT_EQ(groups[2].group, DateGroup::Older);
  EXPECT_EQ(groups[2].conversations.size(), 2u);
  EXPECT_EQ(date_group_label(DateGroup::Previous7Days), "Previous 7 days");
}

TEST(ChatStore, IntegrityCheckSeesASearchIndexOutOfStep) {
  vkchat::test::TempDir dir;
  ChatStore store = ChatStore::open(dir / "chat.db");
  std::int64_t c = store.create_conversation().id;
  store.add_user_message(c, "indexed words");
  EXPECT_EQ(store.integrity_check(), "ok");
  // Another program edits the text behind the index's back (no trigger to follow it).
  Database raw = Database::open(dir / "chat.db");
  raw.exec("DROP TRIGGER messages_fts_update; UPDATE messages SET content = 'other words'");
  std::string report = store.integrity_check();
  EXPECT_EQ(report.rfind("search index:", 0), 0u) << report;
}
