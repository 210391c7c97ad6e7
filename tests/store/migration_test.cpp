// Migration from an older schema: a version-1 database written by hand, as the first release
// left it, opens with every row intact, gains search over its old messages, and moves to the
// current version.
#include <gtest/gtest.h>

#include "store/answer_tokens.h"
#include "store/chat_store.h"
#include "store/sqlite_db.h"
#include "store/store_schema.h"
#include "store/temp_dir.h"

using namespace vkchat::store;

namespace {

// Schema version 1 as released. Frozen here on purpose: it stands for files already on disk,
// and must not follow later edits of the store's own migration code.
constexpr const char* kVersion1Schema = R"sql(
CREATE TABLE conversations (
  id INTEGER PRIMARY KEY, title TEXT NOT NULL DEFAULT '', title_is_auto INTEGER NOT NULL DEFAULT 1,
  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
  model_path TEXT NOT NULL DEFAULT '', model_hash TEXT NOT NULL DEFAULT '',
  temperature REAL NOT NULL, top_p REAL NOT NULL, top_k INTEGER NOT NULL, min_p REAL NOT NULL,
  repeat_penalty REAL NOT NULL, max_tokens INTEGER NOT NULL,
  seed_mode TEXT NOT NULL CHECK (seed_mode IN ('random', 'fixed')), seed INTEGER NOT NULL DEFAULT 0,
  system_prompt TEXT NOT NULL DEFAULT '',
  active_leaf_id INTEGER REFERENCES messages(id) ON DELETE SET NULL);
CREATE INDEX conversations_active_leaf ON conversations(active_leaf_id);
CREATE TABLE messages (
  id INTEGER PRIMARY KEY,
  conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
  parent_id INTEGER REFERENCES messages(id) ON DELETE CASCADE,
  role TEXT NOT NULL CHECK (role IN ('system', 'user', 'assistant')),
  content TEXT NOT NULL DEFAULT '', created_at INTEGER NOT NULL,
  token_count INTEGER NOT NULL DEFAULT 0, complete INTEGER NOT NULL DEFAULT 1,
  prefill_tps REAL, decode_tps REAL, ttft_ms REAL,
  finish_reason TEXT CHECK (finish_reason IN ('stop', 'length', 'cancelled', 'error')),
  seed_mode TEXT CHECK (seed_mode IN ('random', 'fixed')), seed INTEGER,
  temperature REAL, top_p REAL, top_k INTEGER, min_p REAL, repeat_penalty REAL, max_tokens INTEGER);
CREATE INDEX messages_by_parent ON messages(parent_id);
CREATE INDEX messages_by_conversation ON messages(conversation_id, parent_id);
CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
PRAGMA user_version = 1;
)sql";

void write_version1(const std::filesystem::path& path) {
  Database db = Database::open(path);
  db.exec(kVersion1Schema);
  db.exec("PRAGMA foreign_keys = ON");
  db.prepare(
        "INSERT INTO conversations (id, title, title_is_auto, created_at, updated_at, "
        "model_path, temperature, top_p, top_k, min_p, repeat_penalty, max_tokens, "
        "seed_mode, seed, system_prompt) "
        "VALUES (7, 'Old chat', 0, 1000, 2000, '/m/old.gguf', 0.7, 0.9, 30, 0.1, 1.1, 256, "
        "'fixed', 5, 'Be old-fashioned.')")
      .run();
  db.prepare(
        "INSERT INTO messages (id, conversation_id, parent_id, role, content, created_at) "
        "VALUES (1, 7, NULL, 'user', 'What is a gramophone?', 1000)")
      .run();
  db.prepare(
        "INSERT INTO messages (id, conversation_id, parent_id, role, content, created_at, "
        "token_count, prefill_tps, decode_tps, ttft_ms, finish_reason, seed_mode, seed, "
        "temperature, top_p, top_k, min_p, repeat_penalty, max_tokens) "
        "VALUES (2, 7, 1, 'assistant', 'A phonograph playing shellac discs.', 1500, 6, "
        "100, 20, 50, 'stop', 'fixed', 5, 0.7, 0.9, 30, 0.1, 1.1, 256)")
      .run();
  db.prepare(
        "INSERT INTO messages (id, conversation_id, parent_id, role, content, created_at) "
        "VALUES (3, 7, 1, 'assistant', 'A record player.', 1600)")
      .run();
  db.exec("UPDATE conversations SET active_leaf_id = 2 WHERE id = 7");
  db.prepare("INSERT INTO settings VALUES ('defaults.temperature', '0.4')").run();
}

