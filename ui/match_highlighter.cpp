#include "match_highlighter.h"

namespace vkchat::ui {

MatchHighlighter::MatchHighlighter(QObject* parent) : QSyntaxHighlighter(parent) {}

void MatchHighlighter::setDocument(QQuickTextDocument* document) {
  if (document == document_) return;
  document_ = document;
  QSyntaxHighlighter::setDocument(document ? document->textDocument() : nullptr);
  emit changed();
}

void MatchHighlighter::setQuery(const QString& query) {
  if (query == query_) return;
  query_ = query;
  words_ = query.split(u' ', Qt::SkipEmptyParts);
  rehighlight();
  emit changed();
}

void MatchHighlighter::setColor(const QColor& color) {
  if (color == color_) return;
  color_ = color;
  rehighlight();
  emit changed();
}

void MatchHighlighter::highlightBlock(const QString& text) {
  QTextCharFormat mark;
  mark.setBackground(color_);
  mark.setFontWeight(QFont::DemiBold);
  for (const QString& word : words_) {
    for (qsizetype at = text.indexOf(word, 0, Qt::CaseInsensitive); at >= 0;
         at = text.indexOf(word, at + word.size(), Qt::CaseInsensitive)) {
      setFormat(int(at), int(word.size()), mark);
    }
  }
}

}  // namespace vkchat::ui
