// What the controller's parts (conversations, settings, chat, model) share: the store, the status
// line every part reports through, the history's state, the conversation on screen and the
// request ids the worker answers to. Everything else a part keeps to itself; what one part needs
// from another is in its Links. GUI thread only.
#pragma once
#include <QString>

#include "app_status.h"
#include "store_thread.h"

namespace vkchat::gui {

struct ControllerState {
  ControllerState(StoreThread& s, ui::AppStatus& st) : store(s), status(st) {}

  StoreThread& store;
  ui::AppStatus& status;

  // Open (read-only too): set by AppController from the store's signals, cleared while the
  // conversations part starts a new history.
  bool storeReady = false;
  bool storeFailed = false;  // the open failed: models still load, nothing is kept
  bool readOnly = false;     // the history can be read, not written (the conversations part)
  qint64 currentId = 0;      // on screen (the chat part); 0: a new chat not yet written
  // Loads, answers and measures share one sequence: the worker tells requests apart by id.
  qint64 nextRequestId = 0;

  qint64 newRequestId() { return ++nextRequestId; }
  void showError(const QString& text) { status.showError(text); }
  // True (after saying why) when the history is read-only and `what` would write to it.
  bool refuseWrite(const QString& what);
};

}  // namespace vkchat::gui
