// The one place where the store's types, the view-models' types and the engine's types meet:
// every conversion between them, so a field added to one side is mapped (and found) here. The
// controller's parts and the inference worker call these; none of them converts on its own.
#pragma once
#include <QString>
#include <QVariantList>
#include <cstddef>
#include <string>
#include <vector>

#include "generation_settings.h"
#include "inference_types.h"
#include "message_list_model.h"
#include "model_state.h"
#include "store/store_types.h"

// Declared only: the controller's parts include this header and hold no engine type.
namespace vkchat::chat {
enum class FinishReason;
struct Message;
struct TemplateSwitches;
struct TokenChoice;
}  // namespace vkchat::chat
namespace vkchat::sampler {
struct SamplerSettings;
}

namespace vkchat::gui {

QString qstr(const std::string& s);

// The settings panel's values and the store's conversation settings, both ways.
ui::SettingsValues to_values(const store::ChatSettings& s);
store::ChatSettings to_store(const ui::SettingsValues& v);

// The line under an answer: how fast it came and what it was sampled with.
QString answer_details(const store::Message& m);
// What an answer was made with, for its details panel: one "name: value" line each.
QString provenance_text(const store::Message& m);
// The `vkchat-cli generate` line that writes the answer again (the rendered prompt, every sampler
// setting, the seed, the context size), quoted for a POSIX shell; empty for an answer without a
// record. `cli` is the program's name or path.
QString reproduce_command(const store::Message& m,
                          const QString& cli = QStringLiteral("vkchat-cli"));
// This program's version, as answers record it.
std::string engine_version();
// What the answer to `request`, finished as `result`, was made with on `model`. The model's
// SHA-256 may still be empty (being computed).
store::Provenance provenance_of(const LoadedModel& model, const GenerationResult& result);

// "<model> @ <url>": a model on a server, as the conversation and its answers record it.
QString remote_model_id(const QString& url, const QString& model);
// Whether an answer's record is of a model on a server (its device is the server's URL).
bool is_remote(const store::Provenance& p);

// A stored message as the chat view shows it (not streaming).
ui::MessageItem to_item(const store::Message& m);

// An answer's stored tokens (store/answer_tokens.h) as the token view shows them: one map per
// token {text, display, p (-1: unknown), reasoning, alternatives: [{text, display, p, chosen}]};
// empty for no tokens or a blob this build cannot read.
QVariantList token_items(const std::string& blob);
// What a token's text looks like in the token view: line breaks and tabs as visible marks, a
// token of spaces alone as open boxes, an empty piece (a character split across tokens) as a dot.
QString token_display(const std::string& text);

// A model for the model panel: one of the recent list, or the one loaded.
ui::ModelInfo to_info(const store::RecentModel& m);
ui::ModelInfo to_info(const LoadedModel& m);
// The loaded model as the recent list remembers it.
store::RecentModel to_recent(const LoadedModel& m);

// The turns the model reads: the system prompt, then the first `count` messages of the path (for
// an answer being written: all but that answer, the path's last message).
std::vector<ChatTurn> prompt_turns(const store::Conversation& c,
                                   const std::vector<store::Message>& path, std::size_t count);

// The worker's side: the turns as the engine's chat session takes them, a conversation's sampling
// as the engine's sampler takes it, and why the engine ended an answer as the store records it.
std::vector<chat::Message> messages_of(const std::vector<ChatTurn>& turns);
sampler::SamplerSettings sampler_settings(const store::SamplingSettings& s);
store::FinishReason finish_reason(chat::FinishReason r);
// The request's reasoning switches as the template takes them.
chat::TemplateSwitches template_switches(const GenerationRequest& request);
// The engine's tokens of an answer as the store keeps them (a given token's NaN: no p).
std::vector<store::AnswerToken> answer_tokens(const std::vector<chat::TokenChoice>& choices);

}  // namespace vkchat::gui
