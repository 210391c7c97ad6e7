#include "conversation_list_model.h"

namespace vkchat::ui {

QVariant ConversationListModel::data(const QModelIndex& index, int role) const {
  if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) {
    return {};
  }
  const ConversationItem& item = at(index.row());
  switch (role) {
    case Qt::DisplayRole:
    case TitleRole: return item.title;
    case IdRole: return item.id;
    case SectionRole: return item.section;
    case SnippetRole: return item.snippet;
    case MessageIdRole: return item.messageId;
    default: return {};
  }
}

QHash<int, QByteArray> ConversationListModel::roleNames() const {
  return {{IdRole, "conversationId"},
          {TitleRole, "title"},
          {SectionRole, "section"},
          {SnippetRole, "snippet"},
          {MessageIdRole, "messageId"}};
}

}  // namespace vkchat::ui
