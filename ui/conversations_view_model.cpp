#include "conversations_view_model.h"

#include <QDir>
#include <QStandardPaths>

namespace vkchat::ui {

ConversationsViewModel::ConversationsViewModel(QObject* parent)
    : QObject(parent), list_(this), trash_(this) {}

void ConversationsViewModel::setCurrent(qint64 id, const QString& title) {
  if (id != currentId_) {
    currentId_ = id;
    emit currentIdChanged();
    setCurrentDamage({});  // the damage found was the previous conversation's
  }
  if (title != currentTitle_) {
    currentTitle_ = title;
    emit currentTitleChanged();
  }
}

void ConversationsViewModel::setSearchReasoning(bool on) {
  if (on == searchReasoning_) return;
  searchReasoning_ = on;
  emit searchTextChanged();
}

void ConversationsViewModel::setSearchText(const QString& text) {
  if (text == searchText_) return;
  searchText_ = text;
  emit searchTextChanged();
}

void ConversationsViewModel::setAvailable(bool available) {
  if (available == available_) return;
  available_ = available;
  emit availableChanged();
}

void ConversationsViewModel::setUndo(qint64 id, const QString& title) {
  if (id == undoId_ && title == undoTitle_) return;
  undoId_ = id;
  undoTitle_ = title;
  emit undoChanged();
}

QUrl ConversationsViewModel::exportFolder() const {
  QString folder = QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation);
  if (folder.isEmpty() || !QDir(folder).exists()) folder = QDir::homePath();
  return QUrl::fromLocalFile(folder);
}

void ConversationsViewModel::setUndoNoticeVisible(bool visible) {
  if (visible == undoNoticeVisible_) return;
  undoNoticeVisible_ = visible;
  emit undoChanged();
}

void ConversationsViewModel::setTrashItems(QList<ConversationItem> items) {
  const int before = trashCount();
  trash_.setItems(std::move(items));
  if (trashCount() != before) emit trashCountChanged();
}

void ConversationsViewModel::setHistoryState(bool readOnly, const QString& problem,
                                             bool canStartNew) {
  if (readOnly == readOnly_ && problem == historyProblem_ && canStartNew == canStartNewHistory_) {
    return;
  }
  readOnly_ = readOnly;
  historyProblem_ = problem;
  canStartNewHistory_ = canStartNew;
  emit historyChanged();
}

void ConversationsViewModel::setMovedAsideTo(const QString& path) {
  if (path == movedAsideTo_) return;
  movedAsideTo_ = path;
  emit historyChanged();
}

void ConversationsViewModel::setCurrentDamage(const QString& damage) {
  if (damage == currentDamage_) return;
  currentDamage_ = damage;
  emit currentDamageChanged();
}

}  // namespace vkchat::ui