// Version 2's step as released (frozen, as version 1 above): a version-2 file is a version-1 file
// with these applied.
constexpr const char* kVersion2Step = R"sql(
CREATE VIRTUAL TABLE messages_fts USING fts5(
  content, content = 'messages', content_rowid = 'id', tokenize = 'unicode61 remove_diacritics 2');
CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
  INSERT INTO messages_fts(rowid, content) VALUES (new.id, new.content);
END;
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
  INSERT INTO messages_fts(messages_fts, rowid, content) VALUES ('delete', old.id, old.content);
END;
CREATE TRIGGER messages_fts_update AFTER UPDATE OF content ON messages BEGIN
  INSERT INTO messages_fts(messages_fts, rowid, content) VALUES ('delete', old.id, old.content);
  INSERT INTO messages_fts(rowid, content) VALUES (new.id, new.content);
END;
INSERT INTO messages_fts(messages_fts) VALUES ('rebuild');
CREATE TABLE recent_models (
  path TEXT PRIMARY KEY, name TEXT NOT NULL, architecture TEXT NOT NULL,
  size_bytes INTEGER NOT NULL, quant TEXT NOT NULL, last_opened INTEGER NOT NULL) WITHOUT ROWID;
ALTER TABLE conversations ADD COLUMN deleted_at INTEGER;
CREATE INDEX conversations_by_updated ON conversations(deleted_at, updated_at);
INSERT INTO recent_models VALUES ('/m/old.gguf', 'old', 'llama', 123, 'Q4_0', 3000);
PRAGMA user_version = 2;
)sql";

void write_version2(const std::filesystem::path& path) {
  write_version1(path);
  Database db = Database::open(path);
  db.exec(kVersion2Step);
}

// Version 3's step as released (reasoning kept apart; frozen as the ones above): a version-3 file
// is what every history written before reproducible answers is, so the step to version 4 is tested
// from it. Message 2 gains a reasoning, which the step to version 4 must leave as it was.
constexpr const char* kVersion3Step = R"sql(
ALTER TABLE messages ADD COLUMN reasoning TEXT NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN reasoning_tokens INTEGER NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN reasoning_ms REAL NOT NULL DEFAULT 0;
ALTER TABLE conversations ADD COLUMN enable_thinking INTEGER CHECK (enable_thinking IN (0, 1));
ALTER TABLE conversations ADD COLUMN reasoning_effort TEXT NOT NULL DEFAULT '';
CREATE VIRTUAL TABLE reasoning_fts USING fts5(
  reasoning, content = 'messages', content_rowid = 'id',
  tokenize = 'unicode61 remove_diacritics 2');
CREATE TRIGGER reasoning_fts_insert AFTER INSERT ON messages BEGIN
  INSERT INTO reasoning_fts(rowid, reasoning) VALUES (new.id, new.reasoning);
END;
CREATE TRIGGER reasoning_fts_delete AFTER DELETE ON messages BEGIN
  INSERT INTO reasoning_fts(reasoning_fts, rowid, reasoning) VALUES ('delete', old.id, old.reasoning);
END;
CREATE TRIGGER reasoning_fts_update AFTER UPDATE OF reasoning ON messages BEGIN
  INSERT INTO reasoning_fts(reasoning_fts, rowid, reasoning) VALUES ('delete', old.id, old.reasoning);
  INSERT INTO reasoning_fts(rowid, reasoning) VALUES (new.id, new.reasoning);
