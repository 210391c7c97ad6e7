#include "conversations_view_model.h"

namespace vkchat::ui {

ConversationsViewModel::ConversationsViewModel(QObject* parent) : QObject(parent), list_(this) {}

void ConversationsViewModel::setCurrent(qint64 id, const QString& title) {
  if (id != currentId_) {
    currentId_ = id;
    emit currentIdChanged();
  }
  if (title != currentTitle_) {
    currentTitle_ = title;
    emit currentTitleChanged();
  }
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

}  // namespace vkchat::ui
