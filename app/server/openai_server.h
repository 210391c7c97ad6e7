// The OpenAI-compatible HTTP server over a SlotEngine: cpp-httplib's server on a thread of its
// own, with the routes `vkchat-cli serve` answers (GET /v1/models, POST /v1/chat/completions and
// /v1/completions, streamed as server-sent events or not, GET /health). `vkchat-cli serve` runs
// it in the foreground until Ctrl-C; the app runs it beside its own chat on the model it loaded.
//
// Contract:
// - start() binds host:port (port 0: a free one, port() says which) and answers from then on;
//   a port it cannot bind throws ListenError, whose error() is the bind's errno. A port anything
//   listens on is refused (EADDRINUSE, "port N is in use ..."), also when that is another
//   cpp-httplib server: unlike httplib's default, the socket is bound without SO_REUSEPORT, with
//   which a second server would share the port and the kernel split the connections between
//   them. One start per object.
// - With an API key every /v1 request needs 'Authorization: Bearer KEY' (401 otherwise); bodies
//   over max_body bytes get 413, malformed JSON and wrong fields 400 (openai_request.h), a model
//   other than the engine's 404, a full queue 503 with Retry-After.
// - stop() ends the answers in flight at their next token (SlotEngine::stop_all), stops
//   listening and joins the server's threads; the destructor does it too. request_stop() does
//   the first two without waiting (for a signal handler); wait() returns once the server ended.
// - A streamed answer whose client has gone (the connection closed or reset) stops before
//   another token is computed: the connection is checked between tokens and between prefill
//   chunks, whether or not there is text to write (a prefill, or a token whose text is held
//   back, writes none). ServeOptions::on_client_gone hears how many tokens it had generated.
// - The engine must outlive the server.
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

namespace vkchat::server {

class SlotEngine;

// The port `vkchat-cli serve` and the app's server listen on unless told otherwise: the one
// default of both.
inline constexpr int kDefaultPort = 8080;
// Requests that may wait for a busy slot before the next one gets 503 (serve's --queue).
inline constexpr std::size_t kDefaultQueue = 16;

struct ServeOptions {
  std::string host = "127.0.0.1";
  int port = kDefaultPort;  // 0: any free port
  std::optional<std::string> api_key;
  std::size_t max_body = std::size_t{1} << 20;
  // Called on the server's thread when a streamed answer stopped because its client left, with
  // the tokens generated for it (`vkchat-cli serve` logs it). Empty: not told.
  std::function<void(std::int64_t tokens_generated)> on_client_gone;
};

// "port N is in use (...)" for EADDRINUSE, else "cannot listen on HOST:PORT"; error(): the errno
// the bind left (0 when unknown).
class ListenError : public std::runtime_error {
 public:
  ListenError(const std::string& message, int error) : std::runtime_error(message), error_(error) {}
  int error() const { return error_; }

 private:
  int error_;
};

class OpenAiServer {
 public:
  explicit OpenAiServer(SlotEngine& engine);
  OpenAiServer(const OpenAiServer&) = delete;
  OpenAiServer& operator=(const OpenAiServer&) = delete;
  ~OpenAiServer();

  // Binds and starts answering on the server's thread. Throws ListenError.
  void start(const ServeOptions& options);
  // The port bound (the one asked for, or the free one port 0 found); 0 before start().
  int port() const;
  // Blocks until the server has stopped (stop() or request_stop(), from elsewhere).
  void wait();
  // Ends the answers in flight and stops listening, without waiting; callable from a signal
  // handler (only atomics and a shutdown() of the listening socket).
  void request_stop();
  // request_stop(), then waits for the server's threads to end.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vkchat::server
