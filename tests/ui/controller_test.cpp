// Controller flows over a real store on disk, driven through the view-models' intents exactly as
// the QML drives them: conversations (list, rename, delete and undo, search, export), branches,
// and the settings panel's persistence. The answers' own flows are in controller_stream_test.cpp.
#include <gtest/gtest.h>

#include <QFile>
#include <QSignalSpy>
#include <QUrl>

#include "controller_harness.h"

namespace vkchat::test {
namespace {

using store::ChatSettings;
using store::ChatStore;
using store::GenerationStats;

struct Seeded {
  std::int64_t older = 0, newer = 0;
};

// Two conversations, the newer with a question, an answer and settings of its own.
Seeded seed(ChatStore& s) {
  Seeded ids;
  ids.older = s.create_conversation().id;
  s.add_user_message(ids.older, "Tell me about bananas and their ripening");
  ids.newer = s.create_conversation().id;
  ChatSettings settings;
  settings.sampling.temperature = 1.4;
  settings.sampling.top_p = 0.5;
  settings.sampling.top_k = 12;
  settings.system_prompt = "Be brief.";
  s.set_conversation_settings(ids.newer, settings);
  s.add_user_message(ids.newer, "What is a GGUF file?");
  const auto answer = s.begin_assistant_message(ids.newer, settings.sampling);
  s.finish_assistant_message(answer.id, "A **model file** format.", 6, GenerationStats{});
  return ids;
}

int rowOf(ui::ConversationListModel* list, qint64 id) {
  return list->indexOfKey(id);
}

TEST(Controller, StartsOnTheNewestConversationWithItsPersistedSettings) {
  ControllerHarness h;
  Seeded ids;
  {
    ChatStore s = h.openStore();
    ids = seed(s);
  }
  auto& c = h.start();
  auto* list = c.conversations()->list();
  ASSERT_TRUE(QTest::qWaitFor([&] { return list->rowCount() == 2; }, 5000));
  EXPECT_EQ(list->at(0).id, ids.newer);
  EXPECT_EQ(list->at(0).title, "What is a GGUF file?");
  EXPECT_EQ(list->at(0).section, "Today");
  ASSERT_TRUE(QTest::qWaitFor([&] { return c.conversations()->currentId() == ids.newer; }, 5000));
  EXPECT_DOUBLE_EQ(c.settings()->temperature(), 1.4);
  EXPECT_DOUBLE_EQ(c.settings()->topP(), 0.5);
  EXPECT_EQ(c.settings()->topK(), 12);
  EXPECT_EQ(c.settings()->systemPrompt(), "Be brief.");
  EXPECT_FALSE(c.settings()->isDefault());
  auto* messages = c.chat()->messages();
  ASSERT_EQ(messages->rowCount(), 2);
  EXPECT_EQ(messages->at(0).role, "user");
  EXPECT_EQ(messages->at(1).content, "A **model file** format.");
  EXPECT_TRUE(messages->at(1).details.contains("temp 1.40"));
  // No model yet: sending is blocked, with the reason shown in the input box.
  EXPECT_FALSE(c.chat()->canSend());
  EXPECT_TRUE(c.chat()->sendBlockedReason().contains("model"));
}

TEST(Controller, RenameDeleteAndUndo) {
  ControllerHarness h;
  Seeded ids;
  {
    ChatStore s = h.openStore();
    ids = seed(s);
  }
  auto& c = h.start();
  auto* vm = c.conversations();
  emit vm->renameRequested(ids.older, "Fruit");
  ASSERT_TRUE(QTest::qWaitFor(
      [&] {
        return rowOf(vm->list(), ids.older) >= 0 &&
               vm->list()->at(rowOf(vm->list(), ids.older)).title == "Fruit";
      },
      5000));
  h.settle();
  EXPECT_EQ(h.openStore().conversation(ids.older).title, "Fruit");

  emit vm->selectRequested(ids.older, 0);
  ASSERT_TRUE(QTest::qWaitFor([&] { return vm->currentId() == ids.older; }, 5000));
  emit vm->deleteRequested(ids.older);
  ASSERT_TRUE(QTest::qWaitFor([&] { return rowOf(vm->list(), ids.older) < 0; }, 5000));
  EXPECT_TRUE(vm->canUndo());
  EXPECT_EQ(vm->undoTitle(), "Fruit");
  EXPECT_EQ(vm->currentId(), 0);  // the deleted chat left the screen for a new one
  EXPECT_EQ(c.chat()->messages()->rowCount(), 0);
  h.settle();
  EXPECT_EQ(h.openStore().list_conversations().size(), 1u);

  emit vm->undoDeleteRequested();
  ASSERT_TRUE(QTest::qWaitFor([&] { return rowOf(vm->list(), ids.older) >= 0; }, 5000));
  EXPECT_FALSE(vm->canUndo());
  ASSERT_TRUE(QTest::qWaitFor([&] { return vm->currentId() == ids.older; }, 5000));
  h.settle();
  EXPECT_EQ(h.openStore().list_conversations().size(), 2u);
}

TEST(Controller, SearchShowsHitsWithSnippetsAndClearsBack) {
  ControllerHarness h;
  Seeded ids;
  {
    ChatStore s = h.openStore();
    ids = seed(s);
  }
  auto& c = h.start();
  auto* vm = c.conversations();
  emit vm->searchRequested("banan");
  EXPECT_TRUE(vm->searching());
  ASSERT_TRUE(QTest::qWaitFor(
      [&] { return vm->list()->rowCount() == 1 && !vm->list()->at(0).snippet.isEmpty(); }, 5000));
  const ui::ConversationItem hit = vm->list()->at(0);
  EXPECT_EQ(hit.id, ids.older);
  EXPECT_TRUE(hit.snippet.contains("bananas"));
  EXPECT_EQ(hit.section, "Search results");
  EXPECT_NE(hit.messageId, 0);

  emit vm->searchRequested("");
  ASSERT_TRUE(QTest::qWaitFor([&] { return vm->list()->rowCount() == 2; }, 5000));
  EXPECT_TRUE(vm->list()->at(0).snippet.isEmpty());
}

TEST(Controller, SliderEditsPersistAndComeBackAfterARestart) {
  ControllerHarness h;
  Seeded ids;
  {
    ChatStore s = h.openStore();
    ids = seed(s);
  }
  {
    auto& c = h.start();
    ASSERT_TRUE(QTest::qWaitFor([&] { return c.conversations()->currentId() == ids.newer; }, 5000));
    c.settings()->setTemperature(1.75);
    c.settings()->setTopP(0.33);
    c.settings()->setSystemPrompt("Answer in French.");
    ASSERT_TRUE(QTest::qWaitFor(
        [&] {
          const auto stored = h.openStore().conversation(ids.newer).settings;
          return stored.sampling.temperature == 1.75 && stored.sampling.top_p == 0.33 &&
                 stored.system_prompt == "Answer in French.";
        },
        5000));
    // The other conversation keeps its own settings.
    EXPECT_DOUBLE_EQ(h.openStore().conversation(ids.older).settings.sampling.temperature,
                     store::SamplingSettings{}.temperature);
  }
  auto& c = h.start();
  ASSERT_TRUE(QTest::qWaitFor([&] { return c.conversations()->currentId() == ids.newer; }, 5000));
  EXPECT_DOUBLE_EQ(c.settings()->temperature(), 1.75);
  EXPECT_DOUBLE_EQ(c.settings()->topP(), 0.33);
  EXPECT_EQ(c.settings()->systemPrompt(), "Answer in French.");
}

TEST(Controller, EditsJustBeforeSwitchingStayWithTheirConversation) {
  ControllerHarness h;
  Seeded ids;
  {
    ChatStore s = h.openStore();
    ids = seed(s);
  }
  auto& c = h.start();
  ASSERT_TRUE(QTest::qWaitFor([&] { return c.conversations()->currentId() == ids.newer; }, 5000));
  c.settings()->setTemperature(0.1);
  emit c.conversations()->selectRequested(ids.older, 0);  // before the edit's debounce ends
  ASSERT_TRUE(QTest::qWaitFor([&] { return c.conversations()->currentId() == ids.older; }, 5000));
  EXPECT_DOUBLE_EQ(c.settings()->temperature(), store::SamplingSettings{}.temperature);
  h.settle();
  EXPECT_DOUBLE_EQ(h.openStore().conversation(ids.newer).settings.sampling.temperature, 0.1);
  EXPECT_DOUBLE_EQ(h.openStore().conversation(ids.older).settings.sampling.temperature,
                   store::SamplingSettings{}.temperature);
}

TEST(Controller, SaveAsDefaultsThenResetAnotherConversationToThem) {
  ControllerHarness h;
  Seeded ids;
  {
    ChatStore s = h.openStore();
    ids = seed(s);
  }
  auto& c = h.start();
  ASSERT_TRUE(QTest::qWaitFor([&] { return c.conversations()->currentId() == ids.newer; }, 5000));
  emit c.settings()->saveAsDefaultsRequested();
  EXPECT_TRUE(c.settings()->isDefault());
  h.settle();
  EXPECT_DOUBLE_EQ(h.openStore().default_chat_settings().sampling.temperature, 1.4);
  EXPECT_EQ(h.openStore().default_chat_settings().system_prompt, "Be brief.");

  emit c.conversations()->selectRequested(ids.older, 0);
  ASSERT_TRUE(QTest::qWaitFor([&] { return c.conversations()->currentId() == ids.older; }, 5000));
  EXPECT_FALSE(c.settings()->isDefault());
  emit c.settings()->resetToDefaultsRequested();
  ASSERT_TRUE(QTest::qWaitFor([&] { return c.settings()->temperature() == 1.4; }, 5000));
  EXPECT_TRUE(c.settings()->isDefault());
  h.settle();
  EXPECT_DOUBLE_EQ(h.openStore().conversation(ids.older).settings.sampling.temperature, 1.4);

  // A new chat starts with the defaults.
  emit c.conversations()->newRequested();
  h.settle();
  EXPECT_EQ(c.conversations()->currentId(), 0);
  EXPECT_DOUBLE_EQ(c.settings()->temperature(), 1.4);
}

TEST(Controller, BranchSwitcherWalksSiblings) {
  ControllerHarness h;
  std::int64_t conv = 0, first = 0, second = 0;
  {
    ChatStore s = h.openStore();
    conv = s.create_conversation().id;
    first = s.add_user_message(conv, "Name a colour").id;
    auto a1 = s.begin_assistant_message(conv, {});
    s.finish_assistant_message(a1.id, "Blue", 1, {});
    second = s.edit_user_message(first, "Name a fruit").id;
    auto a2 = s.begin_assistant_message(conv, {});
    s.finish_assistant_message(a2.id, "Pear", 1, {});
  }
  auto& c = h.start();
  auto* messages = c.chat()->messages();
  ASSERT_TRUE(QTest::qWaitFor([&] { return messages->rowCount() == 2; }, 5000));
  EXPECT_EQ(messages->at(0).id, second);
  EXPECT_EQ(messages->at(0).siblingIndex, 1);
  EXPECT_EQ(messages->at(0).siblingCount, 2);
  EXPECT_EQ(messages->at(1).content, "Pear");

  emit c.chat()->switchBranchRequested(second, -1);
  ASSERT_TRUE(QTest::qWaitFor([&] { return messages->at(0).id == first; }, 5000));
  EXPECT_EQ(messages->at(0).siblingIndex, 0);
  EXPECT_EQ(messages->at(1).content, "Blue");
  h.settle();
  EXPECT_EQ(h.openStore().active_path(conv).back().content, "Blue");

  emit c.chat()->switchBranchRequested(first, +1);
  ASSERT_TRUE(QTest::qWaitFor([&] { return messages->at(0).id == second; }, 5000));
  EXPECT_EQ(messages->at(1).content, "Pear");
}

TEST(Controller, SelectingASearchHitShowsTheBranchItIsOn) {
  ControllerHarness h;
  std::int64_t conv = 0, first = 0;
  {
    ChatStore s = h.openStore();
    conv = s.create_conversation().id;
    first = s.add_user_message(conv, "zebra question").id;
    s.edit_user_message(first, "other question");
  }
  auto& c = h.start();
  emit c.conversations()->searchRequested("zebra");
  auto* list = c.conversations()->list();
  ASSERT_TRUE(
      QTest::qWaitFor([&] { return list->rowCount() == 1 && list->at(0).messageId != 0; }, 5000));
  const ui::ConversationItem hit = c.conversations()->list()->at(0);
  EXPECT_EQ(hit.messageId, first);
  emit c.conversations()->selectRequested(hit.id, hit.messageId);
  ASSERT_TRUE(QTest::qWaitFor(
      [&] {
        return c.chat()->messages()->rowCount() == 1 && c.chat()->messages()->at(0).id == first;
      },
      5000));
  EXPECT_EQ(c.conversations()->currentId(), conv);
}

TEST(Controller, ExportWritesMarkdownAndJson) {
  ControllerHarness h;
  Seeded ids;
  {
    ChatStore s = h.openStore();
    ids = seed(s);
  }
  auto& c = h.start();
  QTemporaryDir out;
  const QString md = out.filePath("chat.md");
  const QString json = out.filePath("chat.json");
  emit c.conversations()->exportRequested(ids.newer, "markdown", QUrl::fromLocalFile(md));
  emit c.conversations()->exportRequested(ids.newer, "json", QUrl::fromLocalFile(json));
  ASSERT_TRUE(QTest::qWaitFor([&] { return QFile::exists(json); }, 5000));
  h.settle();
  QFile mdFile(md), jsonFile(json);
  ASSERT_TRUE(mdFile.open(QIODevice::ReadOnly));
  ASSERT_TRUE(jsonFile.open(QIODevice::ReadOnly));
  EXPECT_TRUE(mdFile.readAll().contains("What is a GGUF file?"));
  EXPECT_TRUE(jsonFile.readAll().contains("\"A **model file** format.\""));
  EXPECT_TRUE(c.status()->noticeText().contains("chat.json"));
  EXPECT_TRUE(c.status()->errorText().isEmpty());
}

TEST(Controller, ADamagedDatabaseIsABannerNotACrash) {
  QTemporaryDir dir;
  const QString path = dir.filePath("broken.sqlite");
  {
    QFile f(path);
    ASSERT_TRUE(f.open(QIODevice::WriteOnly));
    f.write(QByteArray(8192, 'x'));
  }
  gui::StoreThread store(path);
  gui::AppController c(store);
  ASSERT_TRUE(QTest::qWaitFor([&] { return !c.status()->errorText().isEmpty(); }, 5000));
  EXPECT_TRUE(c.status()->errorText().contains("broken.sqlite"));
  EXPECT_FALSE(c.conversations()->available());
  EXPECT_TRUE(c.chat()->sendBlockedReason().contains("history"));
  // Intents do nothing harmful.
  emit c.conversations()->searchRequested("x");
  emit c.conversations()->newRequested();
  QTest::qWait(200);
  EXPECT_EQ(c.conversations()->list()->rowCount(), 0);
}

}  // namespace
}  // namespace vkchat::test
