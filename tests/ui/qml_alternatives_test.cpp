// The window with an answer's tokens (offscreen, the real Main.qml): the answer's "Show the
// tokens" button opens its token view; each token is named for screen readers with its
// probability and its alternatives; the keyboard moves between tokens, opens one's alternatives
// and chooses one, which asks for a branch from that token; and the tint follows the
// probabilities. A screenshot is left in the build folder.
#include <gtest/gtest.h>

#include <QColor>
#include <QSignalSpy>

#include "screenshots.h"
#include "store/answer_tokens.h"
#include "view_mapping.h"
#include "window_fixture.h"

namespace vkchat::ui {
namespace {

const QString kTokensName = QStringLiteral(
    "Tokens of the answer, 3 of them; arrow keys move, Enter shows the alternatives");

class Alternatives : public test::WindowFixture {
 protected:
  QSize windowSize() const override { return {1280, 800}; }
  void prepareModels() override {
    using store::stored_probability;
    const std::vector<store::AnswerToken> tokens = {
        {10, stored_probability(0.9), "Once", false, {{10, stored_probability(0.9), "Once"}}},
        {11,
         stored_probability(0.6),
         " upon",
         false,
         {{11, stored_probability(0.6), " upon"}, {12, stored_probability(0.3), " there"}}},
        {13, stored_probability(0.05), " a", false, {{14, stored_probability(0.5), " the"}}}};
    MessageItem question{40, "user", "Tell me a story", false, true, 0, 1, {}};
    MessageItem answer{41, "assistant", "Once upon a", false, true, 0, 1, "temp 0.80"};
    answer.tokens = gui::token_items(store::encode_answer_tokens(tokens));
    chat_.messages()->setItems({question, answer});
  }
};

TEST_F(Alternatives, TokensAreNamedAndTheKeyboardChoosesAnAlternative) {
  EXPECT_EQ(byAccessibleName(kTokensName), nullptr);  // closed at first
  QQuickItem* show = byAccessibleName("Show the tokens and their alternatives");
  ASSERT_NE(show, nullptr);
  QMetaObject::invokeMethod(show, "clicked");
  QTest::qWait(50);
  QQuickItem* view = byAccessibleName(kTokensName);
  ASSERT_NE(view, nullptr);

  // Tab order reaches the view; in it the first token has the focus.
  bool reached = false;
  for (int i = 0; i < 40 && !reached; ++i) {
    QTest::keyClick(window_, Qt::Key_Backtab, Qt::ShiftModifier);
    reached = view->hasActiveFocus();
  }
  QTest::qWait(20);
  ASSERT_TRUE(reached) << "Shift+Tab never reached the token view";
  QAccessibleInterface* a = QAccessible::queryAccessibleInterface(focused());
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->text(QAccessible::Name),
            QString::fromUtf8("Token 1 of 3: \u201cOnce\u201d, 90.0 %"));
  QTest::keyClick(window_, Qt::Key_Right);
  a = QAccessible::queryAccessibleInterface(focused());
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->text(QAccessible::Name),
            QString::fromUtf8("Token 2 of 3: \u201c upon\u201d, 60.0 %"));
  EXPECT_TRUE(a->text(QAccessible::Description).contains(QString::fromUtf8("\u201c there\u201d")))
      << a->text(QAccessible::Description).toStdString();

  // Enter opens the alternatives; Down and Enter choose the second: a branch from token 2.
  QSignalSpy branch(&chat_, &ChatViewModel::branchFromTokenRequested);
  QTest::keyClick(window_, Qt::Key_Return);
  QTest::qWait(50);
  QQuickItem* option = byAccessibleName(QString::fromUtf8("\u201c there\u201d, 30.0 %"));
  ASSERT_NE(option, nullptr) << "no alternative named for screen readers";
  EXPECT_NE(
      byAccessibleName(QString::fromUtf8("\u201c upon\u201d, 60.0 %, the one the answer took")),
      nullptr);
  window_->grabWindow().save(test::screenshot_path("alternatives.png"));
  QTest::keyClick(window_, Qt::Key_Down);
  QTest::keyClick(window_, Qt::Key_Return);
  QTest::qWait(50);
  ASSERT_EQ(branch.count(), 1);
  EXPECT_EQ(branch[0][0].toLongLong(), 41);
  EXPECT_EQ(branch[0][1].toInt(), 1);
  EXPECT_EQ(branch[0][2].toInt(), 1);
  EXPECT_EQ(byAccessibleName(QString::fromUtf8("\u201c there\u201d, 30.0 %")), nullptr);  // closed

  // Esc closes the alternatives without a choice.
  QTest::keyClick(window_, Qt::Key_Return);
  QTest::qWait(50);
  EXPECT_NE(byAccessibleName(QString::fromUtf8("\u201c there\u201d, 30.0 %")), nullptr);
  QTest::keyClick(window_, Qt::Key_Escape);
  QTest::qWait(50);
  EXPECT_EQ(byAccessibleName(QString::fromUtf8("\u201c there\u201d, 30.0 %")), nullptr);
  EXPECT_EQ(branch.count(), 1);
  EXPECT_TRUE(warnings().isEmpty()) << warningText();
}

TEST_F(Alternatives, TheTintFollowsTheProbability) {
  QMetaObject::invokeMethod(byAccessibleName("Show the tokens and their alternatives"), "clicked");
  QTest::qWait(50);
  QQuickItem* likely =
      byAccessibleName(QString::fromUtf8("Token 1 of 3: \u201cOnce\u201d, 90.0 %"));
  QQuickItem* unlikely =
      byAccessibleName(QString::fromUtf8("Token 3 of 3: \u201c a\u201d, 5.00 %"));
  ASSERT_NE(likely, nullptr);
  ASSERT_NE(unlikely, nullptr);
  EXPECT_EQ(likely->property("color").value<QColor>().alpha(), 0);  // untinted at first
  QQuickItem* tint = byAccessibleName("Tint by probability");
  ASSERT_NE(tint, nullptr);
  QMetaObject::invokeMethod(tint, "toggle");
  QMetaObject::invokeMethod(tint, "toggled");
  QTest::qWait(50);
  const QColor a = likely->property("color").value<QColor>();
  const QColor b = unlikely->property("color").value<QColor>();
  EXPECT_GT(a.alpha(), 0);
  EXPECT_GT(a.hslHueF(), b.hslHueF());  // green-ward for the likely one, red-ward for the other
  EXPECT_TRUE(warnings().isEmpty()) << warningText();
}

}  // namespace
}  // namespace vkchat::ui
