// The status line's prefill progress, device and context texts, the chat's context sections, the
// model's context-size choices against the memory budget, the last model offered again, and a
// send refused with its reason.
#include <gtest/gtest.h>

#include <QSignalSpy>

#include "app_status.h"
#include "chat_view_model.h"
#include "message_list_model.h"
#include "model_state.h"

namespace vkchat::ui {
namespace {

TEST(AppStatus, PrefillProgressShowsTokensReadOfTokensToRead) {
  AppStatus status;
  EXPECT_TRUE(status.prefillText().isEmpty());
  QSignalSpy changed(&status, &AppStatus::prefillChanged);
  status.setPrefill(128, 900);
  EXPECT_EQ(status.prefillText(), "Reading the prompt: 128 of 900 tokens");
  EXPECT_NEAR(status.prefillFraction(), 128.0 / 900.0, 1e-9);
  status.setPrefill(-1, 0);
  EXPECT_TRUE(status.prefillText().isEmpty());
  EXPECT_EQ(status.prefillFraction(), 0);
  EXPECT_EQ(changed.count(), 2);
}

TEST(AppStatus, TheDeviceIsNamedBeforeAModelIsLoaded) {
  AppStatus status;
  EXPECT_EQ(status.deviceText(), "Looking for a device…");
  status.setDeviceProbe({}, "no Vulkan device supports compute");
  EXPECT_EQ(status.deviceText(), "No usable Vulkan device");
  status.setDeviceProbe("llvmpipe (LLVM 15.0.6, 256 bits)", {});
  EXPECT_EQ(status.deviceText(), "llvmpipe (LLVM 15.0.6, 256 bits) (no model loaded)");
  status.setDeviceName("llvmpipe (LLVM 15.0.6, 256 bits)");
  EXPECT_EQ(status.deviceText(), "llvmpipe (LLVM 15.0.6, 256 bits)");
}

TEST(AppStatus, TheContextMeterSaysWhenMessagesAreLeftOut) {
  AppStatus status;
  EXPECT_EQ(status.contextText(), "–");
  status.setContext(300, 512);
  EXPECT_EQ(status.contextText(), "300 / 512");
  status.setContextDropped(4);
  EXPECT_EQ(status.contextText(), "300 / 512 · 4 earlier message(s) left out");
  status.setContext(-1, 512);
  status.setContextDropped(0);
  EXPECT_EQ(status.contextText(), "– / 512");
  status.setPrompt(413, 353);
  EXPECT_EQ(status.promptText(), "Prompt 413 tokens, 353 reused");
}

TEST(AppStatus, NoSpeedIsADashNotZero) {
  AppStatus status;
  status.setSpeed(-1, 850);
  EXPECT_EQ(status.speedText(), "–");
  EXPECT_NE(status.ttftText(), "–");
}

TEST(MessageListModel, ContextSectionsMarkWhereTheContextBegins) {
  MessageListModel m;
  QList<MessageItem> items;
  for (qint64 id = 1; id <= 4; ++id) items.append({id, id % 2 ? "user" : "assistant", "text"});
  m.setItems(items);
  auto section = [&](int row) {
    return m.data(m.index(row), MessageListModel::ContextSectionRole).toString();
  };
  EXPECT_TRUE(m.roleNames().values().contains("contextSection"));
  EXPECT_EQ(section(0), "");
  m.setFirstInContext(2);
  EXPECT_EQ(section(0), "dropped");
  EXPECT_EQ(section(1), "dropped");
  EXPECT_EQ(section(2), "kept");
  EXPECT_EQ(section(3), "kept");
  m.setFirstInContext(0);
  for (int row = 0; row < 4; ++row) EXPECT_EQ(section(row), "");
  EXPECT_TRUE(m.setDetails(2, "Reading the prompt: 8 of 64 tokens"));
  EXPECT_EQ(m.at(1).details, "Reading the prompt: 8 of 64 tokens");
  EXPECT_FALSE(m.setDetails(99, "x"));
}

TEST(ModelState, ContextSizesAreCheckedAgainstTheMemoryEstimate) {
  ModelState s;
  ModelInfo info;
  info.path = "/m.gguf";
  info.contextLength = 4096;
  info.trainedContext = 32768;
  info.memoryEstimate = 1000 << 20;  // at 4096 positions
  info.bytesPerPosition = 12 << 10;
  info.deviceBudget = 1200 << 20;
  s.setReady(info);
  EXPECT_EQ(s.contextMax(), 32768);
  EXPECT_EQ(s.memoryFor(4096), info.memoryEstimate);
  EXPECT_EQ(s.memoryFor(8192), info.memoryEstimate + 4096 * info.bytesPerPosition);
  EXPECT_TRUE(s.contextFits(8192));    // 1048 MiB of 1200
  EXPECT_FALSE(s.contextFits(32768));  // 1336 MiB
  EXPECT_FALSE(s.contextFits(65536));  // past what the model was trained for
  EXPECT_FALSE(s.contextFits(100));    // below the smallest offered
  EXPECT_FALSE(s.memoryTextFor(8192).isEmpty());
  QSignalSpy asked(&s, &ModelState::contextSizeRequested);
  emit s.contextSizeRequested(8192);
  EXPECT_EQ(asked.count(), 1);
}

TEST(ModelState, TheLastModelIsOfferedAgain) {
  ModelState s;
  QSignalSpy changed(&s, &ModelState::recentChanged);
  EXPECT_TRUE(s.lastModelPath().isEmpty());
  ModelInfo a;
  a.path = "/models/a.gguf";
  a.name = "a";
  ModelInfo b;
  b.path = "/models/b.gguf";
  b.name = "b";
  s.recent()->setItems({b, a});
  EXPECT_EQ(s.lastModelPath(), "/models/b.gguf");
  EXPECT_EQ(s.lastModelName(), "b");
  EXPECT_GE(changed.count(), 1);
  s.recent()->setItems({a, b});
  EXPECT_EQ(s.lastModelName(), "a");
}

TEST(ChatViewModel, ASendThatCannotHappenSaysWhy) {
  ChatViewModel chat;
  QSignalSpy sent(&chat, &ChatViewModel::sendRequested);
  QSignalSpy refused(&chat, &ChatViewModel::sendRefused);
  chat.setSendBlockedReason("Open a model to start chatting (Ctrl+O)");
  EXPECT_FALSE(chat.requestSend("hello"));
  ASSERT_EQ(refused.count(), 1);
  EXPECT_EQ(refused.at(0).at(0).toString(), "Open a model to start chatting (Ctrl+O)");
  EXPECT_FALSE(chat.requestSend("   "));  // nothing to send is no refusal
  EXPECT_EQ(refused.count(), 1);
  chat.setSendBlockedReason({});
  EXPECT_TRUE(chat.requestSend("hello"));
  EXPECT_EQ(sent.count(), 1);
  EXPECT_EQ(refused.count(), 1);
}

}  // namespace
}  // namespace vkchat::ui
