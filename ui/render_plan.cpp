#include "render_plan.h"

#include <QRegularExpression>
#include <QStringList>
#include <QVariantList>

namespace vkchat::ui {
namespace {

// Where to cut `text` at most `limit` characters in: after the last line break in the last
// quarter, else after the last space there, else at `limit` (never inside a surrogate pair).
qsizetype cut_point(QStringView text, qsizetype limit) {
  if (text.size() <= limit) return text.size();
  const qsizetype floor = limit - limit / 4;
  const qsizetype newline = text.lastIndexOf(u'\n', limit - 1);
  if (newline >= floor) return newline + 1;
  const qsizetype space = text.lastIndexOf(u' ', limit - 1);
  if (space >= floor) return space + 1;
  return text[limit - 1].isHighSurrogate() ? limit - 1 : limit;
}

// A table's delimiter row: | --- | :---: | ---: |
bool is_table_delimiter(const QString& line) {
  static const QRegularExpression delimiter(
      QStringLiteral(R"(^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)+\|?\s*$|^\s*\|\s*:?-+:?\s*\|\s*$)"));
  return line.contains(u'-') && delimiter.match(line).hasMatch();
}

bool has_table(const QString& prose) {
  QStringView previous;
  for (const QStringView line : QStringView(prose).split(u'\n')) {
    if (line.contains(u'|') && previous.contains(u'|') && is_table_delimiter(line.toString())) {
      return true;
    }
    previous = line;
  }
  return false;
}

// Cuts one block's text into pieces of at most `max` characters at line ends (a line longer
// than that is cut too). In prose, a piece that starts inside a table begins with the table's
// header and delimiter rows again.
QStringList cut_pieces(const QString& text, qsizetype max, bool prose) {
  if (text.size() <= kTablePieceChars || (text.size() <= max && !(prose && text.contains(u'|')))) {
    return {text};
  }
  QStringList pieces;
  QString piece;
  QString header;  // "header row\ndelimiter row\n" of the table being read (prose only)
  QStringView previous;
  const auto flush = [&] {
    if (piece.size() > header.size()) pieces.append(piece.chopped(1));  // without its last '\n'
    piece = header;
  };
  for (const QStringView line : QStringView(text).split(u'\n')) {
    bool starts_table = false;
    if (prose) {
      if (!line.contains(u'|')) {
        header.clear();
      } else if (header.isEmpty() && previous.contains(u'|') &&
                 is_table_delimiter(line.toString())) {
        header = previous.toString() + u'\n' + line.toString() + u'\n';
        starts_table = true;  // the header row is in `piece` already: keep the two together
      }
    }
    previous = line;
    const qsizetype limit = header.isEmpty() ? max : kTablePieceChars;
    if (!starts_table && piece.size() + line.size() + 1 > limit) flush();
    // A line longer than a piece is cut.
    QStringView rest = line;
    while (!rest.isEmpty() && piece.size() + rest.size() + 1 > limit) {
      const qsizetype at = cut_point(rest, std::max<qsizetype>(limit - piece.size() - 1, 64));
      piece += rest.first(at);
      piece += u'\n';
      rest = rest.sliced(at);
      flush();
    }
    piece += rest;
    piece += u'\n';
  }
  flush();
  return pieces;
}

RenderPiece::Kind piece_kind(MarkdownBlock::Kind kind) {
  switch (kind) {
    case MarkdownBlock::Kind::Code: return RenderPiece::Kind::Code;
    case MarkdownBlock::Kind::Quote: return RenderPiece::Kind::Quote;
    case MarkdownBlock::Kind::Prose: break;
  }
  return RenderPiece::Kind::Prose;
}

QString kind_name(RenderPiece::Kind kind) {
  switch (kind) {
    case RenderPiece::Kind::Code: return QStringLiteral("code");
    case RenderPiece::Kind::Quote: return QStringLiteral("quote");
    case RenderPiece::Kind::Plain: return QStringLiteral("plain");
    case RenderPiece::Kind::Prose: break;
  }
  return QStringLiteral("prose");
}

}  // namespace

RenderPlan plan_render(const QString& text, bool markdown, qsizetype limit) {
  RenderPlan plan;
  plan.total = text.size();
  plan.shown = cut_point(text, std::clamp<qsizetype>(limit, 1, kMaxShownChars));
  const QString shown = text.first(plan.shown);
  if (!markdown) {
    for (const QString& piece : cut_pieces(shown, kPieceChars, false)) {
      plan.pieces.append({RenderPiece::Kind::Plain, piece, {}, !plan.pieces.isEmpty()});
    }
    return plan;
  }
  for (MarkdownBlock block : split_markdown(shown)) {
    if (block.kind == MarkdownBlock::Kind::Prose && block.text.size() > kLargeTableChars &&
        has_table(block.text)) {
      block.kind = MarkdownBlock::Kind::Code;
      block.language = QStringLiteral("table");
    }
    const bool prose = block.kind != MarkdownBlock::Kind::Code;
    bool continued = false;
    for (const QString& piece : cut_pieces(block.text, kPieceChars, prose)) {
      plan.pieces.append({piece_kind(block.kind), piece, block.language, continued});
      continued = true;
    }
  }
  return plan;
}

qsizetype next_limit(const RenderPlan& plan, qsizetype limit) {
  if (plan.shown >= plan.total || plan.shown >= kMaxShownChars - kPieceChars) return 0;
  return std::min(std::max(limit, plan.shown) + kMoreChars, kMaxShownChars);
}

QVariantMap render_plan_variant(const QString& text, bool markdown, qsizetype limit) {
  const RenderPlan plan = plan_render(text, markdown, limit);
  QVariantList pieces;
  pieces.reserve(plan.pieces.size());
  for (const RenderPiece& piece : plan.pieces) {
    pieces.append(QVariantMap{{QStringLiteral("kind"), kind_name(piece.kind)},
                              {QStringLiteral("text"), piece.text},
                              {QStringLiteral("language"), piece.language},
                              {QStringLiteral("continued"), piece.continued}});
  }
  return {{QStringLiteral("pieces"), pieces},
          {QStringLiteral("shown"), plan.shown},
          {QStringLiteral("total"), plan.total},
          {QStringLiteral("more"), next_limit(plan, limit)}};
}

}  // namespace vkchat::ui
