// Messages as a tree: appending, branching (edit, regenerate), the active path, and streaming
// answers written through checkpoints.
#include <algorithm>
#include <unordered_set>

#include "store/chat_store.h"
#include "store/store_rows.h"

namespace vkchat::store {

namespace {

constexpr std::size_t kTitleChars = 60;

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}
bool is_continuation(unsigned char c) {
  return (c & 0xC0) == 0x80;
}

// `text` without a trailing, unfinished UTF-8 sequence: a checkpoint can fall between the bytes
// of one character, and the stored text must stay valid UTF-8 for search and export.
std::string_view whole_utf8(std::string_view text) {
  std::size_t n = text.size();
  std::size_t lead = n;
  // The lead byte of the last character is at most 3 bytes before the end.
  for (std::size_t back = 1; back <= 4 && back <= n; ++back) {
    if (!is_continuation(static_cast<unsigned char>(text[n - back]))) {
      lead = n - back;
      break;
    }
  }
  if (lead == n) return text;
  unsigned char c = static_cast<unsigned char>(text[lead]);
  std::size_t need = c < 0x80           ? 1
                     : (c >> 5) == 0x6  ? 2
                     : (c >> 4) == 0xE  ? 3
                     : (c >> 3) == 0x1E ? 4
                                        : 1;
  return n - lead < need ? text.substr(0, lead) : text;
}

// The first line of the first user message, whitespace collapsed, cut at a character boundary.
std::string auto_title(std::string_view content) {
  std::string title;
  std::size_t chars = 0;
  bool space = false;
  for (char c : content) {
    if (c == '\n' && !title.empty()) break;
    if (is_space(c)) {
      space = !title.empty();
      continue;
    }
    if (!is_continuation(static_cast<unsigned char>(c))) {
      std::size_t adds = space ? 2 : 1;
      if (chars + adds > kTitleChars) {
        title += "\u2026";
        break;
      }
      if (space) title += ' ';
      chars += adds;
      space = false;
    }
    title += c;
  }
  return title;
}

}  // namespace

Message ChatStore::message(std::int64_t id) const {
  Statement st = db_.prepare("SELECT " + std::string(rows::kMessageColumns) +
                             " FROM messages m WHERE m.id = ?1");
  st.bind(id);
  if (!st.step()) db_.fail_logic("message " + std::to_string(id), "no such message");
  return rows::message(st);
}

std::optional<std::int64_t> ChatStore::active_leaf(std::int64_t conversation_id) const {
  Statement st = db_.prepare("SELECT " + std::string(rows::kActiveLeaf));
  st.bind(conversation_id);
  st.step();
  return st.optional_int64(0);
}

std::int64_t ChatStore::message_count(std::int64_t conversation_id) const {
  Statement st = db_.prepare("SELECT count(*) FROM messages WHERE conversation_id = ?1");
  st.bind(conversation_id);
  st.step();
  return st.int64(0);
}

std::vector<Message> ChatStore::active_path(std::int64_t conversation_id) const {
  conversation(conversation_id);  // an unknown id is an error, not an empty conversation
  Statement st =
      db_.prepare(rows::active_path_cte() + "SELECT " + std::string(rows::kMessageColumns) +
                  " FROM path JOIN messages m ON m.id = path.id AND m.conversation_id = ?1"
                  " ORDER BY path.depth");
  st.bind(conversation_id);
  // Leaf first; a repeated id means the parents loop (a damaged tree): the path ends there.
  std::vector<Message> out;
  std::unordered_set<std::int64_t> seen;
  while (st.step()) {
    Message m = rows::message(st);
    if (!seen.insert(m.id).second) break;
    out.push_back(std::move(m));
  }
  std::reverse(out.begin(), out.end());
  return out;
}

std::vector<Message> ChatStore::siblings(std::int64_t message_id) const {
  Message self = message(message_id);
  Statement st = db_.prepare("SELECT " + std::string(rows::kMessageColumns) +
                             " FROM messages m WHERE m.conversation_id = ?1 AND "
                             "m.parent_id IS ?2 ORDER BY m.id");
  st.bind(self.conversation_id, self.parent_id);
  std::vector<Message> out;
  while (st.step()) out.push_back(rows::message(st));
  return out;
}

