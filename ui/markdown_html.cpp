#include "markdown_html.h"

#include <QRegularExpression>
#include <QTextBlock>
#include <QTextCursor>
#include <QTextDocument>
#include <QTextDocumentFragment>
#include <QTextFrame>
#include <QTextTable>
#include <QUrl>

#include "markdown_blocks.h"

namespace vkchat::ui {
namespace {

// Images become "[alt]" text, links to anything but the web lose their target. Walks fragments
// back to front so that replacing one does not move those still to visit.
void defuse_images_and_links(QTextDocument& doc) {
  struct Image {
    int position;
    int length;
    QString alt;
  };
  QList<Image> images;
  for (QTextBlock block = doc.begin(); block.isValid(); block = block.next()) {
    for (auto it = block.begin(); !it.atEnd(); ++it) {
      const QTextFragment fragment = it.fragment();
      QTextCharFormat format = fragment.charFormat();
      if (format.isImageFormat()) {
        const QString alt = format.toImageFormat().property(QTextFormat::ImageAltText).toString();
        images.append({fragment.position(), fragment.length(), alt});
      } else if (format.isAnchor() && !is_openable_link(format.anchorHref())) {
        QTextCursor cursor(&doc);
        cursor.setPosition(fragment.position());
        cursor.setPosition(fragment.position() + fragment.length(), QTextCursor::KeepAnchor);
        format.setAnchor(false);
        format.setAnchorHref({});
        format.clearForeground();
        format.setFontUnderline(false);
        cursor.setCharFormat(format);
      }
    }
  }
  for (auto it = images.crbegin(); it != images.crend(); ++it) {
    QTextCursor cursor(&doc);
    cursor.setPosition(it->position);
    cursor.setPosition(it->position + it->length, QTextCursor::KeepAnchor);
    cursor.insertText(
        QStringLiteral("[%1]").arg(it->alt.isEmpty() ? QStringLiteral("image") : it->alt),
        QTextCharFormat());
  }
}

// Ruled cells, and each header cell aligned as its column's first body cell is (Qt's Markdown
// reader leaves header cells at the default alignment).
void style_tables(QTextDocument& doc) {
  QList<QTextTable*> tables;
  for (QTextFrame* frame : doc.rootFrame()->childFrames()) {
    if (auto* table = qobject_cast<QTextTable*>(frame)) tables.append(table);
  }
  for (QTextTable* table : tables) {
    QTextTableFormat format = table->format();
    format.setBorder(1);
    format.setBorderBrush(QColor(128, 128, 128, 110));
    format.setCellPadding(5);
    format.setCellSpacing(0);
    format.setBorderStyle(QTextFrameFormat::BorderStyle_Solid);
    table->setFormat(format);
    if (table->rows() < 2) continue;
    for (int column = 0; column < table->columns(); ++column) {
      const Qt::Alignment align =
          QTextCursor(table->cellAt(1, column).firstCursorPosition()).blockFormat().alignment();
      QTextCursor header = table->cellAt(0, column).firstCursorPosition();
      QTextBlockFormat block = header.blockFormat();
      block.setAlignment(align);
      header.setBlockFormat(block);
    }
  }
}

}  // namespace

bool is_openable_link(const QString& url) {
  const QString scheme = QUrl(url).scheme().toLower();
  return scheme == QLatin1String("http") || scheme == QLatin1String("https") ||
         scheme == QLatin1String("mailto");
}

QString markdown_to_safe_html(const QString& markdown) {
  QTextDocument doc;
  // Nothing is loaded from anywhere, should anything ask (images are replaced before layout).
  doc.setResourceProvider([](const QUrl&) { return QVariant(QByteArray()); });
  doc.setMarkdown(with_hard_breaks(markdown),
                  QTextDocument::MarkdownFeatures(QTextDocument::MarkdownDialectGitHub |
                                                  QTextDocument::MarkdownNoHTML));
  defuse_images_and_links(doc);
  style_tables(doc);
  QString html = doc.toHtml();
  // The window's font, not the one this document had by default.
  static const QRegularExpression body_style(QStringLiteral(R"(<body style="[^"]*">)"));
  html.replace(body_style, QStringLiteral("<body>"));
  return html;
}

}  // namespace vkchat::ui
