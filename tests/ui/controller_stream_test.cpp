// The controller's side of an answer, driven through its worker-facing slots with the requests it
// emits: what it asks the worker for, how streamed text reaches the screen and the store
// (checkpoints), and what a finish, a stop, a regenerate and an edit leave in the history.
// The same flows against the real engine are in engine_flow_test.cpp.
#include <gtest/gtest.h>

#include <QSignalSpy>

#include "controller_harness.h"

namespace vkchat::test {
namespace {

using gui::GenerationRequest;
using gui::GenerationResult;
using store::ChatStore;

class ControllerStream : public ::testing::Test {
 protected:
  void SetUp() override {
    c_ = &h_.start();
    loads_ = std::make_unique<QSignalSpy>(c_, &gui::AppController::loadModelRequested);
    requests_ = std::make_unique<QSignalSpy>(c_, &gui::AppController::generateRequested);
    cancels_ = std::make_unique<QSignalSpy>(c_, &gui::AppController::cancelRequested);
    const qint64 loadId = open("/models/tiny.gguf");
    ASSERT_EQ(loads_->count(), 1);
    EXPECT_EQ((*loads_)[0][1].toString(), "/models/tiny.gguf");
    EXPECT_EQ((*loads_)[0][2].toInt(), 0);  // no context size chosen for it yet
    EXPECT_EQ(c_->modelState()->phase(), ui::ModelState::Phase::Loading);
    c_->onLoadProgress(loadId, 0.5);
    EXPECT_DOUBLE_EQ(c_->modelState()->progress(), 0.5);
    gui::LoadedModel model;
    model.path = "/models/tiny.gguf";
    model.name = "tiny";
    model.architecture = "llama";
    model.contextLength = 512;
    model.deviceName = "Test GPU";
    c_->onModelLoaded(loadId, model);
    EXPECT_EQ(c_->modelState()->phase(), ui::ModelState::Phase::Ready);
    EXPECT_TRUE(c_->chat()->canSend());
    EXPECT_EQ(c_->status()->deviceName(), "Test GPU");
  }

  // Opens `path` and returns the load request the controller sends once it has read the model's
  // saved context size.
  qint64 open(const QString& path) {
    const qsizetype before = loads_->count();
    c_->openModel(path);
    EXPECT_EQ(c_->modelState()->phase(), ui::ModelState::Phase::Loading);
    EXPECT_TRUE(QTest::qWaitFor([&] { return loads_->count() > before; }, 5000));
    return loads_->last()[0].toLongLong();
  }

  GenerationRequest lastRequest() const { return requests_->last()[0].value<GenerationRequest>(); }

  GenerationResult finished(const GenerationRequest& r, QString text,
                            store::FinishReason reason = store::FinishReason::Stop) {
    GenerationResult result;
    result.id = r.id;
    result.text = std::move(text);
    result.tokenCount = 3;
    result.stats.decode_tokens_per_s = 50;
    result.stats.time_to_first_token_ms = 20;
    result.stats.finish_reason = reason;
    result.contextUsed = 42;
    return result;
  }

