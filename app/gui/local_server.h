// The app's server switch on the worker's side: the model the app has loaded, served over
// OpenAI's API (server::OpenAiServer, as `vkchat-cli serve` serves it) in one slot beside the
// window's own chat. Both chat sessions run on the one Model and take turns on the device with
// the worker's TurnLock: the worker holds it while its session computes and yields it between
// tokens and prefill chunks (ChatSession::set_between_tokens), as the slot does. Plain C++ (no
// Qt): made, used and destroyed on the worker's thread.
#pragma once
#include <functional>
#include <memory>
#include <string>

namespace vkchat::chat {
class ChatSession;
}
namespace vkchat::llm {
class Model;
}
namespace vkchat::server {
class SlotEngine;
class OpenAiServer;
class TurnLock;
}  // namespace vkchat::server

namespace vkchat::gui {

class LocalServer {
 public:
  // The host the app serves on: this machine only.
  static constexpr const char* kHost = "127.0.0.1";

  // Serves `model` on kHost:port (0: a free port) until destroyed. `setup` configures the slot's
  // session as the worker's (a --chat-template-file). Throws server::ListenError (the port is
  // in use), InsufficientMemory (the slot's KV cache and scratch do not fit beside the weights
  // and the window's session), or what a session's allocation throws.
  LocalServer(llm::Model& model, server::TurnLock& device, int port, const std::string& apiKey,
              const std::function<void(chat::ChatSession&)>& setup);
  LocalServer(const LocalServer&) = delete;
  LocalServer& operator=(const LocalServer&) = delete;
  // Ends the answers in flight at their next token and joins the server's threads.
  ~LocalServer();

  int port() const;
  const std::string& apiKey() const { return apiKey_; }
  // http://127.0.0.1:PORT/v1, the base URL OpenAI's clients take.
  std::string url() const;

 private:
  std::string apiKey_;
  std::unique_ptr<server::SlotEngine> engine_;
  std::unique_ptr<server::OpenAiServer> server_;  // after the engine: it goes first
};

}  // namespace vkchat::gui
