// The chat REPL against a remote OpenAI-compatible server (`chat --remote`); remote_chat.cpp.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "cli/cli_common.h"
#include "sampler/sampler.h"

namespace vkchat::cli {

struct RemoteChatOptions {
  std::string url;  // base URL, e.g. http://127.0.0.1:8080/v1
  std::string api_key;
  std::string model;
  std::string system_prompt;
  sampler::SamplerSettings sampling;
  std::int64_t max_tokens = -1;
  std::optional<bool> think;     // sent as chat_template_kwargs.enable_thinking
  std::string reasoning_effort;  // sent as reasoning_effort (OpenAI's field); empty: not sent
};

// Reads user lines from stdin (/reset, /quit), streams each answer to stdout and the server's
// reasoning_content (or vLLM's "reasoning") to stderr as "Thinking: " lines; HTTP and connection
// errors go to stderr and the chat goes on.
int run_remote_chat(const RemoteChatOptions& o);

}  // namespace vkchat::cli
