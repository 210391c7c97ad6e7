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

QString AppStatus::deviceText() const {
  if (!deviceName_.isEmpty()) return deviceName_;
  if (!probedName_.isEmpty()) return tr("%1 (no model loaded)").arg(probedName_);
  if (!deviceProblem_.isEmpty()) return tr("No usable Vulkan device");
  return tr("Looking for a device…");
}

QString AppStatus::prefillText() const {
  if (prefillDone_ < 0 || prefillTotal_ <= 0) return {};
  return tr("Reading the prompt: %1 of %2 tokens").arg(prefillDone_).arg(prefillTotal_);
}

double AppStatus::prefillFraction() const {
  if (prefillDone_ < 0 || prefillTotal_ <= 0) return 0;
  return static_cast<double>(prefillDone_) / prefillTotal_;
}

QString AppStatus::contextText() const {
  if (contextSize_ <= 0) return QStringLiteral("–");
  QString text = (contextUsed_ >= 0 ? QString::number(contextUsed_) : QStringLiteral("–")) +
                 QStringLiteral(" / ") + QString::number(contextSize_);
  if (contextDropped_ > 0) {
    text += QStringLiteral(" · ") + tr("%n earlier message(s) left out", nullptr, contextDropped_);
  }
  return text;
}

QString AppStatus::promptText() const {
  if (promptTokens_ <= 0) return {};
  return tr("Prompt %1 tokens, %2 reused").arg(promptTokens_).arg(reusedTokens_);
}

void AppStatus::setDeviceProbe(const QString& name, const QString& problem) {
  probedName_ = name;
  deviceProblem_ = problem;
  emit statsChanged();
}

void AppStatus::setPrefill(int done, int total) {
  if (done == prefillDone_ && total == prefillTotal_) return;
  prefillDone_ = done;
  prefillTotal_ = total;
  emit prefillChanged();
}

void AppStatus::setContextDropped(int messages) {
  if (messages == contextDropped_) return;
  contextDropped_ = messages;
  emit statsChanged();
}

void AppStatus::setPrompt(int tokens, int reused) {
  if (tokens == promptTokens_ && reused == reusedTokens_) return;
  promptTokens_ = tokens;
  reusedTokens_ = reused;
  emit statsChanged();
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
