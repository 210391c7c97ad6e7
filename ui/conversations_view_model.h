// The sidebar: the conversation list, the current conversation, search, the Trash with undo of a
// delete, and the state of the history file (read-only, or unusable with a new one on offer).
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
  // The search also covers answers' reasoning (off: the answers and questions only).
  Q_PROPERTY(bool searchReasoning READ searchReasoning NOTIFY searchTextChanged)
  Q_PROPERTY(bool available READ available NOTIFY availableChanged)
  Q_PROPERTY(QString undoTitle READ undoTitle NOTIFY undoChanged)
  Q_PROPERTY(bool canUndo READ canUndo NOTIFY undoChanged)
  // The "Deleted …  Undo" bar, shown for a while after a delete (Ctrl+Z works as long as canUndo).
  Q_PROPERTY(bool undoNoticeVisible READ undoNoticeVisible NOTIFY undoChanged)
  Q_PROPERTY(ConversationListModel* trash READ trash CONSTANT)
  Q_PROPERTY(int trashCount READ trashCount NOTIFY trashCountChanged)
  Q_PROPERTY(bool readOnly READ readOnly NOTIFY historyChanged)
  // Why the history is read-only or unavailable, for people; empty when all is well.
  Q_PROPERTY(QString historyProblem READ historyProblem NOTIFY historyChanged)
  Q_PROPERTY(bool canStartNewHistory READ canStartNewHistory NOTIFY historyChanged)
  // Where "Start a new history" moved the old file, shown until the user dismisses it.
  Q_PROPERTY(QString movedAsideTo READ movedAsideTo NOTIFY historyChanged)
  // What the current conversation's damaged message tree hides, for people; empty when whole.
  Q_PROPERTY(QString currentDamage READ currentDamage NOTIFY currentDamageChanged)
  // Where the export dialog starts: the user's documents folder (home when there is none).
  Q_PROPERTY(QUrl exportFolder READ exportFolder CONSTANT)

 public:
  explicit ConversationsViewModel(QObject* parent = nullptr);

  ConversationListModel* list() { return &list_; }
  qint64 currentId() const { return currentId_; }
  QString currentTitle() const { return currentTitle_; }
  QString searchText() const { return searchText_; }
  bool searching() const { return !searchText_.trimmed().isEmpty(); }
  bool searchReasoning() const { return searchReasoning_; }
  bool available() const { return available_; }
  QString undoTitle() const { return undoTitle_; }
  bool canUndo() const { return undoId_ != 0; }
  qint64 undoId() const { return undoId_; }
  bool undoNoticeVisible() const { return undoNoticeVisible_ && undoId_ != 0; }
  ConversationListModel* trash() { return &trash_; }
  int trashCount() const { return static_cast<int>(trash_.rowCount()); }
  bool readOnly() const { return readOnly_; }
  QString historyProblem() const { return historyProblem_; }
  bool canStartNewHistory() const { return canStartNewHistory_; }
  QString movedAsideTo() const { return movedAsideTo_; }
  Q_INVOKABLE void dismissMovedAside() { setMovedAsideTo({}); }
  QString currentDamage() const { return currentDamage_; }
  QUrl exportFolder() const;

  // Controller side.
  void setCurrent(qint64 id, const QString& title);
  void setSearchText(const QString& text);
  void setSearchReasoning(bool on);
  void setAvailable(bool available);
  void setUndo(qint64 id, const QString& title);  // id 0: nothing to undo
  void setUndoNoticeVisible(bool visible);
  void setTrashItems(QList<ConversationItem> items);
  // problem empty: the history is healthy; readOnly: it can be read; canStartNew: the file exists
  // and can be set aside for a new history.
  void setHistoryState(bool readOnly, const QString& problem, bool canStartNew);
  void setMovedAsideTo(const QString& path);
  void setCurrentDamage(const QString& damage);  // cleared by setCurrent() with another id

 signals:
  void currentIdChanged();
  void currentTitleChanged();
  void searchTextChanged();
  void availableChanged();
  void undoChanged();
  void trashCountChanged();
  void historyChanged();
  void currentDamageChanged();

  // Intents, called from QML.
  void newRequested();
  void selectRequested(qint64 id, qint64 messageId = 0);
  void renameRequested(qint64 id, const QString& title);
  void deleteRequested(qint64 id);
  void undoDeleteRequested();        // restores the last conversation deleted (Ctrl+Z)
  void restoreRequested(qint64 id);  // from the Trash
  void purgeRequested(qint64 id);    // removes a conversation in the Trash for good
  void emptyTrashRequested();
  void startNewHistoryRequested();  // sets the history file aside and starts an empty one
  void searchRequested(const QString& text);
  void searchReasoningRequested(bool on);
  // format: "markdown" or "json"; fileUrl from a file dialog.
  void exportRequested(qint64 id, const QString& format, const QUrl& fileUrl);
  // Adds the conversations of a vkchat JSON export or of ChatGPT's conversations.json.
  void importRequested(const QUrl& fileUrl);

 private:
  ConversationListModel list_;
  qint64 currentId_ = 0;
  QString currentTitle_;
  QString searchText_;
  bool searchReasoning_ = false;
  bool available_ = true;
  qint64 undoId_ = 0;
  QString undoTitle_;
  bool undoNoticeVisible_ = false;
  ConversationListModel trash_;
  bool readOnly_ = false;
  QString historyProblem_;
  bool canStartNewHistory_ = false;
  QString movedAsideTo_;
  QString currentDamage_;
};

}  // namespace vkchat::ui
