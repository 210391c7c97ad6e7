// The controller over a history that is not simply healthy and writable, and over the Trash:
// deleted conversations listed, restored, purged, emptied after 30 days, the last deletes undone
// (Ctrl+Z); a save that fails keeps the prompt; a locked file is retried until it is free; a
// damaged file opens read-only and can be set aside for a new history; a damaged message tree
// is reported; exports go where the user chose, the JSON with every branch.
#include <gtest/gtest.h>

#include <QDir>
#include <QFile>
#include <QSignalSpy>
#include <QThread>
#include <QUrl>

#include "controller_harness.h"
#include "store/sqlite_db.h"

namespace vkchat::test {
namespace {

using store::ChatStore;
using store::Database;

std::int64_t chat(ChatStore& s, const std::string& question) {
  const std::int64_t id = s.create_conversation().id;
  s.add_user_message(id, question);
  return id;
}

// Makes the model "loaded" without an engine, as controller_stream_test does.
void loadModel(gui::AppController& c) {
  QSignalSpy loads(&c, &gui::AppController::loadModelRequested);
  c.openModel("/models/tiny.gguf");
  ASSERT_TRUE(QTest::qWaitFor([&] { return loads.count() > 0; }, 5000));  // the request is queued
  gui::LoadedModel model;
  model.path = "/models/tiny.gguf";
  model.name = "tiny";
  model.contextLength = 512;
  c.onModelLoaded(loads.at(0).at(0).toLongLong(), model);
}

int occurrences(const QString& text, const QString& part) {
  return static_cast<int>(text.count(part));
}

TEST(ControllerHistory, DeletesGoToTheTrashAndCtrlZBringsThemBackInTurn) {
  ControllerHarness h;
  std::int64_t older = 0, newer = 0;
  {
    ChatStore s = h.openStore();
    older = chat(s, "about owls");
    newer = chat(s, "about bats");
  }
  auto& c = h.start();
  auto* vm = c.conversations();
  ASSERT_TRUE(QTest::qWaitFor([&] { return vm->list()->rowCount() == 2; }, 5000));
  EXPECT_EQ(vm->trashCount(), 0);

  emit vm->deleteRequested(older);
  emit vm->deleteRequested(newer);
  ASSERT_TRUE(QTest::qWaitFor([&] { return vm->trashCount() == 2; }, 5000));
  EXPECT_EQ(vm->list()->rowCount(), 0);
  EXPECT_EQ(vm->trash()->at(0).id, newer);  // most recently deleted first
  EXPECT_EQ(vm->trash()->at(0).title, "about bats");
  EXPECT_EQ(vm->trash()->at(0).section, "Today");
  EXPECT_EQ(vm->trash()->at(0).snippet, "Removed for good in 30 days");
  EXPECT_TRUE(vm->undoNoticeVisible());
  EXPECT_TRUE(vm->canUndo());
  EXPECT_EQ(vm->undoTitle(), "about bats");

  // Ctrl+Z: the last delete first, then the one before.
  emit vm->undoDeleteRequested();
  ASSERT_TRUE(QTest::qWaitFor([&] { return vm->currentId() == newer; }, 5000));
  EXPECT_EQ(vm->undoTitle(), "about owls");
  emit vm->undoDeleteRequested();
  ASSERT_TRUE(QTest::qWaitFor([&] { return vm->currentId() == older; }, 5000));
  EXPECT_FALSE(vm->canUndo());
  ASSERT_TRUE(QTest::qWaitFor([&] { return vm->trashCount() == 0; }, 5000));
  EXPECT_EQ(vm->list()->rowCount(), 2);

  // Restore from the Trash, delete for good, empty the Trash.
  emit vm->deleteRequested(older);
  emit vm->deleteRequested(newer);
  ASSERT_TRUE(QTest::qWaitFor([&] { return vm->trashCount() == 2; }, 5000));
  emit vm->restoreRequested(older);
  ASSERT_TRUE(QTest::qWaitFor([&] { return vm->currentId() == older; }, 5000));
  EXPECT_EQ(vm->undoTitle(), "about bats");  // the restored one left the undo list
  emit vm->purgeRequested(newer);
  ASSERT_TRUE(QTest::qWaitFor([&] { return vm->trashCount() == 0; }, 5000));
  EXPECT_FALSE(vm->canUndo());
  h.settle();
  EXPECT_THROW(h.openStore().conversation(newer), store::StoreError);
  emit vm->deleteRequested(older);
  ASSERT_TRUE(QTest::qWaitFor([&] { return vm->trashCount() == 1; }, 5000));
  emit vm->emptyTrashRequested();
  ASSERT_TRUE(QTest::qWaitFor([&] { return vm->trashCount() == 0; }, 5000));
  EXPECT_TRUE(c.status()->noticeText().contains("Removed 1 conversation"));
  EXPECT_TRUE(h.openStore().list_conversations().empty());
}

TEST(ControllerHistory, TheTrashKeepsThirtyDaysAcrossRestarts) {
  ControllerHarness h;
  std::int64_t old_one = 0, recent = 0;
  {
    ChatStore s = h.openStore();
    old_one = chat(s, "last season");
    recent = chat(s, "last week");
    s.delete_conversation(old_one);
    s.delete_conversation(recent);
    Database raw = Database::open(h.dbPath().toStdString());
    constexpr std::int64_t kDay = 24LL * 60 * 60 * 1000;
    raw.prepare("UPDATE conversations SET deleted_at = ?2 WHERE id = ?1")
        .bind(old_one, store::now_ms() - 31 * kDay)
        .run();
    raw.prepare("UPDATE conversations SET deleted_at = ?2 WHERE id = ?1")
        .bind(recent, store::now_ms() - 7 * kDay)
        .run();
  }
  auto& c = h.start();
  ASSERT_TRUE(QTest::qWaitFor([&] { return c.conversations()->trashCount() == 1; }, 5000));
  EXPECT_EQ(c.conversations()->trash()->at(0).id, recent);
  EXPECT_EQ(c.conversations()->trash()->at(0).snippet, "Removed for good in 23 days");
  EXPECT_FALSE(c.conversations()->canUndo());  // Ctrl+Z undoes this session's deletes only
  EXPECT_THROW(h.openStore().conversation(old_one), store::StoreError);
}

TEST(ControllerHistory, AFailedSaveKeepsThePromptInTheComposer) {
  ControllerHarness h;
  auto& c = h.start();
  loadModel(c);
  ASSERT_TRUE(c.chat()->canSend());
  QSignalSpy saved(c.chat(), &ui::ChatViewModel::sendSaved);
  QSignalSpy requests(&c, &gui::AppController::generateRequested);
  // Every insert fails as a full disk would.
  // The store thread may be writing (the model just loaded is remembered): wait for its lock.
  Database::open(h.dbPath().toStdString())
      .exec(
          "PRAGMA busy_timeout = 10000; CREATE TRIGGER disk_full BEFORE INSERT ON messages BEGIN "
          "SELECT RAISE(FAIL, 'database or disk is full'); END");
  emit c.chat()->sendRequested("Keep me");
  ASSERT_TRUE(QTest::qWaitFor([&] { return !c.chat()->generating(); }, 5000));
  EXPECT_TRUE(c.status()->errorText().contains("disk is full"))
      << c.status()->errorText().toStdString();
  EXPECT_EQ(saved.count(), 0);  // the composer keeps the text
  EXPECT_EQ(requests.count(), 0);
  h.settle();
  // The job was one transaction: no conversation was left half-written.
  EXPECT_TRUE(h.openStore().list_conversations().empty());

  Database::open(h.dbPath().toStdString())
      .exec("PRAGMA busy_timeout = 10000; DROP TRIGGER disk_full");
  emit c.chat()->sendRequested("Keep me");
  ASSERT_TRUE(QTest::qWaitFor([&] { return saved.count() == 1; }, 5000));
  EXPECT_EQ(saved.at(0).at(0).toString(), "Keep me");
  EXPECT_EQ(requests.count(), 1);
  EXPECT_EQ(h.openStore().active_path(c.conversations()->currentId()).at(0).content, "Keep me");
}

TEST(ControllerHistory, ALockedHistoryIsRetriedAndSaysWhenItIsFree) {
  QTemporaryDir dir;
  const QString path = dir.filePath("chats.sqlite");
  std::int64_t id = 0;
  {
    ChatStore s = ChatStore::open(path.toStdString());
    id = chat(s, "rename me");
  }
  gui::StoreThread store(path, nullptr, 100);  // a short busy timeout: the test waits less
  gui::AppController c(store);
  QSignalSpy locked(&store, &gui::StoreThread::locked);
  QSignalSpy unlocked(&store, &gui::StoreThread::unlocked);
  ASSERT_TRUE(QTest::qWaitFor([&] { return c.conversations()->list()->rowCount() == 1; }, 5000));

  // Another program takes the write lock and holds it.
  Database other = Database::open(path.toStdString());
  other.exec("BEGIN IMMEDIATE");
  emit c.conversations()->renameRequested(id, "Renamed while locked");
  ASSERT_TRUE(QTest::qWaitFor([&] { return locked.count() == 1; }, 5000));
  ASSERT_TRUE(QTest::qWaitFor([&] { return c.status()->errorText().contains("locked"); }, 5000));
  EXPECT_EQ(ChatStore::open_read_only(path.toStdString()).conversation(id).title, "rename me");
  QTest::qWait(gui::StoreThread::kRetryMs + 200);  // still locked: tried again, still waiting
  EXPECT_EQ(unlocked.count(), 0);

  other.exec("COMMIT");  // the lock is gone
  ASSERT_TRUE(QTest::qWaitFor([&] { return unlocked.count() == 1; }, 5000));
  ASSERT_TRUE(QTest::qWaitFor([&] { return c.status()->errorText().isEmpty(); }, 5000));
  EXPECT_TRUE(c.status()->noticeText().contains("free again"));
  EXPECT_EQ(locked.count(), 1);
  EXPECT_EQ(ChatStore::open(path.toStdString()).conversation(id).title, "Renamed while locked");
}

TEST(ControllerHistory, AHistoryLockedAtStartOpensOnceItIsFree) {
  QTemporaryDir dir;
  const QString path = dir.filePath("chats.sqlite");
  {
    ChatStore s = ChatStore::open(path.toStdString());
    chat(s, "waiting for the lock");
  }
  // Another program holds the file exclusively: nobody else can even read it.
  std::optional<Database> other(Database::open(path.toStdString()));
  other->exec("PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE");
  gui::StoreThread store(path, nullptr, 100);
  QSignalSpy locked(&store, &gui::StoreThread::locked);
  QSignalSpy opened(&store, &gui::StoreThread::opened);
  gui::AppController c(store);
  ASSERT_TRUE(QTest::qWaitFor([&] { return locked.count() == 1; }, 5000));
  EXPECT_TRUE(c.status()->errorText().contains("locked")) << c.status()->errorText().toStdString();
  EXPECT_EQ(opened.count(), 0);
  other->exec("COMMIT");
  other.reset();  // the other program closes the file: the lock is gone
  ASSERT_TRUE(QTest::qWaitFor([&] { return opened.count() == 1; }, 5000));
  ASSERT_TRUE(QTest::qWaitFor([&] { return c.conversations()->list()->rowCount() == 1; }, 5000));
  EXPECT_TRUE(c.status()->errorText().isEmpty());
  EXPECT_TRUE(c.status()->noticeText().contains("free again"));
}

// A history whose messages index is damaged: open() refuses it, but it reads.
void damageAnIndex(const QString& path) {
  {
    ChatStore s = ChatStore::open(path.toStdString());
    chat(s, "readable question");
  }
  std::int64_t page = 0;
  {
    Database db = Database::open(path.toStdString());
    store::Statement st =
        db.prepare("SELECT rootpage FROM sqlite_schema WHERE name = 'messages_by_parent'");
    st.step();
    page = st.int64(0);
  }
  QFile f(path);
  ASSERT_TRUE(f.open(QIODevice::ReadWrite));
  ASSERT_TRUE(f.seek((page - 1) * 4096));
  f.write(QByteArray(4096, '\xA5'));
}

TEST(ControllerHistory, ADamagedHistoryOpensReadOnlyAndCanBeSetAside) {
  QTemporaryDir dir;
  const QString path = dir.filePath("chats.sqlite");
  damageAnIndex(path);
  QFile original(path);
  ASSERT_TRUE(original.open(QIODevice::ReadOnly));
  const QByteArray bytes = original.readAll();
  original.close();

  gui::StoreThread store(path);
  gui::AppController c(store);
  auto* vm = c.conversations();
  ASSERT_TRUE(QTest::qWaitFor([&] { return vm->readOnly(); }, 5000));
  EXPECT_TRUE(vm->available());
  EXPECT_TRUE(vm->canStartNewHistory());
  EXPECT_TRUE(vm->historyProblem().contains("damaged")) << vm->historyProblem().toStdString();
  // The banner names the file once, and says what still works.
  const QString banner = c.status()->errorText();
  EXPECT_EQ(occurrences(banner, path), 1) << banner.toStdString();
  EXPECT_TRUE(banner.contains("read-only"));
  ASSERT_TRUE(QTest::qWaitFor([&] { return vm->list()->rowCount() == 1; }, 5000));
  EXPECT_EQ(vm->list()->at(0).title, "readable question");
  EXPECT_TRUE(c.chat()->sendBlockedReason().contains("read-only"));

  // Writes are refused with a message, before they reach the file.
  emit vm->renameRequested(vm->list()->at(0).id, "x");
  EXPECT_TRUE(c.status()->errorText().contains("not renamed"));
  emit vm->deleteRequested(vm->list()->at(0).id);
  EXPECT_TRUE(c.status()->errorText().contains("not deleted"));
  QTest::qWait(100);
  EXPECT_EQ(vm->list()->rowCount(), 1);

  // Start a new history: the old file moves aside, whole, and the app says where.
  QSignalSpy moved(&store, &gui::StoreThread::movedAside);
  emit vm->startNewHistoryRequested();
  ASSERT_TRUE(QTest::qWaitFor([&] { return moved.count() == 1; }, 5000));
  const QString aside = moved.at(0).at(0).toString();
  EXPECT_TRUE(aside.startsWith(dir.filePath("chats.set-aside-"))) << aside.toStdString();
  ASSERT_TRUE(
      QTest::qWaitFor([&] { return c.chat()->sendBlockedReason().contains("model"); }, 5000));
  EXPECT_FALSE(vm->readOnly());
  EXPECT_TRUE(vm->historyProblem().isEmpty());
  EXPECT_EQ(vm->movedAsideTo(), aside);  // shown whole until dismissed
  EXPECT_TRUE(c.status()->noticeText().contains("new history"));
  EXPECT_TRUE(c.status()->errorText().isEmpty());
  EXPECT_EQ(vm->list()->rowCount(), 0);
  QFile kept(aside);
  ASSERT_TRUE(kept.open(QIODevice::ReadOnly));
  EXPECT_EQ(kept.readAll(), bytes);
  EXPECT_EQ(ChatStore::open(path.toStdString()).integrity_check(), "ok");
}

TEST(ControllerHistory, AFileThatIsNotAHistoryOffersANewOne) {
  QTemporaryDir dir;
  const QString path = dir.filePath("chats.sqlite");
  {
    QFile f(path);
    ASSERT_TRUE(f.open(QIODevice::WriteOnly));
    f.write(QByteArray(8192, 'x'));
  }
  gui::StoreThread store(path);
  gui::AppController c(store);
  auto* vm = c.conversations();
  ASSERT_TRUE(QTest::qWaitFor([&] { return vm->canStartNewHistory(); }, 5000));
  EXPECT_FALSE(vm->available());
  EXPECT_FALSE(vm->readOnly());
  EXPECT_EQ(occurrences(c.status()->errorText(), path), 1) << c.status()->errorText().toStdString();
  emit vm->startNewHistoryRequested();
  ASSERT_TRUE(QTest::qWaitFor([&] { return vm->available(); }, 5000));
  EXPECT_FALSE(vm->canStartNewHistory());
  EXPECT_TRUE(vm->movedAsideTo().contains("chats.set-aside-"));
}

TEST(ControllerHistory, ADamagedMessageTreeIsReportedAndTheRestShows) {
  ControllerHarness h;
  std::int64_t id = 0;
  {
    ChatStore s = h.openStore();
    id = chat(s, "first");
    const auto answer = s.begin_assistant_message(id, {});
    s.finish_assistant_message(answer.id, "second", 1, {});
    s.add_user_message(id, "third");
    Database::open(h.dbPath().toStdString())
        .exec("UPDATE messages SET parent_id = id WHERE id = " + std::to_string(answer.id));
  }
  auto& c = h.start();
  ASSERT_TRUE(QTest::qWaitFor([&] { return !c.conversations()->currentDamage().isEmpty(); }, 5000));
  EXPECT_EQ(c.conversations()->currentId(), id);
  EXPECT_TRUE(c.conversations()->currentDamage().contains("loop"));
  EXPECT_TRUE(c.status()->errorText().contains("damaged"));
  EXPECT_EQ(c.chat()->messages()->rowCount(), 2);  // "second" and "third", once each
  emit c.conversations()->newRequested();
  h.settle();
  EXPECT_TRUE(c.conversations()->currentDamage().isEmpty());
}

TEST(ControllerHistory, ExportGoesWhereChosenWithTheFullPathAndEveryBranch) {
  ControllerHarness h;
  std::int64_t id = 0;
  {
    ChatStore s = h.openStore();
    id = s.create_conversation().id;
    const auto first = s.add_user_message(id, "Name a colour");
    s.edit_user_message(first.id, "Name a fruit");
  }
  auto& c = h.start();
  QTemporaryDir out;
  // No extension typed: the format's is added. The notice has the whole path.
  emit c.conversations()->exportRequested(id, "json", QUrl::fromLocalFile(out.filePath("mine")));
  const QString json = out.filePath("mine.json");
  ASSERT_TRUE(QTest::qWaitFor([&] { return c.status()->noticeText().contains(json); }, 5000));
  QFile file(json);
  ASSERT_TRUE(file.open(QIODevice::ReadOnly));
  const QByteArray text = file.readAll();
  EXPECT_TRUE(text.contains("\"Name a colour\""));  // the branch not on screen too
  EXPECT_TRUE(text.contains("\"Name a fruit\""));

  // A relative choice lands in the folder it is relative to, shown as a full path.
  const QString before = QDir::currentPath();
  ASSERT_TRUE(QDir::setCurrent(out.path()));
  emit c.conversations()->exportRequested(id, "markdown", QUrl("file:relative.md"));
  h.settle();
  QDir::setCurrent(before);
  EXPECT_TRUE(QFile::exists(out.filePath("relative.md")));
  EXPECT_TRUE(c.status()->noticeText().contains(out.filePath("relative.md")))
      << c.status()->noticeText().toStdString();
  QFile md(out.filePath("relative.md"));
  ASSERT_TRUE(md.open(QIODevice::ReadOnly));
  const QByteArray markdown = md.readAll();
  EXPECT_TRUE(markdown.contains("Name a fruit"));
  EXPECT_FALSE(markdown.contains("Name a colour"));  // Markdown: the branch on screen
}

}  // namespace
}  // namespace vkchat::test

namespace vkchat::test {

// The store opens on its own thread from the constructor on: however long main() (or a busy
// machine) takes to build the controller after it, the controller still hears the open and
// starts on the newest conversation (the outcome is emitted from the GUI thread's event loop).
TEST(ControllerHistory, AControllerBuiltAfterTheStoreOpenedStillStartsOnIt) {
  QTemporaryDir dir;
  const QString path = dir.filePath(QStringLiteral("chats.sqlite"));
  std::int64_t id = 0;
  {
    store::ChatStore s = store::ChatStore::open(path.toStdString());
    id = s.create_conversation().id;
    s.add_user_message(id, "hello");
  }
  gui::StoreThread store(path);
  QThread::msleep(500);  // the store thread has opened by now, with nobody connected yet
  gui::AppController c(store);
  ASSERT_TRUE(QTest::qWaitFor([&] { return c.conversations()->currentId() == id; }, 5000));
}

}  // namespace vkchat::test
