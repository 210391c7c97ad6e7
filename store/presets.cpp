// Presets: the built-in ones, and the user's kept in the presets table.
#include <string>

#include "store/chat_store.h"
#include "store/store_rows.h"

namespace vkchat::store {

namespace {

Preset builtin(std::string name, std::string system_prompt, double temperature, double top_p,
               int top_k, double min_p, double repeat_penalty) {
  Preset p;
  p.name = std::move(name);
  p.built_in = true;
  p.settings.system_prompt = std::move(system_prompt);
  p.settings.sampling.temperature = temperature;
  p.settings.sampling.top_p = top_p;
  p.settings.sampling.top_k = top_k;
  p.settings.sampling.min_p = min_p;
  p.settings.sampling.repeat_penalty = repeat_penalty;
  return p;
}

bool is_builtin(std::string_view name) {
  for (const Preset& p : builtin_presets()) {
    if (p.name == name) return true;
  }
  return false;
}

}  // namespace

const std::vector<Preset>& builtin_presets() {
  // precise: little randomness for facts and code; balanced: the app's defaults (llama.cpp's);
  // creative: a flatter distribution for stories, with min-p keeping it coherent.
  static const std::vector<Preset> presets = {
      builtin("precise",
              "You are a precise assistant. Answer accurately and concisely, and say so when "
              "you are not sure.",
              0.2, 0.9, 40, 0.05, 1.0),
      builtin("balanced", "You are a helpful assistant.", SamplingSettings{}.temperature,
              SamplingSettings{}.top_p, SamplingSettings{}.top_k, SamplingSettings{}.min_p,
              SamplingSettings{}.repeat_penalty),
      builtin("creative",
              "You are a creative writer. Be imaginative and vivid, and vary your wording.", 1.1,
              0.98, 100, 0.02, 1.05),
  };
  return presets;
}

std::vector<Preset> ChatStore::presets() const {
  std::vector<Preset> out = builtin_presets();
  Statement st = db_.prepare("SELECT name, system_prompt, " + std::string(rows::kSamplingColumns) +
                             " FROM presets ORDER BY name");
  while (st.step()) {
    Preset p;
    p.name = st.text(0);
    p.settings.system_prompt = st.text(1);
    p.settings.sampling = rows::sampling(st, 2);
    out.push_back(std::move(p));
  }
  return out;
}

std::optional<Preset> ChatStore::preset(std::string_view name) const {
  for (Preset& p : presets()) {
    if (p.name == name) return std::move(p);
  }
  return std::nullopt;
}

void ChatStore::save_preset(std::string_view name, const ChatSettings& settings) {
  if (name.empty()) db_.fail_logic("save preset", "a preset needs a name");
  if (is_builtin(name)) {
    db_.fail_logic("save preset " + std::string(name),
                   "that is a built-in preset's name; choose another");
  }
  Statement st = db_.prepare("INSERT OR REPLACE INTO presets (name, system_prompt, " +
                             std::string(rows::kSamplingColumns) +
                             ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
  st.bind(name, settings.system_prompt);
  rows::bind_sampling(st, 3, settings.sampling);
  st.run();
}

void ChatStore::delete_preset(std::string_view name) {
  if (is_builtin(name)) {
    db_.fail_logic("delete preset " + std::string(name), "built-in presets cannot be deleted");
  }
  db_.prepare("DELETE FROM presets WHERE name = ?1").bind(name).run();
  if (db_.changes() == 0) db_.fail_logic("delete preset " + std::string(name), "no such preset");
}

void ChatStore::set_conversation_preset(std::int64_t id, std::string_view name) {
  Transaction tx(db_);
  const std::optional<Preset> p = preset(name);
  if (!p) db_.fail_logic("choose preset " + std::string(name), "no such preset");
  set_conversation_settings(id, p->settings);
  db_.prepare("UPDATE conversations SET preset = ?2 WHERE id = ?1").bind(id, name).run();
  tx.commit();
}

}  // namespace vkchat::store
