#include "serving_state.h"

namespace vkchat::ui {

ServingState::ServingState(QObject* parent) : QObject(parent) {}

QString ServingState::statusText() const {
  if (!url_.isEmpty()) {
    QString text = tr("Serving on %1").arg(url_);
    if (keyRequired_) text += tr(" · API key required");
    if (!problem_.isEmpty()) text += QStringLiteral(" · ") + problem_;
    return text;
  }
  if (!problem_.isEmpty()) return problem_;
  return enabled_ ? tr("Starting the server…") : QString();
}

void ServingState::setSwitch(bool enabled, int port) {
  if (enabled == enabled_ && port == port_) return;
  enabled_ = enabled;
  port_ = port;
  emit switchChanged();
  emit servedChanged();  // the status text follows the switch
}

void ServingState::setServed(const QString& url, bool keyRequired, const QString& problem) {
  url_ = url;
  keyRequired_ = keyRequired;
  problem_ = problem;
  emit servedChanged();
}

}  // namespace vkchat::ui
