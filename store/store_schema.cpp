// Schema migrations. A migration, once released, never changes: a new need is a new version.
#include "store/store_schema.h"

#include <array>
#include <string>
#include <string_view>

namespace vkchat::store {

namespace {

// Version 1: conversations as a tree of messages, and app settings.
constexpr std::string_view kVersion1 = R"sql(
CREATE TABLE conversations (
  id             INTEGER PRIMARY KEY,
  title          TEXT    NOT NULL DEFAULT '',
  title_is_auto  INTEGER NOT NULL DEFAULT 1,
  created_at     INTEGER NOT NULL,
  updated_at     INTEGER NOT NULL,
  model_path     TEXT    NOT NULL DEFAULT '',
  model_hash     TEXT    NOT NULL DEFAULT '',
  temperature    REAL    NOT NULL,
  top_p          REAL    NOT NULL,
  top_k          INTEGER NOT NULL,
  min_p          REAL    NOT NULL,
  repeat_penalty REAL    NOT NULL,
  max_tokens     INTEGER NOT NULL,
  seed_mode      TEXT    NOT NULL CHECK (seed_mode IN ('random', 'fixed')),
  seed           INTEGER NOT NULL DEFAULT 0,
  system_prompt  TEXT    NOT NULL DEFAULT '',
  active_leaf_id INTEGER REFERENCES messages(id) ON DELETE SET NULL
);
CREATE INDEX conversations_active_leaf ON conversations(active_leaf_id);

CREATE TABLE messages (
  id              INTEGER PRIMARY KEY,
  conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
  parent_id       INTEGER REFERENCES messages(id) ON DELETE CASCADE,
  role            TEXT    NOT NULL CHECK (role IN ('system', 'user', 'assistant')),
  content         TEXT    NOT NULL DEFAULT '',
  created_at      INTEGER NOT NULL,
  token_count     INTEGER NOT NULL DEFAULT 0,
  complete        INTEGER NOT NULL DEFAULT 1,
  prefill_tps     REAL,
  decode_tps      REAL,
  ttft_ms         REAL,
  finish_reason   TEXT CHECK (finish_reason IN ('stop', 'length', 'cancelled', 'error')),
  seed_mode       TEXT CHECK (seed_mode IN ('random', 'fixed')),
  seed            INTEGER,
  temperature     REAL,
  top_p           REAL,
  top_k           INTEGER,
  min_p           REAL,
  repeat_penalty  REAL,
  max_tokens      INTEGER
);
CREATE INDEX messages_by_parent ON messages(parent_id);
CREATE INDEX messages_by_conversation ON messages(conversation_id, parent_id);

CREATE TABLE settings (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;
)sql";

// Version 2: full-text search over messages, recent models, and undoable deletes.
constexpr std::string_view kVersion2 = R"sql(
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
  path         TEXT PRIMARY KEY,
  name         TEXT    NOT NULL,
  architecture TEXT    NOT NULL,
  size_bytes   INTEGER NOT NULL,
  quant        TEXT    NOT NULL,
  last_opened  INTEGER NOT NULL
) WITHOUT ROWID;

ALTER TABLE conversations ADD COLUMN deleted_at INTEGER;
CREATE INDEX conversations_by_updated ON conversations(deleted_at, updated_at);
)sql";

// Version 3: reasoning kept apart from the answer (its text, tokens and time), searchable on
// request through an index of its own, and the template's reasoning switches per conversation
// (enable_thinking NULL: unset). Self-contained: it adds columns and a table, and touches no
// other migration's.
constexpr std::string_view kVersion3 = R"sql(
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
)sql";

// Version 4: reproducible answers, and presets. Each answer records what produced it
// (store_types.h, Provenance); older answers keep NULLs there. The SHA-256 of model files is cached
// by path, size and modification time, so a file is hashed once and again only after it changes.
constexpr std::string_view kVersion4 = R"sql(
ALTER TABLE messages ADD COLUMN model_path TEXT;
ALTER TABLE messages ADD COLUMN model_sha256 TEXT;
ALTER TABLE messages ADD COLUMN engine_version TEXT;
ALTER TABLE messages ADD COLUMN device TEXT;
ALTER TABLE messages ADD COLUMN context_size INTEGER;
ALTER TABLE messages ADD COLUMN prompt TEXT;
CREATE INDEX messages_by_model ON messages(model_path) WHERE model_path IS NOT NULL;

CREATE TABLE model_hashes (
  path       TEXT    PRIMARY KEY,
  size_bytes INTEGER NOT NULL,
  mtime_ms   INTEGER NOT NULL,
  sha256     TEXT    NOT NULL
) WITHOUT ROWID;

-- The user's presets (the built-in ones are in the code, store/presets.cpp); a conversation
-- names the preset chosen for it, whose settings it then holds as its own.
CREATE TABLE presets (
  name           TEXT    PRIMARY KEY,
  system_prompt  TEXT    NOT NULL DEFAULT '',
  temperature    REAL    NOT NULL,
  top_p          REAL    NOT NULL,
  top_k          INTEGER NOT NULL,
  min_p          REAL    NOT NULL,
  repeat_penalty REAL    NOT NULL,
  max_tokens     INTEGER NOT NULL,
  seed_mode      TEXT    NOT NULL CHECK (seed_mode IN ('random', 'fixed')),
  seed           INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
ALTER TABLE conversations ADD COLUMN preset TEXT NOT NULL DEFAULT '';
)sql";

// Version 5: every token of an answer with its probability and the alternatives it was chosen
// among (store/answer_tokens.h, a versioned binary form); NULL for answers written before, or
// with no alternatives asked for.
constexpr std::string_view kVersion5 = R"sql(
ALTER TABLE messages ADD COLUMN answer_tokens BLOB;
)sql";

// Version 6: why an answer failed (finish_reason 'error'), as the window said it, so that it is
// said again when the conversation is opened later; NULL for every other answer and for answers
// that failed before.
constexpr std::string_view kVersion6 = R"sql(
ALTER TABLE messages ADD COLUMN error TEXT;
)sql";

constexpr std::array<std::string_view, kSchemaVersion> kMigrations = {
    kVersion1, kVersion2, kVersion3, kVersion4, kVersion5, kVersion6};

}  // namespace

int schema_version(const Database& db) {
  Statement st = db.prepare("PRAGMA user_version");
  st.step();
  return static_cast<int>(st.int64(0));
}

int migrate(const Database& db) {
  int found = schema_version(db);
  if (found > kSchemaVersion) {
    db.fail_logic("open", "the database has schema version " + std::to_string(found) +
                              ", newer than this vkchat understands (" +
                              std::to_string(kSchemaVersion) + "); use a newer vkchat");
  }
  if (found == 0) {
    Statement st = db.prepare("SELECT count(*) FROM sqlite_schema");
    st.step();
    if (st.int64(0) > 0) {
      db.fail_logic("open",
                    "the file is an SQLite database of another program (it has tables "
                    "but no vkchat schema version)");
    }
  }
  for (int target = found + 1; target <= kSchemaVersion; ++target) {
    Transaction tx(db);
    // Another process may have migrated while we waited for the write lock.
    if (schema_version(db) >= target) continue;
    db.exec(kMigrations[static_cast<std::size_t>(target - 1)]);
    // PRAGMA takes no bound parameters; the value is our own constant, not input.
    db.exec("PRAGMA user_version = " + std::to_string(target));
    tx.commit();
  }
  return found;
}

}  // namespace vkchat::store
