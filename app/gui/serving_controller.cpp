#include "serving_controller.h"

#include <cstdlib>
#include <optional>
#include <string>
#include <utility>

#include "server/openai_server.h"

namespace vkchat::gui {
namespace {

// The settings keys: "1" or "0", and the port.
constexpr const char* kEnabledKey = "serve_enabled";
constexpr const char* kPortKey = "serve_port";

int valid_port(int port) {
  return port >= ui::ServingState::kMinPort && port <= ui::ServingState::kMaxPort
             ? port
             : server::kDefaultPort;
}

}  // namespace

ServingController::ServingController(ControllerState& state, ui::ServingState& serving,
                                     QObject* parent)
    : QObject(parent), state_(state), serving_(serving) {
  serving_.setSwitch(false, server::kDefaultPort);
  connect(&serving_, &ui::ServingState::serveRequested, this, &ServingController::turnOn);
  connect(&serving_, &ui::ServingState::stopRequested, this, &ServingController::turnOff);
}

void ServingController::onStoreOpened() {
  state_.store.run(
      this,
      [](store::ChatStore& s) {
        const std::optional<std::string> port = s.setting(kPortKey);
        return std::pair<bool, int>(
            s.setting(kEnabledKey) == std::optional<std::string>("1"),
            port ? valid_port(std::atoi(port->c_str())) : server::kDefaultPort);
      },
      [this](std::pair<bool, int> saved) {
        // The user may have switched meanwhile: that wins.
        if (serving_.enabled()) return;
        serving_.setSwitch(saved.first, saved.second);
        if (saved.first) emit servingRequested(true, saved.second, {}, false);
      });
}

void ServingController::turnOn(int port, const QString& apiKey, bool keyGiven) {
  port = valid_port(port);
  serving_.setSwitch(true, port);
  serving_.setServed({}, false, {});
  persist();
  emit servingRequested(true, port, apiKey, keyGiven);
}

void ServingController::turnOff() {
  serving_.setSwitch(false, serving_.port());
  persist();
  emit servingRequested(false, serving_.port(), {}, false);
}

void ServingController::persist() {
  if (!state_.storeReady || state_.readOnly) return;
  state_.store.post([on = serving_.enabled(), port = serving_.port()](store::ChatStore& s) {
    s.set_setting(kEnabledKey, on ? "1" : "0");
    s.set_setting(kPortKey, std::to_string(port));
  });
}

void ServingController::onServingChanged(const QString& url, bool keyRequired,
                                         const QString& problem) {
  serving_.setServed(url, keyRequired, problem);
}

}  // namespace vkchat::gui
