// The window with a thinking model's answer (offscreen, the real Main.qml): the reasoning sits in
// a collapsed "Thinking" section above the answer, named for screen readers with its token count
// and time, which the keyboard reaches and opens; the answer still renders as Markdown below; the
// settings panel shows the reasoning switches only where the template has them; and the search
// field offers "Also search reasoning". A screenshot is left in the build folder.
#include <gtest/gtest.h>

#include <QSignalSpy>

#include "screenshots.h"
#include "window_fixture.h"

namespace vkchat::ui {
namespace {

const QString kSummary = QString::fromUtf8("Thinking \u00b7 42 tokens \u00b7 1.3 s");

class Reasoning : public test::WindowFixture {
 protected:
  QSize windowSize() const override { return {1280, 800}; }
  void prepareModels() override {
    MessageItem question{20, "user", "Is 91 a prime number?", false, true, 0, 1, {}};
    MessageItem answer{21,
                       "assistant",
                       "No: **91 = 7 \u00d7 13**.",
                       false,
                       true,
                       0,
                       1,
                       "38.0 tok/s \u00b7 90 ms to first token \u00b7 temp 0.80"};
    answer.reasoning =
        "91 is odd, so not divisible by 2. Digit sum 10: not by 3. 7 \u00d7 13 = 91.";
    answer.reasoningTokens = 42;
    answer.reasoningMs = 1250;
    chat_.messages()->setItems({question, answer});
  }
  // The reasoning text is drawn (the section is open).
  bool reasoningShown() const { return byAccessibleName("Reasoning") != nullptr; }
};

TEST_F(Reasoning, TheThinkingSectionIsCollapsedNamedAndOpensFromTheKeyboard) {
  QQuickItem* header = byAccessibleName(kSummary);
  ASSERT_NE(header, nullptr) << "no Thinking header named " << kSummary.toStdString();
  EXPECT_FALSE(reasoningShown());  // collapsed at first
  // A screen reader hears the answer with its thinking summary.
  EXPECT_NE(
      byAccessibleName("Assistant: " + kSummary + QString::fromUtf8(". No: **91 = 7 \u00d7 13**.")),
      nullptr);

  // The keyboard reaches it: Shift+Tab from the settings panel goes back through the composer
  // into the chat (forward, the system prompt's box would keep the Tab).
  bool reached = false;
  for (int i = 0; i < 30 && !reached; ++i) {
    QTest::keyClick(window_, Qt::Key_Backtab, Qt::ShiftModifier);
    reached = header->hasActiveFocus();
  }
  ASSERT_TRUE(reached) << "Shift+Tab never reached the Thinking header";
  QTest::keyClick(window_, Qt::Key_Space);
  QTest::qWait(50);
  EXPECT_TRUE(reasoningShown());
  QQuickItem* text = byAccessibleName("Reasoning");
  ASSERT_NE(text, nullptr);
  EXPECT_TRUE(text->property("text").toString().startsWith("91 is odd"));
  // Above the answer, which renders as Markdown (the bold product is not shown with asterisks).
  const QPointF textPos = text->mapToScene({0, 0});
  const auto answerTexts = items([&](QQuickItem* item) {
    return visibleInTree(item) && item->inherits("QQuickTextEdit") &&
           item->property("text").toString().contains("13");
  });
  bool below = false;
  for (QQuickItem* a : answerTexts) {
    if (a == text) continue;
    below |= a->mapToScene({0, 0}).y() > textPos.y();
    EXPECT_FALSE(a->property("text").toString().contains("**"));
  }
  EXPECT_TRUE(below) << "the answer should be drawn below the reasoning";
  window_->grabWindow().save(test::screenshot_path("reasoning.png"));

  QTest::keyClick(window_, Qt::Key_Return);
  QTest::qWait(50);
  EXPECT_FALSE(reasoningShown());
  EXPECT_TRUE(warnings().isEmpty()) << warningText();
}

TEST_F(Reasoning, WhileItStreamsTheHeaderSaysSoAndTheTextGrows) {
  chat_.messages()->setItems(
      {{30, "user", "Why?", false, true, 0, 1, {}}, {31, "assistant", "", true, true, 0, 1, {}}});
  chat_.messages()->appendReasoning(31, "First, ", 2);
  chat_.messages()->appendReasoning(31, "the sky.", 4);
  QTest::qWait(50);
  const QString live = QString::fromUtf8("Thinking \u00b7 4 tokens\u2026");
  QQuickItem* header = byAccessibleName(live);
  ASSERT_NE(header, nullptr);
  QMetaObject::invokeMethod(header, "clicked");
  QTest::qWait(50);
  QQuickItem* text = byAccessibleName("Reasoning");
  ASSERT_NE(text, nullptr);
  EXPECT_EQ(text->property("text").toString(), "First, the sky.");
  EXPECT_TRUE(warnings().isEmpty()) << warningText();
}

TEST_F(Reasoning, TheSwitchesShowWhereTheTemplateHasThemAndEditTheSettings) {
  EXPECT_EQ(byAccessibleName("Thinking (the template's enable_thinking)"), nullptr);
  settings_.setSwitches(true, true);
  QTest::qWait(50);
  QQuickItem* thinking = byAccessibleName("Thinking (the template's enable_thinking)");
  QQuickItem* effort = byAccessibleName("Reasoning effort (the template's reasoning_effort)");
  ASSERT_NE(thinking, nullptr);
  ASSERT_NE(effort, nullptr);
  QSignalSpy edited(&settings_, &GenerationSettings::edited);
  // The box's "activated" is what a choice by keyboard or mouse sends.
  QMetaObject::invokeMethod(thinking, "activated", Q_ARG(int, 2));
  QMetaObject::invokeMethod(effort, "activated", Q_ARG(int, 3));
  EXPECT_EQ(settings_.thinking(), "off");
  EXPECT_EQ(settings_.reasoningEffort(), "high");
  EXPECT_EQ(edited.count(), 2);
  settings_.setSwitches(false, false);
  QTest::qWait(50);
  EXPECT_EQ(byAccessibleName("Thinking (the template's enable_thinking)"), nullptr);
  EXPECT_TRUE(warnings().isEmpty()) << warningText();
}

TEST_F(Reasoning, SearchOffersTheReasoningOption) {
  QSignalSpy asked(&conversations_, &ConversationsViewModel::searchReasoningRequested);
  conversations_.setSearchText("prime");
  QTest::qWait(50);
  QQuickItem* box = byAccessibleName("Also search the answers' reasoning");
  ASSERT_NE(box, nullptr);
  QMetaObject::invokeMethod(box, "toggle");
  QMetaObject::invokeMethod(box, "toggled");
  ASSERT_EQ(asked.count(), 1);
  EXPECT_TRUE(asked.at(0).at(0).toBool());
  EXPECT_TRUE(warnings().isEmpty()) << warningText();
}

}  // namespace
}  // namespace vkchat::ui
