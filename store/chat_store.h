// The chat history store: conversations as trees of messages, app settings and recent models,
// kept in one SQLite file (schema and migrations: docs/STORE.md). Plain C++, no Qt.
//
// Contract:
// - open() creates or migrates the file (WAL journal, foreign keys on, 5 s busy timeout) and
//   refuses, with a StoreError, a file that is not a database, a damaged one (quick_check), another
//   program's database, or a schema newer than this build. Every later failure is a StoreError
//   too; nothing is swallowed and no input crashes the process.
// - Every write is one transaction: after a crash or SIGKILL the file holds each write whole or
//   not at all, so a streaming answer keeps all text up to its last checkpoint().
// - Threading: a ChatStore is one SQLite connection and is not safe for concurrent use. Keep each
//   one on a single thread (the app's database worker, never the GUI thread); a ChatStore may be
//   handed to another thread between uses. Other threads or processes open their own ChatStore on
//   the same file: WAL lets readers run beside the writer, and writers wait their turn.
// - Messages form a tree per conversation (parent_id). The conversation's active leaf picks the
//   branch on screen; active_path() is root-to-leaf. Editing a user message and regenerating an
//   answer add a sibling and never destroy the old branch.
// - Streaming: begin_assistant_message(), then checkpoint() with the whole text so far at least
//   once a second, then finish_assistant_message(). A message whose writer died stays with
//   complete == false and the text of its last checkpoint.
// - Deleting a conversation moves it to the Trash (restore_conversation brings it back);
//   purge_* removes it for good.
#pragma once
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "store/sqlite_db.h"
#include "store/store_error.h"
#include "store/store_types.h"

namespace vkchat::store {

struct ImportedMessage;  // internal to chat_import.cpp

class ChatStore {
 public:
  // busy_timeout_ms: how long a call waits for another connection's lock before it fails with a
  // StoreError whose busy() is true.
  static ChatStore open(const std::filesystem::path& path, int busy_timeout_ms = 5000);
  // Opens an existing history for reading only, when open() cannot write it or refuses it as
  // damaged: nothing is checked, created, migrated or written (a damaged file stays as it is),
  // and every write fails with a StoreError whose read_only() is true. Reads of damaged pages
  // fail as they come. Refuses a file that is not a vkchat database of this schema version.
  static ChatStore open_read_only(const std::filesystem::path& path, int busy_timeout_ms = 5000);

  ChatStore(ChatStore&&) noexcept = default;
  ChatStore& operator=(ChatStore&&) noexcept = default;
  ChatStore(const ChatStore&) = delete;
  ChatStore& operator=(const ChatStore&) = delete;

  const std::string& path() const { return db_.path(); }
  // Opened with open_read_only(), or SQLite could only read the file (write-protected).
  bool read_only() const { return db_.read_only(); }

  // Runs f() as one transaction, taking no lock until f reads or writes: every write in it is
  // kept, or none (store calls inside become savepoints). For a batch of calls that must not
  // half-happen, such as the app's jobs, which it retries whole when the file is locked.
  template <class F>
  auto atomically(F&& f) -> decltype(f()) {
    Transaction tx(db_, Transaction::Kind::Deferred);
    if constexpr (std::is_void_v<decltype(f())>) {
      f();
      tx.commit();
    } else {
      auto result = f();
      tx.commit();
      return result;
    }
  }
  // Runs PRAGMA integrity_check plus the search index's own check: "ok", or what is wrong.
  std::string integrity_check() const;

  // Conversations. An unknown id is a StoreError.
  // A new conversation takes the app-wide default settings.
  Conversation create_conversation();
  Conversation conversation(std::int64_t id) const;
  // Conversations not deleted, most recently updated first.
  std::vector<Conversation> list_conversations() const;
  void rename_conversation(std::int64_t id, std::string_view title);
  void set_conversation_model(std::int64_t id, std::string_view model_path,
                              std::string_view model_hash);
  void set_conversation_settings(std::int64_t id, const ChatSettings& settings);
  // The Trash. Deleting moves a conversation there (deleted_at is set); restoring brings it back
  // as it was; purging removes it for good. The app empties what has been in the Trash longer
  // than kTrashKeepMs when it starts.
  void delete_conversation(std::int64_t id);
  void restore_conversation(std::int64_t id);
  // Deleted conversations, most recently deleted first.
  std::vector<Conversation> list_deleted_conversations() const;
  void purge_conversation(std::int64_t id);          // removes a deleted conversation for good
  int purge_deleted_conversations();                 // empties the Trash; returns how many
  int purge_deleted_before(std::int64_t cutoff_ms);  // those deleted before `cutoff_ms`

