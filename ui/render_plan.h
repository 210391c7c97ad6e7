// What the window draws of one message, bounded whatever the message's size: the first `limit`
// characters (cut at a line end where one is near), split into blocks (markdown_blocks.h) and
// those into pieces of at most kPieceChars, so that no single text item the window lays out is
// large and a long message can be drawn piece by piece, one piece per event-loop turn. Each
// piece of a long table repeats the table's header so that it is still drawn as a table.
#pragma once
#include <QString>
#include <QVariantMap>

#include "markdown_blocks.h"

namespace vkchat::ui {

// How much of a message is drawn at first, what each "Show more" adds, and the most the window
// draws of one message at all; the rest is there to copy.
inline constexpr qsizetype kInitialChars = 16 * 1024;
inline constexpr qsizetype kMoreChars = 128 * 1024;
inline constexpr qsizetype kMaxShownChars = 2 * 1024 * 1024;
// The most characters in one text item (a table piece: fewer, tables lay out slowly).
inline constexpr qsizetype kPieceChars = 4 * 1024;
inline constexpr qsizetype kTablePieceChars = 1024;
// Prose with a table beyond this is drawn as monospaced plain text: Qt lays out a table cell by
// cell, some milliseconds each, too slow for a table of thousands of rows.
inline constexpr qsizetype kLargeTableChars = 4 * 1024;

struct RenderPiece {
  enum class Kind { Prose, Code, Quote, Plain };
  Kind kind = Kind::Prose;
  QString text;            // Markdown (prose, quote) or plain text (code, plain)
  QString language;        // code only
  bool continued = false;  // goes on from the piece before it (a code box without its header)

  bool operator==(const RenderPiece&) const = default;
};

struct RenderPlan {
  QList<RenderPiece> pieces;
  qsizetype shown = 0;  // characters of the message the pieces hold
  qsizetype total = 0;  // characters of the message
};

// `markdown` false: the text is drawn as it is (a user's message), in Plain pieces.
RenderPlan plan_render(const QString& text, bool markdown, qsizetype limit);

// The limit after one more "Show more", or 0 when nothing more will be drawn.
qsizetype next_limit(const RenderPlan& plan, qsizetype limit);

// plan_render() for QML: {pieces: [{kind: "prose"|"code"|"quote"|"plain", text, language,
// continued}], shown, total, more (next_limit)}.
QVariantMap render_plan_variant(const QString& text, bool markdown, qsizetype limit);

}  // namespace vkchat::ui
