// `vkchat-cli chat --remote URL [--api-key KEY] --model NAME`: the chat REPL against any
// OpenAI-compatible server (vkchat-cli serve, llama-server, vLLM, ...), streamed over SSE by the
// shared client (app/remote, which the app's remote backend uses too). The conversation is kept
// here and sent whole each turn, so the server's prefix reuse applies. Sampling flags become
// request fields.
#include "cli/remote_chat.h"

#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "cli/reasoning_flags.h"
#include "remote/openai_client.h"

namespace vkchat::cli {

int run_remote_chat(const RemoteChatOptions& o) {
  using json = nlohmann::json;
  std::optional<remote::Client> client;
  try {
    client.emplace(remote::Endpoint{.url = o.url, .api_key = o.api_key});
  } catch (const remote::RemoteError& e) {
    throw UsageError(std::string("--remote: ") + e.what());
  }
  json messages = json::array();
  if (!o.system_prompt.empty())
    messages.push_back({{"role", "system"}, {"content", o.system_prompt}});
  std::string line;
  while (std::getline(std::cin, line)) {
    if (line.empty()) continue;
    if (line == "/quit") break;
    if (line == "/reset") {
      messages.erase(messages.begin() + (o.system_prompt.empty() ? 0 : 1), messages.end());
      continue;
    }
    messages.push_back({{"role", "user"}, {"content", line}});
    json body = {{"model", o.model},
                 {"messages", messages},
                 {"stream", true},
                 {"temperature", o.sampling.temperature},
                 {"top_p", o.sampling.top_p},
                 {"top_k", o.sampling.top_k},
                 {"min_p", o.sampling.min_p},
                 {"repeat_penalty", o.sampling.repeat_penalty},
                 {"presence_penalty", o.sampling.presence_penalty},
                 {"frequency_penalty", o.sampling.frequency_penalty}};
    if (o.sampling.seed != sampler::kRandomSeed) body["seed"] = o.sampling.seed;
    if (o.max_tokens > 0) body["max_tokens"] = o.max_tokens;
    // llama-server and vLLM take template switches as chat_template_kwargs; reasoning_effort is
    // OpenAI's own field.
    if (o.think) body["chat_template_kwargs"] = {{"enable_thinking", *o.think}};
    if (!o.reasoning_effort.empty()) body["reasoning_effort"] = o.reasoning_effort;
    std::string answer, reasoning;
    ThinkingPrinter thinking(stderr, isatty(STDERR_FILENO) != 0);
    try {
      client->stream_chat(std::move(body), [&](const remote::Delta& d) {
        if (!d.reasoning.empty()) {
          reasoning += d.reasoning;
          thinking.print(d.reasoning);
        }
        if (!d.content.empty()) {
          thinking.end();
          answer += d.content;
          std::fputs(d.content.c_str(), stdout);
          std::fflush(stdout);
        }
      });
      thinking.end();
      std::fputs("\n", stdout);
    } catch (const remote::RemoteError& e) {
      thinking.end();
      std::fputs("\n", stdout);
      if (e.status() != 0) {
        // Refused: the question is taken back, as if it had not been asked.
        std::fprintf(stderr, "[%s]\n", e.what());  // "[HTTP 401: ...]"
        messages.erase(messages.end() - 1);
        continue;
      }
      std::fprintf(stderr, "[connection failed: %s; partial answer kept]\n", e.what());
    }
    json reply = {{"role", "assistant"}, {"content", answer}};
    // Sent back so that the server's template decides whether the next prompt carries it.
    if (!reasoning.empty()) reply["reasoning_content"] = reasoning;
    messages.push_back(std::move(reply));
  }
  return kExitOk;
}

}  // namespace vkchat::cli
