// The sidebar: the conversation list, the current conversation, search, and undo of a delete.
// State is set by the app's controller; what the user asks for leaves as *Requested signals, which
// QML calls like methods (conversations.renameRequested(id, title)).
#pragma once
#include <QtQml/qqmlregistration.h>

#include <QObject>
#include <QString>
#include <QUrl>

#include "conversation_list_model.h"

namespace vkchat::ui {

class ConversationsViewModel : public QObject {
  Q_OBJECT
  QML_ELEMENT
  QML_UNCREATABLE("The app creates the sidebar's view-model")
  Q_PROPERTY(ConversationListModel* list READ list CONSTANT)
  Q_PROPERTY(qint64 currentId READ currentId NOTIFY currentIdChanged)
  Q_PROPERTY(QString currentTitle READ currentTitle NOTIFY currentTitleChanged)
  Q_PROPERTY(QString searchText READ searchText NOTIFY searchTextChanged)
  Q_PROPERTY(bool searching READ searching NOTIFY searchTextChanged)
  Q_PROPERTY(bool available READ available NOTIFY availableChanged)
  Q_PROPERTY(QString undoTitle READ undoTitle NOTIFY undoChanged)
  Q_PROPERTY(bool canUndo READ canUndo NOTIFY undoChanged)

 public:
  explicit ConversationsViewModel(QObject* parent = nullptr);

  ConversationListModel* list() { return &list_; }
  qint64 currentId() const { return currentId_; }
  QString currentTitle() const { return currentTitle_; }
  QString searchText() const { return searchText_; }
  bool searching() const { return !searchText_.trimmed().isEmpty(); }
  bool available() const { return available_; }
  QString undoTitle() const { return undoTitle_; }
  bool canUndo() const { return undoId_ != 0; }
  qint64 undoId() const { return undoId_; }

  // Controller side.
  void setCurrent(qint64 id, const QString& title);
  void setSearchText(const QString& text);
  void setAvailable(bool available);
  void setUndo(qint64 id, const QString& title);  // id 0: nothing to undo

 signals:
  void currentIdChanged();
  void currentTitleChanged();
  void searchTextChanged();
  void availableChanged();
  void undoChanged();

  // Intents, called from QML.
  void newRequested();
  void selectRequested(qint64 id, qint64 messageId = 0);
  void renameRequested(qint64 id, const QString& title);
  void deleteRequested(qint64 id);
  void undoDeleteRequested();
  void searchRequested(const QString& text);
  // format: "markdown" or "json"; fileUrl from a file dialog.
  void exportRequested(qint64 id, const QString& format, const QUrl& fileUrl);

 private:
  ConversationListModel list_;
  qint64 currentId_ = 0;
  QString currentTitle_;
  QString searchText_;
  bool available_ = true;
  qint64 undoId_ = 0;
  QString undoTitle_;
};

}  // namespace vkchat::ui
