// The centre of the window: the messages of the current branch, whether an answer is being
// written, and what the user asks of the chat (send, stop, regenerate, edit, switch branch).
#pragma once
#include <QtQml/qqmlregistration.h>

#include <QObject>
#include <QString>

#include "message_list_model.h"

namespace vkchat::ui {

class ChatViewModel : public QObject {
  Q_OBJECT
  QML_ELEMENT
  QML_UNCREATABLE("The app creates the chat's view-model")
  Q_PROPERTY(MessageListModel* messages READ messages CONSTANT)
  Q_PROPERTY(bool generating READ generating NOTIFY generatingChanged)
  Q_PROPERTY(bool canSend READ canSend NOTIFY canSendChanged)
  Q_PROPERTY(QString sendBlockedReason READ sendBlockedReason NOTIFY canSendChanged)

 public:
  explicit ChatViewModel(QObject* parent = nullptr);

  MessageListModel* messages() { return &messages_; }
  bool generating() const { return generating_; }
  bool canSend() const { return sendBlockedReason_.isEmpty() && !generating_; }
  QString sendBlockedReason() const { return sendBlockedReason_; }

  // Controller side.
  void setGenerating(bool generating);
  // Empty when a message can be sent; else why not ("Load a model to start chatting").
  void setSendBlockedReason(const QString& reason);

  // From QML (Enter, the send button): sendRequested when a message can be sent (true: the box
  // may be cleared), else sendRefused with the reason, for the window to say why nothing happens.
  Q_INVOKABLE bool requestSend(const QString& text);

 signals:
  void generatingChanged();
  void canSendChanged();
  // Controller side: the text of a sendRequested is in the history now. Until then the composer
  // keeps it (a failed save, such as a full disk, must not lose what the user typed).
  void sendSaved(const QString& text);

  // Intents, called from QML.
  void sendRequested(const QString& text);
  void sendRefused(const QString& reason);
  void stopRequested();
  void regenerateRequested(qint64 assistantMessageId);
  // Another answer with exactly the settings and seed of `assistantMessageId`: the same text on
  // the same model and device.
  void regenerateSameSeedRequested(qint64 assistantMessageId);
  void editRequested(qint64 userMessageId, const QString& text);
  // Shows the sibling `offset` places from `messageId` (-1 previous, +1 next).
  void switchBranchRequested(qint64 messageId, int offset);
  // A new answer beside `assistantMessageId` with its settings and seed, that begins with its
  // first `tokenIndex` tokens and then alternative `alternativeIndex` of token `tokenIndex`
  // (MessageItem::tokens), and goes on from there.
  void branchFromTokenRequested(qint64 assistantMessageId, int tokenIndex, int alternativeIndex);

 private:
  MessageListModel messages_;
  bool generating_ = false;
  QString sendBlockedReason_;
};

}  // namespace vkchat::ui