  // Full-text search over message text (all branches) of conversations not deleted. Each word of
  // `text` must match, as a word prefix; case and diacritics are ignored. One hit per
  // conversation, best first. Answers' reasoning is searched only with `include_reasoning`.
  std::vector<SearchHit> search(std::string_view text, int limit = 50,
                                bool include_reasoning = false) const;

  // Messages. New messages become the conversation's active leaf.
  Message message(std::int64_t id) const;
  std::vector<Message> active_path(std::int64_t conversation_id) const;
  // The messages sharing `message_id`'s parent (itself included), oldest first.
  std::vector<Message> siblings(std::int64_t message_id) const;
  // Shows the branch through `message_id`: it and, below it, the newest child at each level.
  // Returns the new active leaf.
  std::int64_t select_branch(std::int64_t message_id);
  // What is wrong with the conversation's message tree, for people; empty when nothing is. A file
  // edited by hand (or by another program) can hold a loop of parents, messages whose parent is
  // missing, or an active leaf in another conversation. Every walk of the tree stays bounded by
  // the conversation's message count on such a file, and the rest of the history stays usable:
  // the active path ends where the loop or the missing parent is, and a leaf outside the
  // conversation is not followed (its newest message is the leaf instead).
  std::string tree_damage(std::int64_t conversation_id) const;

  // Appends a user message below the active leaf. The first user message titles a conversation
  // whose title was never set by the user.
  Message add_user_message(std::int64_t conversation_id, std::string_view content);
  // An edit is a new sibling of the user message `message_id`, which stays as it was.
  Message edit_user_message(std::int64_t message_id, std::string_view content);

  // Starts an (incomplete, empty) assistant message below the active leaf. `used` is what the
  // sampler runs with, the seed actually drawn included.
  Message begin_assistant_message(std::int64_t conversation_id, const SamplingSettings& used);
  // Starts a new answer beside the assistant message `message_id`, which stays as it was.
  Message regenerate(std::int64_t message_id, const SamplingSettings& used);
  // Saves the text streamed so far (all of it, not a delta). Only for messages not yet finished.
  // `reasoning`: the answer's reasoning so far (all of it too), empty for a model that does not
  // think.
  void checkpoint(std::int64_t message_id, std::string_view text, int token_count,
                  const ReasoningRecord& reasoning = {});
  // `provenance`: what produced the answer, for reproducing it (none for an answer the app
  // closed on, whose prompt it no longer knows).
  void finish_assistant_message(std::int64_t message_id, std::string_view text, int token_count,
                                const GenerationStats& stats, const ReasoningRecord& reasoning = {},
                                const std::optional<Provenance>& provenance = std::nullopt);
  // Keeps an answer's tokens with their alternatives (encode_answer_tokens; empty: none) with the
  // assistant message `message_id`, finished or not.
  void set_answer_tokens(std::int64_t message_id, std::string_view blob);
  // The model file at `path` turned out to have this SHA-256: answers from it that finished
  // while it was being computed (model_sha256 empty) get it. Returns how many.
  int fill_model_sha256(std::string_view path, std::string_view sha256);
  // Removes an answer that failed before it had any text (an assistant message without
  // children); the branch on screen goes back to its newest sibling, else to its parent.
  void discard_answer(std::int64_t message_id);

  // App settings: free-form keys; the chat defaults live under "defaults.*".
  std::optional<std::string> setting(std::string_view key) const;
  void set_setting(std::string_view key, std::string_view value);
  void remove_setting(std::string_view key);
  // The settings new conversations start with: the user's defaults over the built-in ones.
  ChatSettings default_chat_settings() const;
  void set_default_chat_settings(const ChatSettings& settings);
  void reset_default_chat_settings();  // back to the built-in defaults