END;
INSERT INTO reasoning_fts(reasoning_fts) VALUES ('rebuild');
UPDATE messages SET reasoning = 'Gramophones play discs', reasoning_tokens = 4, reasoning_ms = 80
  WHERE id = 2;
UPDATE conversations SET enable_thinking = 1, reasoning_effort = 'low' WHERE id = 7;
PRAGMA user_version = 3;
)sql";

void write_version3(const std::filesystem::path& path) {
  write_version2(path);
  Database db = Database::open(path);
  db.exec(kVersion3Step);
}

// Version 4's step as released (reproducible answers and presets; frozen as the ones above):
// the schema every history had before answers kept their tokens. Answer 2 gains a record.
constexpr const char* kVersion4Step = R"sql(
ALTER TABLE messages ADD COLUMN model_path TEXT;
ALTER TABLE messages ADD COLUMN model_sha256 TEXT;
ALTER TABLE messages ADD COLUMN engine_version TEXT;
ALTER TABLE messages ADD COLUMN device TEXT;
ALTER TABLE messages ADD COLUMN context_size INTEGER;
ALTER TABLE messages ADD COLUMN prompt TEXT;
CREATE INDEX messages_by_model ON messages(model_path) WHERE model_path IS NOT NULL;
CREATE TABLE model_hashes (
  path TEXT PRIMARY KEY, size_bytes INTEGER NOT NULL, mtime_ms INTEGER NOT NULL,
  sha256 TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE presets (
  name TEXT PRIMARY KEY, system_prompt TEXT NOT NULL DEFAULT '', temperature REAL NOT NULL,
  top_p REAL NOT NULL, top_k INTEGER NOT NULL, min_p REAL NOT NULL, repeat_penalty REAL NOT NULL,
  max_tokens INTEGER NOT NULL, seed_mode TEXT NOT NULL CHECK (seed_mode IN ('random', 'fixed')),
  seed INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;
ALTER TABLE conversations ADD COLUMN preset TEXT NOT NULL DEFAULT '';
UPDATE messages SET model_path = '/m/old.gguf', model_sha256 = '', engine_version = '0.1.0',
  device = 'llvmpipe', context_size = 512, prompt = 'What is a gramophone?' WHERE id = 2;
INSERT INTO presets VALUES ('mine', 'Be terse.', 0.3, 0.9, 20, 0.05, 1.0, 128, 'random', 0);
UPDATE conversations SET preset = 'mine' WHERE id = 7;
PRAGMA user_version = 4;
)sql";

void write_version4(const std::filesystem::path& path) {
  write_version3(path);
  Database db = Database::open(path);
  db.exec(kVersion4Step);
}

// Version 5's step as released (answers keep their tokens): the schema every history had before
// failed answers kept their reason. Answer 3 failed.
constexpr const char* kVersion5Step = R"sql(
ALTER TABLE messages ADD COLUMN answer_tokens BLOB;
UPDATE messages SET finish_reason = 'error' WHERE id = 3;
PRAGMA user_version = 5;
)sql";

void write_version5(const std::filesystem::path& path) {
  write_version4(path);
  Database db = Database::open(path);
  db.exec(kVersion5Step);
}

}  // namespace

