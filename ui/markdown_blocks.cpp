#include "markdown_blocks.h"

#include <QStringList>

namespace vkchat::ui {
namespace {

// A fence line: spaces (any number: a fence inside a list item is indented with the item), then
// at least three backticks or tildes (CommonMark).
struct Fence {
  QChar ch;
  qsizetype indent = 0;
  qsizetype length = 0;
  QString info;
};

bool parse_fence(const QString& line, Fence& fence) {
  qsizetype i = 0;
  while (i < line.size() && line[i] == u' ') ++i;
  if (i >= line.size() || (line[i] != u'`' && line[i] != u'~')) return false;
  const QChar ch = line[i];
  qsizetype n = 0;
  while (i + n < line.size() && line[i + n] == ch) ++n;
  if (n < 3) return false;
  const QString info = line.mid(i + n).trimmed();
  if (ch == u'`' && info.contains(u'`')) return false;
  fence = {ch, i, n, info};
  return true;
}

// A block quote line: up to three spaces, then ">"; `rest` is the line without its marker.
bool parse_quote(const QString& line, QString& rest) {
  qsizetype i = 0;
  while (i < line.size() && i < 3 && line[i] == u' ') ++i;
  if (i >= line.size() || line[i] != u'>') return false;
  ++i;
  if (i < line.size() && line[i] == u' ') ++i;
  rest = line.mid(i);
  return true;
}

// A code line without up to `indent` leading spaces, as CommonMark strips a fence's indentation.
QString unindent(const QString& line, qsizetype indent) {
  qsizetype i = 0;
  while (i < line.size() && i < indent && line[i] == u' ') ++i;
  return line.mid(i);
}

class Splitter {
 public:
  void line(const QString& line) {
    Fence fence;
    if (in_code_) {
      // A closing fence: the same character, at least as long, nothing after it.
      if (parse_fence(line, fence) && fence.ch == open_.ch && fence.length >= open_.length &&
          fence.info.isEmpty()) {
        close_code();
      } else {
        lines_.append(unindent(line, open_.indent));
      }
      return;
    }
    if (parse_fence(line, fence)) {
      flush();
      open_ = fence;
      in_code_ = true;
      return;
    }
    QString rest;
    const bool quote = parse_quote(line, rest);
    // A quote goes on to its first blank line (lazy continuation lines belong to it).
    const MarkdownBlock::Kind kind = quote || (kind_ == MarkdownBlock::Kind::Quote &&
                                               !lines_.isEmpty() && !line.trimmed().isEmpty())
                                         ? MarkdownBlock::Kind::Quote
                                         : MarkdownBlock::Kind::Prose;
    if (kind != kind_) flush();
    kind_ = kind;
    lines_.append(quote ? rest : line);
  }

  QList<MarkdownBlock> finish() {
    if (in_code_) {
      close_code();
    } else {
      flush();
    }
    return std::move(out_);
  }

 private:
  void close_code() {
    out_.append({MarkdownBlock::Kind::Code, lines_.join(u'\n'), open_.info.section(u' ', 0, 0)});
    lines_.clear();
    in_code_ = false;
    kind_ = MarkdownBlock::Kind::Prose;
  }

  void flush() {
    const QString text = lines_.join(u'\n');
    lines_.clear();
    if (!text.trimmed().isEmpty()) out_.append({kind_, text, {}});
  }

  QList<MarkdownBlock> out_;
  QStringList lines_;
  MarkdownBlock::Kind kind_ = MarkdownBlock::Kind::Prose;
  Fence open_;
  bool in_code_ = false;
};

}  // namespace

QList<MarkdownBlock> split_markdown(const QString& markdown) {
  Splitter splitter;
  for (const QStringView line : QStringView(markdown).split(u'\n')) {
    splitter.line(line.toString());
  }
  return splitter.finish();
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

}  // namespace vkchat::ui
