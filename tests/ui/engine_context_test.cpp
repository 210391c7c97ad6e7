// The controller with the real worker and engine on stories260K, for what the engine decides: a
// follow-up reuses the KV cache of the turn before (also after old turns were left out), Stop
// lands between prefill chunks, a cancelled or failed load keeps the model from before, a message
// too long for the context names what is in the prompt and leaves no empty answer, the context
// size chosen in the settings, the marker where old turns left the context, and the device named
// before a model is loaded.
#include <gtest/gtest.h>

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <atomic>

#include "controller_harness.h"
#include "support/test_support.h"

namespace vkchat::test {
namespace {

constexpr int kLoadMs = 120000;
constexpr int kAnswerMs = 120000;

QString modelPath(const char* name) {
  const QString path = QString::fromStdString(shared_path(std::string("models/") + name).string());
  return QDir::cleanPath(QFileInfo(path).absoluteFilePath());
}

class EngineContext : public ::testing::Test {
 protected:
  void start(double prefillChunkSeconds = gui::InferenceWorker::kPrefillChunkSeconds) {
    c_ = &h_.start(/*engine=*/true, prefillChunkSeconds);
    load(modelPath("stories260K.gguf"));
    ASSERT_EQ(c_->modelState()->phase(), ui::ModelState::Phase::Ready)
        << c_->status()->errorText().toStdString();
  }

  void load(const QString& path) {
    c_->openModel(path);
    ASSERT_TRUE(QTest::qWaitFor(
        [&] { return c_->modelState()->phase() != ui::ModelState::Phase::Loading; }, kLoadMs));
  }

  ui::MessageItem ask(const QString& text) {
    emit c_->chat()->sendRequested(text);
    return waitForAnswer();
  }

  ui::MessageItem waitForAnswer() {
    EXPECT_TRUE(QTest::qWaitFor([&] { return c_->chat()->generating(); }, 5000));
    EXPECT_TRUE(QTest::qWaitFor([&] { return !c_->chat()->generating(); }, kAnswerMs));
    h_.settle();
    auto* messages = c_->chat()->messages();
    EXPECT_GT(messages->rowCount(), 0);
    return messages->rowCount() > 0 ? messages->at(messages->rowCount() - 1) : ui::MessageItem{};
  }

  void setContext(int positions) {
    emit c_->modelState()->contextSizeRequested(positions);
    ASSERT_TRUE(QTest::qWaitFor(
        [&] {
          return c_->modelState()->phase() == ui::ModelState::Phase::Ready &&
                 c_->modelState()->contextLength() == positions;
        },
        kLoadMs))
        << c_->status()->errorText().toStdString();
  }