// The step to version 6 (a failed answer keeps why) from a version-5 history: every row as it
// was, the answer that failed then without a reason, and new answers keep theirs, failed or not.
TEST(Migration, Version5DatabaseUpgradesAndFailedAnswersKeepWhy) {
  vkchat::test::TempDir dir;
  write_version5(dir / "v5.db");
  {
    Database raw = Database::open(dir / "v5.db");
    ASSERT_EQ(schema_version(raw), 5);
  }
  ChatStore store = ChatStore::open(dir / "v5.db");
  {
    Database raw = Database::open(dir / "v5.db");
    EXPECT_EQ(schema_version(raw), kSchemaVersion);
  }
  EXPECT_EQ(store.integrity_check(), "ok");
  const Message old = store.message(3);
  EXPECT_EQ(old.content, "A record player.");
  ASSERT_TRUE(old.stats.has_value());
  EXPECT_EQ(old.stats->finish_reason, FinishReason::Error);
  EXPECT_EQ(old.stats->error, "");
  const Message fine = store.message(2);
  ASSERT_TRUE(fine.stats.has_value());
  EXPECT_EQ(fine.stats->finish_reason, FinishReason::Stop);
  EXPECT_EQ(fine.stats->error, "");
  ASSERT_TRUE(fine.provenance.has_value());
  EXPECT_EQ(fine.provenance->device, "llvmpipe");
  EXPECT_EQ(store.search("shellac").size(), 1u);

  store.add_user_message(7, "And a wax cylinder?");
  const Message failed = store.begin_assistant_message(7, SamplingSettings{});
  GenerationStats stats;
  stats.finish_reason = FinishReason::Error;
  stats.error = "the server closed the connection mid-answer";
  store.finish_assistant_message(failed.id, "Edi", 1, stats);
  EXPECT_EQ(store.message(failed.id).stats, stats);
  EXPECT_EQ(store.active_path(7).back().stats->error, stats.error);
  // An answer that did not fail has none (NULL, not an empty text).
  const Message done = store.begin_assistant_message(7, SamplingSettings{});
  store.finish_assistant_message(done.id, "Edison", 2, {});
  EXPECT_EQ(store.message(done.id).stats->error, "");
  Database raw = Database::open(dir / "v5.db");
  Statement st = raw.prepare("SELECT count(*) FROM messages WHERE error IS NOT NULL");
  ASSERT_TRUE(st.step());
  EXPECT_EQ(st.int64(0), 1);
}

// The step to version 5 (answers keep their tokens) from a version-4 history: every row as it
// was, old answers without tokens, and new answers keep theirs.
TEST(Migration, Version4DatabaseUpgradesAndAnswersKeepTheirTokens) {
  vkchat::test::TempDir dir;
  write_version4(dir / "v4.db");
  {
    Database raw = Database::open(dir / "v4.db");
    ASSERT_EQ(schema_version(raw), 4);
  }
  ChatStore store = ChatStore::open(dir / "v4.db");
  {
    Database raw = Database::open(dir / "v4.db");
    EXPECT_EQ(schema_version(raw), kSchemaVersion);
  }
  EXPECT_EQ(store.integrity_check(), "ok");
  const std::vector<Message> path = store.active_path(7);
  ASSERT_EQ(path.size(), 2u);
  EXPECT_EQ(path[1].content, "A phonograph playing shellac discs.");
  EXPECT_EQ(path[1].reasoning, "Gramophones play discs");
  ASSERT_TRUE(path[1].provenance.has_value());
  EXPECT_EQ(path[1].provenance->device, "llvmpipe");
  EXPECT_EQ(path[1].answer_tokens, "");
  EXPECT_EQ(store.conversation(7).preset, "mine");
  ASSERT_TRUE(store.preset("mine").has_value());
  EXPECT_EQ(store.preset("mine")->settings.system_prompt, "Be terse.");
  EXPECT_EQ(store.search("shellac").size(), 1u);

  store.add_user_message(7, "And a wax cylinder?");
  const Message answer = store.begin_assistant_message(7, SamplingSettings{});
  const std::vector<AnswerToken> tokens = {
      {5, 0.5, "Ed", false, {{5, 0.5, "Ed"}, {9, stored_probability(0.25), "A"}}},
      {7, std::nullopt, "ison", false, {}}};
  const std::string blob = encode_answer_tokens(tokens);
  store.set_answer_tokens(answer.id, blob);
  store.finish_assistant_message(answer.id, "Edison", 2, {});
  EXPECT_EQ(store.message(answer.id).answer_tokens, blob);
  EXPECT_EQ(decode_answer_tokens(store.active_path(7).back().answer_tokens), tokens);
  EXPECT_EQ(store.message(2).answer_tokens, "");
  store.set_answer_tokens(answer.id, "");  // none again: NULL
  EXPECT_EQ(store.message(answer.id).answer_tokens, "");
  EXPECT_THROW(store.set_answer_tokens(1, blob), StoreError);  // a user message
}

