#include "message_list_model.h"

#include "markdown_html.h"
#include "render_plan.h"

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
    case ProvenanceRole: return item.provenance;
    case CommandRole: return item.command;
    case ContextSectionRole: return item.contextSection;
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
          {ProvenanceRole, "provenance"},
          {CommandRole, "command"},
          {ContextSectionRole, "contextSection"}};
}

bool MessageListModel::appendText(qint64 id, const QString& text) {
  const int row = indexOfKey(id);
  if (row < 0) return false;
  MessageItem item = at(row);
  item.content += text;
  replaceAt(row, std::move(item));
  return true;
}

QVariantMap MessageListModel::renderPlan(const QString& text, const QString& role,
                                         int limit) const {
  return render_plan_variant(text, role == QLatin1String("assistant"),
                             limit > 0 ? limit : kInitialChars);
}

QString MessageListModel::proseHtml(const QString& markdown) const {
  return markdown_to_safe_html(markdown);
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