std::int64_t ChatStore::select_branch(std::int64_t message_id) {
  Transaction tx(db_);
  Message from = message(message_id);
  // Down through the newest child, within the conversation, never more steps than it has
  // messages and never onto a message twice (a damaged tree can loop).
  const std::int64_t steps = message_count(from.conversation_id);
  std::int64_t leaf = from.id;
  std::unordered_set<std::int64_t> seen{leaf};
  Statement newest =
      db_.prepare("SELECT max(id) FROM messages WHERE parent_id = ?1 AND conversation_id = ?2");
  for (std::int64_t step = 0; step < steps; ++step) {
    newest.reset();
    newest.bind(leaf, from.conversation_id);
    newest.step();
    if (newest.is_null(0)) break;
    const std::int64_t child = newest.int64(0);
    if (!seen.insert(child).second) break;
    leaf = child;
  }
  set_active_leaf(from.conversation_id, leaf);
  tx.commit();
  return leaf;
}

std::string ChatStore::tree_damage(std::int64_t conversation_id) const {
  const Conversation c = conversation(conversation_id);
  std::vector<std::string> problems;
  if (c.active_leaf_id) {
    Statement leaf = db_.prepare("SELECT conversation_id FROM messages WHERE id = ?1");
    leaf.bind(*c.active_leaf_id);
    if (!leaf.step() || leaf.int64(0) != conversation_id) {
      problems.push_back("its branch on screen pointed to message " +
                         std::to_string(*c.active_leaf_id) + ", which is not one of its messages");
    }
  }
  // Every message descends from a top message or from one whose parent is missing; what neither
  // reaches sits in (or below) a loop of parents. The walk down cannot loop: a message in a loop
  // has no ancestor outside it.
  Statement st = db_.prepare(
      "WITH RECURSIVE own(id, parent_id) AS ("
      "  SELECT id, parent_id FROM messages WHERE conversation_id = ?1),"
      " reach(id, depth, from_top) AS ("
      "  SELECT id, 0, parent_id IS NULL FROM own"
      "  WHERE parent_id IS NULL OR parent_id NOT IN (SELECT id FROM own)"
      "  UNION ALL"
      "  SELECT m.id, r.depth + 1, r.from_top FROM reach r"
      "  JOIN messages m ON m.parent_id = r.id AND m.conversation_id = ?1"
      "  WHERE r.depth < (SELECT count(*) FROM own))"
      " SELECT (SELECT count(*) FROM own),"
      "  (SELECT count(*) FROM own WHERE parent_id IS NOT NULL"
      "   AND parent_id NOT IN (SELECT id FROM own)),"
      "  (SELECT count(DISTINCT id) FROM reach WHERE NOT from_top),"
      "  (SELECT count(DISTINCT id) FROM reach)");
  st.bind(conversation_id);
  st.step();
  const std::int64_t total = st.int64(0), orphans = st.int64(1), below_orphans = st.int64(2),
                     reached = st.int64(3);
  auto messages = [](std::int64_t n) {
    return std::to_string(n) + (n == 1 ? " message" : " messages");
  };
  if (orphans > 0) {
    problems.push_back(messages(orphans) + (orphans == 1 ? " answers" : " answer") +
                       " a message that is missing" +
                       (below_orphans > orphans ? " (and " + messages(below_orphans - orphans) +
                                                      (orphans == 1 ? " below it)" : " below them)")
                                                : std::string()));
  }
  if (total > reached) {
    problems.push_back(messages(total - reached) + (total - reached == 1 ? " forms" : " form") +
                       " a loop of replies (or follow one)");
  }
  if (problems.empty()) return {};
  std::string report = "the message tree is damaged: ";
  for (std::size_t i = 0; i < problems.size(); ++i) {
    if (i > 0) report += "; ";
    report += problems[i];
  }
  return report;
}