// The step to version 4 (reproducible answers) from a version-3 history: every row as it was
// (its reasoning and switches too), old answers without provenance, and new answers record theirs.
TEST(Migration, Version3DatabaseUpgradesAndNewAnswersRecordTheirProvenance) {
  vkchat::test::TempDir dir;
  write_version3(dir / "v3.db");
  {
    Database raw = Database::open(dir / "v3.db");
    ASSERT_EQ(schema_version(raw), 3);
  }
  ChatStore store = ChatStore::open(dir / "v3.db");
  {
    Database raw = Database::open(dir / "v3.db");
    EXPECT_EQ(schema_version(raw), kSchemaVersion);
  }
  EXPECT_EQ(store.integrity_check(), "ok");
  std::vector<Message> path = store.active_path(7);
  ASSERT_EQ(path.size(), 2u);
  EXPECT_EQ(path[1].content, "A phonograph playing shellac discs.");
  ASSERT_TRUE(path[1].sampling.has_value());
  EXPECT_EQ(path[1].sampling->top_k, 30);
  EXPECT_EQ(path[1].provenance, std::nullopt);
  EXPECT_EQ(path[1].reasoning, "Gramophones play discs");
  EXPECT_EQ(path[1].reasoning_tokens, 4);
  EXPECT_EQ(path[1].reasoning_ms, 80);
  const Conversation c = store.conversation(7);
  EXPECT_EQ(c.settings.enable_thinking, true);
  EXPECT_EQ(c.settings.reasoning_effort, "low");
  EXPECT_EQ(c.preset, "");
  EXPECT_TRUE(store.search("gramophones").empty());  // reasoning only when asked, as before
  EXPECT_EQ(store.search("gramophones", 50, true).at(0).message_id, 2);
  ASSERT_EQ(store.recent_models().size(), 1u);
  EXPECT_EQ(store.recent_models()[0].size_bytes, 123);
  EXPECT_EQ(store.search("shellac").size(), 1u);

  store.add_user_message(7, "And a wax cylinder?");
  SamplingSettings used;
  used.seed_mode = SeedMode::Fixed;
  used.seed = 42;
  const Message answer = store.begin_assistant_message(7, used);
  const Provenance p{"/m/old.gguf", "", "vkchat 0.1.0", "llvmpipe", 512, "<s>[INST] hi [/INST]"};
  store.finish_assistant_message(answer.id, "Edison's.", 3, {}, {}, p);
  EXPECT_EQ(store.message(answer.id).provenance, p);
  EXPECT_EQ(store.message(2).provenance, std::nullopt);  // no answer gains a made-up record

  // The hash came after the answer: it fills in the answers of that file only.
  const std::string sha(64, 'a');
  EXPECT_EQ(store.fill_model_sha256("/m/other.gguf", sha), 0);
  EXPECT_EQ(store.fill_model_sha256("/m/old.gguf", sha), 1);
  EXPECT_EQ(store.message(answer.id).provenance->model_sha256, sha);
  EXPECT_EQ(store.fill_model_sha256("/m/old.gguf", std::string(64, 'b')), 0);  // set stays set
}

