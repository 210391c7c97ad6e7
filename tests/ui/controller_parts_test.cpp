// A part of the controller on its own: what it needs from the other parts is its Links and
// nothing else, so it runs with stand-ins for them (here the chat part, over a real store thread).
#include <gtest/gtest.h>

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include "app_status.h"
#include "chat_controller.h"
#include "chat_view_model.h"
#include "controller_state.h"
#include "store/chat_store.h"
#include "store_thread.h"

namespace vkchat::gui {
namespace {

// Waits until the store thread has done what was queued and its answers have arrived.
void settle(StoreThread& store, QObject& receiver) {
  for (int i = 0; i < 2; ++i) {
    bool done = false;
    store.run(
        &receiver, [](store::ChatStore&) { return 0; }, [&done](int) { done = true; });
    ASSERT_TRUE(QTest::qWaitFor([&done] { return done; }, 10000));
  }
}

TEST(ControllerParts, TheChatPartReachesTheOthersOnlyThroughItsLinks) {
  QTemporaryDir dir;
  const QString db = dir.filePath(QStringLiteral("chats.sqlite"));
  std::int64_t id = 0;
  {
    store::ChatStore s = store::ChatStore::open(db.toStdString());
    id = s.create_conversation().id;
    s.rename_conversation(id, "Trip");
    s.add_user_message(id, "Hello");
  }
  StoreThread store(db);
  ui::AppStatus status;
  ControllerState state(store, status);
  ui::ChatViewModel view;
  ChatController chat(state, view);
  QSignalSpy measures(&chat, &ChatController::measureContextRequested);

  QStringList calls;
  bool loading = false;
  chat.setLinks({
      .loaded = [] { return nullptr; },
      .loading = [&loading] { return loading; },
      .flushSettings = [&calls] { calls << "flushSettings"; },
      .settings = [] { return store::ChatSettings{}; },
      .nextSampling = [] { return store::SamplingSettings{}; },
      .showSettings =
          [&calls](const store::Conversation& c, const std::optional<store::ChatSettings>& d,
                   bool switched) {
            calls << QStringLiteral("showSettings %1 %2 %3")
                         .arg(c.id)
                         .arg(d.has_value() ? "defaults" : "-")
                         .arg(switched ? "switched" : "same");
          },
      .showNewChatSettings = [&calls] { calls << "showNewChatSettings"; },
      .showCurrent =
          [&calls](qint64 shown, const QString& title) {
            calls << QStringLiteral("showCurrent %1 %2").arg(shown).arg(title);
          },
      .refreshList = [&calls] { calls << "refreshList"; },
      .checkDamage =
          [&calls](qint64 checked) { calls << QStringLiteral("checkDamage %1").arg(checked); },
  });
  settle(store, chat);
  state.storeReady = true;  // AppController's part, from the store's opened()

  chat.selectConversation(id, 0);
  settle(store, chat);
  const QString n = QString::number(id);
  EXPECT_EQ(calls, QStringList({"showSettings " + n + " defaults switched",
                                "showCurrent " + n + " Trip", "checkDamage " + n}));
  EXPECT_EQ(state.currentId, id);
  EXPECT_EQ(view.messages()->rowCount(), 1);
  EXPECT_EQ(measures.count(), 0);  // no model to measure with

  chat.updateSendBlocked();
  EXPECT_EQ(view.sendBlockedReason(), "Open a model to start chatting (Ctrl+O)");
  loading = true;
  chat.updateSendBlocked();
  EXPECT_EQ(view.sendBlockedReason(), QString::fromUtf8("Loading the model\xE2\x80\xA6"));

  calls.clear();
  chat.startNewChat();
  EXPECT_EQ(calls, QStringList({"flushSettings", "showCurrent 0 ", "showNewChatSettings"}));
  EXPECT_EQ(state.currentId, 0);
  EXPECT_EQ(view.messages()->rowCount(), 0);
}

}  // namespace
}  // namespace vkchat::gui
