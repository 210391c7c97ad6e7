// ConversationsController's side of the history file and the Trash: a read-only, locked or
// unusable history (and starting a new one), the Trash with undo of the last deletes, and
// conversations whose message tree is damaged.
#include <QDir>
#include <QFileInfo>
#include <algorithm>

#include "conversations_controller.h"
#include "store/date_groups.h"

namespace vkchat::gui {

void ConversationsController::connectHistory() {
  StoreThread& store = state_.store;
  connect(&store, &StoreThread::openedReadOnly, this,
          [this](const QString& reason) { onHistoryOpened(true, reason); });
  connect(&store, &StoreThread::locked, this, [this](const QString& reason) {
    lockedError_ = tr("The chat history %1 is locked by another program (%2); vkchat keeps "
                      "trying and saves your changes once it is free.")
                       .arg(state_.store.path(), reason);
    state_.showError(lockedError_);
  });
  connect(&store, &StoreThread::unlocked, this, [this] {
    if (state_.status.errorText() == lockedError_) state_.status.dismissError();
    lockedError_.clear();
    state_.status.showNotice(tr("The chat history is free again; everything is saved."));
  });
  connect(&store, &StoreThread::movedAside, this, [this](const QString& where) {
    state_.status.dismissError();
    conversations_.setMovedAsideTo(QDir::toNativeSeparators(where));
    state_.status.showNotice(tr("A new history has started; the old one is kept beside it."));
  });

  connect(&conversations_, &ui::ConversationsViewModel::restoreRequested, this,
          &ConversationsController::restoreFromTrash);
  connect(&conversations_, &ui::ConversationsViewModel::purgeRequested, this,
          &ConversationsController::purgeFromTrash);
  connect(&conversations_, &ui::ConversationsViewModel::emptyTrashRequested, this,
          &ConversationsController::emptyTrash);
  connect(&conversations_, &ui::ConversationsViewModel::startNewHistoryRequested, this,
          &ConversationsController::startNewHistory);
}

void ConversationsController::onStoreOpened() {
  conversations_.setAvailable(true);
  refreshList();
}

void ConversationsController::showHistoryState() {
  if (!state_.readOnly) onHistoryOpened(false, {});
  refreshTrash();
}

void ConversationsController::onStoreOpenFailed(const QString& reason) {
  conversations_.setAvailable(false);
  state_.readOnly = false;
  conversations_.setHistoryState(false, reason, QFileInfo::exists(state_.store.path()));
}

void ConversationsController::onHistoryOpened(bool readOnly, const QString& reason) {
  state_.readOnly = readOnly;
  conversations_.setHistoryState(readOnly, reason,
                                 readOnly && QFileInfo::exists(state_.store.path()));
  if (readOnly) {
    state_.showError(tr("The chat history %1 is open read-only: %2. Your conversations can be "
                        "read; to chat, start a new history (the old file is kept).")
                         .arg(state_.store.path(), reason));
  }
  links_.updateSendBlocked();
}

void ConversationsController::startNewHistory() {
  links_.stopAnswer();
  state_.storeReady = false;
  state_.readOnly = false;
  deleted_.clear();
  setUndoTop();
  conversations_.setHistoryState(false, {}, false);
  conversations_.setAvailable(false);
  conversations_.list()->clear();
  conversations_.setTrashItems({});
  links_.updateSendBlocked();
  state_.store.startNewHistory();  // movedAside, then opened: AppController's handler shows it
}

// ---- Trash -----------------------------------------------------------------------------------

void ConversationsController::setUndoTop() {
  if (deleted_.empty()) {
    conversations_.setUndo(0, {});
  } else {
    conversations_.setUndo(deleted_.back().first, deleted_.back().second);
  }
}

void ConversationsController::refreshTrash() {
  if (!state_.storeReady) return;
  state_.store.run(
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

void ConversationsController::restoreFromTrash(qint64 id) {
  if (state_.refuseWrite(tr("The conversation was not restored"))) return;
  std::erase_if(deleted_, [id](const auto& d) { return d.first == id; });
  setUndoTop();
  state_.store.post([id](store::ChatStore& s) { s.restore_conversation(id); });
  refreshList();
  refreshTrash();
  links_.selectConversation(id, 0);
}

void ConversationsController::purgeFromTrash(qint64 id) {
  if (state_.refuseWrite(tr("The conversation was not removed"))) return;
  std::erase_if(deleted_, [id](const auto& d) { return d.first == id; });
  setUndoTop();
  state_.store.post([id](store::ChatStore& s) { s.purge_conversation(id); });
  refreshTrash();
}

void ConversationsController::emptyTrash() {
  if (state_.refuseWrite(tr("The Trash was not emptied"))) return;
  deleted_.clear();
  setUndoTop();
  state_.store.run(
      this, [](store::ChatStore& s) { return s.purge_deleted_conversations(); },
      [this](int removed) {
        state_.status.showNotice(removed == 1
                                     ? tr("Removed 1 conversation for good")
                                     : tr("Removed %1 conversations for good").arg(removed));
        refreshTrash();
      });
}

// ---- Damaged conversations -------------------------------------------------------------------

void ConversationsController::checkDamage(qint64 id) {
  conversations_.setCurrentDamage({});
  if (!state_.storeReady || id == 0) return;
  state_.store.run(
      this, [id](store::ChatStore& s) { return s.tree_damage(id); },
      [this, id](std::string damage) {
        if (id != state_.currentId || damage.empty()) return;
        const QString text = QString::fromStdString(damage);
        conversations_.setCurrentDamage(text);
        state_.showError(tr("This conversation is damaged (%1). What can be read is shown, and "
                            "the rest of the history works as before.")
                             .arg(text));
      });
}

}  // namespace vkchat::gui