TEST(Migration, ModelHashesAreCachedByPathSizeAndMtime) {
  vkchat::test::TempDir dir;
  ChatStore store = ChatStore::open(dir / "h.db");
  const std::string sha(64, 'c');
  EXPECT_EQ(store.cached_model_sha256("/m/a.gguf", 10, 20), std::nullopt);
  store.remember_model_sha256("/m/a.gguf", 10, 20, sha);
  EXPECT_EQ(store.cached_model_sha256("/m/a.gguf", 10, 20), sha);
  EXPECT_EQ(store.cached_model_sha256("/m/a.gguf", 11, 20), std::nullopt);  // rewritten
  EXPECT_EQ(store.cached_model_sha256("/m/a.gguf", 10, 21), std::nullopt);  // touched
  EXPECT_EQ(store.cached_model_sha256("/m/b.gguf", 10, 20), std::nullopt);
  store.remember_model_sha256("/m/a.gguf", 11, 30, std::string(64, 'd'));
  EXPECT_EQ(store.cached_model_sha256("/m/a.gguf", 10, 20), std::nullopt);
  EXPECT_EQ(store.cached_model_sha256("/m/a.gguf", 11, 30), std::string(64, 'd'));
}

TEST(Migration, Version1DatabaseUpgradesWithItsData) {
  vkchat::test::TempDir dir;
  write_version1(dir / "old.db");

  ChatStore store = ChatStore::open(dir / "old.db");
  {
    Database raw = Database::open(dir / "old.db");
    EXPECT_EQ(schema_version(raw), kSchemaVersion);
  }
  EXPECT_EQ(store.integrity_check(), "ok");

  Conversation c = store.conversation(7);
  EXPECT_EQ(c.title, "Old chat");
  EXPECT_FALSE(c.title_is_auto);
  EXPECT_EQ(c.model_path, "/m/old.gguf");
  EXPECT_EQ(c.settings.sampling.top_k, 30);
  EXPECT_EQ(c.settings.sampling.seed_mode, SeedMode::Fixed);
  EXPECT_EQ(c.settings.system_prompt, "Be old-fashioned.");
  EXPECT_EQ(c.deleted_at, std::nullopt);  // the column version 2 added
  ASSERT_EQ(store.list_conversations().size(), 1u);

  std::vector<Message> path = store.active_path(7);
  ASSERT_EQ(path.size(), 2u);
  EXPECT_EQ(path[0].content, "What is a gramophone?");
  EXPECT_EQ(path[1].content, "A phonograph playing shellac discs.");
  EXPECT_EQ(path[1].sibling_count, 2);
  ASSERT_TRUE(path[1].stats.has_value());
  EXPECT_EQ(path[1].stats->decode_tokens_per_s, 20);
  EXPECT_EQ(store.default_chat_settings().sampling.temperature, 0.4);

  // Messages written before search existed are in the new index.
  std::vector<SearchHit> hits = store.search("shellac");
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].conversation_id, 7);
  EXPECT_EQ(hits[0].message_id, 2);
  EXPECT_EQ(store.search("record").at(0).message_id, 3);

  // And the version-2 features work on the old data.
  store.remember_model({"/m/old.gguf", "old", "llama", 1, "Q4_0", 0});
  EXPECT_EQ(store.recent_models().size(), 1u);
  store.delete_conversation(7);
  EXPECT_TRUE(store.search("shellac").empty());
  ASSERT_EQ(store.list_deleted_conversations().size(), 1u);  // the Trash needs no new version
  EXPECT_EQ(store.list_deleted_conversations()[0].title, "Old chat");
  store.restore_conversation(7);
  Message next = store.add_user_message(7, "And a wax cylinder?");
  EXPECT_EQ(next.parent_id, 2);
  EXPECT_EQ(store.search("cylinder").size(), 1u);
}

