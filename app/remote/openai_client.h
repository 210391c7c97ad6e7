// A client of OpenAI-compatible servers (vkchat-cli serve, llama-server, vLLM, Ollama's /v1):
// the model list and streamed chat completions over server-sent events, with cpp-httplib. No Qt
// and no engine: `vkchat-cli chat --remote` and the app's remote backend both speak through it.
//
// Every failure is a RemoteError whose kind says what happened (a wrong key, an unknown model,
// a refused or dropped connection, a timeout, an answer that is not the API's), so callers can
// keep what streamed and say why it ended. A server's answers are not trusted: anything of an
// unexpected shape is skipped or reported, never undefined behaviour.
#pragma once
#include <atomic>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

namespace httplib {
class Client;
}

namespace vkchat::remote {

enum class ErrorKind {
  BadUrl,        // not http:// or https://
  Unauthorized,  // 401/403: a wrong or missing API key
  NotFound,      // 404: an unknown model (or path)
  Refused,       // nothing listens there, or the host is unknown
  Timeout,       // connected, but the server did not answer in time
  Dropped,       // the connection closed before the answer ended (the server died, say)
  Http,          // any other HTTP error status
  BadAnswer,     // a reply that is not the API's
  Cancelled,     // stopped by the caller (abort())
};

class RemoteError : public std::runtime_error {
 public:
  RemoteError(ErrorKind kind, const std::string& what, int status = 0)
      : std::runtime_error(what), kind_(kind), status_(status) {}
  ErrorKind kind() const { return kind_; }
  int status() const { return status_; }  // the HTTP status, 0 when there was none

 private:
  ErrorKind kind_;
  int status_;
};

// Where a server is: "http://host:port/v1" (the path defaults to /v1), and its key.
struct Endpoint {
  std::string url;
  std::string api_key;  // sent as "Authorization: Bearer KEY" when not empty
  int connect_timeout_s = 10;
  int read_timeout_s = 300;  // between two pieces of an answer (a long prompt's prefill too)
};

// One token's probability and its alternatives (`logprobs`/`top_logprobs`), where the server
// sends them.
struct TokenLogprob {
  std::string token;
  double logprob = 0;
  std::vector<std::pair<std::string, double>> top;  // the alternatives, most likely first
};

// A piece of a streamed answer.
struct Delta {
  std::string content;
  std::string reasoning;  // reasoning_content (llama-server, vkchat) or reasoning (vLLM)
  std::vector<TokenLogprob> logprobs;
};

// How a stream ended.
struct StreamEnd {
  std::string finish_reason;   // "stop", "length", ... as the server said; empty when it did not
  int prompt_tokens = -1;      // from the usage chunk (stream_options.include_usage); -1: none
  int completion_tokens = -1;  // ...
};

class Client {
 public:
  // Throws RemoteError(BadUrl) for a URL that is not http(s)://.
  explicit Client(Endpoint endpoint);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  const Endpoint& endpoint() const { return endpoint_; }

  // GET /models: the ids the server serves.
  std::vector<std::string> list_models();
  // POST /chat/completions with `body` (made to stream; stream_options.include_usage added),
  // calling `on_delta` for each piece. Returns once the server ended the answer; throws
  // RemoteError otherwise (what streamed before is the caller's to keep).
  StreamEnd stream_chat(nlohmann::json body, const std::function<void(const Delta&)>& on_delta);
  // Thread-safe: ends the request in flight (stream_chat throws Cancelled), also while it waits
  // for the server's first byte; the next request connects again.
  void abort();

 private:
  Endpoint endpoint_;
  std::string path_prefix_;  // "/v1"
  std::unique_ptr<httplib::Client> http_;
  std::atomic<bool> aborted_{false};
};

// The error message of an error reply ({"error": {"message": ...}}), else the body's start.
std::string error_message(const std::string& body);
// The pieces of one server-sent event's `data:` JSON (a chat.completion.chunk); empty for an
// event of another shape. finish_reason and usage, when the chunk has them, go to `end`.
Delta parse_chunk(const nlohmann::json& chunk, StreamEnd& end);

}  // namespace vkchat::remote
