// Splits a message's Markdown into prose, block quotes and fenced code blocks, so the window can
// draw each code block in its own box with a copy button and each quote with a bar. A fence still
// open at the end (an answer that is streaming) holds the rest of the text as code.
#pragma once
#include <QList>
#include <QString>

namespace vkchat::ui {

struct MarkdownBlock {
  enum class Kind { Prose, Code, Quote };
  Kind kind = Kind::Prose;
  QString text;      // prose as Markdown; a quote's Markdown without its ">" markers; code as plain
                     // text without its fences
  QString language;  // the fence's info string, code only

  bool operator==(const MarkdownBlock&) const = default;
};

QList<MarkdownBlock> split_markdown(const QString& markdown);

// Prose with each line break kept as a break: models write poems, addresses and steps one per
// line and mean it, where Markdown would join the lines into one paragraph.
QString with_hard_breaks(const QString& prose);

}  // namespace vkchat::ui
