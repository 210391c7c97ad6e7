#include "app_status.h"

#include "format.h"

namespace vkchat::ui {

AppStatus::AppStatus(QObject* parent) : QObject(parent) {}

QString AppStatus::speedText() const {
  return tokensPerSecond_ >= 0 ? format_rate(tokensPerSecond_) : QStringLiteral("–");
}

QString AppStatus::ttftText() const {
  return ttftMs_ >= 0 ? format_millis(ttftMs_) : QStringLiteral("–");
}

void AppStatus::setDeviceName(const QString& name) {
  if (name == deviceName_) return;
  deviceName_ = name;
  emit statsChanged();
}

void AppStatus::setSpeed(double tokensPerSecond, double ttftMs) {
  if (tokensPerSecond == tokensPerSecond_ && ttftMs == ttftMs_) return;
  tokensPerSecond_ = tokensPerSecond;
  ttftMs_ = ttftMs;
  emit statsChanged();
}

void AppStatus::setContext(int used, int size) {
  if (used == contextUsed_ && size == contextSize_) return;
  contextUsed_ = used;
  contextSize_ = size;
  emit statsChanged();
}

void AppStatus::showError(const QString& text) {
  errorText_ = text;
  emit errorChanged();
}

void AppStatus::showNotice(const QString& text) {
  noticeText_ = text;
  emit noticeChanged();
}

void AppStatus::dismissError() {
  if (errorText_.isEmpty()) return;
  errorText_.clear();
  emit errorChanged();
}

void AppStatus::dismissNotice() {
  if (noticeText_.isEmpty()) return;
  noticeText_.clear();
  emit noticeChanged();
}

}  // namespace vkchat::ui
