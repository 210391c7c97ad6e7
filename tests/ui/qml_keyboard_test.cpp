// The window from the keyboard: Tab and Shift+Tab leave the message box (Ctrl+Tab types a tab),
// the send button and the settings panel are reachable by Tab, the window's shortcuts work
// wherever focus is, and focus comes back to the message box when a file dialog closes.
#include <gtest/gtest.h>

#include <QSignalSpy>

#include "window_fixture.h"

namespace vkchat::ui {
namespace {

using test::typeText;

class Keyboard : public test::WindowFixture {
 protected:
  QQuickItem* input() const { return byAccessibleName("Message"); }

  // True when `item` is `ancestor` or inside it.
  static bool within(QQuickItem* item, QQuickItem* ancestor) {
    for (QQuickItem* i = item; i; i = i->parentItem()) {
      if (i == ancestor) return true;
    }
    return false;
  }
};

TEST_F(Keyboard, TabAndShiftTabLeaveTheMessageBoxAndCtrlTabTypesATab) {
  chat_.setSendBlockedReason({});
  QQuickItem* box = input();
  ASSERT_NE(box, nullptr);
  box->forceActiveFocus();
  typeText(window_, "hi");
  QTest::keyClick(window_, Qt::Key_Tab, Qt::ControlModifier);
  EXPECT_EQ(box->property("text").toString(), "hi\t");
  ASSERT_TRUE(box->hasActiveFocus());

  QTest::keyClick(window_, Qt::Key_Tab);
  EXPECT_EQ(box->property("text").toString(), "hi\t");  // no tab typed
  QQuickItem* send = byAccessibleName("Send message");
  ASSERT_NE(send, nullptr);
  EXPECT_TRUE(send->hasActiveFocus()) << focused()->metaObject()->className();

  QTest::keyClick(window_, Qt::Key_Backtab, Qt::ShiftModifier);
  EXPECT_TRUE(box->hasActiveFocus()) << focused()->metaObject()->className();
  EXPECT_EQ(box->property("text").toString(), "hi\t");
}

TEST_F(Keyboard, TabReachesTheSettingsPanelFromTheMessageBox) {
  QQuickItem* temperature = byAccessibleName("Temperature");
  ASSERT_NE(temperature, nullptr);
  input()->forceActiveFocus();
  bool reached = false;
  for (int i = 0; i < 30 && !reached; ++i) {
    QTest::keyClick(window_, Qt::Key_Tab);
    reached = temperature->hasActiveFocus();
  }
  EXPECT_TRUE(reached) << "Tab did not reach the settings panel in 30 presses";
}

TEST_F(Keyboard, ShortcutsWorkWhereverFocusIs) {
  QSignalSpy created(&conversations_, &ConversationsViewModel::newRequested);
  QSignalSpy deleted(&conversations_, &ConversationsViewModel::deleteRequested);
  QQuickItem* search = byAccessibleName("Search conversations");
  ASSERT_NE(search, nullptr);
  const QList<QQuickItem*> places = {input(), byAccessibleName("Temperature"),
                                     byAccessibleName("Conversations"),
                                     byAccessibleName("System prompt"), search};
  for (QQuickItem* place : places) {
    ASSERT_NE(place, nullptr);
    place->forceActiveFocus();
    ASSERT_TRUE(place->hasActiveFocus());
    const std::string where = place->metaObject()->className();
    const qsizetype before = created.count();
    QTest::keyClick(window_, Qt::Key_N, Qt::ControlModifier);
    EXPECT_EQ(created.count(), before + 1) << "Ctrl+N from " << where;

    place->forceActiveFocus();
    QTest::keyClick(window_, Qt::Key_K, Qt::ControlModifier);
    EXPECT_TRUE(search->hasActiveFocus()) << "Ctrl+K from " << where;

    place->forceActiveFocus();
    QTest::keyClick(window_, Qt::Key_F2);
    QQuickItem* rename = byAccessibleName("Conversation title");
    ASSERT_NE(rename, nullptr) << "F2 from " << where;
    EXPECT_TRUE(rename->hasActiveFocus()) << "F2 from " << where;
    EXPECT_EQ(rename->property("text").toString(), "Rust lifetimes");
    QTest::keyClick(window_, Qt::Key_Escape);
  }
  // Delete deletes the current conversation, except in a text field, which keeps its Delete key.
  QQuickItem* temperature = byAccessibleName("Temperature");
  temperature->forceActiveFocus();
  QTest::keyClick(window_, Qt::Key_Delete);
  ASSERT_EQ(deleted.count(), 1);
  EXPECT_EQ(deleted[0][0].toLongLong(), 1);
  input()->forceActiveFocus();
  typeText(window_, "ab");
  QTest::keyClick(window_, Qt::Key_Left);
  QTest::keyClick(window_, Qt::Key_Delete);
  EXPECT_EQ(deleted.count(), 1);
  EXPECT_EQ(input()->property("text").toString(), "a");
}

TEST_F(Keyboard, CtrlQQuits) {
  // The engine's quit would end this test program; only the request is checked.
  QObject::disconnect(&engine_, &QQmlEngine::quit, nullptr, nullptr);
  QSignalSpy quit(&engine_, &QQmlEngine::quit);
  byAccessibleName("Temperature")->forceActiveFocus();
  QTest::keyClick(window_, Qt::Key_Q, Qt::ControlModifier);
  EXPECT_EQ(quit.count(), 1);
  input()->forceActiveFocus();
  QTest::keyClick(window_, Qt::Key_Q, Qt::ControlModifier);
  EXPECT_EQ(quit.count(), 2);
}

// Qt's own file dialog, offscreen: when it closes, typing goes to the message box, not to it.
TEST_F(Keyboard, FocusReturnsToTheMessageBoxWhenTheFileDialogCloses) {
  for (const char* close : {"reject", "accept"}) {
    byAccessibleName("Temperature")->forceActiveFocus();
    QTest::keyClick(window_, Qt::Key_O, Qt::ControlModifier);
    QObject* dialog = nullptr;
    for (QObject* o : window_->findChildren<QObject*>()) {
      if (o->inherits("QQuickFileDialog") && o->property("title").toString() == "Open model") {
        dialog = o;
      }
    }
    ASSERT_NE(dialog, nullptr);
    ASSERT_TRUE(QTest::qWaitFor([&] { return dialog->property("visible").toBool(); }, 2000));
    EXPECT_FALSE(within(focused(), input()));
    ASSERT_TRUE(QMetaObject::invokeMethod(dialog, close));
    ASSERT_TRUE(QTest::qWaitFor([&] { return !dialog->property("visible").toBool(); }, 2000));
    QTest::qWait(400);  // the dialog's closing transition
    EXPECT_TRUE(input()->hasActiveFocus())
        << close << ": focus on " << focused()->metaObject()->className();
    typeText(window_, "x");
    EXPECT_TRUE(input()->property("text").toString().endsWith("x")) << close;
  }
  EXPECT_TRUE(warnings().isEmpty()) << warningText();
}

}  // namespace
}  // namespace vkchat::ui
