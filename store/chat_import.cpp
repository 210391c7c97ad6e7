// Importing conversations: vkchat's own JSON export and ChatGPT's conversations.json. The JSON is
// read with SQLite's JSON functions (as the export writes it), so the store needs no parser of
// its own. Each import is one transaction: bad input writes nothing.
#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "store/answer_tokens.h"
#include "store/chat_store.h"
#include "store/store_rows.h"

namespace vkchat::store {

// One message to insert: its id in the file, its parent's (none at the top), and its fields.
struct ImportedMessage {
  std::string key;
  std::optional<std::string> parent;
  Role role = Role::User;
  std::string content;
  std::int64_t created_at = 0;
  int token_count = 0;
  bool complete = true;
  std::optional<SamplingSettings> sampling;
  std::optional<GenerationStats> stats;
  std::optional<Provenance> provenance;
  std::string reasoning;  // a thinking model's reasoning, kept apart as the store keeps it
  int reasoning_tokens = 0;
  double reasoning_ms = 0;
  std::string answer_tokens;  // the store's blob (answer_tokens.h); empty: none
};

namespace {

// The export's hex of an answer-token blob as its bytes; nullopt for anything but pairs of hex
// digits.
std::optional<std::string> from_hex(std::string_view hex) {
  if (hex.size() % 2 != 0) return std::nullopt;
  const auto digit = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  std::string bytes;
  bytes.reserve(hex.size() / 2);
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    const int hi = digit(hex[i]), lo = digit(hex[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    bytes.push_back(static_cast<char>(hi * 16 + lo));
  }
  return bytes;
}

std::optional<Role> role_named(std::string_view name) {
  if (name == "user") return Role::User;
  if (name == "assistant") return Role::Assistant;
  if (name == "system") return Role::System;
  return std::nullopt;
}

// Parents before children, whatever order the file lists them in; a parent that is not in the
// file, or a loop of parents, is an error naming the message.
std::vector<const ImportedMessage*> parents_first(const Database& db,
                                                  const std::vector<ImportedMessage>& messages) {
  std::map<std::string, const ImportedMessage*> by_key;
  for (const ImportedMessage& m : messages) {
    if (!by_key.emplace(m.key, &m).second) {
      db.fail_logic("import", "message " + m.key + " appears twice");
    }
  }
  std::vector<const ImportedMessage*> order;
  std::map<std::string, bool> placed;
  // Each pass places the messages whose parent is placed; a pass that places none ends it.
  for (bool progress = true; progress && order.size() < messages.size();) {
    progress = false;
    for (const ImportedMessage& m : messages) {
      if (placed[m.key]) continue;
      if (m.parent && !by_key.count(*m.parent)) {
        db.fail_logic("import",
                      "message " + m.key + "'s parent " + *m.parent + " is not in the file");
      }
      if (!m.parent || placed[*m.parent]) {
        order.push_back(&m);
        placed[m.key] = true;
        progress = true;
      }
    }
  }
  if (order.size() < messages.size()) db.fail_logic("import", "the messages' parents form a loop");
  return order;
}

}  // namespace

std::int64_t ChatStore::insert_imported(const Conversation& c,
                                        const std::vector<ImportedMessage>& messages,
                                        const std::optional<std::string>& leaf) {
  Statement conv = db_.prepare(
      "INSERT INTO conversations (title, title_is_auto, created_at, updated_at, model_path, "
      "model_hash, system_prompt, " +
      std::string(rows::kSamplingColumns) +
      ") VALUES (?1, 0, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)");
  conv.bind(c.title, c.created_at, c.updated_at, c.model_path, c.model_hash,
            c.settings.system_prompt);
  rows::bind_sampling(conv, 7, c.settings.sampling);
  conv.run();
  const std::int64_t id = db_.last_insert_rowid();
  set_conversation_settings(id, c.settings);  // and the template switches the insert leaves out

  std::map<std::string, std::int64_t> new_id;
  for (const ImportedMessage* m : parents_first(db_, messages)) {
    Statement st = db_.prepare(
        "INSERT INTO messages (conversation_id, parent_id, role, content, created_at, "
        "token_count, complete, prefill_tps, decode_tps, ttft_ms, finish_reason, " +
        std::string(rows::kSamplingColumns) +
        ", reasoning, reasoning_tokens, reasoning_ms, error) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, "
        "?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, NULLIF(?23, "
        "''))");
    st.bind(id, m->parent ? std::optional<std::int64_t>(new_id.at(*m->parent)) : std::nullopt,
            to_string(m->role), m->content, m->created_at, m->token_count, m->complete ? 1 : 0);
    if (m->stats) {
      st.bind_at(8, m->stats->prefill_tokens_per_s);
      st.bind_at(9, m->stats->decode_tokens_per_s);
      st.bind_at(10, m->stats->time_to_first_token_ms);
      st.bind_at(11, to_string(m->stats->finish_reason));
      st.bind_at(23, std::string_view(m->stats->error));
    }
    if (m->sampling) rows::bind_sampling(st, 12, *m->sampling);
    st.bind_at(20, std::string_view(m->reasoning));
    st.bind_at(21, m->reasoning_tokens);
    st.bind_at(22, m->reasoning_ms);
    st.run();
    new_id[m->key] = db_.last_insert_rowid();
    if (!m->answer_tokens.empty()) set_answer_tokens(new_id[m->key], m->answer_tokens);
    if (m->provenance) {
      const Provenance& p = *m->provenance;
      db_.prepare(
             "UPDATE messages SET model_path = ?2, model_sha256 = ?3, engine_version = ?4, "
             "device = ?5, context_size = ?6, prompt = ?7 WHERE id = ?1")
          .bind(new_id[m->key], p.model_path, p.model_sha256, p.engine_version, p.device,
                p.context_size, p.prompt)
          .run();
    }
  }
  if (leaf && new_id.count(*leaf)) set_active_leaf(id, new_id.at(*leaf));
  return id;
}

std::vector<std::int64_t> ChatStore::import_json(std::string_view json) {
  // Checked on its own: the other JSON functions fail on malformed text with SQLite's message.
  Statement valid = db_.prepare("SELECT json_valid(?1)");
  valid.bind(json);
  valid.step();
  if (valid.int64(0) == 0) db_.fail_logic("import", "the file is not JSON");
  Statement kind = db_.prepare(
      "SELECT 1, json_type(?1), json_extract(?1, '$.format'), json_type(?1, '$.mapping')");
  kind.bind(json);
  kind.step();
  const std::string type = kind.text(1);
  Transaction tx(db_);
  std::vector<std::int64_t> ids;
  if (type == "object" && kind.text(2) == "vkchat.conversation") {
    ids.push_back(import_vkchat(json));
  } else if (type == "array" || (type == "object" && kind.text(3) == "object")) {
    ids = import_chatgpt(json, type == "array");
  } else {
    db_.fail_logic("import",
                   "neither a vkchat export (format \"vkchat.conversation\") nor ChatGPT's "
                   "conversations.json (conversations with a \"mapping\")");
  }
  tx.commit();
  return ids;
}

std::int64_t ChatStore::import_vkchat(std::string_view json) {
  Statement head = db_.prepare(
      "SELECT json_extract(?1, '$.version'), coalesce(json_extract(?1, '$.title'), ''),"
      " coalesce(json_extract(?1, '$.created_at'), 0), coalesce(json_extract(?1, '$.updated_at'), "
      "0),"
      " coalesce(json_extract(?1, '$.model.path'), ''), coalesce(json_extract(?1, '$.model.hash'), "
      "''),"
      " coalesce(json_extract(?1, '$.settings.system_prompt'), ''),"
      " json_extract(?1, '$.settings.temperature'), json_extract(?1, '$.settings.top_p'),"
      " json_extract(?1, '$.settings.top_k'), json_extract(?1, '$.settings.min_p'),"
      " json_extract(?1, '$.settings.repeat_penalty'), json_extract(?1, '$.settings.max_tokens'),"
      " json_extract(?1, '$.settings.seed_mode'), json_extract(?1, '$.settings.seed'),"
      " json_extract(?1, '$.active_path[#-1]'), json_type(?1, '$.messages'),"
      " json_extract(?1, '$.settings.enable_thinking'),"
      " coalesce(json_extract(?1, '$.settings.reasoning_effort'), '')");
  head.bind(json);
  head.step();
  if (head.is_null(0) || head.int64(0) > 2) {
    db_.fail_logic("import", "a vkchat export of version " + head.text(0) +
                                 ", which this vkchat does not read (version 2 or older)");
  }
  if (head.text(16) != "array") db_.fail_logic("import", "the export has no \"messages\" list");
  Conversation c;
  c.title = head.text(1);
  c.created_at = head.int64(2);
  c.updated_at = head.int64(3);
  c.model_path = head.text(4);
  c.model_hash = head.text(5);
  c.settings.system_prompt = head.text(6);
  if (!head.is_null(7)) {
    if (head.is_null(13)) db_.fail_logic("import", "the export's settings have no seed_mode");
    c.settings.sampling = rows::sampling(head, 7);
  }
  if (!head.is_null(17)) c.settings.enable_thinking = head.int64(17) != 0;
  c.settings.reasoning_effort = head.text(18);
  const std::optional<std::string> leaf =
      head.is_null(15) ? std::nullopt : std::optional<std::string>(head.text(15));

  Statement st = db_.prepare(
      "SELECT json_extract(value, '$.id'), json_extract(value, '$.parent_id'),"
      " coalesce(json_extract(value, '$.role'), ''), coalesce(json_extract(value, '$.content'), "
      "''),"
      " coalesce(json_extract(value, '$.created_at'), 0),"
      " coalesce(json_extract(value, '$.token_count'), 0),"
      " coalesce(json_extract(value, '$.complete'), 1),"
      " json_extract(value, '$.stats.prefill_tokens_per_s'),"
      " json_extract(value, '$.stats.decode_tokens_per_s'),"
      " json_extract(value, '$.stats.time_to_first_token_ms'),"
      " json_extract(value, '$.stats.finish_reason'),"
      " json_extract(value, '$.sampling.temperature'), json_extract(value, '$.sampling.top_p'),"
      " json_extract(value, '$.sampling.top_k'), json_extract(value, '$.sampling.min_p'),"
      " json_extract(value, '$.sampling.repeat_penalty'),"
      " json_extract(value, '$.sampling.max_tokens'), json_extract(value, '$.sampling.seed_mode'),"
      " json_extract(value, '$.sampling.seed'),"
      " json_extract(value, '$.provenance.model_path'),"
      " json_extract(value, '$.provenance.model_sha256'),"
      " json_extract(value, '$.provenance.engine_version'),"
      " json_extract(value, '$.provenance.device'),"
      " coalesce(json_extract(value, '$.provenance.context_size'), 0),"
      " json_extract(value, '$.provenance.prompt'),"
      " coalesce(json_extract(value, '$.reasoning.text'), ''),"
      " coalesce(json_extract(value, '$.reasoning.tokens'), 0),"
      " coalesce(json_extract(value, '$.reasoning.ms'), 0),"
      " coalesce(json_extract(value, '$.stats.error'), ''),"
      " coalesce(json_extract(value, '$.answer_tokens'), '')"
      " FROM json_each(?1, '$.messages') ORDER BY key");
  st.bind(json);
  std::vector<ImportedMessage> messages;
  while (st.step()) {
    ImportedMessage m;
    if (st.is_null(0)) db_.fail_logic("import", "a message has no id");
    m.key = st.text(0);
    if (!st.is_null(1)) m.parent = st.text(1);
    const std::optional<Role> role = role_named(st.text(2));
    if (!role) db_.fail_logic("import", "message " + m.key + " has the role '" + st.text(2) + "'");
    m.role = *role;
    m.content = st.text(3);
    m.created_at = st.int64(4);
    m.token_count = static_cast<int>(st.int64(5));
    m.complete = st.int64(6) != 0;
    if (!st.is_null(10)) {
      m.stats = GenerationStats{st.real(7), st.real(8), st.real(9), rows::finish_reason_at(st, 10),
                                st.text(28)};
    }
    if (!st.is_null(11) && !st.is_null(17)) m.sampling = rows::sampling(st, 11);
    if (!st.is_null(19)) {
      m.provenance = Provenance{
          st.text(19), st.text(20), st.text(21), st.text(22), static_cast<int>(st.int64(23)),
          st.text(24)};
    }
    m.reasoning = st.text(25);
    m.reasoning_tokens = static_cast<int>(st.int64(26));
    m.reasoning_ms = st.real(27);
    if (const std::string hex = st.text(29); !hex.empty()) {
      std::optional<std::string> blob = from_hex(hex);
      if (!blob || !decode_answer_tokens(*blob)) {
        db_.fail_logic("import", "message " + m.key + " has answer_tokens that are not valid");
      }
      m.answer_tokens = std::move(*blob);
    }
    messages.push_back(std::move(m));
  }
  return insert_imported(c, messages, leaf);
}

std::vector<std::int64_t> ChatStore::import_chatgpt(std::string_view json, bool array) {
  std::vector<std::string> roots;
  if (array) {
    Statement each = db_.prepare("SELECT fullkey FROM json_each(?1) ORDER BY key");
    each.bind(json);
    while (each.step()) roots.push_back(each.text(0));
  } else {
    roots.push_back("$");
  }
  std::vector<std::int64_t> ids;
  for (const std::string& root : roots) {
    Statement head = db_.prepare(
        "SELECT coalesce(json_extract(?1, ?2 || '.title'), ''),"
        " coalesce(json_extract(?1, ?2 || '.create_time'), 0),"
        " coalesce(json_extract(?1, ?2 || '.update_time'), json_extract(?1, ?2 || '.create_time'), "
        "0),"
        " json_extract(?1, ?2 || '.current_node'), json_type(?1, ?2 || '.mapping')");
    head.bind(json, root);
    head.step();
    if (head.text(4) != "object") {
      db_.fail_logic("import", "conversation " + root + " has no \"mapping\" of messages");
    }
    Conversation c;
    c.title = head.text(0);
    // ChatGPT's times are seconds (with a fraction); the store's are milliseconds.
    c.created_at = static_cast<std::int64_t>(head.real(1) * 1000);
    c.updated_at = static_cast<std::int64_t>(head.real(2) * 1000);
    const std::optional<std::string> current =
        head.is_null(3) ? std::nullopt : std::optional<std::string>(head.text(3));

    // Every node: its parent, and its message's role, text parts and time. The root is a node
    // without a message; tool calls, hidden system messages and empty ones are left out, their
    // children joined to the nearest message kept above them.
    Statement st = db_.prepare(
        "SELECT n.key, json_extract(n.value, '$.parent'),"
        " coalesce(json_extract(n.value, '$.message.author.role'), ''),"
        " (SELECT group_concat(p.value, '') FROM json_each(n.value, '$.message.content.parts') p"
        "  WHERE p.type = 'text'),"
        " coalesce(json_extract(n.value, '$.message.create_time'), 0),"
        " coalesce(json_extract(n.value,"
        " '$.message.metadata.is_visually_hidden_from_conversation'), 0)"
        " FROM json_each(?1, ?2 || '.mapping') n");
    st.bind(json, root);
    struct Node {
      std::optional<std::string> parent;
      bool kept = false;
    };
    std::map<std::string, Node> nodes;
    std::vector<ImportedMessage> messages;
    while (st.step()) {
      Node n;
      if (!st.is_null(1)) n.parent = st.text(1);
      const std::optional<Role> role = role_named(st.text(2));
      const std::string text = st.text(3);
      n.kept = role && !text.empty() && st.int64(5) == 0;
      if (n.kept && *role == Role::System) {
        // A visible system message is the conversation's system prompt, as vkchat keeps it.
        if (c.settings.system_prompt.empty()) c.settings.system_prompt = text;
        n.kept = false;
      }
      if (n.kept) {
        ImportedMessage m;
        m.key = st.text(0);
        m.role = *role;
        m.content = text;
        m.created_at = static_cast<std::int64_t>(st.real(4) * 1000);
        messages.push_back(std::move(m));
      }
      nodes[st.text(0)] = std::move(n);
    }
    // The nearest kept node at or above `key` (bounded: a loop of parents ends the walk).
    auto kept_at_or_above = [&](std::optional<std::string> key) -> std::optional<std::string> {
      for (std::size_t steps = 0; key && steps <= nodes.size(); ++steps) {
        auto it = nodes.find(*key);
        if (it == nodes.end()) return std::nullopt;
        if (it->second.kept) return key;
        key = it->second.parent;
      }
      return std::nullopt;
    };
    for (ImportedMessage& m : messages) m.parent = kept_at_or_above(nodes[m.key].parent);
    std::optional<std::string> leaf = kept_at_or_above(current);
    if (!leaf && !messages.empty()) leaf = messages.back().key;
    ids.push_back(insert_imported(c, messages, leaf));
  }
  return ids;
}

}  // namespace vkchat::store
