// App settings (key/value, with the chat defaults under "defaults.*") and the recent-models list.
#include <charconv>
#include <optional>

#include "store/chat_store.h"
#include "store/store_rows.h"

namespace vkchat::store {

std::optional<std::string> ChatStore::setting(std::string_view key) const {
  Statement st = db_.prepare("SELECT value FROM settings WHERE key = ?1");
  st.bind(key);
  if (!st.step()) return std::nullopt;
  return st.text(0);
}

void ChatStore::set_setting(std::string_view key, std::string_view value) {
  db_.prepare(
         "INSERT INTO settings (key, value) VALUES (?1, ?2) "
         "ON CONFLICT (key) DO UPDATE SET value = excluded.value")
      .bind(key, value)
      .run();
}

void ChatStore::remove_setting(std::string_view key) {
  db_.prepare("DELETE FROM settings WHERE key = ?1").bind(key).run();
}

namespace {

// Calls f(key, field) for each chat default, so reading, writing and resetting them cannot
// disagree about the keys.
template <class Settings, class F>
void for_each_default(Settings& s, F&& f) {
  f("defaults.temperature", s.sampling.temperature);
  f("defaults.top_p", s.sampling.top_p);
  f("defaults.top_k", s.sampling.top_k);
  f("defaults.min_p", s.sampling.min_p);
  f("defaults.repeat_penalty", s.sampling.repeat_penalty);
  f("defaults.max_tokens", s.sampling.max_tokens);
  f("defaults.seed_mode", s.sampling.seed_mode);
  f("defaults.seed", s.sampling.seed);
  f("defaults.system_prompt", s.system_prompt);
  f("defaults.enable_thinking", s.enable_thinking);  // "": the template's own default
  f("defaults.reasoning_effort", s.reasoning_effort);
}

std::string value_text(const std::string& v) {
  return v;
}
std::string value_text(std::optional<bool> v) {
  return v ? (*v ? "true" : "false") : "";
}
std::string value_text(SeedMode v) {
  return std::string(to_string(v));
}
template <class T>
std::string value_text(T v) {
  return rows::number_text(v);
}

// Each returns false when `text` is not a valid value.
bool parse_value(std::string_view text, std::string& out) {
  out = text;
  return true;
}
bool parse_value(std::string_view text, std::optional<bool>& out) {
  if (text != "" && text != "true" && text != "false") return false;
  out = text == "" ? std::nullopt : std::optional<bool>(text == "true");
  return true;
}
bool parse_value(std::string_view text, SeedMode& out) {
  for (SeedMode m : {SeedMode::Random, SeedMode::Fixed}) {
    if (text == to_string(m)) {
      out = m;
      return true;
    }
  }
  return false;
}
template <class T>
bool parse_value(std::string_view text, T& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

}  // namespace

ChatSettings ChatStore::default_chat_settings() const {
  ChatSettings settings;
  for_each_default(settings, [&](std::string_view key, auto& field) {
    std::optional<std::string> text = setting(key);
    if (text && !parse_value(*text, field)) {
      db_.fail_logic("setting " + std::string(key), "unreadable value '" + *text + "'");
    }
  });
  return settings;
}

void ChatStore::set_default_chat_settings(const ChatSettings& settings) {
  Transaction tx(db_);
  for_each_default(settings, [&](std::string_view key, const auto& field) {
    set_setting(key, value_text(field));
  });
  tx.commit();
}

void ChatStore::reset_default_chat_settings() {
  Transaction tx(db_);
  ChatSettings unused;
  for_each_default(unused, [&](std::string_view key, auto&) { remove_setting(key); });
  tx.commit();
}

void ChatStore::remember_model(const RecentModel& model) {
  db_.prepare(
         "INSERT INTO recent_models (path, name, architecture, size_bytes, quant, last_opened) "
         "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (path) DO UPDATE SET name = excluded.name, "
         "architecture = excluded.architecture, size_bytes = excluded.size_bytes, "
         "quant = excluded.quant, last_opened = excluded.last_opened")
      .bind(model.path, model.name, model.architecture, model.size_bytes, model.quant,
            model.last_opened != 0 ? model.last_opened : next_time())
      .run();
}

std::vector<RecentModel> ChatStore::recent_models(int limit) const {
  Statement st = db_.prepare(
      "SELECT path, name, architecture, size_bytes, quant, last_opened FROM recent_models "
      "ORDER BY last_opened DESC, path LIMIT ?1");
  st.bind(limit);
  std::vector<RecentModel> out;
  while (st.step()) {
    out.push_back({st.text(0), st.text(1), st.text(2), st.int64(3), st.text(4), st.int64(5)});
  }
  return out;
}

void ChatStore::forget_model(std::string_view path) {
  db_.prepare("DELETE FROM recent_models WHERE path = ?1").bind(path).run();
}

std::optional<std::string> ChatStore::cached_model_sha256(std::string_view path,
                                                          std::int64_t size_bytes,
                                                          std::int64_t mtime_ms) const {
  Statement st = db_.prepare(
      "SELECT sha256 FROM model_hashes WHERE path = ?1 AND size_bytes = ?2 AND mtime_ms = ?3");
  st.bind(path, size_bytes, mtime_ms);
  if (!st.step()) return std::nullopt;
  return st.text(0);
}

void ChatStore::remember_model_sha256(std::string_view path, std::int64_t size_bytes,
                                      std::int64_t mtime_ms, std::string_view sha256) {
  // One row per path: a rewritten file's old hash is of no further use.
  db_.prepare(
         "INSERT INTO model_hashes (path, size_bytes, mtime_ms, sha256) VALUES (?1, ?2, ?3, ?4) "
         "ON CONFLICT (path) DO UPDATE SET size_bytes = excluded.size_bytes, "
         "mtime_ms = excluded.mtime_ms, sha256 = excluded.sha256")
      .bind(path, size_bytes, mtime_ms, sha256)
      .run();
}

}  // namespace vkchat::store
