// The controller's server part: the server switch in the settings panel. It keeps the switch and
// its port in the store's settings (off and server::kDefaultPort until set), asks the worker to
// serve (servingRequested; the worker decides what it can serve: the local model, never a remote
// one) and shows what the worker answers. A switch left on serves again at the next start, once
// a model is loaded, with the API key kept from before.
#pragma once
#include <QObject>
#include <QString>

#include "controller_state.h"
#include "serving_state.h"

namespace vkchat::gui {

class ServingController : public QObject {
  Q_OBJECT

 public:
  ServingController(ControllerState& state, ui::ServingState& serving, QObject* parent = nullptr);

  // The store opened: the saved switch and port, and a switch left on asks to serve.
  void onStoreOpened();
  // From the worker (InferenceWorker::servingChanged).
  void onServingChanged(const QString& url, bool keyRequired, const QString& problem);

 signals:
  void servingRequested(bool on, int port, const QString& apiKey, bool keyGiven);

 private:
  void turnOn(int port, const QString& apiKey, bool keyGiven);
  void turnOff();
  void persist();

  ControllerState& state_;
  ui::ServingState& serving_;
};

}  // namespace vkchat::gui
