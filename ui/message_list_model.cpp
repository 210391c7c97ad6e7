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
    case ContextSectionRole: return item.contextSection;
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
          {ContextSectionRole, "contextSection"},
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

bool MessageListModel::setDetails(qint64 id, const QString& details) {
  const int row = indexOfKey(id);
  if (row < 0) return false;
  MessageItem item = at(row);
  item.details = details;
  replaceAt(row, std::move(item));
  return true;
}

void MessageListModel::setFirstInContext(int first) {
  for (int row = 0; row < rowCount(); ++row) {
    MessageItem item = at(row);
    item.contextSection = first <= 0    ? QString()
                          : row < first ? QStringLiteral("dropped")
                                        : QStringLiteral("kept");
    replaceAt(row, std::move(item));
  }
}

}  // namespace vkchat::ui
