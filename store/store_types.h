// Plain data the chat store reads and writes: conversations, messages, settings, recent models.
// Times are milliseconds since the Unix epoch (UTC).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vkchat::store {

enum class SeedMode { Random, Fixed };
enum class Role { System, User, Assistant };
// Why a generation ended: end-of-sequence, the max_tokens limit, the user's Stop, or an error.
enum class FinishReason { Stop, Length, Cancelled, Error };

std::string_view to_string(SeedMode mode);
std::string_view to_string(Role role);
std::string_view to_string(FinishReason reason);

// The values a sampler control may take, [min, max]. The settings panel clamps to these, and its
// controls bind to them (ui::GenerationSettings exposes them to QML).
template <class T>
struct SettingRange {
  T min;
  T max;
};
inline constexpr SettingRange<double> kTemperatureRange{0.0, 2.0};    // 0: greedy
inline constexpr SettingRange<double> kTopPRange{0.0, 1.0};           // 1: off
inline constexpr SettingRange<int> kTopKRange{0, 1000};               // 0: off
inline constexpr SettingRange<double> kMinPRange{0.0, 1.0};           // 0: off
inline constexpr SettingRange<double> kRepeatPenaltyRange{1.0, 2.0};  // 1: off
inline constexpr SettingRange<int> kMaxTokensRange{1, 32768};
// A fixed seed: up to 2^53 - 1, which a QML number holds exactly.
inline constexpr SettingRange<std::int64_t> kSeedRange{0, (std::int64_t{1} << 53) - 1};

// The sampler controls of a conversation. The member initializers are the app's built-in
// defaults, its one source (the settings panel starts from them; they equal the engine's, checked
// in app/gui/view_mapping.cpp); they apply until the user changes the app-wide defaults
// (ChatStore::set_default_chat_settings).
struct SamplingSettings {
  double temperature = 0.8;
  double top_p = 0.95;
  int top_k = 40;
  double min_p = 0.05;
  double repeat_penalty = 1.0;
  int max_tokens = 1024;
  SeedMode seed_mode = SeedMode::Random;
  std::uint64_t seed = 0;  // used when seed_mode is Fixed

  bool operator==(const SamplingSettings&) const = default;
};

// Everything of a conversation's right-hand settings panel.
struct ChatSettings {
  SamplingSettings sampling;
  std::string system_prompt;
  // The chat template's reasoning switches (where it has them): unset leaves the template's own
  // default (chat::TemplateSwitches).
  std::optional<bool> enable_thinking;
  std::string reasoning_effort;  // "low", "medium", "high"; empty: unset

  bool operator==(const ChatSettings&) const = default;
};

// A named system prompt with sampler settings, chosen per conversation. A few are built in
// (builtin_presets()); the user's own are kept in the store.
struct Preset {
  std::string name;
  ChatSettings settings;
  bool built_in = false;

  bool operator==(const Preset&) const = default;
};

struct Conversation {
  std::int64_t id = 0;
  std::string title;
  bool title_is_auto = true;  // false once the user renames it
  std::int64_t created_at = 0;
  std::int64_t updated_at = 0;  // last message written (sort key of the sidebar)
  std::string model_path;
  std::string model_hash;
  ChatSettings settings;
  std::string preset;  // the preset chosen for it (its settings were copied in); empty: none
  std::optional<std::int64_t> active_leaf_id;  // the end of the branch on screen
  std::optional<std::int64_t> deleted_at;      // set while it is in the Trash
};

// How an assistant message came about; set when it finishes.
struct GenerationStats {
  double prefill_tokens_per_s = 0;
  double decode_tokens_per_s = 0;
  double time_to_first_token_ms = 0;
  FinishReason finish_reason = FinishReason::Stop;
  // Why it failed (FinishReason::Error), for people: the server died, a wrong key, a timeout, a
  // device error. Empty otherwise, and for answers that failed before schema version 6.
  std::string error;

  bool operator==(const GenerationStats&) const = default;
};

// What an answer needs to be reproduced: the model file (and its contents' SHA-256), the program
// that ran it, the device, the context size, and the prompt exactly as the model read it (the
// chat template rendered over the branch; the sampler settings and seed are Message::sampling).
// Recorded when the answer finishes; answers written before schema version 4 have none.
struct Provenance {
  std::string model_path;
  std::string model_sha256;  // lowercase hex; empty while the file's hash was still being computed
  std::string engine_version;
  std::string device;
  int context_size = 0;
  std::string prompt;

  bool operator==(const Provenance&) const = default;
};

struct Message {
  std::int64_t id = 0;
  std::int64_t conversation_id = 0;
  std::optional<std::int64_t> parent_id;  // none for the first message of a branch from the top
  Role role = Role::User;
  std::string content;
  std::int64_t created_at = 0;
  int token_count = 0;
  // False while an answer streams, and for ever after when the writer died mid-answer.
  bool complete = true;
  std::optional<GenerationStats> stats;      // assistant messages, once finished
  std::optional<SamplingSettings> sampling;  // assistant messages: the settings and seed used
  std::optional<Provenance> provenance;      // assistant messages, once finished (version 4 on)
  // Assistant messages of a model that thinks: the reasoning kept apart from `content`, the
  // tokens it took and the time from the first token until it ended.
  std::string reasoning;
  int reasoning_tokens = 0;
  double reasoning_ms = 0;
  // Assistant messages: every token with its probability and alternatives, encoded
  // (store/answer_tokens.h); empty when none were kept (before schema version 5, or none asked).
  std::string answer_tokens;
  int sibling_index = 0;  // position among the messages sharing its parent (oldest first)
  int sibling_count = 1;
};

// One conversation matching a search: its best-ranked message and a snippet around the match.
struct SearchHit {
  std::int64_t conversation_id = 0;
  std::int64_t message_id = 0;
  std::string title;
  std::string snippet;  // plain text; "\u2026" where it was cut
  std::vector<std::pair<std::size_t, std::size_t>> highlights;  // [begin, end) byte ranges
};

// An answer's reasoning as it is saved (ChatStore::checkpoint, finish_assistant_message).
struct ReasoningRecord {
  std::string_view text;
  int tokens = 0;
  double ms = 0;
};

struct RecentModel {
  std::string path;
  std::string name;
  std::string architecture;
  std::int64_t size_bytes = 0;
  std::string quant;
  std::int64_t last_opened = 0;

  bool operator==(const RecentModel&) const = default;
};

}  // namespace vkchat::store
