// The controller's status and context side, driven through its worker-facing slots: prefill
// progress, the live speed, no rate after a stop at the first token, the marker where the context
// policy left turns out, a failed empty answer that is not kept, the branch on screen measured
// after a switch, and the context size kept per model. engine_flow_test.cpp runs the same over
// the real engine.
#include <gtest/gtest.h>

#include <QSignalSpy>

#include "controller_harness.h"

namespace vkchat::test {
namespace {

using gui::GenerationRequest;
using gui::GenerationResult;

class ControllerContext : public ::testing::Test {
 protected:
  void SetUp() override { start(); }

  void start() {
    c_ = &h_.start();
    loads_ = std::make_unique<QSignalSpy>(c_, &gui::AppController::loadModelRequested);
    requests_ = std::make_unique<QSignalSpy>(c_, &gui::AppController::generateRequested);
    measures_ = std::make_unique<QSignalSpy>(c_, &gui::AppController::measureContextRequested);
    c_->openModel("/models/tiny.gguf");
    ASSERT_TRUE(QTest::qWaitFor([&] { return loads_->count() == 1; }, 5000));
    gui::LoadedModel model;
    model.path = "/models/tiny.gguf";
    model.name = "tiny";
    model.contextLength = (*loads_)[0][2].toInt() > 0 ? (*loads_)[0][2].toInt() : 512;
    model.trainedContext = 2048;
    c_->onModelLoaded((*loads_)[0][0].toLongLong(), model);
    ASSERT_TRUE(c_->chat()->canSend());
  }

  GenerationRequest ask(const QString& text) {
    const qsizetype before = requests_->count();
    emit c_->chat()->sendRequested(text);
    EXPECT_TRUE(QTest::qWaitFor([&] { return requests_->count() > before; }, 5000));
    return requests_->last()[0].value<GenerationRequest>();
  }

  GenerationResult result(const GenerationRequest& r, QString text) {
    GenerationResult out;
    out.id = r.id;
    out.text = std::move(text);
    out.tokenCount = 2;
    out.stats.decode_tokens_per_s = 40;
    out.stats.time_to_first_token_ms = 15;
    out.contextUsed = 100;
    out.promptTokens = 80;
    return out;
  }

  void finish(const GenerationResult& r) {
    c_->onGenerationFinished(r);
    auto* messages = c_->chat()->messages();
    ASSERT_TRUE(QTest::qWaitFor(
        [&] {
          return !c_->chat()->generating() && messages->rowCount() > 0 &&
                 !messages->at(messages->rowCount() - 1).streaming;
        },
        5000));
    h_.settle();
  }

  QString section(int row) const {
    auto* m = c_->chat()->messages();
    return m->data(m->index(row), ui::MessageListModel::ContextSectionRole).toString();
  }

