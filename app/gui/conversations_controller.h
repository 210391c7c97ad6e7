// The controller's conversations part: the sidebar (the list, search, rename, delete with undo,
// export), the Trash, conversations whose message tree is damaged, and the history file's state
// (read-only, locked, unusable, and starting a new one). conversations_history.cpp holds the last
// three.
#pragma once
#include <QObject>
#include <QTimer>
#include <QUrl>
#include <functional>
#include <utility>
#include <vector>

#include "controller_state.h"
#include "conversations_view_model.h"

namespace vkchat::gui {

class ConversationsController : public QObject {
  Q_OBJECT

 public:
  // How long the "Deleted …  Undo" bar stays; Ctrl+Z and the Trash restore after that too.
  static constexpr int kUndoMs = 10000;
  static constexpr int kSearchDelayMs = 150;  // a search waits for the typing to pause

  // What this part needs from the chat part.
  struct Links {
    std::function<void(qint64 id, qint64 messageId)> selectConversation;
    std::function<void()> startNewChat;
    std::function<bool(qint64 id)> answeringIn;  // an answer is being written in conversation id
    std::function<void()> stopAnswer;
    std::function<void()> updateSendBlocked;  // the history's state changes what may be sent
  };

  ConversationsController(ControllerState& state, ui::ConversationsViewModel& conversations,
                          QObject* parent = nullptr);
  void setLinks(Links links) { links_ = std::move(links); }

  void refreshList();
  void refreshTrash();
  // The sidebar's selection: the conversation on screen (0: a new chat).
  void showCurrent(qint64 id, const QString& title);
  // Says so when conversation `id` (on screen) is damaged.
  void checkDamage(qint64 id);

  // The store's open outcome, after AppController marked the store ready (or not): the list
  // first, then (once the rest of the window has its jobs queued) the history's state and Trash.
  void onStoreOpened();
  void showHistoryState();
  void onStoreOpenFailed(const QString& reason);

 private:
  void rename(qint64 id, const QString& title);
  void remove(qint64 id);
  void undoRemove();
  void search(const QString& text);
  void exportConversation(qint64 id, const QString& format, const QUrl& fileUrl);
  // Reads the file on the store thread and adds its conversations; the first one is shown.
  void importFile(const QUrl& fileUrl);
  // The file an export writes: the dialog's choice as an absolute path, with `suffix` added when
  // the name has none.
  static QString exportPath(const QUrl& chosen, const QString& suffix);

  // The history file and the Trash (conversations_history.cpp).
  void connectHistory();
  void onHistoryOpened(bool readOnly, const QString& reason);
  void startNewHistory();
  void restoreFromTrash(qint64 id);
  void purgeFromTrash(qint64 id);
  void emptyTrash();
  void setUndoTop();

  ControllerState& state_;
  ui::ConversationsViewModel& conversations_;
  Links links_;
  QString searchText_;
  QTimer searchDebounce_;
  QTimer undoTimer_;
  // Conversations deleted in this session, last one last, with their titles: what Ctrl+Z restores.
  std::vector<std::pair<qint64, QString>> deleted_;
  QString lockedError_;  // the banner shown while the history is locked, to clear when it is not
};

}  // namespace vkchat::gui
