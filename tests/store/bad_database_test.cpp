// Files that are not a healthy vkchat database: each gives a StoreError that says what is wrong
// with which file, never a crash, and never a silent repair.
#include <gtest/gtest.h>

#include <random>

#include "store/chat_store.h"
#include "store/sqlite_db.h"
#include "store/temp_dir.h"
#include "support/test_support.h"

using namespace vkchat::store;
namespace fs = std::filesystem;
using vkchat::test::write_bytes;

namespace {

// A healthy store with enough rows to span many pages; closed, so the WAL is folded back in
// and the whole database is in the one file.
std::string healthy_database_bytes(const fs::path& path) {
  {
    ChatStore store = ChatStore::open(path);
    for (int c = 0; c < 20; ++c) {
      std::int64_t id = store.create_conversation().id;
      for (int m = 0; m < 10; ++m) {
        store.add_user_message(id, "question " + std::to_string(m) + std::string(200, 'q'));
        Message a = store.begin_assistant_message(id, SamplingSettings{});
        store.finish_assistant_message(a.id, "answer " + std::string(300, 'a'), 9,
                                       GenerationStats{});
      }
    }
  }
  EXPECT_FALSE(fs::exists(path.string() + "-wal"));
  return vkchat::test::read_file(path);
}

// Opens `path` expecting a StoreError; returns it.
StoreError open_error(const fs::path& path) {
  try {
    ChatStore::open(path);
  } catch (const StoreError& e) {
    EXPECT_NE(std::string(e.what()).find(path.string()), std::string::npos)
        << "the message should name the file: " << e.what();
    return e;
  }
  ADD_FAILURE() << "opened " << path;
  return StoreError("", "", "");
}

}  // namespace

TEST(BadDatabase, TextFileIsNotADatabase) {
  vkchat::test::TempDir dir;
  std::string text;
  for (int i = 0; i < 500; ++i) text += "this is a text file, not a database\n";
  write_bytes(dir / "notes.txt", text);
  StoreError e = open_error(dir / "notes.txt");
  EXPECT_TRUE(e.damaged());
  EXPECT_NE(e.detail().find("not a database"), std::string::npos) << e.what();
  EXPECT_EQ(vkchat::test::read_file(dir / "notes.txt"), text);  // left as it was
}

TEST(BadDatabase, GgufModelIsNotADatabase) {
  // The likeliest wrong file a user picks: a model where the database should be.
  vkchat::test::TempDir dir;
  fs::path model = vkchat::test::shared_path("models/stories260K.gguf");
  fs::copy_file(model, dir / "model.db");
  StoreError e = open_error(dir / "model.db");
  EXPECT_TRUE(e.damaged());
}

TEST(BadDatabase, DamagedHeader) {
  vkchat::test::TempDir dir;
  std::string bytes = healthy_database_bytes(dir / "chat.db");
  for (int i = 0; i < 16; ++i) bytes[static_cast<std::size_t>(i)] = static_cast<char>(0x5A);
  write_bytes(dir / "chat.db", bytes);
  EXPECT_TRUE(open_error(dir / "chat.db").damaged());
}

TEST(BadDatabase, DamagedPages) {
  vkchat::test::TempDir dir;
  std::string bytes = healthy_database_bytes(dir / "chat.db");
  ASSERT_GT(bytes.size(), 40u * 4096);
  std::fill(bytes.begin() + 20 * 4096, bytes.begin() + 22 * 4096, static_cast<char>(0xA5));
  write_bytes(dir / "chat.db", bytes);
  StoreError e = open_error(dir / "chat.db");
  EXPECT_TRUE(e.damaged());
  EXPECT_NE(std::string(e.what()).find("damaged"), std::string::npos) << e.what();
}

TEST(BadDatabase, TruncatedFile) {
  vkchat::test::TempDir dir;
  std::string bytes = healthy_database_bytes(dir / "chat.db");
  write_bytes(dir / "chat.db", bytes.substr(0, bytes.size() / 2));
  EXPECT_TRUE(open_error(dir / "chat.db").damaged());
}

TEST(BadDatabase, EmptyFileBecomesANewStore) {
  vkchat::test::TempDir dir;
  write_bytes(dir / "empty.db", "");
  ChatStore store = ChatStore::open(dir / "empty.db");
  EXPECT_TRUE(store.list_conversations().empty());
  EXPECT_EQ(store.integrity_check(), "ok");
}

TEST(BadDatabase, NewerSchemaIsRefused) {
  vkchat::test::TempDir dir;
  ChatStore::open(dir / "chat.db");
  Database::open(dir / "chat.db").exec("PRAGMA user_version = 99");
  StoreError e = open_error(dir / "chat.db");
  EXPECT_FALSE(e.damaged());
  EXPECT_NE(e.detail().find("schema version 99"), std::string::npos) << e.what();
  EXPECT_NE(e.detail().find("newer"), std::string::npos) << e.what();
}

TEST(BadDatabase, AnotherProgramsDatabaseIsRefused) {
  vkchat::test::TempDir dir;
  Database::open(dir / "other.db").exec("CREATE TABLE photos (id INTEGER PRIMARY KEY, path TEXT)");
  StoreError e = open_error(dir / "other.db");
  EXPECT_NE(e.detail().find("another program"), std::string::npos) << e.what();
  // Untouched: no vkchat tables were added to it.
  Statement st = Database::open(dir / "other.db").prepare("SELECT count(*) FROM sqlite_schema");
  st.step();
  EXPECT_EQ(st.int64(0), 1);
}

TEST(BadDatabase, FolderInsteadOfAFile) {
  vkchat::test::TempDir dir;
  fs::create_directories(dir / "chat.db");
  StoreError e = open_error(dir / "chat.db");
  EXPECT_NE(e.detail().find("unable to open"), std::string::npos) << e.what();
}

TEST(BadDatabase, RandomDamageNeverCrashes) {
  // Bytes flipped anywhere in a healthy file: opening and using the store either works or
  // throws StoreError. Anything else (a crash, another exception) fails the test.
  vkchat::test::TempDir dir;
  const std::string healthy = healthy_database_bytes(dir / "healthy.db");
  std::mt19937 rng(1234);
  int refused = 0;
  int failed_later = 0;
  int worked = 0;
  for (int round = 0; round < 150; ++round) {
    std::string bytes = healthy;
    std::uniform_int_distribution<std::size_t> where(0, bytes.size() - 1);
    std::uniform_int_distribution<int> how_many(1, 16);
    for (int i = how_many(rng); i > 0; --i) bytes[where(rng)] = static_cast<char>(rng());
    fs::path path = dir / ("round" + std::to_string(round) + ".db");
    write_bytes(path, bytes);
    try {
      ChatStore store = ChatStore::open(path);
      try {
        for (const Conversation& c : store.list_conversations()) {
          store.active_path(c.id);
          store.tree_damage(c.id);
          store.export_json(c.id);
        }
        store.search("question answer");
        std::int64_t id = store.create_conversation().id;
        store.add_user_message(id, "still works?");
        store.integrity_check();
        ++worked;
      } catch (const StoreError&) {
        ++failed_later;
      }
    } catch (const StoreError&) {
      ++refused;
    }
    fs::remove(path);
  }
  std::printf("random damage: %d refused at open, %d failed later, %d worked\n", refused,
              failed_later, worked);
  EXPECT_GT(refused, 0);
}