Message ChatStore::insert_message(std::int64_t conversation_id,
                                  std::optional<std::int64_t> parent_id, Role role,
                                  std::string_view content, const SamplingSettings* used) {
  if (parent_id && message(*parent_id).conversation_id != conversation_id) {
    db_.fail_logic(
        "add message to conversation " + std::to_string(conversation_id),
        "parent message " + std::to_string(*parent_id) + " belongs to another conversation");
  }
  std::int64_t now = next_time();
  // An answer starts incomplete, and stays so until finish_assistant_message().
  bool streaming = role == Role::Assistant;
  Statement st = db_.prepare(
      "INSERT INTO messages (conversation_id, parent_id, role, content, created_at, complete, " +
      std::string(rows::kSamplingColumns) +
      ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)");
  st.bind(conversation_id, parent_id, to_string(role), content, now, streaming ? 0 : 1);
  if (used) rows::bind_sampling(st, 7, *used);
  st.run();
  std::int64_t id = db_.last_insert_rowid();
  set_active_leaf(conversation_id, id);
  touch(conversation_id, now);
  return message(id);
}

Message ChatStore::insert_user_message(const Conversation& c, std::optional<std::int64_t> parent_id,
                                       std::string_view content) {
  Message m = insert_message(c.id, parent_id, Role::User, content, nullptr);
  // Titles follow the first user message of the branch, until the user names the conversation.
  if (c.title_is_auto) {
    Statement users = db_.prepare(rows::active_path_cte() +
                                  "SELECT count(DISTINCT m.id) FROM path JOIN messages m "
                                  "ON m.id = path.id AND m.conversation_id = ?1 "
                                  "WHERE m.role = 'user'");
    users.bind(c.id);
    users.step();
    if (users.int64(0) == 1) {
      db_.prepare("UPDATE conversations SET title = ?2 WHERE id = ?1")
          .bind(c.id, auto_title(content))
          .run();
    }
  }
  return m;
}

Message ChatStore::add_user_message(std::int64_t conversation_id, std::string_view content) {
  Transaction tx(db_);
  Conversation c = conversation(conversation_id);
  Message m = insert_user_message(c, active_leaf(conversation_id), content);
  tx.commit();
  return m;
}

Message ChatStore::edit_user_message(std::int64_t message_id, std::string_view content) {
  Transaction tx(db_);
  Message old = message(message_id);
  if (old.role != Role::User) {
    db_.fail_logic("edit message " + std::to_string(message_id),
                   "only user messages can be edited");
  }
  Message m = insert_user_message(conversation(old.conversation_id), old.parent_id, content);
  tx.commit();
  return m;
}

Message ChatStore::begin_assistant_message(std::int64_t conversation_id,
                                           const SamplingSettings& used) {
  Transaction tx(db_);
  conversation(conversation_id);  // an unknown id is an error
  Message m =
      insert_message(conversation_id, active_leaf(conversation_id), Role::Assistant, "", &used);
  tx.commit();
  return m;
}

Message ChatStore::regenerate(std::int64_t message_id, const SamplingSettings& used) {
  Transaction tx(db_);
  Message old = message(message_id);
  if (old.role != Role::Assistant) {
    db_.fail_logic("regenerate message " + std::to_string(message_id),
                   "only assistant messages can be regenerated");
  }
  Message m = insert_message(old.conversation_id, old.parent_id, Role::Assistant, "", &used);
  tx.commit();
  return m;
}

namespace {

// Fails with the reason an UPDATE of a streaming message matched no row.
[[noreturn]] void fail_not_streaming(const ChatStore& store, const Database& db, std::int64_t id,
                                     std::string_view what) {
  Message m = store.message(id);  // throws for an unknown id
  db.fail_logic(
      std::string(what) + " of message " + std::to_string(id),
      m.role != Role::Assistant ? "not an assistant message" : "the message is already finished");
}

}  // namespace

