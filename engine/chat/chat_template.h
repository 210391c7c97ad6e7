// A model's chat template: renders a conversation into the prompt text the model expects.
//
//   auto ct = chat::ChatTemplate::from_gguf(file);
//   chat::RenderResult r = ct.render(messages, /*add_generation_prompt=*/true);
//   r.text          // the prompt; r.stop_strings end the assistant's turn
//   r.format_name   // "jinja" (the model's own template) or the built-in format used
//
// The model's tokenizer.chat_template runs in the sandboxed Jinja interpreter (jinja/). When the
// model has no template, or it fails to parse or render (including a raise_exception, e.g. Gemma
// rejecting a system message, or a sandbox limit), a built-in format (chat_format.h) is used
// instead, unless the caller asked for strict rendering; the result says so and why
// (used_fallback, format_name, fallback_reason), for the front end to show. The built-in format is
// the one detected from the template's text, else from the vocabulary, else ChatML (llama.cpp's
// default).
//
// About BOS: a model's template may put bos_token into the text itself; a built-in format
// never does (the tokenizer adds BOS).
#pragma once
#include <atomic>
#include <ctime>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "chat/chat_format.h"
#include "chat/reasoning.h"
#include "jinja/template.h"
#include "util/errors.h"
#include "util/json.h"

namespace vkchat::gguf {
class GgufFile;
}

namespace vkchat::chat {

struct RenderResult {
  std::string text;
  std::string format_name;  // "jinja", or the built-in format's name ("chatml", "llama3", ...)
  bool used_fallback = false;
  std::string fallback_reason;            // why the template was not used (no template, its error)
  std::vector<std::string> stop_strings;  // the format's end-of-turn texts, then eos_token
};

struct ChatRenderOptions {
  bool allow_fallback = true;  // false: a template error throws TemplateError instead
  std::optional<std::tm> now;  // what strftime_now() formats; the local time when absent
  jinja::Limits limits;
  // The caller's stop flag (the app's Stop, a closed server request): once set, the template
  // stops with vkchat::Cancelled, which is not a template failure and never falls back.
  const std::atomic<bool>* cancel = nullptr;
};

// Template variables that switch a model's behaviour; unset ones are left undefined, so the
// template's own default applies (llama.cpp passes enable_thinking=true unless told otherwise).
struct TemplateSwitches {
  std::optional<bool> enable_thinking;  // Qwen3, Qwen 3.5, SmolLM3, Gemma 4, ...
  std::string reasoning_effort;         // gpt-oss: "low", "medium", "high"; empty: unset
};

class ChatTemplate {
 public:
  // tokenizer.chat_template when present and non-empty; bos/eos texts from the token ids;
  // the vocabulary for choosing the fallback format.
  static ChatTemplate from_gguf(const gguf::GgufFile& file);
  // Template text, e.g. a .jinja file; `name` labels error messages.
  static ChatTemplate from_source(std::string source, std::string bos_token = "",
                                  std::string eos_token = "", std::string name = "chat template");
  // No template: always the given built-in format.
  static ChatTemplate from_format(ChatFormat format, std::string bos_token = "",
                                  std::string eos_token = "");

  // `context` is a JSON object: "messages" (an array of {"role", "content", ...}) and any other
  // template variables (tools, date_string, enable_thinking, ...). bos_token and eos_token
  // default to this template's, add_generation_prompt to true. Throws std::invalid_argument for
  // a malformed context, TemplateError when the template fails and fallback is off.
  RenderResult render(const json::Value& context, const ChatRenderOptions& opts = {}) const;
  // Each message as {"role", "content"}, plus "reasoning_content" when it has reasoning (and
  // "thinking", where gpt-oss's template reads it, as llama.cpp copies it); the switches that
  // are set become template variables.
  RenderResult render(std::span<const Message> messages, bool add_generation_prompt,
                      const ChatRenderOptions& opts = {},
                      const TemplateSwitches& switches = {}) const;

  // How this template's model writes its reasoning (detect_reasoning_format of the source);
  // None without a template.
  ReasoningFormat reasoning_format() const { return reasoning_; }
  // Whether the template reads this variable at all (e.g. "enable_thinking"), so that a front
  // end offers the switch only where it does something.
  bool uses_variable(std::string_view name) const;

  bool has_template() const { return !source_.empty(); }
  const std::string& source() const { return source_; }
  ChatFormat fallback_format() const { return fallback_; }
  const std::string& bos_token() const { return bos_; }
  const std::string& eos_token() const { return eos_; }

 private:
  ChatTemplate() = default;
  void load(std::string source, std::string name);

  std::string source_;
  std::optional<jinja::Template> template_;
  std::optional<TemplateError> parse_error_;
  ChatFormat family_ = ChatFormat::Unknown;  // detected from the template text
  ChatFormat fallback_ = ChatFormat::ChatML;
  ReasoningFormat reasoning_ = ReasoningFormat::None;
  std::string bos_, eos_;
};

}  // namespace vkchat::chat