  ControllerHarness h_;
  gui::AppController* c_ = nullptr;
  std::unique_ptr<QSignalSpy> loads_, requests_, measures_;
};

TEST_F(ControllerContext, PrefillProgressShowsInTheStatusAndTheAnswer) {
  const GenerationRequest r = ask("Read this");
  c_->onPrefillProgress(r.id, 64, 512);
  EXPECT_EQ(c_->status()->prefillText(), "Reading the prompt: 64 of 512 tokens");
  auto* messages = c_->chat()->messages();
  EXPECT_EQ(messages->at(1).details, "Reading the prompt: 64 of 512 tokens");
  c_->onPrefillProgress(r.id + 100, 500, 512);  // not this answer's
  EXPECT_EQ(c_->status()->prefillDone(), 64);
  c_->onTokens(r.id, "Ok", 1);
  EXPECT_TRUE(c_->status()->prefillText().isEmpty());
  EXPECT_TRUE(messages->at(1).details.isEmpty());
  finish(result(r, "Ok"));
}

TEST_F(ControllerContext, TheSpeedIsLiveWhileStreamingAndNoRateAfterAStopAtTheFirstToken) {
  GenerationRequest r = ask("Count");
  c_->onTokens(r.id, "1", 1);
  EXPECT_EQ(c_->status()->speedText(), "–");  // one token is no rate yet
  EXPECT_NE(c_->status()->ttftText(), "–");
  QTest::qWait(300);
  c_->onTokens(r.id, " 2 3 4", 7);
  EXPECT_GT(c_->status()->tokensPerSecond(), 0);
  EXPECT_LT(c_->status()->tokensPerSecond(), 6 / 0.3 + 1);
  finish(result(r, "1 2 3 4"));
  EXPECT_EQ(c_->status()->speedText(), "40.0 tok/s");

  // Stopped at the first token: the engine has no decode rate; no "0.0 tok/s".
  emit c_->conversations()->newRequested();
  h_.settle();
  r = ask("Stop me");
  c_->onTokens(r.id, "A", 1);
  GenerationResult stopped = result(r, "A");
  stopped.stats.decode_tokens_per_s = 0;
  stopped.stats.finish_reason = store::FinishReason::Cancelled;
  finish(stopped);
  EXPECT_NE(c_->status()->speedText(), "0.0 tok/s");
  EXPECT_FALSE(c_->chat()->messages()->at(1).details.contains("0.0 tok/s"));
}

TEST_F(ControllerContext, TurnsLeftOutOfTheContextAreMarked) {
  c_->settings()->setSystemPrompt("Be brief.");
  GenerationRequest r = ask("One");
  finish(result(r, "Answer one"));
  r = ask("Two");
  ASSERT_EQ(r.turns.size(), 4u);  // system, One, Answer one, Two
  GenerationResult dropped = result(r, "Answer two");
  dropped.firstRendered = 3;  // the engine rendered from "Two": One and its answer are out
  finish(dropped);
  auto* messages = c_->chat()->messages();
  ASSERT_EQ(messages->rowCount(), 4);
  EXPECT_EQ(section(0), "dropped");
  EXPECT_EQ(section(1), "dropped");
  EXPECT_EQ(section(2), "kept");
  EXPECT_EQ(section(3), "kept");
  EXPECT_EQ(c_->status()->contextDropped(), 2);
  EXPECT_TRUE(c_->status()->contextText().contains("2 earlier message(s) left out"));

  // A new chat has nothing left out.
  emit c_->conversations()->newRequested();
  EXPECT_EQ(c_->status()->contextDropped(), 0);
}

TEST_F(ControllerContext, AFailedEmptyAnswerIsNotKept) {
  const GenerationRequest r = ask("A very long message");
  GenerationResult failed;
  failed.id = r.id;
  failed.stats.finish_reason = store::FinishReason::Error;
  failed.error = "the message is too long: the prompt is your message (900 tokens)";
  c_->onGenerationFinished(failed);
  auto* messages = c_->chat()->messages();
  ASSERT_TRUE(QTest::qWaitFor([&] { return messages->rowCount() == 1; }, 5000));
  EXPECT_EQ(messages->at(0).role, "user");
  EXPECT_TRUE(c_->status()->errorText().contains("your message (900 tokens)"));
  EXPECT_TRUE(c_->chat()->canSend());
  h_.settle();
  const auto path = h_.openStore().active_path(c_->conversations()->currentId());
  ASSERT_EQ(path.size(), 1u);
  EXPECT_EQ(path[0].role, store::Role::User);
  // The next answer answers that message again.
  emit c_->chat()->regenerateRequested(path[0].id);
  h_.settle();
}

TEST_F(ControllerContext, TheContextMeterFollowsTheBranchOnScreen) {
  GenerationRequest r = ask("First chat");
  finish(result(r, "Answer"));
  const qint64 first = c_->conversations()->currentId();
  emit c_->conversations()->newRequested();
  r = ask("Second chat");
  finish(result(r, "Answer"));
  const qsizetype before = measures_->count();
  emit c_->conversations()->selectRequested(first, 0);
  ASSERT_TRUE(QTest::qWaitFor([&] { return measures_->count() > before; }, 5000));
  EXPECT_EQ(c_->status()->contextUsed(), -1);  // until the worker answers
  const GenerationRequest m = measures_->last()[0].value<GenerationRequest>();
  ASSERT_EQ(m.turns.size(), 2u);  // the whole branch: the question and its answer
  EXPECT_EQ(m.turns[0].content, "First chat");
  gui::ContextMeasure measure;
  measure.promptTokens = 37;
  c_->onContextMeasured(m.id, measure);
  EXPECT_EQ(c_->status()->contextUsed(), 37);
  gui::ContextMeasure stale;
  stale.promptTokens = 99;
  c_->onContextMeasured(m.id - 1, stale);
  EXPECT_EQ(c_->status()->contextUsed(), 37);
}

TEST_F(ControllerContext, TheContextSizeIsKeptPerModel) {
  emit c_->modelState()->contextSizeRequested(1024);
  ASSERT_EQ(loads_->count(), 2);
  EXPECT_EQ((*loads_)[1][1].toString(), "/models/tiny.gguf");
  EXPECT_EQ((*loads_)[1][2].toInt(), 1024);
  EXPECT_EQ(c_->modelState()->phase(), ui::ModelState::Phase::Loading);
  gui::LoadedModel model;
  model.path = "/models/tiny.gguf";
  model.name = "tiny";
  model.contextLength = 1024;
  model.trainedContext = 2048;
  c_->onModelLoaded((*loads_)[1][0].toLongLong(), model);
  EXPECT_EQ(c_->modelState()->contextLength(), 1024);
  emit c_->modelState()->contextSizeRequested(1 << 20);  // past the trained context: clamped
  EXPECT_EQ((*loads_).last()[2].toInt(), 2048);
  h_.settle();
  // Next start, the model opens with the size chosen last.
  start();
  EXPECT_EQ((*loads_)[0][2].toInt(), 2048);
  EXPECT_EQ(c_->modelState()->contextLength(), 2048);
}

TEST_F(ControllerContext, EnterWithoutAModelSaysWhy) {
  ControllerHarness h;
  gui::AppController& c = h.start();
  EXPECT_FALSE(c.chat()->requestSend("hello"));
  EXPECT_TRUE(c.status()->noticeText().contains("Open a model"))
      << c.status()->noticeText().toStdString();
}

}  // namespace
}  // namespace vkchat::test