void ChatStore::checkpoint(std::int64_t message_id, std::string_view text, int token_count,
                           const ReasoningRecord& reasoning) {
  // One autocommit statement: the text is on disk, whole, when this returns.
  Statement st = db_.prepare(
      "UPDATE messages SET content = ?2, token_count = ?3, reasoning = ?4, reasoning_tokens = ?5, "
      "reasoning_ms = ?6 WHERE id = ?1 AND role = 'assistant' AND complete = 0");
  st.bind(message_id, whole_utf8(text), token_count, whole_utf8(reasoning.text), reasoning.tokens,
          reasoning.ms);
  st.run();
  if (db_.changes() == 0) fail_not_streaming(*this, db_, message_id, "checkpoint");
}

void ChatStore::finish_assistant_message(std::int64_t message_id, std::string_view text,
                                         int token_count, const GenerationStats& stats,
                                         const ReasoningRecord& reasoning,
                                         const std::optional<Provenance>& provenance) {
  Transaction tx(db_);
  Statement st = db_.prepare(
      "UPDATE messages SET content = ?2, token_count = ?3, complete = 1, prefill_tps = ?4, "
      "decode_tps = ?5, ttft_ms = ?6, finish_reason = ?7, reasoning = ?8, reasoning_tokens = ?9, "
      "reasoning_ms = ?10, error = NULLIF(?11, '') "
      "WHERE id = ?1 AND role = 'assistant' AND complete = 0");
  st.bind(message_id, text, token_count, stats.prefill_tokens_per_s, stats.decode_tokens_per_s,
          stats.time_to_first_token_ms, to_string(stats.finish_reason), reasoning.text,
          reasoning.tokens, reasoning.ms, stats.error);
  st.run();
  if (db_.changes() == 0) fail_not_streaming(*this, db_, message_id, "finish");
  if (provenance) {
    db_.prepare(
           "UPDATE messages SET model_path = ?2, model_sha256 = ?3, engine_version = ?4, "
           "device = ?5, context_size = ?6, prompt = ?7 WHERE id = ?1")
        .bind(message_id, provenance->model_path, provenance->model_sha256,
              provenance->engine_version, provenance->device, provenance->context_size,
              whole_utf8(provenance->prompt))
        .run();
  }
  touch(message(message_id).conversation_id, next_time());
  tx.commit();
}

void ChatStore::set_answer_tokens(std::int64_t message_id, std::string_view blob) {
  Statement st =
      db_.prepare("UPDATE messages SET answer_tokens = ?2 WHERE id = ?1 AND role = 'assistant'");
  st.bind_at(1, message_id);
  if (blob.empty()) {
    st.bind_at(2, std::nullopt);
  } else {
    st.bind_at(2, Blob{blob});
  }
  st.run();
  if (db_.changes() == 0) {
    const Message m = message(message_id);  // throws for an unknown id
    db_.fail_logic("answer tokens of message " + std::to_string(m.id), "not an assistant message");
  }
}

int ChatStore::fill_model_sha256(std::string_view path, std::string_view sha256) {
  db_.prepare("UPDATE messages SET model_sha256 = ?2 WHERE model_path = ?1 AND model_sha256 = ''")
      .bind(path, sha256)
      .run();
  return db_.changes();
}

void ChatStore::discard_answer(std::int64_t message_id) {
  Transaction tx(db_);
  const Message m = message(message_id);
  Statement children = db_.prepare("SELECT count(*) FROM messages WHERE parent_id = ?1");
  children.bind(message_id);
  children.step();
  if (m.role != Role::Assistant || !m.parent_id || children.int64(0) != 0) {
    db_.fail_logic("discard answer " + std::to_string(message_id),
                   "only an assistant message without replies can be discarded");
  }
  db_.prepare("DELETE FROM messages WHERE id = ?1").bind(message_id).run();
  Statement sibling = db_.prepare("SELECT max(id) FROM messages WHERE parent_id = ?1");
  sibling.bind(*m.parent_id);
  sibling.step();
  if (!sibling.is_null(0)) {
    select_branch(sibling.int64(0));
  } else {
    set_active_leaf(m.conversation_id, *m.parent_id);
  }
  tx.commit();
}

}  // namespace vkchat::store
