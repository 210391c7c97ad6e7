#include "local_server.h"

#include "chat/chat_session.h"
#include "llm/model.h"
#include "server/openai_server.h"
#include "server/slot_engine.h"

namespace vkchat::gui {

LocalServer::LocalServer(llm::Model& model, server::TurnLock& device, int port,
                         const std::string& apiKey,
                         const std::function<void(chat::ChatSession&)>& setup)
    : apiKey_(apiKey) {
  // One slot: the device is shared with the window's chat already, and each slot is a KV cache
  // more. Requests beyond it wait in arrival order, as serve's.
  engine_ = std::make_unique<server::SlotEngine>(
      model, model.summary().name, 1, server::kDefaultQueue, chat::TemplateSwitches{}, setup,
      server::SlotSharing{.device = &device, .other_sessions = 1});
  server_ = std::make_unique<server::OpenAiServer>(*engine_);
  server::ServeOptions options;
  options.host = kHost;
  options.port = port;
  if (!apiKey.empty()) options.api_key = apiKey;
  server_->start(options);
}

LocalServer::~LocalServer() {
  server_.reset();
  engine_.reset();
}

int LocalServer::port() const {
  return server_->port();
}

std::string LocalServer::url() const {
  return std::string("http://") + kHost + ":" + std::to_string(port()) + "/v1";
}

}  // namespace vkchat::gui