  ControllerHarness h_;
  gui::AppController* c_ = nullptr;
};

TEST_F(EngineContext, AFollowUpReusesTheCacheOfTheTurnBefore) {
  start();
  c_->settings()->setMaxTokens(48);
  c_->settings()->setTemperature(0.0);
  c_->settings()->setSystemPrompt("You tell stories.");
  ask("Once upon a time there was a little dog.");
  const int first = c_->status()->contextUsed();
  EXPECT_EQ(c_->status()->reusedTokens(), 0);
  ASSERT_GT(first, 0);
  ask("What did the dog do next?");
  const int reused = c_->status()->reusedTokens();
  const int prompt = c_->status()->promptTokens();
  std::printf("[ reuse    ] second turn: %d of %d prompt tokens reused; %d were in the cache\n",
              reused, prompt, first);
  // All of the first turn but what the template closes the answer with, re-tokenized.
  EXPECT_GE(reused, first - 8);
  EXPECT_LT(reused, prompt);
  // And the third turn, after the answers went through the store and back.
  const int second = c_->status()->contextUsed();
  ask("And then?");
  std::printf("[ reuse    ] third turn: %d of %d prompt tokens reused; %d were in the cache\n",
              c_->status()->reusedTokens(), c_->status()->promptTokens(), second);
  EXPECT_GE(c_->status()->reusedTokens(), second - 8);
}

TEST_F(EngineContext, StopWhileThePromptIsReadLandsWithinAChunk) {
  start(/*prefillChunkSeconds=*/1e-9);  // one tile, then one token per chunk
  c_->settings()->setMaxTokens(64);
  QString text;
  for (int i = 0; i < 30; ++i) text += "The cat sat on the mat and looked at the sun. ";
  // Stop from the worker's own thread right after its first chunk, so that the number of chunks
  // read after the stop is the engine's, not the event loop's latency.
  std::atomic<int> chunksAfterStop{0};
  std::atomic<bool> stopped{false};
  std::atomic<int> total{0};
  std::atomic<qint64> request{0};
  QObject::connect(
      &h_.worker(), &gui::InferenceWorker::prefillProgress, &h_.worker(),
      [&](qint64 id, int done, int all) {
        total = all;
        if (stopped) {
          ++chunksAfterStop;
          return;
        }
        if (done > 0 && done < all) {
          request = id;
          stopped = true;
          h_.worker().cancel(id);
        }
      },
      Qt::DirectConnection);
  QSignalSpy progress(c_->status(), &ui::AppStatus::prefillChanged);
  const ui::MessageItem answer = ask(text);
  ASSERT_TRUE(stopped);
  EXPECT_GT(total, 200);
  EXPECT_EQ(chunksAfterStop, 0);
  EXPECT_TRUE(answer.content.isEmpty()) << answer.content.toStdString();
  EXPECT_TRUE(answer.details.contains("stopped")) << answer.details.toStdString();
  EXPECT_GE(progress.count(), 1);
  EXPECT_TRUE(c_->status()->prefillText().isEmpty());
  EXPECT_TRUE(c_->chat()->canSend());
}

TEST_F(EngineContext, ACancelledOrFailedLoadKeepsTheModelFromBefore) {
  start();
  // Cancelled before the worker starts it (the controller reads the saved context size first).
  c_->openModel(modelPath("stories260K-q8_0.gguf"));
  emit c_->modelState()->cancelLoadRequested();
  ASSERT_TRUE(QTest::qWaitFor(
      [&] { return c_->modelState()->phase() != ui::ModelState::Phase::Loading; }, kLoadMs));
  EXPECT_EQ(c_->modelState()->phase(), ui::ModelState::Phase::Ready);
  EXPECT_EQ(c_->modelState()->name(), "stories260K");
  EXPECT_TRUE(c_->status()->errorText().isEmpty()) << c_->status()->errorText().toStdString();
  c_->settings()->setMaxTokens(8);
  EXPECT_FALSE(ask("Once upon a time").content.isEmpty());

  // A file that is not a model: a banner, and stories260K still answers.
  QTemporaryDir dir;
  const QString bad = dir.filePath("notes.gguf");
  {
    QFile f(bad);
    ASSERT_TRUE(f.open(QIODevice::WriteOnly));
    f.write("not a model");
  }
  load(bad);
  EXPECT_TRUE(c_->status()->errorText().contains("notes.gguf"));
  EXPECT_EQ(c_->modelState()->phase(), ui::ModelState::Phase::Ready);
  EXPECT_EQ(c_->modelState()->name(), "stories260K");
  EXPECT_FALSE(ask("The dog").content.isEmpty());
}

TEST_F(EngineContext, AMessageTooLongNamesThePromptAndLeavesNoEmptyAnswer) {
  start();
  setContext(256);
  c_->settings()->setSystemPrompt("You tell stories.");
  QString huge;
  for (int i = 0; i < 40; ++i) huge += "The cat sat on the mat. ";
  emit c_->chat()->sendRequested(huge);
  EXPECT_TRUE(QTest::qWaitFor([&] { return !c_->chat()->generating(); }, kAnswerMs));
  auto* messages = c_->chat()->messages();
  ASSERT_TRUE(QTest::qWaitFor([&] { return messages->rowCount() == 1; }, 5000));
  EXPECT_EQ(messages->at(0).role, "user");
  const std::string error = c_->status()->errorText().toStdString();
  EXPECT_NE(error.find("the system prompt ("), std::string::npos) << error;
  EXPECT_NE(error.find("your message ("), std::string::npos) << error;
  EXPECT_NE(error.find("256"), std::string::npos) << error;
  EXPECT_NE(error.find("settings panel"), std::string::npos) << error;
  h_.settle();
  EXPECT_EQ(h_.openStore().active_path(c_->conversations()->currentId()).size(), 1u);
}

TEST_F(EngineContext, TurnsThatLeaveTheContextAreMarkedAndTheSizeIsKept) {
  start();
  setContext(256);
  c_->settings()->setMaxTokens(40);
  c_->settings()->setTemperature(0.0);
  const char* questions[] = {"Tell me about a cat.", "Now a dog.",        "And a bird?",
                             "What about a fish?",   "One more, please.", "And the last one?"};
  for (const char* q : questions) {
    ask(q);
    if (c_->status()->contextDropped() > 0) break;
  }
  const int dropped = c_->status()->contextDropped();
  ASSERT_GT(dropped, 0);
  EXPECT_TRUE(c_->status()->contextText().contains("left out"));
  auto* messages = c_->chat()->messages();
  auto section = [&](int row) {
    return messages->data(messages->index(row), ui::MessageListModel::ContextSectionRole)
        .toString();
  };
  EXPECT_EQ(section(0), "dropped");
  EXPECT_EQ(section(dropped - 1), "dropped");
  EXPECT_EQ(section(dropped), "kept");
  EXPECT_EQ(messages->at(dropped).role, "user");

  // The next turn starts where the cache does: the turns left out stay out, nothing is re-read.
  const int cached = c_->status()->contextUsed();
  ask("What happened then?");
  std::printf("[ reuse    ] after a drop: %d of %d prompt tokens reused; %d were in the cache\n",
              c_->status()->reusedTokens(), c_->status()->promptTokens(), cached);
  EXPECT_GE(c_->status()->reusedTokens(), cached - 8);
  EXPECT_GE(c_->status()->contextDropped(), dropped);

  // Opening the conversation again measures it: the same marker.
  const qint64 conv = c_->conversations()->currentId();
  emit c_->conversations()->newRequested();
  EXPECT_EQ(c_->status()->contextDropped(), 0);
  emit c_->conversations()->selectRequested(conv, 0);
  ASSERT_TRUE(QTest::qWaitFor([&] { return c_->status()->contextDropped() > 0; }, 10000));
  EXPECT_GT(c_->status()->contextUsed(), 0);

  // The size stays with the model.
  h_.settle();
  start();
  EXPECT_EQ(c_->modelState()->contextLength(), 256);
}

TEST(EngineDevice, TheDeviceIsNamedBeforeAModelIsLoaded) {
  ControllerHarness h;
  gui::AppController& c = h.start(/*engine=*/true);
  ASSERT_TRUE(
      QTest::qWaitFor([&] { return c.status()->deviceText() != "Looking for a device…"; }, 30000));
  EXPECT_TRUE(c.status()->deviceText().contains("(no model loaded)"))
      << c.status()->deviceText().toStdString();
  EXPECT_FALSE(c.status()->deviceText().startsWith("No usable"));
}

}  // namespace
}  // namespace vkchat::test
