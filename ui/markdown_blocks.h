// Splits a message's Markdown into prose and fenced code blocks, so the window can draw each code
// block in its own box with a copy button. A fence still open at the end (an answer that is
// streaming) holds the rest of the text.
#pragma once
#include <QList>
#include <QString>
#include <QVariantList>

namespace vkchat::ui {

struct MarkdownBlock {
  bool code = false;
  QString text;      // prose as Markdown; code as plain text without its fences
  QString language;  // the fence's info string, code only

  bool operator==(const MarkdownBlock&) const = default;
};

QList<MarkdownBlock> split_markdown(const QString& markdown);

// Prose with each line break kept as a break: models write poems, addresses and steps one per
// line and mean it, where Markdown would join the lines into one paragraph.
QString with_hard_breaks(const QString& prose);

// split_markdown() as a list of {code, text, language} maps for QML, prose with hard breaks.
QVariantList markdown_blocks_variant(const QString& markdown);

}  // namespace vkchat::ui
