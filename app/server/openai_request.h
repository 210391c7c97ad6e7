// The OpenAI chat API mapped onto engine/chat: a /v1/chat/completions or /v1/completions body
// parsed into what ChatSession needs, and the response objects it answers with. No HTTP here, so
// the mapping is testable on its own; openai_server.h puts it behind cpp-httplib.
//
// Contract: parse_chat_request() accepts the fields below and ignores unknown ones; a field of the
// wrong type or out of range throws RequestError naming it (the server answers 400 with OpenAI's
// error object). Malformed JSON is also a RequestError.
//   messages (chat; array of {role, content}) or prompt (completions; a string), temperature,
//   top_p, top_k, min_p, seed, max_tokens / max_completion_tokens, stop (string or array),
//   presence_penalty, frequency_penalty, repeat_penalty, stream, stream_options.include_usage,
//   logprobs (chat: a boolean; completions: the number of alternatives), top_logprobs (0 to 20;
//   at most kMaxTopLogprobs are answered), reasoning_effort,
//   chat_template_kwargs.enable_thinking / .reasoning_effort, and a message's reasoning_content
//   (or "reasoning") for an earlier answer's reasoning.
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "chat/chat_format.h"
#include "chat/chat_session.h"
#include "sampler/sampler.h"

namespace vkchat::server {

// A request the server refuses with 400; field() is the offending field ("" for the body).
class RequestError : public std::runtime_error {
 public:
  RequestError(std::string field, const std::string& message)
      : std::runtime_error(message), field_(std::move(field)) {}
  const std::string& field() const { return field_; }

 private:
  std::string field_;
};

struct ChatRequest {
  bool is_chat = true;                  // false: /v1/completions with a prompt
  std::vector<chat::Message> messages;  // chat
  std::string prompt;                   // completions
  std::string model;
  sampler::SamplerSettings sampling;
  std::int64_t max_tokens = -1;
  std::vector<std::string> stop;
  bool stream = false;
  bool include_usage = false;
  chat::TemplateSwitches switches;  // enable_thinking, reasoning_effort
  // logprobs asked for: each token's log-probability and this many alternatives (at most
  // kMaxTopLogprobs); -1: none.
  int top_logprobs = -1;
};

// The most alternatives per token a response carries (the sampler's sampler::kMaxAlternatives);
// a request for more (OpenAI allows 20) gets this many.
inline constexpr int kMaxTopLogprobs = 10;

// `body`: the request's JSON text. Throws RequestError.
ChatRequest parse_chat_request(std::string_view body, bool is_chat);

// OpenAI's finish_reason for ours: "stop", "length" or "stop" for a user stop.
std::string_view finish_reason(chat::FinishReason r);

// {"error":{"message":...,"type":...,"param":...,"code":...}}
std::string error_json(std::string_view message, std::string_view type, std::string_view param,
                       std::string_view code);

}  // namespace vkchat::server
