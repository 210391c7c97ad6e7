// The real Main.qml, offscreen, over view-models the test fills: it loads without a QML warning,
// every control has an accessible name and takes keyboard focus, the keyboard shortcuts and the
// input box's Enter / Shift+Enter do what the issue says, and a screenshot is written to the
// build folder for people to look at.
#include <gtest/gtest.h>

#include <QGuiApplication>
#include <QPalette>
#include <QSignalSpy>

#include "screenshots.h"
#include "window_fixture.h"

namespace vkchat::ui {
namespace {

using test::typeText;

class Window : public test::WindowFixture {};

TEST_F(Window, LoadsWithoutWarningsAndSavesAScreenshot) {
  EXPECT_TRUE(warnings().isEmpty()) << warningText();
  const QImage shot = window_->grabWindow();
  ASSERT_FALSE(shot.isNull());
  EXPECT_TRUE(shot.save(vkchat::test::screenshot_path("ui_window_test.png")));
}

TEST_F(Window, EveryControlHasAnAccessibleNameAndTakesKeyboardFocus) {
  static const char* const kControls[] = {"QQuickAbstractButton", "QQuickTextInput",
                                          "QQuickTextEdit",       "QQuickSlider",
                                          "QQuickSpinBox",        "QQuickComboBox"};
  const auto controls = items([](QQuickItem* item) {
    for (const char* type : kControls) {
      if (item->inherits(type)) return true;
    }
    return false;
  });
  ASSERT_GT(controls.size(), 20);
  int checked = 0;
  for (QQuickItem* item : controls) {
    // Read-only text (messages, code) is reachable for selection by mouse; inputs must be named.
    if (item->inherits("QQuickTextEdit") && item->property("readOnly").toBool()) continue;
    // The text inputs inside a SpinBox belong to it, which has the name.
    if (item->parentItem() && item->parentItem()->inherits("QQuickSpinBox")) continue;
    // Hidden controls (a rename box, an edit box) have no accessible object until shown.
    if (!visibleInTree(item)) continue;
    QAccessibleInterface* a = QAccessible::queryAccessibleInterface(item);
    ASSERT_NE(a, nullptr) << item->metaObject()->className() << " parent "
                          << item->parentItem()->metaObject()->className() << " "
                          << item->property("text").toString().toStdString() << " visible "
                          << visibleInTree(item);
    const QString name = a->text(QAccessible::Name);
    EXPECT_FALSE(name.trimmed().isEmpty())
        << item->metaObject()->className() << " at " << item->mapToScene({0, 0}).x() << ","
        << item->mapToScene({0, 0}).y()
        << " text=" << item->property("text").toString().toStdString();
    if (item->isEnabled()) {
      const QVariant policy = item->property("focusPolicy");
      const bool tab =
          item->activeFocusOnTab() || (policy.isValid() && (policy.toInt() & Qt::TabFocus) != 0);
      EXPECT_TRUE(tab) << "not reachable by Tab: " << name.toStdString();
    }
    ++checked;
  }
  EXPECT_GT(checked, 20);
}

TEST_F(Window, EnterSendsAndShiftEnterAddsALine) {
  chat_.setSendBlockedReason({});
  QSignalSpy sent(&chat_, &ChatViewModel::sendRequested);
  QQuickItem* input = byAccessibleName("Message");
  ASSERT_NE(input, nullptr);
  input->forceActiveFocus();
  typeText(window_, "first line");
  QTest::keyClick(window_, Qt::Key_Return, Qt::ShiftModifier);
  typeText(window_, "second");
  EXPECT_EQ(sent.count(), 0);
  QTest::keyClick(window_, Qt::Key_Return);
  ASSERT_EQ(sent.count(), 1);
  EXPECT_EQ(sent[0][0].toString(), "first line\nsecond");
  // The text stays until the controller says the history has it (a failed save keeps it).
  EXPECT_EQ(input->property("text").toString(), "first line\nsecond");
  emit chat_.sendSaved("first line\nsecond");
  EXPECT_TRUE(input->property("text").toString().isEmpty());

  // Nothing is sent while sending is blocked; the reason is the placeholder.
  chat_.setSendBlockedReason("Open a model to start chatting");
  typeText(window_, "more");
  QTest::keyClick(window_, Qt::Key_Return);
  EXPECT_EQ(sent.count(), 1);
  EXPECT_EQ(input->property("placeholderText").toString(), "Open a model to start chatting");
}

TEST_F(Window, KeyboardShortcuts) {
  QSignalSpy created(&conversations_, &ConversationsViewModel::newRequested);
  QTest::keyClick(window_, Qt::Key_N, Qt::ControlModifier);
  EXPECT_EQ(created.count(), 1);

  QTest::keyClick(window_, Qt::Key_K, Qt::ControlModifier);
  QQuickItem* search = byAccessibleName("Search conversations");
  ASSERT_NE(search, nullptr);
  EXPECT_TRUE(search->hasActiveFocus());
  QSignalSpy searched(&conversations_, &ConversationsViewModel::searchRequested);
  typeText(window_, "lis");
  ASSERT_GE(searched.count(), 1);
  EXPECT_EQ(searched.last()[0].toString(), "lis");

  const bool open = window_->property("settingsOpen").toBool();
  QTest::keyClick(window_, Qt::Key_Comma, Qt::ControlModifier);
  EXPECT_NE(window_->property("settingsOpen").toBool(), open);

  QSignalSpy stopped(&chat_, &ChatViewModel::stopRequested);
  QTest::keyClick(window_, Qt::Key_Escape);
  EXPECT_EQ(stopped.count(), 0);  // nothing is being written
  chat_.setGenerating(true);
  QTest::keyClick(window_, Qt::Key_Escape);
  EXPECT_EQ(stopped.count(), 1);
}

TEST_F(Window, SlidersShowAndSetTheirValues) {
  QQuickItem* temperature = byAccessibleName("Temperature");
  ASSERT_NE(temperature, nullptr);
  QSignalSpy edited(&settings_, &GenerationSettings::edited);
  temperature->forceActiveFocus();
  QTest::keyClick(window_, Qt::Key_Right);
  EXPECT_EQ(edited.count(), 1);
  EXPECT_NEAR(settings_.temperature(), 0.85, 1e-9);
  QQuickItem* topP = byAccessibleName("Top-p");
  ASSERT_NE(topP, nullptr);
  topP->forceActiveFocus();
  QTest::keyClick(window_, Qt::Key_Left);
  EXPECT_NEAR(settings_.topP(), 0.94, 1e-9);
  // Values loaded from a conversation move the sliders.
  SettingsValues v;
  v.temperature = 1.5;
  settings_.load(v, SettingsValues{});
  EXPECT_NEAR(temperature->property("value").toDouble(), 1.5, 1e-9);
}

// The controls offer exactly the store's ranges (store/store_types.h), the one source.
TEST_F(Window, TheControlsRangesAreTheStores) {
  const auto expectRange = [this](const char* name, double min, double max) {
    QQuickItem* control = byAccessibleName(name);
    ASSERT_NE(control, nullptr) << name;
    EXPECT_DOUBLE_EQ(control->property("from").toDouble(), min) << name;
    EXPECT_DOUBLE_EQ(control->property("to").toDouble(), max) << name;
  };
  expectRange("Temperature", store::kTemperatureRange.min, store::kTemperatureRange.max);
  expectRange("Top-p", store::kTopPRange.min, store::kTopPRange.max);
  expectRange("Min-p", store::kMinPRange.min, store::kMinPRange.max);
  expectRange("Repeat penalty", store::kRepeatPenaltyRange.min, store::kRepeatPenaltyRange.max);
  expectRange("Top-k", store::kTopKRange.min, store::kTopKRange.max);
  expectRange("Maximum tokens per answer", store::kMaxTokensRange.min, store::kMaxTokensRange.max);
  // The panel starts from the store's defaults.
  EXPECT_EQ(settings_.values(), SettingsValues{});
  EXPECT_DOUBLE_EQ(settings_.temperature(), store::SamplingSettings{}.temperature);
  EXPECT_EQ(settings_.topK(), store::SamplingSettings{}.top_k);
}

TEST_F(Window, LoadingProgressErrorBannerAndStreamingAnswer) {
  model_.setLoading("Qwen2.5-7B-Instruct-Q4_K_M.gguf");
  model_.setProgress(0.42);
  status_.showError(
      "stories.gguf: unsupported architecture \"mamba\" (supported: llama, qwen2, qwen3, phi3)");
  chat_.setGenerating(true);
  chat_.messages()->append({12, "user", "Write a haiku about GPUs", false, true, 0, 1, {}});
  chat_.messages()->append({13, "assistant", "", true, true, 0, 1, {}});
  chat_.messages()->appendText(13, "Silicon rivers\nthousands of tiny");
  QTest::qWait(100);
  EXPECT_TRUE(warnings().isEmpty()) << warningText();
  EXPECT_NE(byAccessibleName("Cancel loading the model"), nullptr);
  EXPECT_NE(byAccessibleName("Stop generating (Esc)"), nullptr);
  EXPECT_NE(byAccessibleName("Dismiss error"), nullptr);
  const QImage shot = window_->grabWindow();
  EXPECT_TRUE(shot.save(vkchat::test::screenshot_path("ui_window_busy_test.png")));
  QSignalSpy cancelled(&model_, &ModelState::cancelLoadRequested);
  QQuickItem* cancel = byAccessibleName("Cancel loading the model");
  ASSERT_NE(cancel, nullptr);
  const QPointF centre = cancel->mapToScene(QPointF(cancel->width() / 2, cancel->height() / 2));
  QTest::mouseClick(window_, Qt::LeftButton, {}, centre.toPoint());
  EXPECT_EQ(cancelled.count(), 1);
}

TEST_F(Window, TheModelMenuOffersOpenAndTheRecentModels) {
  QQuickItem* button = byAccessibleName("Model: stories260K. Choose another model");
  ASSERT_NE(button, nullptr);
  button->forceActiveFocus();
  QTest::keyClick(window_, Qt::Key_Space);
  QTest::qWait(300);  // the menu's opening transition
  QQuickItem* recent = byAccessibleName("Load stories260K");
  ASSERT_NE(recent, nullptr);
  EXPECT_NE(byAccessibleName("Open model file"), nullptr);
  EXPECT_TRUE(window_->grabWindow().save(vkchat::test::screenshot_path("ui_window_menu_test.png")));
  QSignalSpy opened(&model_, &ModelState::openPathRequested);
  const QPointF centre = recent->mapToScene(QPointF(recent->width() / 2, recent->height() / 2));
  QTest::mouseClick(window_, Qt::LeftButton, {}, centre.toPoint());
  ASSERT_EQ(opened.count(), 1);
  EXPECT_EQ(opened[0][0].toString(), "/models/stories260K.gguf");
}

TEST_F(Window, SidebarArrowKeysAndEnterOpenAConversation) {
  QSignalSpy selected(&conversations_, &ConversationsViewModel::selectRequested);
  QQuickItem* list = byAccessibleName("Conversations");
  ASSERT_NE(list, nullptr);
  list->forceActiveFocus();
  QTest::keyClick(window_, Qt::Key_Down);
  QTest::keyClick(window_, Qt::Key_Return);
  ASSERT_EQ(selected.count(), 1);
  EXPECT_EQ(selected[0][0].toLongLong(), 2);
  QTest::keyClick(window_, Qt::Key_Down);
  QTest::keyClick(window_, Qt::Key_Space);
  ASSERT_EQ(selected.count(), 2);
  EXPECT_EQ(selected[1][0].toLongLong(), 3);
}

TEST_F(Window, SidebarRenameAndDeleteFromTheKeyboard) {
  QSignalSpy renamed(&conversations_, &ConversationsViewModel::renameRequested);
  QSignalSpy deleted(&conversations_, &ConversationsViewModel::deleteRequested);
  QQuickItem* row = byAccessibleName("Sourdough starter");
  ASSERT_NE(row, nullptr);
  row->forceActiveFocus();
  QTest::keyClick(window_, Qt::Key_F2);
  QTest::keyClick(window_, Qt::Key_A, Qt::ControlModifier);
  typeText(window_, "Bread");
  QTest::keyClick(window_, Qt::Key_Return);
  ASSERT_EQ(renamed.count(), 1);
  EXPECT_EQ(renamed[0][0].toLongLong(), 2);
  EXPECT_EQ(renamed[0][1].toString(), "Bread");

  row->forceActiveFocus();
  QTest::keyClick(window_, Qt::Key_Delete);
  ASSERT_EQ(deleted.count(), 1);
  EXPECT_EQ(deleted[0][0].toLongLong(), 2);

  QSignalSpy undone(&conversations_, &ConversationsViewModel::undoDeleteRequested);
  conversations_.setUndo(2, "Sourdough starter");
  conversations_.setUndoNoticeVisible(true);
  QTest::qWait(50);
  QQuickItem* undo = byAccessibleName("Undo delete");
  ASSERT_NE(undo, nullptr);
  undo->forceActiveFocus();
  QTest::keyClick(window_, Qt::Key_Space);
  EXPECT_EQ(undone.count(), 1);
}

TEST_F(Window, EditingAQuestionSendsItAsABranch) {
  chat_.setSendBlockedReason({});
  QSignalSpy edits(&chat_, &ChatViewModel::editRequested);
  QQuickItem* edit = byAccessibleName("Edit message");
  ASSERT_NE(edit, nullptr);
  edit->forceActiveFocus();
  QTest::keyClick(window_, Qt::Key_Space);
  QTest::keyClick(window_, Qt::Key_A, Qt::ControlModifier);
  typeText(window_, "How do I print a map?");
  QTest::keyClick(window_, Qt::Key_Return);
  ASSERT_EQ(edits.count(), 1);
  EXPECT_EQ(edits[0][0].toLongLong(), 10);
  EXPECT_EQ(edits[0][1].toString(), "How do I print a map?");
}

// The system palette decides light or dark; the window follows it.
class DarkWindow : public Window {
 protected:
  void preparePalette() override {
    saved_ = QGuiApplication::palette();
    QPalette dark;
    dark.setColor(QPalette::Window, QColor(0x20, 0x22, 0x25));
    dark.setColor(QPalette::WindowText, QColor(0xe8, 0xea, 0xed));
    dark.setColor(QPalette::Base, QColor(0x17, 0x18, 0x1a));
    dark.setColor(QPalette::AlternateBase, QColor(0x26, 0x28, 0x2b));
    dark.setColor(QPalette::Text, QColor(0xe8, 0xea, 0xed));
    dark.setColor(QPalette::Button, QColor(0x2d, 0x2f, 0x33));
    dark.setColor(QPalette::ButtonText, QColor(0xe8, 0xea, 0xed));
    dark.setColor(QPalette::Highlight, QColor(0x8a, 0xb4, 0xf8));
    dark.setColor(QPalette::HighlightedText, QColor(0x20, 0x22, 0x25));
    dark.setColor(QPalette::PlaceholderText, QColor(0x9a, 0xa0, 0xa6));
    QGuiApplication::setPalette(dark);
  }
  void TearDown() override {
    Window::TearDown();
    QGuiApplication::setPalette(saved_);
  }
  QPalette saved_;
};

TEST_F(DarkWindow, FollowsADarkSystemPalette) {
  EXPECT_TRUE(warnings().isEmpty()) << warningText();
  const QImage shot = window_->grabWindow();
  ASSERT_FALSE(shot.isNull());
  EXPECT_TRUE(shot.save(vkchat::test::screenshot_path("ui_window_dark_test.png")));
  // The chat's background is the palette's dark window colour, not a light default.
  EXPECT_LT(QColor(shot.pixel(shot.width() / 2, shot.height() / 2)).lightnessF(), 0.3);
}

}  // namespace
}  // namespace vkchat::ui
