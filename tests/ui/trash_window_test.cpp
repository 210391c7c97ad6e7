// The real Main.qml, offscreen, for the history parts of the sidebar: the Trash opens from its
// button and lists what was deleted with restore and delete-for-good, Ctrl+Z asks for the undo of
// the last delete, the export dialog starts in an absolute folder with a Save button, and a
// read-only history offers "Start a new history". Leaves ui_trash_window.png in the build folder.
#include <gtest/gtest.h>

#include <QQuickItem>
#include <QSignalSpy>

#include "screenshots.h"
#include "window_fixture.h"

namespace vkchat::ui {
namespace {

class TrashWindow : public test::WindowFixture {
 protected:
  void prepareModels() override {
    conversations_.list()->setItems(
        {{1, "Rust lifetimes", "Today", {}, 0}, {2, "Sourdough starter", "Yesterday", {}, 0}});
    conversations_.setCurrent(1, "Rust lifetimes");
    conversations_.setAvailable(true);
    conversations_.setTrashItems(
        {{7, "Trip to Lisbon", "Today", "Removed for good in 30 days", 0},
         {8, "Old shopping list", "Previous 7 days", "Removed for good in 26 days", 0}});
  }

  QObject* named(const char* name) const { return window_->findChild<QObject*>(name); }

  void click(QQuickItem* item) {
    const QPointF centre = item->mapToScene({item->width() / 2, item->height() / 2});
    QTest::mouseClick(window_, Qt::LeftButton, {}, centre.toPoint());
    QTest::qWait(50);
  }
};

TEST_F(TrashWindow, TheTrashOpensFromTheSidebarAndListsWhatWasDeleted) {
  auto* button = qobject_cast<QQuickItem*>(named("trashButton"));
  auto* trash = qobject_cast<QQuickItem*>(named("trashList"));
  ASSERT_NE(button, nullptr);
  ASSERT_NE(trash, nullptr);
  EXPECT_EQ(button->property("text").toString(), "Trash (2)");
  EXPECT_FALSE(trash->isVisible());
  click(button);
  ASSERT_TRUE(QTest::qWaitFor([&] { return trash->isVisible(); }, 2000));
  EXPECT_EQ(trash->property("count").toInt(), 2);
  const QImage shot = window_->grabWindow();
  EXPECT_TRUE(shot.save(vkchat::test::screenshot_path("ui_trash_window.png")));

  // Enter on a row restores it.
  QSignalSpy restore(&conversations_, &ConversationsViewModel::restoreRequested);
  trash->forceActiveFocus();
  QTest::qWait(20);
  QTest::keyClick(window_, Qt::Key_Return);
  ASSERT_EQ(restore.count(), 1);
  EXPECT_EQ(restore[0][0].toLongLong(), 7);

  click(button);  // back to the chats
  EXPECT_FALSE(trash->isVisible());
}

TEST_F(TrashWindow, CtrlZAsksToUndoTheLastDelete) {
  QSignalSpy undo(&conversations_, &ConversationsViewModel::undoDeleteRequested);
  QTest::keyClick(window_, Qt::Key_Z, Qt::ControlModifier);
  EXPECT_EQ(undo.count(), 0);  // nothing deleted: Ctrl+Z is left to the text box
  conversations_.setUndo(7, "Trip to Lisbon");
  // With focus outside a text box (the box keeps Ctrl+Z for its own typing).
  auto* button = qobject_cast<QQuickItem*>(named("trashButton"));
  ASSERT_NE(button, nullptr);
  button->forceActiveFocus();
  ASSERT_TRUE(button->hasActiveFocus());
  QTest::keyClick(window_, Qt::Key_Z, Qt::ControlModifier);
  EXPECT_EQ(undo.count(), 1);
}

TEST_F(TrashWindow, TheExportDialogSavesIntoAnAbsoluteFolder) {
  QObject* dialog = named("exportDialog");
  ASSERT_NE(dialog, nullptr);
  EXPECT_EQ(dialog->property("acceptLabel").toString(), "Save");
  QObject* sidebar = dialog->parent();
  ASSERT_NE(sidebar, nullptr);
  QMetaObject::invokeMethod(sidebar, "startExport", Q_ARG(QVariant, 1), Q_ARG(QVariant, "json"),
                            Q_ARG(QVariant, "Rust: lifetimes?"));
  QTest::qWait(50);
  const QUrl file = dialog->property("selectedFile").toUrl();
  EXPECT_TRUE(file.isLocalFile()) << file.toString().toStdString();
  EXPECT_TRUE(QFileInfo(file.toLocalFile()).isAbsolute()) << file.toString().toStdString();
  EXPECT_EQ(QFileInfo(file.toLocalFile()).fileName(), "Rust_ lifetimes_.json");
  EXPECT_EQ(QFileInfo(file.toLocalFile()).absolutePath(),
            conversations_.exportFolder().toLocalFile());
  QMetaObject::invokeMethod(dialog, "close");
}

TEST_F(TrashWindow, AReadOnlyHistoryOffersANewOne) {
  auto* start = qobject_cast<QQuickItem*>(named("startNewHistory"));
  ASSERT_NE(start, nullptr);
  EXPECT_FALSE(start->isVisible());
  conversations_.setHistoryState(true, "the database is damaged", true);
  QTest::qWait(50);
  ASSERT_TRUE(start->isVisible());
  QSignalSpy requested(&conversations_, &ConversationsViewModel::startNewHistoryRequested);
  click(start);
  EXPECT_EQ(requested.count(), 1);
}

}  // namespace
}  // namespace vkchat::ui
