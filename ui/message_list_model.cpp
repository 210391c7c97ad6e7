#include "message_list_model.h"

#include "markdown_html.h"
#include "render_plan.h"

namespace vkchat::ui {

QString reasoning_summary(const MessageItem& item) {
  if (item.reasoning.isEmpty()) return {};
  QString text = MessageListModel::tr("Thinking");
  if (item.reasoningTokens > 0) {
    text +=
        QStringLiteral(" \u00b7 ") +
        (item.reasoningTokens == 1 ? MessageListModel::tr("1 token")
                                   : MessageListModel::tr("%1 tokens").arg(item.reasoningTokens));
  }
  if (item.reasoningMs >= 0) {
    text += QStringLiteral(" \u00b7 ") +
            MessageListModel::tr("%1 s").arg(item.reasoningMs / 1000.0, 0, 'f', 1);
  } else {
    text += QStringLiteral("\u2026");  // still thinking
  }
  return text;
}

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
    case ReasoningRole: return item.reasoning;
    case ReasoningSummaryRole: return reasoning_summary(item);
    case TokensRole: return item.tokens;
    case DrawPlanRole: return plan_of(item, 0);
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
          {ContextSectionRole, "contextSection"},
          {ReasoningRole, "reasoning"},
          {ReasoningSummaryRole, "reasoningSummary"},
          {TokensRole, "tokens"},
          {DrawPlanRole, "drawPlan"}};
}

bool MessageListModel::appendText(qint64 id, const QString& text) {
  const int row = indexOfKey(id);
  if (row < 0) return false;
  MessageItem item = at(row);
  item.content += text;
  replaceAt(row, std::move(item));
  return true;
}

bool MessageListModel::appendReasoning(qint64 id, const QString& text, int tokens) {
  const int row = indexOfKey(id);
  if (row < 0) return false;
  MessageItem item = at(row);
  item.reasoning += text;
  item.reasoningTokens = tokens;
  item.reasoningMs = -1;  // still being written: the time comes with the finished answer
  replaceAt(row, std::move(item));
  return true;
}

QVariantMap MessageListModel::plan_of(const MessageItem& item, int limit) const {
  return renderPlan(item.content, item.role, limit, !item.streaming);
}

QVariantMap MessageListModel::renderPlan(const QString& text, const QString& role, int limit,
                                         bool finished) const {
  return markdown_.plan(text, role == QLatin1String("assistant"), limit > 0 ? limit : kInitialChars,
                        finished);
}

QString MessageListModel::proseHtml(const QString& markdown, bool finished) const {
  return markdown_.html(markdown, finished);
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
