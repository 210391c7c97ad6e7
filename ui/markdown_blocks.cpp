#include "markdown_blocks.h"

#include <QStringList>
#include <QVariantMap>

namespace vkchat::ui {
namespace {

// A fence line: up to three spaces, then at least three backticks or tildes (CommonMark).
struct Fence {
  QChar ch;
  qsizetype length = 0;
  QString info;
};

bool parse_fence(const QString& line, Fence& fence) {
  qsizetype i = 0;
  while (i < line.size() && i < 3 && line[i] == u' ') ++i;
  if (i >= line.size() || (line[i] != u'`' && line[i] != u'~')) return false;
  const QChar ch = line[i];
  qsizetype n = 0;
  while (i + n < line.size() && line[i + n] == ch) ++n;
  if (n < 3) return false;
  const QString info = line.mid(i + n).trimmed();
  if (ch == u'`' && info.contains(u'`')) return false;
  fence = {ch, n, info};
  return true;
}

void flush_prose(QStringList& lines, QList<MarkdownBlock>& out) {
  const QString text = lines.join(u'\n');
  lines.clear();
  if (!text.trimmed().isEmpty()) out.append({false, text, {}});
}

}  // namespace

QList<MarkdownBlock> split_markdown(const QString& markdown) {
  QList<MarkdownBlock> out;
  QStringList prose;
  QStringList code;
  Fence open;
  bool in_code = false;
  const QStringList lines = markdown.split(u'\n');
  for (const QString& line : lines) {
    Fence fence;
    if (!in_code) {
      if (parse_fence(line, fence)) {
        flush_prose(prose, out);
        open = fence;
        in_code = true;
      } else {
        prose.append(line);
      }
      continue;
    }
    // A closing fence: the same character, at least as long, nothing after it.
    if (parse_fence(line, fence) && fence.ch == open.ch && fence.length >= open.length &&
        fence.info.isEmpty()) {
      out.append({true, code.join(u'\n'), open.info.section(u' ', 0, 0)});
      code.clear();
      in_code = false;
    } else {
      code.append(line);
    }
  }
  if (in_code) {
    out.append({true, code.join(u'\n'), open.info.section(u' ', 0, 0)});
  } else {
    flush_prose(prose, out);
  }
  return out;
}

QString with_hard_breaks(const QString& prose) {
  QStringList lines = prose.split(u'\n');
  for (qsizetype i = 0; i + 1 < lines.size(); ++i) {
    const QString& next = lines[i + 1];
    // A break inside a paragraph only: blank lines, and lines that start a block, need none.
    if (lines[i].trimmed().isEmpty() || next.trimmed().isEmpty() || lines[i].endsWith(u'\\') ||
        lines[i].endsWith(QLatin1String("  "))) {
      continue;
    }
    lines[i] += QLatin1String("  ");
  }
  return lines.join(u'\n');
}

QVariantList markdown_blocks_variant(const QString& markdown) {
  QVariantList out;
  for (const MarkdownBlock& block : split_markdown(markdown)) {
    out.append(QVariantMap{
        {QStringLiteral("code"), block.code},
        {QStringLiteral("text"), block.code ? block.text : with_hard_breaks(block.text)},
        {QStringLiteral("language"), block.language},
    });
  }
  return out;
}

}  // namespace vkchat::ui
