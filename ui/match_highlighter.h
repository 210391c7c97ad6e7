// Marks where a search's words occur in a text item's document (a search hit's snippet in the
// sidebar). The text stays plain text: the marks are formats laid over it, never markup, so
// nothing the text holds is ever read as HTML.
#pragma once
#include <QtQml/qqmlregistration.h>

#include <QColor>
#include <QObject>
#include <QPointer>
#include <QQuickTextDocument>
#include <QSyntaxHighlighter>

namespace vkchat::ui {

class MatchHighlighter : public QSyntaxHighlighter {
  Q_OBJECT
  QML_ELEMENT
  Q_PROPERTY(QQuickTextDocument* document READ document WRITE setDocument NOTIFY changed)
  Q_PROPERTY(QString query READ query WRITE setQuery NOTIFY changed)
  Q_PROPERTY(QColor color READ color WRITE setColor NOTIFY changed)

 public:
  explicit MatchHighlighter(QObject* parent = nullptr);

  QQuickTextDocument* document() const { return document_; }
  void setDocument(QQuickTextDocument* document);
  QString query() const { return query_; }
  void setQuery(const QString& query);
  QColor color() const { return color_; }
  void setColor(const QColor& color);

 signals:
  void changed();

 protected:
  void highlightBlock(const QString& text) override;

 private:
  QPointer<QQuickTextDocument> document_;
  QString query_;
  QStringList words_;
  QColor color_{255, 214, 0, 110};
};

}  // namespace vkchat::ui
