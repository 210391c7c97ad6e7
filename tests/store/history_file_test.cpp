// A history the app cannot write or will not trust: opened read-only (reads work, every write is
// refused, the file stays byte for byte as it was), and set aside under a dated name so a new
// history can start at its path, with nothing deleted.
#include "store/history_file.h"

#include <gtest/gtest.h>

#include "store/chat_store.h"
#include "store/sqlite_db.h"
#include "store/temp_dir.h"
#include "support/test_support.h"

using namespace vkchat::store;
namespace fs = std::filesystem;
using vkchat::test::write_bytes;

namespace {

// A closed history with two conversations, one with a question and an answer about owls.
void make_history(const fs::path& path) {
  ChatStore store = ChatStore::open(path);
  const std::int64_t c = store.create_conversation().id;
  store.add_user_message(c, "Why do owls hoot?");
  Message a = store.begin_assistant_message(c, SamplingSettings{});
  store.finish_assistant_message(a.id, "To keep their territory.", 5, GenerationStats{});
  store.create_conversation();
}

template <class F>
StoreError error_of(F&& f) {
  try {
    f();
  } catch (const StoreError& e) {
    return e;
  }
  ADD_FAILURE() << "no StoreError";
  return StoreError("", "", "");
}

}  // namespace

TEST(HistoryFile, ReadOnlyStoreReadsEverythingAndWritesNothing) {
  vkchat::test::TempDir dir;
  const fs::path file = dir / "chat.db";
  make_history(file);
  const std::string before = vkchat::test::read_file(file);

  ChatStore store = ChatStore::open_read_only(file);
  EXPECT_TRUE(store.read_only());
  const std::vector<Conversation> list = store.list_conversations();
  ASSERT_EQ(list.size(), 2u);
  const std::int64_t owls = list.back().id;
  EXPECT_EQ(store.active_path(owls).at(1).content, "To keep their territory.");
  EXPECT_EQ(store.search("owls").size(), 1u);
  EXPECT_NE(store.export_markdown(owls).find("hoot"), std::string::npos);

  const StoreError e = error_of([&] { store.add_user_message(owls, "more"); });
  EXPECT_TRUE(e.read_only()) << e.what();
  EXPECT_TRUE(error_of([&] { store.rename_conversation(owls, "x"); }).read_only());
  EXPECT_TRUE(error_of([&] { store.delete_conversation(owls); }).read_only());
  EXPECT_TRUE(error_of([&] { store.create_conversation(); }).read_only());
  EXPECT_EQ(store.list_deleted_conversations().size(), 0u);
  EXPECT_EQ(vkchat::test::read_file(file), before);
  // SQLite may make an empty -wal beside the file (for its shared memory); nothing goes in it.
  if (fs::exists(file.string() + "-wal")) {
    EXPECT_EQ(fs::file_size(file.string() + "-wal"), 0u);
  }

  // A read-write store over the same file is not read-only.
  EXPECT_FALSE(ChatStore::open(dir / "other.db").read_only());
}

TEST(HistoryFile, ADamagedHistoryOpensReadOnlyAsFarAsItReads) {
  vkchat::test::TempDir dir;
  const fs::path file = dir / "chat.db";
  make_history(file);
  std::string bytes = vkchat::test::read_file(file);
  // Damage the last page (the index of the search table or of messages), not the schema page.
  ASSERT_GE(bytes.size(), 4u * 4096);
  std::fill(bytes.end() - 4096, bytes.end(), static_cast<char>(0xA5));
  write_bytes(file, bytes);
  EXPECT_TRUE(error_of([&] { ChatStore::open(file); }).damaged());

  ChatStore store = ChatStore::open_read_only(file);
  EXPECT_TRUE(store.read_only());
  // Whatever the damage reaches is a StoreError, never a crash; the rest reads.
  try {
    for (const Conversation& c : store.list_conversations()) store.active_path(c.id);
  } catch (const StoreError& e) {
    EXPECT_TRUE(e.damaged()) << e.what();
  }
  EXPECT_EQ(vkchat::test::read_file(file), bytes);
}

TEST(HistoryFile, WhatIsNotAHistoryIsRefusedReadOnlyToo) {
  vkchat::test::TempDir dir;
  write_bytes(dir / "notes.txt", std::string(8192, 'x'));
  EXPECT_TRUE(error_of([&] { ChatStore::open_read_only(dir / "notes.txt"); }).damaged());
  Database::open(dir / "other.db").exec("CREATE TABLE photos (id INTEGER PRIMARY KEY)");
  EXPECT_NE(error_of([&] { ChatStore::open_read_only(dir / "other.db"); })
                .detail()
                .find("not a vkchat chat history"),
            std::string::npos);
  EXPECT_FALSE(fs::exists(dir / "missing.db"));
  error_of([&] { ChatStore::open_read_only(dir / "missing.db"); });
  EXPECT_FALSE(fs::exists(dir / "missing.db"));  // nothing was created
}

TEST(HistoryFile, MoveAsideKeepsEveryByteUnderADatedName) {
  vkchat::test::TempDir dir;
  const fs::path file = dir / "chats.sqlite";
  write_bytes(file, std::string(8192, 'x'));
  write_bytes(file.string() + "-wal", "journal");
  // 2026-12-02 05:43:12 UTC; the name uses local time, so only its shape is checked.
  const std::int64_t when = 1796190192000;
  const fs::path aside = move_aside(file, when);
  EXPECT_EQ(aside.parent_path(), file.parent_path());
  const std::string name = aside.filename().string();
  EXPECT_EQ(name.rfind("chats.set-aside-20", 0), 0u) << name;
  EXPECT_EQ(name.size(), std::string("chats.set-aside-20261202-054312.sqlite").size()) << name;
  EXPECT_EQ(aside.extension(), ".sqlite");
  EXPECT_FALSE(fs::exists(file));
  EXPECT_FALSE(fs::exists(file.string() + "-wal"));
  EXPECT_EQ(vkchat::test::read_file(aside), std::string(8192, 'x'));
  EXPECT_EQ(vkchat::test::read_file(aside.string() + "-wal"), "journal");

  // A new history at the old path; set aside in the same second, it gets another name.
  ChatStore::open(file).create_conversation();
  const fs::path second = move_aside(file, when);
  EXPECT_NE(second, aside);
  EXPECT_NE(second.filename().string().find("-2.sqlite"), std::string::npos) << second;
  EXPECT_EQ(ChatStore::open(second).list_conversations().size(), 1u);
  EXPECT_EQ(vkchat::test::read_file(aside), std::string(8192, 'x'));

  const StoreError e = error_of([&] { move_aside(dir / "missing.sqlite", when); });
  EXPECT_NE(e.detail().find("does not exist"), std::string::npos);
}
