// `vkchat-cli chat --remote URL [--api-key KEY] --model NAME`: the chat REPL against any
// OpenAI-compatible server (vkchat-cli serve, llama-server, vLLM, ...), streamed over SSE with
// cpp-httplib's client. The conversation is kept here and sent whole each turn, so the server's
// prefix reuse applies. Sampling flags become request fields.
#include "cli/remote_chat.h"

#include <httplib.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/reasoning_flags.h"

namespace vkchat::cli {
namespace {

using json = nlohmann::json;

// "http://host:port/v1" -> client base "http://host:port" and path prefix "/v1".
std::pair<std::string, std::string> split_url(const std::string& url) {
  const auto scheme = url.find("://");
  if (scheme == std::string::npos)
    throw UsageError("--remote needs http:// or https://, got " + url);
  const auto slash = url.find('/', scheme + 3);
  std::string base = url.substr(0, slash);
  std::string prefix = slash == std::string::npos ? "/v1" : url.substr(slash);
  while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
  return {base, prefix};
}

}  // namespace

int run_remote_chat(const RemoteChatOptions& o) {
  const auto [base, prefix] = split_url(o.url);
  httplib::Client client(base);
  client.set_read_timeout(300, 0);
  client.set_connection_timeout(10, 0);
  httplib::Headers headers;
  if (!o.api_key.empty()) headers.emplace("Authorization", "Bearer " + o.api_key);
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
    std::string answer, reasoning, pending, error_body;
    ThinkingPrinter thinking(stderr, isatty(STDERR_FILENO) != 0);
    httplib::Request req;
    req.method = "POST";
    req.path = prefix + "/chat/completions";
    req.headers = headers;
    req.body = body.dump();
    req.set_header("Content-Type", "application/json");
    req.content_receiver = [&](const char* data, std::size_t n, std::uint64_t, std::uint64_t) {
      pending.append(data, n);
      // Only an error answer is shown, and only its start: keep the first 4 KiB, not the stream.
      if (error_body.size() < 4096) error_body.append(data, std::min(n, 4096 - error_body.size()));
      for (std::size_t end; (end = pending.find("\n\n")) != std::string::npos;) {
        const std::string event = pending.substr(0, end);
        pending.erase(0, end + 2);
        if (event.rfind("data: ", 0) != 0 || event == "data: [DONE]") continue;
        const json c = json::parse(event.substr(6), nullptr, false);
        // A server's events are not trusted: anything but the expected shape is skipped (a
        // const json's operator[] on a missing key is undefined behaviour).
        if (!c.is_object() || !c.contains("choices") || !c["choices"].is_array() ||
            c["choices"].empty() || !c["choices"][0].is_object() ||
            !c["choices"][0].contains("delta"))
          continue;
        const json& d = c["choices"][0]["delta"];
        if (!d.is_object()) continue;
        // llama-server and vkchat send reasoning_content; newer vLLM sends reasoning (some
        // versions both, with the same text: the first found is taken).
        for (const char* key : {"reasoning_content", "reasoning"}) {
          if (d.contains(key) && d[key].is_string()) {
            const std::string piece = d[key].get<std::string>();
            reasoning += piece;
            thinking.print(piece);
            break;
          }
        }
        if (d.contains("content") && d["content"].is_string()) {
          const std::string piece = d["content"].get<std::string>();
          if (piece.empty()) continue;
          thinking.end();
          answer += piece;
          std::fputs(piece.c_str(), stdout);
          std::fflush(stdout);
        }
      }
      return true;
    };
    httplib::Response res;
    httplib::Error err = httplib::Error::Success;
    const bool ok = client.send(req, res, err);
    thinking.end();
    std::fputs("\n", stdout);
    if (!ok) {
      std::fprintf(stderr, "[connection failed: %s; partial answer kept]\n",
                   httplib::to_string(err).c_str());
    } else if (res.status != 200) {
      const json e = json::parse(error_body, nullptr, false);
      const std::string msg = e.is_object() && e.contains("error") && e["error"].is_object() &&
                                      e["error"].contains("message") &&
                                      e["error"]["message"].is_string()
                                  ? e["error"]["message"].get<std::string>()
                                  : error_body;
      std::fprintf(stderr, "[HTTP %d: %s]\n", res.status, msg.c_str());
      messages.erase(messages.end() - 1);
      continue;
    }
    json reply = {{"role", "assistant"}, {"content", answer}};
    // Sent back so that the server's template decides whether the next prompt carries it.
    if (!reasoning.empty()) reply["reasoning_content"] = reasoning;
    messages.push_back(std::move(reply));
  }
  return kExitOk;
}

}  // namespace vkchat::cli
