#include "controller_state.h"

#include <QObject>

namespace vkchat::gui {

bool ControllerState::refuseWrite(const QString& what) {
  if (!readOnly) return false;
  showError(QObject::tr("%1: the chat history is read-only. Start a new history to make changes.")
                .arg(what));
  return true;
}

}  // namespace vkchat::gui
