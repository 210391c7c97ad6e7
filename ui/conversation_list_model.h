// The sidebar's rows: conversations grouped by date, or the hits of a search.
#pragma once
#include <QtQml/qqmlregistration.h>

#include <QString>

#include "keyed_list_model.h"

namespace vkchat::ui {

struct ConversationItem {
  qint64 id = 0;
  QString title;
  QString section;       // the date group ("Today", ...) or "Search results"
  QString snippet;       // a search hit's text around the match; empty outside a search
  qint64 messageId = 0;  // a search hit's message; 0 outside a search

  qint64 key() const { return id; }
  bool operator==(const ConversationItem&) const = default;
};

class ConversationListModel : public KeyedListModel<ConversationItem> {
  Q_OBJECT
  QML_ELEMENT
  QML_UNCREATABLE("The app creates the sidebar's model")

 public:
  enum Role { IdRole = Qt::UserRole + 1, TitleRole, SectionRole, SnippetRole, MessageIdRole };
  Q_ENUM(Role)

  using KeyedListModel::KeyedListModel;

  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  QHash<int, QByteArray> roleNames() const override;
};

}  // namespace vkchat::ui
