#include "chat_view_model.h"

namespace vkchat::ui {

ChatViewModel::ChatViewModel(QObject* parent) : QObject(parent), messages_(this) {}

void ChatViewModel::setGenerating(bool generating) {
  if (generating == generating_) return;
  generating_ = generating;
  emit generatingChanged();
  emit canSendChanged();
}

void ChatViewModel::setSendBlockedReason(const QString& reason) {
  if (reason == sendBlockedReason_) return;
  sendBlockedReason_ = reason;
  emit canSendChanged();
}

bool ChatViewModel::requestSend(const QString& text) {
  if (text.trimmed().isEmpty()) return false;
  if (!canSend()) {
    emit sendRefused(generating_ ? tr("An answer is being written; Esc stops it")
                                 : sendBlockedReason_);
    return false;
  }
  emit sendRequested(text);
  return true;
}

}  // namespace vkchat::ui
