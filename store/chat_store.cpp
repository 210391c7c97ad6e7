// Opening the store (connection settings, damage check, migration) and the conversation rows.
#include "store/chat_store.h"

#include <sqlite3.h>

#include <algorithm>
#include <chrono>

#include "store/store_rows.h"
#include "store/store_schema.h"

namespace vkchat::store {

namespace {

// The rows of a PRAGMA check joined by newlines ("ok" when all is well).
std::string check_report(const Database& db, std::string_view pragma) {
  Statement st = db.prepare(pragma);
  std::string report;
  int lines = 0;
  while (st.step()) {
    // A badly damaged file can report thousands of lines; the first few say enough.
    if (++lines > 10) {
      report += "\n...";
      break;
    }
    if (!report.empty()) report += '\n';
    report += st.text(0);
  }
  return report;
}

std::string pragma_text(const Database& db, std::string_view pragma) {
  Statement st = db.prepare(pragma);
  return st.step() ? st.text(0) : std::string();
}

}  // namespace

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::int64_t ChatStore::next_time() {
  last_time_ = std::max(now_ms(), last_time_ + 1);
  return last_time_;
}

ChatStore ChatStore::open(const std::filesystem::path& path, int busy_timeout_ms) {
  Database db = Database::open(path);
  // PRAGMA takes no bound parameters; the value is an int of ours.
  db.exec("PRAGMA busy_timeout = " + std::to_string(busy_timeout_ms));
  // Read-only and before anything writes: a foreign file fails here with "file is not a
  // database", and a damaged one is refused before we add to the damage.
  std::string quick;
  try {
    quick = check_report(db, "PRAGMA quick_check");
  } catch (const StoreError& e) {
    if ((e.sqlite_code() & 0xff) != SQLITE_CORRUPT) throw;
    throw StoreError(e.database(), e.context(), "the database is damaged: " + e.detail(),
                     e.sqlite_code());
  }
  if (quick != "ok") {
    throw StoreError(db.path(), "PRAGMA quick_check", "the database is damaged: " + quick,
                     SQLITE_CORRUPT);
  }
  std::string mode = pragma_text(db, "PRAGMA journal_mode = WAL");
  if (mode != "wal" && mode != "memory") {
    db.fail_logic("PRAGMA journal_mode = WAL",
                  "cannot use write-ahead logging (journal mode stays '" + mode +
                      "'); the folder may be on a network file system");
  }
  // WAL with synchronous=NORMAL: a process crash loses no committed transaction; a power cut
  // can lose the last ones but never corrupts the file.
  db.exec("PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON");
  if (pragma_text(db, "PRAGMA foreign_keys") != "1") {
    db.fail_logic("PRAGMA foreign_keys = ON", "this SQLite cannot enforce foreign keys");
  }
  migrate(db);
  return ChatStore(std::move(db));
}

ChatStore ChatStore::open_read_only(const std::filesystem::path& path, int busy_timeout_ms) {
  Database db = Database::open(path, Database::Mode::ReadOnly);
  db.exec("PRAGMA busy_timeout = " + std::to_string(busy_timeout_ms) + "; PRAGMA query_only = 1");
  // The first read: a file that is not a database fails here.
  const int found = schema_version(db);
  if (found != kSchemaVersion) {
    db.fail_logic("open read-only",
                  found == 0 ? "the file is not a vkchat chat history"
                             : "the history has schema version " + std::to_string(found) +
                                   " and this vkchat reads only version " +
                                   std::to_string(kSchemaVersion) + " without changing the file");
  }
  return ChatStore(std::move(db));
}

std::string ChatStore::integrity_check() const {
  std::string report = check_report(db_, "PRAGMA integrity_check");
  if (report != "ok") return report;
  try {
    // rank 1: compare the index with the messages table too, not only with itself.
    db_.exec("INSERT INTO messages_fts(messages_fts, rank) VALUES ('integrity-check', 1)");
    db_.exec("INSERT INTO reasoning_fts(reasoning_fts, rank) VALUES ('integrity-check', 1)");
  } catch (const StoreError& e) {
    if (!e.damaged()) throw;  // busy, I/O...: not an answer about the index
    return "search index: " + e.detail();
  }
  return report;
}

Conversation ChatStore::create_conversation() {
  ChatSettings settings = default_chat_settings();
  Statement st = db_.prepare("INSERT INTO conversations (created_at, updated_at, system_prompt, " +
                             std::string(rows::kSamplingColumns) +
                             ", enable_thinking, reasoning_effort) VALUES (?1, ?1, ?2, ?3, ?4, ?5, "
                             "?6, ?7, ?8, ?9, ?10, ?11, ?12)");
  st.bind(next_time(), settings.system_prompt);
  rows::bind_sampling(st, 3, settings.sampling);
  if (settings.enable_thinking) st.bind_at(11, *settings.enable_thinking ? 1 : 0);
  st.bind_at(12, settings.reasoning_effort);
  st.run();
  return conversation(db_.last_insert_rowid());
}

Conversation ChatStore::conversation(std::int64_t id) const {
  Statement st = db_.prepare("SELECT " + std::string(rows::kConversationColumns) +
                             " FROM conversations WHERE id = ?1");
  st.bind(id);
  if (!st.step()) db_.fail_logic("conversation " + std::to_string(id), "no such conversation");
  return rows::conversation(st);
}

std::vector<Conversation> ChatStore::list_conversations() const {
  Statement st = db_.prepare("SELECT " + std::string(rows::kConversationColumns) +
                             " FROM conversations WHERE deleted_at IS NULL"
                             " ORDER BY updated_at DESC, id DESC");
  std::vector<Conversation> out;
  while (st.step()) out.push_back(rows::conversation(st));
  return out;
}

namespace {

// Runs an UPDATE/DELETE of conversation `id` (bound as ?1) and fails when no row matched.
void update_conversation(const Database& db, Statement st, std::int64_t id, std::string_view what) {
  st.run();
  if (db.changes() == 0) {
    db.fail_logic(std::string(what) + " of conversation " + std::to_string(id),
                  "no such conversation");
  }
}

}  // namespace

void ChatStore::rename_conversation(std::int64_t id, std::string_view title) {
  Statement st =
      db_.prepare("UPDATE conversations SET title = ?2, title_is_auto = 0 WHERE id = ?1");
  st.bind(id, title);
  update_conversation(db_, std::move(st), id, "rename");
}

void ChatStore::set_conversation_model(std::int64_t id, std::string_view model_path,
                                       std::string_view model_hash) {
  Statement st =
      db_.prepare("UPDATE conversations SET model_path = ?2, model_hash = ?3 WHERE id = ?1");
  st.bind(id, model_path, model_hash);
  update_conversation(db_, std::move(st), id, "set model");
}

void ChatStore::set_conversation_settings(std::int64_t id, const ChatSettings& settings) {
  Statement st = db_.prepare("UPDATE conversations SET system_prompt = ?2, (" +
                             std::string(rows::kSamplingColumns) +
                             ") = (?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10), enable_thinking = ?11, "
                             "reasoning_effort = ?12 WHERE id = ?1");
  st.bind(id, settings.system_prompt);
  rows::bind_sampling(st, 3, settings.sampling);
  if (settings.enable_thinking) st.bind_at(11, *settings.enable_thinking ? 1 : 0);
  st.bind_at(12, settings.reasoning_effort);
  update_conversation(db_, std::move(st), id, "set settings");
}

void ChatStore::delete_conversation(std::int64_t id) {
  // coalesce: deleting twice keeps the first time, which is when the undo window opened.
  Statement st =
      db_.prepare("UPDATE conversations SET deleted_at = coalesce(deleted_at, ?2) WHERE id = ?1");
  st.bind(id, next_time());
  update_conversation(db_, std::move(st), id, "delete");
}

void ChatStore::restore_conversation(std::int64_t id) {
  Statement st = db_.prepare("UPDATE conversations SET deleted_at = NULL WHERE id = ?1");
  st.bind(id);
  update_conversation(db_, std::move(st), id, "restore");
}

void ChatStore::purge_conversation(std::int64_t id) {
  // Only a deleted conversation can go for good, so a stale id cannot destroy a live one.
  Statement st = db_.prepare("DELETE FROM conversations WHERE id = ?1 AND deleted_at IS NOT NULL");
  st.bind(id);
  st.run();
  if (db_.changes() == 0) {
    Conversation c = conversation(id);  // throws for an unknown id
    db_.fail_logic("purge of conversation " + std::to_string(c.id),
                   "the conversation is not deleted");
  }
}

std::vector<Conversation> ChatStore::list_deleted_conversations() const {
  Statement st = db_.prepare("SELECT " + std::string(rows::kConversationColumns) +
                             " FROM conversations WHERE deleted_at IS NOT NULL"
                             " ORDER BY deleted_at DESC, id DESC");
  std::vector<Conversation> out;
  while (st.step()) out.push_back(rows::conversation(st));
  return out;
}

int ChatStore::purge_deleted_conversations() {
  db_.prepare("DELETE FROM conversations WHERE deleted_at IS NOT NULL").run();
  return db_.changes();
}

int ChatStore::purge_deleted_before(std::int64_t cutoff_ms) {
  db_.prepare("DELETE FROM conversations WHERE deleted_at < ?1").bind(cutoff_ms).run();
  return db_.changes();
}

void ChatStore::touch(std::int64_t conversation_id, std::int64_t now) {
  Statement st = db_.prepare("UPDATE conversations SET updated_at = ?2 WHERE id = ?1");
  st.bind(conversation_id, now);
  update_conversation(db_, std::move(st), conversation_id, "update");
}

void ChatStore::set_active_leaf(std::int64_t conversation_id, std::int64_t leaf_id) {
  Statement st = db_.prepare("UPDATE conversations SET active_leaf_id = ?2 WHERE id = ?1");
  st.bind(conversation_id, leaf_id);
  update_conversation(db_, std::move(st), conversation_id, "select branch");
}

}  // namespace vkchat::store