  // Presets: the built-in ones (builtin_presets()) first, then the user's by name. Saving one
  // under a built-in name, or an empty name, is a StoreError; saving an existing user preset's
  // name replaces it.
  std::vector<Preset> presets() const;
  std::optional<Preset> preset(std::string_view name) const;
  void save_preset(std::string_view name, const ChatSettings& settings);
  void delete_preset(std::string_view name);  // a user preset; a built-in one is a StoreError
  // Chooses preset `name` for the conversation: its settings become the conversation's, and the
  // name is kept with it. An unknown name is a StoreError.
  void set_conversation_preset(std::int64_t id, std::string_view name);

  // Recent models, keyed by path; remembering one again moves it to the top.
  void remember_model(const RecentModel& model);  // last_opened 0 means now
  std::vector<RecentModel> recent_models(int limit = 10) const;
  void forget_model(std::string_view path);

  // The SHA-256 of model files, cached by path, size and modification time: a file is hashed
  // once, and again only when it changed (any other size or mtime is a miss).
  std::optional<std::string> cached_model_sha256(std::string_view path, std::int64_t size_bytes,
                                                 std::int64_t mtime_ms) const;
  void remember_model_sha256(std::string_view path, std::int64_t size_bytes, std::int64_t mtime_ms,
                             std::string_view sha256);

  // Markdown, for people: the conversation's active branch. JSON, for programs (one object,
  // format "vkchat.conversation" version 2): every message of every branch with its parent_id,
  // the ids of the active branch ("active_path") and, for a damaged tree, "damage".
  std::string export_markdown(std::int64_t conversation_id) const;
  std::string export_json(std::int64_t conversation_id) const;
  // Adds the conversations of an export as new ones (new ids; the tree, the branch on screen,
  // titles, times, settings, stats and the settings each answer used are kept) and returns
  // their ids. Reads vkchat's own JSON (export_json, versions 1 and 2) and ChatGPT's
  // conversations.json (an array of conversations, each a "mapping" of nodes with parent and
  // children; only the user's and the assistant's text parts are kept, a visible system message
  // becomes the system prompt). Input it cannot read is a StoreError saying why; nothing is
  // written then.
  std::vector<std::int64_t> import_json(std::string_view json);

 private:
  explicit ChatStore(Database db) : db_(std::move(db)) {}
  std::int64_t import_vkchat(std::string_view json);
  std::vector<std::int64_t> import_chatgpt(std::string_view json, bool array);
  std::int64_t insert_imported(const Conversation& c, const std::vector<ImportedMessage>& messages,
                               const std::optional<std::string>& leaf);
  Message insert_message(std::int64_t conversation_id, std::optional<std::int64_t> parent_id,
                         Role role, std::string_view content, const SamplingSettings* used);
  Message insert_user_message(const Conversation& c, std::optional<std::int64_t> parent_id,
                              std::string_view content);
  void touch(std::int64_t conversation_id, std::int64_t now);
  void set_active_leaf(std::int64_t conversation_id, std::int64_t leaf_id);
  // The end of the branch on screen (store_rows.h, kActiveLeaf); none for an empty conversation.
  std::optional<std::int64_t> active_leaf(std::int64_t conversation_id) const;
  std::int64_t message_count(std::int64_t conversation_id) const;
  // now_ms(), but strictly increasing over this store's writes: two writes within one
  // millisecond still sort in the order they happened (the sidebar sorts by time).
  std::int64_t next_time();

  Database db_;
  std::int64_t last_time_ = 0;
};

// The presets every install has: precise, balanced, creative.
const std::vector<Preset>& builtin_presets();

// Milliseconds since the Unix epoch, now: the clock of every timestamp the store writes.
std::int64_t now_ms();

// How long a deleted conversation stays in the Trash before the app purges it: 30 days.
inline constexpr std::int64_t kTrashKeepMs = 30LL * 24 * 60 * 60 * 1000;

}  // namespace vkchat::store
