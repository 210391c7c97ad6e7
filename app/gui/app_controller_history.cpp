// AppController's side of the history file and the Trash: a read-only, locked or unusable
// history (and starting a new one), the Trash with undo of the last deletes, and conversations
// whose message tree is damaged.
#include <QDir>
#include <QFileInfo>
#include <QUrl>
#include <algorithm>

#include "app_controller.h"
#include "store/date_groups.h"

namespace vkchat::gui {

void AppController::connectHistory() {
  connect(&store_, &StoreThread::openedReadOnly, this,
          [this](const QString& reason) { onHistoryOpened(true, reason); });
  // Connected after the constructor's own handler of opened(), so this runs after it.
  connect(&store_, &StoreThread::opened, this, [this] {
    if (!readOnly_) onHistoryOpened(false, {});
    refreshTrash();
  });
  connect(&store_, &StoreThread::openFailed, this, [this](const QString& reason) {
    readOnly_ = false;
    conversations_.setHistoryState(false, reason, QFileInfo::exists(store_.path()));
  });
  connect(&store_, &StoreThread::locked, this, [this](const QString& reason) {
    lockedError_ = tr("The chat history %1 is locked by another program (%2); vkchat keeps "
                      "trying and saves your changes once it is free.")
                       .arg(store_.path(), reason);
    showError(lockedError_);
  });
  connect(&store_, &StoreThread::unlocked, this, [this] {
    if (status_.errorText() == lockedError_) status_.dismissError();
    lockedError_.clear();
    status_.showNotice(tr("The chat history is free again; everything is saved."));
  });
  connect(&store_, &StoreThread::movedAside, this, [this](const QString& where) {
    status_.dismissError();
    conversations_.setMovedAsideTo(QDir::toNativeSeparators(where));
    status_.showNotice(tr("A new history has started; the old one is kept beside it."));
  });

  connect(&conversations_, &ui::ConversationsViewModel::restoreRequested, this,
          &AppController::restoreFromTrash);
  connect(&conversations_, &ui::ConversationsViewModel::purgeRequested, this,
          &AppController::purgeFromTrash);
  connect(&conversations_, &ui::ConversationsViewModel::emptyTrashRequested, this,
          &AppController::emptyTrash);
  connect(&conversations_, &ui::ConversationsViewModel::startNewHistoryRequested, this,
          &AppController::startNewHistory);
}

void AppController::onHistoryOpened(bool readOnly, const QString& reason) {
  readOnly_ = readOnly;
  conversations_.setHistoryState(readOnly, reason, readOnly && QFileInfo::exists(store_.path()));
  if (readOnly) {
    showError(tr("The chat history %1 is open read-only: %2. Your conversations can be read; "
                 "to chat, start a new history (the old file is kept).")
                  .arg(store_.path(), reason));
  }
  updateSendBlocked();
}

bool AppController::refuseWrite(const QString& what) {
  if (!readOnly_) return false;
  showError(
      tr("%1: the chat history is read-only. Start a new history to make changes.").arg(what));
  return true;
}

void AppController::startNewHistory() {
  if (generation_) stop();
  storeReady_ = false;
  readOnly_ = false;
  deleted_.clear();
  setUndoTop();
  conversations_.setHistoryState(false, {}, false);
  conversations_.setAvailable(false);
  conversations_.list()->clear();
  conversations_.setTrashItems({});
  updateSendBlocked();
  store_.startNewHistory();  // movedAside, then opened: the constructor's handler shows it
}

// ---- Trash -----------------------------------------------------------------------------------

void AppController::setUndoTop() {
  if (deleted_.empty()) {
    conversations_.setUndo(0, {});
  } else {
    conversations_.setUndo(deleted_.back().first, deleted_.back().second);
  }
}

void AppController::refreshTrash() {
  if (!storeReady_) return;
  store_.run(
      this, [](store::ChatStore& s) { return s.list_deleted_conversations(); },
      [this](std::vector<store::Conversation> list) {
        const std::int64_t now = store::now_ms();
        constexpr std::int64_t kDayMs = 24LL * 60 * 60 * 1000;
        QList<ui::ConversationItem> items;
        for (const store::Conversation& c : list) {
          const std::int64_t deleted = c.deleted_at.value_or(now);
          const std::int64_t left = deleted + store::kTrashKeepMs - now;
          const int days =
              static_cast<int>(std::max<std::int64_t>(1, (left + kDayMs - 1) / kDayMs));
          items.append({c.id, QString::fromStdString(c.title),
                        QString::fromStdString(
                            std::string(store::date_group_label(store::date_group(deleted, now)))),
                        days == 1 ? tr("Removed for good in 1 day")
                                  : tr("Removed for good in %1 days").arg(days),
                        0});
        }
        conversations_.setTrashItems(std::move(items));
      });
}

void AppController::restoreFromTrash(qint64 id) {
  if (refuseWrite(tr("The conversation was not restored"))) return;
  std::erase_if(deleted_, [id](const auto& d) { return d.first == id; });
  setUndoTop();
  store_.post([id](store::ChatStore& s) { s.restore_conversation(id); });
  refreshList();
  refreshTrash();
  selectConversation(id, 0);
}

void AppController::purgeFromTrash(qint64 id) {
  if (refuseWrite(tr("The conversation was not removed"))) return;
  std::erase_if(deleted_, [id](const auto& d) { return d.first == id; });
  setUndoTop();
  store_.post([id](store::ChatStore& s) { s.purge_conversation(id); });
  refreshTrash();
}

void AppController::emptyTrash() {
  if (refuseWrite(tr("The Trash was not emptied"))) return;
  deleted_.clear();
  setUndoTop();
  store_.run(
      this, [](store::ChatStore& s) { return s.purge_deleted_conversations(); },
      [this](int removed) {
        status_.showNotice(removed == 1 ? tr("Removed 1 conversation for good")
                                        : tr("Removed %1 conversations for good").arg(removed));
        refreshTrash();
      });
}

// ---- Damaged conversations and export --------------------------------------------------------

void AppController::checkDamage(qint64 id) {
  conversations_.setCurrentDamage({});
  if (!storeReady_ || id == 0) return;
  store_.run(
      this, [id](store::ChatStore& s) { return s.tree_damage(id); },
      [this, id](std::string damage) {
        if (id != currentId_ || damage.empty()) return;
        const QString text = QString::fromStdString(damage);
        conversations_.setCurrentDamage(text);
        showError(tr("This conversation is damaged (%1). What can be read is shown, and the "
                     "rest of the history works as before.")
                      .arg(text));
      });
}

QString AppController::exportPath(const QUrl& chosen, const QString& suffix) {
  QString path = chosen.isLocalFile() ? chosen.toLocalFile() : chosen.toString();
  if (QFileInfo(path).suffix().isEmpty()) path += QLatin1Char('.') + suffix;
  return QDir::cleanPath(QFileInfo(path).absoluteFilePath());
}

}  // namespace vkchat::gui