TEST(Migration, AFailedStepLeavesTheDatabaseAtTheLastWholeVersion) {
  vkchat::test::TempDir dir;
  write_version1(dir / "old.db");
  {
    // Something in the way of version 2 (a table of the name it creates).
    Database db = Database::open(dir / "old.db");
    db.exec("CREATE TABLE recent_models (x)");
  }
  try {
    ChatStore::open(dir / "old.db");
    FAIL() << "migration over a conflicting table succeeded";
  } catch (const StoreError& e) {
    EXPECT_NE(e.detail().find("recent_models"), std::string::npos) << e.what();
  }
  Database db = Database::open(dir / "old.db");
  EXPECT_EQ(schema_version(db), 1);
  // Nothing of the failed step stayed behind: no search table, no new column.
  Statement st = db.prepare(
      "SELECT (SELECT count(*) FROM sqlite_schema WHERE name = 'messages_fts'), "
      "(SELECT count(*) FROM pragma_table_info('conversations') WHERE name = 'deleted_at'), "
      "(SELECT count(*) FROM messages)");
  ASSERT_TRUE(st.step());
  EXPECT_EQ(st.int64(0), 0);
  EXPECT_EQ(st.int64(1), 0);
  EXPECT_EQ(st.int64(2), 3);
}

// Version 3 keeps answers' reasoning apart: a version-2 file opens with its messages unchanged
// (no reasoning, no switches set), and the new columns, index and switches work on it.
TEST(Migration, Version2DatabaseGainsReasoningAndKeepsItsData) {
  vkchat::test::TempDir dir;
  write_version2(dir / "old.db");

  ChatStore store = ChatStore::open(dir / "old.db");
  {
    Database raw = Database::open(dir / "old.db");
    EXPECT_EQ(schema_version(raw), kSchemaVersion);
  }
  EXPECT_EQ(store.integrity_check(), "ok");

  std::vector<Message> path = store.active_path(7);
  ASSERT_EQ(path.size(), 2u);
  EXPECT_EQ(path[1].content, "A phonograph playing shellac discs.");
  EXPECT_EQ(path[1].reasoning, "");
  EXPECT_EQ(path[1].reasoning_tokens, 0);
  EXPECT_EQ(path[1].reasoning_ms, 0);
  Conversation c = store.conversation(7);
  EXPECT_EQ(c.settings.enable_thinking, std::nullopt);
  EXPECT_EQ(c.settings.reasoning_effort, "");
  EXPECT_EQ(c.settings.system_prompt, "Be old-fashioned.");
  EXPECT_EQ(store.search("shellac").at(0).message_id, 2);

  // The switches persist per conversation, set and unset.
  c.settings.enable_thinking = false;
  c.settings.reasoning_effort = "high";
  store.set_conversation_settings(7, c.settings);
  EXPECT_EQ(store.conversation(7).settings, c.settings);
  c.settings.enable_thinking.reset();
  store.set_conversation_settings(7, c.settings);
  EXPECT_EQ(store.conversation(7).settings.enable_thinking, std::nullopt);

  // A new answer with reasoning on the old conversation: saved while streaming and at the end,
  // and searchable only when asked.
  store.add_user_message(7, "And a wax cylinder?");
  Message a = store.begin_assistant_message(7, SamplingSettings{});
  store.checkpoint(a.id, "Edison", 1, {"The user asks about phonographs", 5, 0});
  EXPECT_EQ(store.message(a.id).reasoning, "The user asks about phonographs");
  store.finish_assistant_message(a.id, "Edison's cylinder.", 12, GenerationStats{},
                                 {"Recall the tinfoil cylinder of 1877", 9, 420.5});
  const Message done = store.message(a.id);
  EXPECT_EQ(done.content, "Edison's cylinder.");
  EXPECT_EQ(done.reasoning, "Recall the tinfoil cylinder of 1877");
  EXPECT_EQ(done.reasoning_tokens, 9);
  EXPECT_EQ(done.reasoning_ms, 420.5);
  EXPECT_TRUE(store.search("tinfoil").empty());
  const std::vector<SearchHit> hits = store.search("tinfoil", 50, true);
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].message_id, a.id);
  EXPECT_NE(hits[0].snippet.find("tinfoil"), std::string::npos) << hits[0].snippet;
  EXPECT_EQ(store.integrity_check(), "ok");
}
