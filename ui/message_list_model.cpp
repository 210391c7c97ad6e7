#include "message_list_model.h"

#include "markdown_blocks.h"

namespace vkchat::ui {

QVariant MessageListModel::data(const QModelIndex& index, int role) const {
  if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) {
    return {};
  }
  const MessageItem& item = at(index.row());
  switch (role) {
    case Qt::DisplayRole:
    case ContentRole: return item.content;
    case IdRole: return item.id;
    case RoleRole: return item.role;
    case StreamingRole: return item.streaming;
    case CompleteRole: return item.complete;
    case SiblingIndexRole: return item.siblingIndex;
    case SiblingCountRole: return item.siblingCount;
    case DetailsRole: return item.details;
    case BlocksRole: return markdown_blocks_variant(item.content);
    default: return {};
  }
}

QHash<int, QByteArray> MessageListModel::roleNames() const {
  return {{IdRole, "messageId"},
          {RoleRole, "role"},
          {ContentRole, "content"},
          {StreamingRole, "streaming"},
          {CompleteRole, "complete"},
          {SiblingIndexRole, "siblingIndex"},
          {SiblingCountRole, "siblingCount"},
          {DetailsRole, "details"},
          {BlocksRole, "blocks"}};
}

bool MessageListModel::appendText(qint64 id, const QString& text) {
  const int row = indexOfKey(id);
  if (row < 0) return false;
  MessageItem item = at(row);
  item.content += text;
  replaceAt(row, std::move(item));
  return true;
}

}  // namespace vkchat::ui