  ControllerHarness h_;
  gui::AppController* c_ = nullptr;
  std::unique_ptr<QSignalSpy> loads_, requests_, cancels_;
};

TEST_F(ControllerStream, SendStreamsCheckpointsAndPersistsTheAnswer) {
  c_->settings()->setTemperature(0.0);
  c_->settings()->setRandomSeed(false);
  c_->settings()->setSeed(77);
  c_->settings()->setSystemPrompt("Be kind.");
  emit c_->chat()->sendRequested("  Hello there  ");
  EXPECT_TRUE(c_->chat()->generating());
  ASSERT_TRUE(QTest::qWaitFor([&] { return requests_->count() == 1; }, 5000));
  const GenerationRequest r = lastRequest();
  ASSERT_EQ(r.turns.size(), 2u);
  EXPECT_EQ(r.turns[0].role, store::Role::System);
  EXPECT_EQ(r.turns[0].content, "Be kind.");
  EXPECT_EQ(r.turns[1].content, "Hello there");
  EXPECT_EQ(r.sampling.temperature, 0.0);
  EXPECT_EQ(r.sampling.seed, 77u);

  const qint64 conv = c_->conversations()->currentId();
  ASSERT_NE(conv, 0);
  auto* messages = c_->chat()->messages();
  ASSERT_EQ(messages->rowCount(), 2);
  EXPECT_TRUE(messages->at(1).streaming);
  const qint64 answerId = messages->at(1).id;

  c_->onTokens(r.id, "Hi", 1);
  EXPECT_EQ(messages->at(1).content, "Hi");
  QTest::qWait(gui::AppController::kCheckpointMs + 50);
  c_->onTokens(r.id, " friend", 2);  // due for a checkpoint
  h_.settle();
  {
    const store::Message saved = h_.openStore().message(answerId);
    EXPECT_EQ(saved.content, "Hi friend");
    EXPECT_FALSE(saved.complete);
  }

  c_->onGenerationFinished(finished(r, "Hi friend!"));
  EXPECT_FALSE(c_->chat()->generating());
  ASSERT_TRUE(QTest::qWaitFor(
      [&] { return !messages->at(1).streaming && messages->at(1).content == "Hi friend!"; }, 5000));
  EXPECT_TRUE(messages->at(1).details.contains("50.0 tok/s"));
  EXPECT_EQ(c_->status()->speedText(), "50.0 tok/s");
  EXPECT_EQ(c_->status()->contextUsed(), 42);
  EXPECT_EQ(c_->status()->contextSize(), 512);
  h_.settle();
  ChatStore s = h_.openStore();
  const store::Message saved = s.message(answerId);
  EXPECT_TRUE(saved.complete);
  EXPECT_EQ(saved.content, "Hi friend!");
  ASSERT_TRUE(saved.stats.has_value());
  EXPECT_DOUBLE_EQ(saved.stats->decode_tokens_per_s, 50);
  ASSERT_TRUE(saved.sampling.has_value());
  EXPECT_EQ(saved.sampling->seed, 77u);
  const store::Conversation stored = s.conversation(conv);
  EXPECT_EQ(stored.title, "Hello there");
  EXPECT_EQ(stored.model_path, "/models/tiny.gguf");
  EXPECT_EQ(stored.settings.system_prompt, "Be kind.");
  EXPECT_EQ(c_->conversations()->list()->rowCount(), 1);
}

TEST_F(ControllerStream, NewChatAfterAnAnswerStartsAnotherConversation) {
  emit c_->chat()->sendRequested("First");
  ASSERT_TRUE(QTest::qWaitFor([&] { return requests_->count() == 1; }, 5000));
  c_->onGenerationFinished(finished(lastRequest(), "One"));
  h_.settle();
  const qint64 first = c_->conversations()->currentId();
  emit c_->conversations()->newRequested();
  EXPECT_EQ(c_->conversations()->currentId(), 0);
  EXPECT_EQ(c_->chat()->messages()->rowCount(), 0);
  h_.settle();
  emit c_->chat()->sendRequested("Second");
  ASSERT_TRUE(QTest::qWaitFor([&] { return requests_->count() == 2; }, 5000));
  EXPECT_EQ(lastRequest().turns.size(), 1u);
  EXPECT_NE(c_->conversations()->currentId(), first);
  EXPECT_EQ(c_->chat()->messages()->rowCount(), 2);
  c_->onGenerationFinished(finished(lastRequest(), "Two"));
  h_.settle();
  EXPECT_EQ(c_->conversations()->list()->rowCount(), 2);
}

TEST_F(ControllerStream, StopCancelsTheRunningRequestAndKeepsTheText) {
  emit c_->chat()->sendRequested("Count to ten");
  ASSERT_TRUE(QTest::qWaitFor([&] { return requests_->count() == 1; }, 5000));
  const GenerationRequest r = lastRequest();
  c_->onTokens(r.id, "1 2 3", 3);
  emit c_->chat()->stopRequested();
  ASSERT_EQ(cancels_->count(), 1);
  EXPECT_EQ((*cancels_)[0][0].toLongLong(), r.id);
  c_->onGenerationFinished(finished(r, "1 2 3", store::FinishReason::Cancelled));
  EXPECT_FALSE(c_->chat()->generating());
  h_.settle();
  const auto path = h_.openStore().active_path(c_->conversations()->currentId());
  ASSERT_EQ(path.size(), 2u);
  EXPECT_EQ(path[1].content, "1 2 3");
  EXPECT_EQ(path[1].stats->finish_reason, store::FinishReason::Cancelled);
}

TEST_F(ControllerStream, QuittingMidAnswerKeepsItAsAStoppedAnswer) {
  emit c_->chat()->sendRequested("Tell me a story");
  ASSERT_TRUE(QTest::qWaitFor([&] { return requests_->count() == 1; }, 5000));
  const GenerationRequest r = lastRequest();
  c_->onTokens(r.id, "Once upon", 2);
  const qint64 answerId = c_->chat()->messages()->at(1).id;
  c_->flush();
  EXPECT_EQ(cancels_->count(), 1);
  EXPECT_FALSE(c_->chat()->generating());
  h_.settle();
  const store::Message saved = h_.openStore().message(answerId);
  EXPECT_TRUE(saved.complete);
  EXPECT_EQ(saved.content, "Once upon");
  EXPECT_EQ(saved.stats->finish_reason, store::FinishReason::Cancelled);
  // The worker's late answer to the cancelled request changes nothing.
  c_->onGenerationFinished(finished(r, "Once upon a time", store::FinishReason::Cancelled));
  h_.settle();
  EXPECT_EQ(h_.openStore().message(answerId).content, "Once upon");
}

TEST_F(ControllerStream, RegenerateKeepsTheOldAnswerAsASibling) {
  emit c_->chat()->sendRequested("Pick a number");
  ASSERT_TRUE(QTest::qWaitFor([&] { return requests_->count() == 1; }, 5000));
  c_->onGenerationFinished(finished(lastRequest(), "Seven"));
  auto* messages = c_->chat()->messages();
  ASSERT_TRUE(QTest::qWaitFor(
      [&] { return messages->rowCount() == 2 && !messages->at(1).streaming; }, 5000));
  const qint64 first = messages->at(1).id;

  c_->settings()->setTemperature(1.5);  // used by the next answer
  emit c_->chat()->regenerateRequested(first);
  ASSERT_TRUE(QTest::qWaitFor([&] { return requests_->count() == 2; }, 5000));
  const GenerationRequest r = lastRequest();
  ASSERT_EQ(r.turns.size(), 1u);  // the question only, not the old answer
  EXPECT_EQ(r.turns[0].content, "Pick a number");
  EXPECT_DOUBLE_EQ(r.sampling.temperature, 1.5);
  c_->onGenerationFinished(finished(r, "Three"));
  ASSERT_TRUE(QTest::qWaitFor(
      [&] { return messages->at(1).content == "Three" && !messages->at(1).streaming; }, 5000));
  EXPECT_EQ(messages->at(1).siblingIndex, 1);
  EXPECT_EQ(messages->at(1).siblingCount, 2);
  h_.settle();
  ChatStore s = h_.openStore();
  const auto siblings = s.siblings(first);
  ASSERT_EQ(siblings.size(), 2u);
  EXPECT_EQ(siblings[0].content, "Seven");
  EXPECT_EQ(siblings[1].content, "Three");
  EXPECT_DOUBLE_EQ(siblings[1].sampling->temperature, 1.5);
  EXPECT_DOUBLE_EQ(s.conversation(c_->conversations()->currentId()).settings.sampling.temperature,
                   1.5);
}

TEST_F(ControllerStream, EditingAQuestionStartsABranch) {
  emit c_->chat()->sendRequested("Capital of France?");
  ASSERT_TRUE(QTest::qWaitFor([&] { return requests_->count() == 1; }, 5000));
  c_->onGenerationFinished(finished(lastRequest(), "Paris"));
  auto* messages = c_->chat()->messages();
  ASSERT_TRUE(QTest::qWaitFor(
      [&] { return messages->rowCount() == 2 && !messages->at(1).streaming; }, 5000));
  const qint64 question = messages->at(0).id;
  emit c_->chat()->editRequested(question, "Capital of Italy?");
  ASSERT_TRUE(QTest::qWaitFor([&] { return requests_->count() == 2; }, 5000));
  EXPECT_EQ(lastRequest().turns.back().content, "Capital of Italy?");
  c_->onGenerationFinished(finished(lastRequest(), "Rome"));
  ASSERT_TRUE(QTest::qWaitFor(
      [&] { return messages->at(1).content == "Rome" && !messages->at(1).streaming; }, 5000));
  EXPECT_EQ(messages->at(0).siblingCount, 2);
  EXPECT_EQ(h_.openStore().siblings(question).size(), 2u);
}

TEST_F(ControllerStream, AFailedLoadIsABannerAndKeepsThePreviousModel) {
  const qint64 loadId = open("/models/broken.gguf");
  EXPECT_FALSE(c_->chat()->canSend());
  c_->onLoadFailed(loadId, "broken.gguf: not a GGUF file");
  EXPECT_EQ(c_->status()->errorText(), "broken.gguf: not a GGUF file");
  EXPECT_EQ(c_->modelState()->phase(), ui::ModelState::Phase::Ready);
  EXPECT_EQ(c_->modelState()->name(), "tiny");
  EXPECT_TRUE(c_->chat()->canSend());
}

TEST_F(ControllerStream, AFailedLoadAfterTheWorkerReleasedTheModelLeavesNone) {
  const qint64 loadId = open("/models/huge.gguf");
  c_->onModelReleased();  // both did not fit: the worker dropped tiny first
  c_->onLoadFailed(loadId, "huge.gguf: needs 80 GiB");
  EXPECT_EQ(c_->modelState()->phase(), ui::ModelState::Phase::Empty);
  EXPECT_FALSE(c_->chat()->canSend());
}

TEST_F(ControllerStream, CancellingALoadAsksTheWorkerAndKeepsThePreviousModel) {
  const qint64 loadId = open("/models/big.gguf");
  emit c_->modelState()->cancelLoadRequested();
  ASSERT_GE(cancels_->count(), 1);
  EXPECT_EQ(cancels_->last()[0].toLongLong(), loadId);
  c_->onLoadFailed(loadId, {});
  EXPECT_TRUE(c_->status()->errorText().isEmpty());
  EXPECT_EQ(c_->modelState()->phase(), ui::ModelState::Phase::Ready);
  EXPECT_EQ(c_->modelState()->name(), "tiny");
  EXPECT_TRUE(c_->chat()->canSend());
  // A second load cancelled after that still falls back to tiny.
  const qint64 again = open("/models/big.gguf");
  c_->onLoadFailed(again, {});
  EXPECT_EQ(c_->modelState()->name(), "tiny");
}

TEST_F(ControllerStream, ALoadedModelJoinsTheRecentList) {
  ASSERT_TRUE(QTest::qWaitFor([&] { return c_->modelState()->recent()->rowCount() == 1; }, 5000));
  EXPECT_EQ(c_->modelState()->recent()->at(0).name, "tiny");
  EXPECT_EQ(c_->modelState()->recent()->at(0).architecture, "llama");
}

}  // namespace
}  // namespace vkchat::test
