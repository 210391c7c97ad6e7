// How an answer's Markdown is drawn: split into prose, quotes and code (an open fence while
// streaming is code), cut into bounded pieces whatever the message's size (tables keep their
// header), and turned into HTML that cannot fetch or style anything.
#include <gtest/gtest.h>

#include <QTextBlock>
#include <QTextCursor>
#include <QTextDocument>
#include <QTextFrame>
#include <QTextTable>

#include "markdown_blocks.h"
#include "markdown_html.h"
#include "render_plan.h"

namespace vkchat::ui {
namespace {

using Kind = MarkdownBlock::Kind;
using PieceKind = RenderPiece::Kind;

TEST(MarkdownBlocks, SplitsFencesAndKeepsAnOpenFenceStreaming) {
  EXPECT_TRUE(split_markdown("").isEmpty());
  auto blocks = split_markdown("Intro\n\n~~~~ cpp extra\nint x;\n~~~\nstill code\n~~~~\nEnd");
  ASSERT_EQ(blocks.size(), 3);
  EXPECT_EQ(blocks[0], (MarkdownBlock{Kind::Prose, "Intro\n", {}}));
  EXPECT_EQ(blocks[1], (MarkdownBlock{Kind::Code, "int x;\n~~~\nstill code", "cpp"}));
  EXPECT_EQ(blocks[2], (MarkdownBlock{Kind::Prose, "End", {}}));

  // Streaming: the fence is not closed yet, at every length of the text after it.
  const QString answer = "Here:\n```js\nlet a = 1;\nlet b";
  for (qsizetype n = answer.indexOf("```js") + 3; n <= answer.size(); ++n) {
    blocks = split_markdown(answer.first(n));
    ASSERT_EQ(blocks.size(), 2) << n;
    EXPECT_EQ(blocks[1].kind, Kind::Code) << n;
  }
  EXPECT_EQ(blocks[1], (MarkdownBlock{Kind::Code, "let a = 1;\nlet b", "js"}));

  // A fence inside a list item is indented with the item; its code loses that indentation.
  blocks = split_markdown("1. Run:\n    ```sh\n    make\n      -j2\n    ```\n2. Done");
  ASSERT_EQ(blocks.size(), 3);
  EXPECT_EQ(blocks[1], (MarkdownBlock{Kind::Code, "make\n  -j2", "sh"}));

  // Inline backticks and short fences are prose.
  blocks = split_markdown("Use `x` and ``y``\n``not a fence``");
  ASSERT_EQ(blocks.size(), 1);
  EXPECT_EQ(blocks[0].kind, Kind::Prose);
}

TEST(MarkdownBlocks, BlockQuotesAreTheirOwnBlocks) {
  const auto blocks = split_markdown("Said:\n> first\n>second\nlazy line\n\nAfter");
  ASSERT_EQ(blocks.size(), 3);
  EXPECT_EQ(blocks[0], (MarkdownBlock{Kind::Prose, "Said:", {}}));
  EXPECT_EQ(blocks[1], (MarkdownBlock{Kind::Quote, "first\nsecond\nlazy line", {}}));
  EXPECT_EQ(blocks[2], (MarkdownBlock{Kind::Prose, "\nAfter", {}}));
  // A quote inside a fence is code.
  EXPECT_EQ(split_markdown("```\n> not a quote\n```")[0].kind, Kind::Code);
}

TEST(MarkdownBlocks, LineBreaksInsideParagraphsAreKept) {
  EXPECT_EQ(with_hard_breaks("roses\nviolets\n\nnext"), "roses  \nviolets\n\nnext");
  EXPECT_EQ(with_hard_breaks("one"), "one");
  EXPECT_EQ(with_hard_breaks("a  \nb"), "a  \nb");
}

QString joined(const RenderPlan& plan) {
  QString out;
  for (const RenderPiece& piece : plan.pieces) out += piece.text;
  return out;
}

TEST(RenderPlan, ASmallMessageIsOnePiecePerBlock) {
  const RenderPlan plan = plan_render("Hi\n```py\nx = 1\n```\n> quoted", true, kInitialChars);
  ASSERT_EQ(plan.pieces.size(), 3);
  EXPECT_EQ(plan.pieces[0], (RenderPiece{PieceKind::Prose, "Hi", {}, false}));
  EXPECT_EQ(plan.pieces[1], (RenderPiece{PieceKind::Code, "x = 1", "py", false}));
  EXPECT_EQ(plan.pieces[2], (RenderPiece{PieceKind::Quote, "quoted", {}, false}));
  EXPECT_EQ(plan.shown, plan.total);
  EXPECT_EQ(next_limit(plan, kInitialChars), 0);
}

TEST(RenderPlan, AHugeCodeBlockIsCutIntoBoundedPiecesOfTheFirstCharacters) {
  QString code;
  for (int i = 0; code.size() < 2 * 1024 * 1024; ++i) code += QString("line %1 of code;\n").arg(i);
  const QString message = "```cpp\n" + code + "```\n";
  RenderPlan plan = plan_render(message, true, kInitialChars);
  EXPECT_EQ(plan.total, message.size());
  EXPECT_LE(plan.shown, kInitialChars);
  EXPECT_GT(plan.shown, kInitialChars * 3 / 4);
  ASSERT_GT(plan.pieces.size(), 2);
  for (qsizetype i = 0; i < plan.pieces.size(); ++i) {
    EXPECT_EQ(plan.pieces[i].kind, PieceKind::Code);
    EXPECT_EQ(plan.pieces[i].language, "cpp");
    EXPECT_EQ(plan.pieces[i].continued, i > 0);
    EXPECT_LE(plan.pieces[i].text.size(), kPieceChars);
  }
  // The pieces hold the code from its start, whole lines, in order.
  const QString shown = joined(plan);
  EXPECT_TRUE(code.startsWith(shown.left(1000)));
  EXPECT_EQ(
      plan.pieces[1].text.section('\n', 0, 0),
      code.section('\n', plan.pieces[0].text.count('\n') + 1, plan.pieces[0].text.count('\n') + 1));
  // "Show more" adds kMoreChars, up to kMaxShownChars.
  qsizetype limit = next_limit(plan, kInitialChars);
  EXPECT_EQ(limit, kInitialChars + kMoreChars);
  plan = plan_render(message, true, limit);
  EXPECT_GT(plan.shown, kMoreChars);
  for (const RenderPiece& piece : plan.pieces) EXPECT_LE(piece.text.size(), kPieceChars);
}

TEST(RenderPlan, ALongTableKeepsItsHeaderInEveryPiece) {
  QString table = "| name | value |\n|:-----|------:|\n";
  for (int i = 0; table.size() < kLargeTableChars - 200; ++i) {
    table += QString("| row %1 | %2 |\n").arg(i).arg(i * 7);
  }
  const RenderPlan plan = plan_render("Numbers:\n\n" + table, true, kInitialChars);
  ASSERT_GT(plan.pieces.size(), 3);
  EXPECT_TRUE(plan.pieces[0].text.startsWith("Numbers:"));
  for (const RenderPiece& piece : plan.pieces) {
    EXPECT_EQ(piece.kind, PieceKind::Prose);
    EXPECT_LE(piece.text.size(), kTablePieceChars);
    EXPECT_TRUE(piece.text.contains("| name | value |\n|:-----|------:|\n"))
        << piece.text.left(200).toStdString();
  }
  // Each piece is read as a table.
  QTextDocument doc;
  doc.setMarkdown(plan.pieces[1].text);
  EXPECT_EQ(doc.rootFrame()->childFrames().size(), 1);
}

TEST(RenderPlan, AHugeTableIsMonospacedText) {
  QString table = "| name | value |\n|:-----|------:|\n";
  for (int i = 0; table.size() < 2 * 1024 * 1024; ++i) {
    table += QString("| row %1 | %2 |\n").arg(i).arg(i * 7);
  }
  const RenderPlan plan = plan_render(table, true, kInitialChars);
  ASSERT_GT(plan.pieces.size(), 2);
  for (const RenderPiece& piece : plan.pieces) {
    EXPECT_EQ(piece.kind, PieceKind::Code);
    EXPECT_EQ(piece.language, "table");
    EXPECT_LE(piece.text.size(), kPieceChars);
  }
  EXPECT_TRUE(plan.pieces[0].text.startsWith("| name | value |"));
}

TEST(RenderPlan, AHugePlainMessageWithoutLineBreaksIsCutToo) {
  const QString text = QString("word ").repeated(4 * 1024 * 1024);  // 20 MB, one line
  const RenderPlan plan = plan_render(text, false, kInitialChars);
  EXPECT_EQ(plan.total, text.size());
  EXPECT_LE(plan.shown, kInitialChars);
  for (const RenderPiece& piece : plan.pieces) {
    EXPECT_EQ(piece.kind, PieceKind::Plain);
    EXPECT_LE(piece.text.size(), kPieceChars);
  }
  EXPECT_EQ(joined(plan), text.first(plan.shown));
  EXPECT_GT(next_limit(plan, kInitialChars), kInitialChars);
  // The most that is ever drawn of one message.
  const RenderPlan most = plan_render(text, false, kMaxShownChars * 4);
  EXPECT_LE(most.shown, kMaxShownChars);
  EXPECT_EQ(next_limit(most, kMaxShownChars), 0);
}

TEST(MarkdownHtml, RawHtmlImagesAndLocalLinksCannotFetchOrStyle) {
  const QString html = markdown_to_safe_html(
      "<font color=\"red\" size=\"7\">BIG</font> <img src=\"http://127.0.0.1:9/x.png\">\n\n"
      "![remote](http://127.0.0.1:9/y.png) ![local](file:///etc/hostname)\n\n"
      "[web](https://example.org) [file](file:///etc/passwd) [ref]\n\n[ref]: file:///etc/shadow");
  EXPECT_FALSE(html.contains("<img", Qt::CaseInsensitive)) << html.toStdString();
  EXPECT_FALSE(html.contains("<font", Qt::CaseInsensitive));
  EXPECT_FALSE(html.contains("file:", Qt::CaseInsensitive)) << html.toStdString();
  EXPECT_FALSE(html.contains("href=\"http://127.0.0.1")) << html.toStdString();
  EXPECT_TRUE(html.contains("&lt;img src=")) << html.toStdString();  // shown as the text it is
  EXPECT_TRUE(html.contains("&lt;font color=&quot;red&quot;")) << html.toStdString();
  EXPECT_TRUE(html.contains("[remote]"));
  EXPECT_TRUE(html.contains("href=\"https://example.org\""));
  EXPECT_FALSE(html.contains("<body style"));  // the window's font
  EXPECT_TRUE(is_openable_link("https://example.org"));
  EXPECT_FALSE(is_openable_link("file:///etc/passwd"));
  EXPECT_FALSE(is_openable_link("javascript:alert(1)"));
}

TEST(MarkdownHtml, TableHeadersTakeTheirColumnsAlignment) {
  const QString html = markdown_to_safe_html("| left | right |\n|:--|--:|\n| a | 1 |\n");
  QTextDocument doc;
  doc.setHtml(html);
  const auto frames = doc.rootFrame()->childFrames();
  ASSERT_EQ(frames.size(), 1);
  auto* table = qobject_cast<QTextTable*>(frames[0]);
  ASSERT_NE(table, nullptr);
  const auto align = [&](int row, int column) {
    return QTextCursor(table->cellAt(row, column).firstCursorPosition()).blockFormat().alignment() &
           Qt::AlignHorizontal_Mask;
  };
  EXPECT_EQ(align(0, 1), align(1, 1));
  EXPECT_TRUE(align(0, 1) & Qt::AlignRight);
  EXPECT_FALSE(align(0, 0) & Qt::AlignRight);
}

}  // namespace
}  // namespace vkchat::ui
