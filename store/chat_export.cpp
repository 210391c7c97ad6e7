// Exporting a conversation: its active branch as Markdown for people, its whole tree as JSON for
// programs. The JSON is built by SQLite's JSON functions, so every string is escaped by the same
// code that reads it.
#include <ctime>

#include "store/chat_store.h"
#include "store/store_rows.h"

namespace vkchat::store {

namespace {

std::string utc_time(std::int64_t ms) {
  std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M UTC", &tm);
  return buf;
}

std::string settings_line(const SamplingSettings& s) {
  using rows::number_text;
  std::string seed = s.seed_mode == SeedMode::Fixed ? number_text(s.seed) : "random";
  return "temperature " + number_text(s.temperature) + ", top-p " + number_text(s.top_p) +
         ", top-k " + number_text(s.top_k) + ", min-p " + number_text(s.min_p) +
         ", repeat penalty " + number_text(s.repeat_penalty) + ", max tokens " +
         number_text(s.max_tokens) + ", seed " + seed;
}

std::string_view role_heading(Role role) {
  switch (role) {
    case Role::System: return "System";
    case Role::User: return "User";
    case Role::Assistant: return "Assistant";
  }
  return "";
}

}  // namespace

std::string ChatStore::export_markdown(std::int64_t conversation_id) const {
  Conversation c = conversation(conversation_id);
  std::string md =
      "# " + (c.title.empty() ? std::string("Untitled conversation") : c.title) + "\n\n";
  md += "- Created: " + utc_time(c.created_at) + "\n";
  if (!c.model_path.empty()) md += "- Model: `" + c.model_path + "`\n";
  md += "- Settings: " + settings_line(c.settings.sampling) + "\n";
  if (!c.settings.system_prompt.empty()) {
    md += "\n## System prompt\n\n" + c.settings.system_prompt + "\n";
  }
  for (const Message& m : active_path(conversation_id)) {
    md += "\n## ";
    md += role_heading(m.role);
    if (!m.reasoning.empty()) {
      // Reasoning as a quote above the answer, as the window shows it apart.
      md += "\n\n> *Thinking*\n>\n> ";
      for (char ch : m.reasoning) {
        md += ch;
        if (ch == '\n') md += "> ";
      }
    }
    md += "\n\n" + m.content + "\n";
    if (!m.complete) md += "\n*(the answer was interrupted here)*\n";
  }
  return md;
}

std::string ChatStore::export_json(std::int64_t conversation_id) const {
  conversation(conversation_id);  // an unknown id is an error, not an empty export
  // Every message of every branch, oldest first; parent_id links them into the tree.
  Statement rows_st = db_.prepare(
      "SELECT json_object('id', m.id, 'parent_id', m.parent_id, 'role', m.role,"
      " 'content', m.content, 'created_at', m.created_at, 'token_count', m.token_count,"
      " 'complete', json(CASE WHEN m.complete THEN 'true' ELSE 'false' END),"
      " 'sampling', json(CASE WHEN m.seed_mode IS NULL THEN NULL ELSE json_object("
      "  'seed_mode', m.seed_mode, 'seed', m.seed, 'temperature', m.temperature,"
      "  'top_p', m.top_p, 'top_k', m.top_k, 'min_p', m.min_p,"
      "  'repeat_penalty', m.repeat_penalty, 'max_tokens', m.max_tokens) END),"
      " 'stats', json(CASE WHEN m.finish_reason IS NULL THEN NULL ELSE json_object("
      "  'prefill_tokens_per_s', m.prefill_tps, 'decode_tokens_per_s', m.decode_tps,"
      "  'time_to_first_token_ms', m.ttft_ms, 'finish_reason', m.finish_reason,"
      "  'error', m.error) END),"
      " 'reasoning', json(CASE WHEN m.reasoning = '' THEN NULL ELSE json_object("
      "  'text', m.reasoning, 'tokens', m.reasoning_tokens, 'ms', m.reasoning_ms) END),"
      " 'provenance', json(CASE WHEN m.model_path IS NULL THEN NULL ELSE json_object("
      "  'model_path', m.model_path, 'model_sha256', m.model_sha256,"
      "  'engine_version', m.engine_version, 'device', m.device,"
      "  'context_size', m.context_size, 'prompt', m.prompt) END),"
      // The answer's tokens with their alternatives: the store's blob (answer_tokens.h) in hex,
      // so that an imported copy keeps its token view.
      " 'answer_tokens', CASE WHEN m.answer_tokens IS NULL THEN NULL ELSE hex(m.answer_tokens) END)"
      " FROM messages m WHERE m.conversation_id = ?1 ORDER BY m.id");
  rows_st.bind(conversation_id);
  std::string messages = "[";
  while (rows_st.step()) {
    if (messages.size() > 1) messages += ',';
    messages += rows_st.text(0);
  }
  messages += ']';
  std::string path = "[";
  for (const Message& m : active_path(conversation_id)) {
    if (path.size() > 1) path += ',';
    path += std::to_string(m.id);
  }
  path += ']';
  const std::string damage = tree_damage(conversation_id);

  Statement st = db_.prepare(
      "SELECT json_object('format', 'vkchat.conversation', 'version', 2, 'id', id,"
      " 'title', title, 'created_at', created_at, 'updated_at', updated_at,"
      " 'model', json_object('path', model_path, 'hash', model_hash),"
      " 'settings', json_object('temperature', temperature, 'top_p', top_p, 'top_k', top_k,"
      "  'min_p', min_p, 'repeat_penalty', repeat_penalty, 'max_tokens', max_tokens,"
      "  'seed_mode', seed_mode, 'seed', seed, 'system_prompt', system_prompt,"
      "  'enable_thinking', json(CASE enable_thinking WHEN 1 THEN 'true' WHEN 0 THEN 'false' END),"
      "  'reasoning_effort', NULLIF(reasoning_effort, '')),"
      " 'active_path', json(?3), 'messages', json(?2), 'damage', ?4)"
      " FROM conversations WHERE id = ?1");
  st.bind(conversation_id, messages, path,
          damage.empty() ? std::optional<std::string_view>() : std::string_view(damage));
  st.step();
  return st.text(0);
}

}  // namespace vkchat::store
