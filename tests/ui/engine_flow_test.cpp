// The controller with the real inference worker and engine on stories260K (lavapipe in CI),
// offscreen: loading with progress, a streamed answer that is persisted with its stats, Stop
// mid-answer, Regenerate as a branch, the sliders' settings used by the next answer and kept,
// and the whole window driven by the keyboard with a screenshot in the build folder.
#include <gtest/gtest.h>

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QQmlApplicationEngine>
#include <QQuickItem>
#include <QQuickWindow>
#include <QSignalSpy>
#include <QTemporaryDir>

#include "controller_harness.h"
#include "screenshots.h"
#include "support/test_support.h"

namespace vkchat::test {
namespace {

constexpr int kLoadMs = 120000;
constexpr int kAnswerMs = 120000;

QString storiesPath() {
  const QString path = QString::fromStdString(shared_path("models/stories260K.gguf").string());
  return QDir::cleanPath(QFileInfo(path).absoluteFilePath());
}

class EngineFlow : public ::testing::Test {
 protected:
  void SetUp() override {
    c_ = &h_.start(/*engine=*/true);
    QSignalSpy progress(c_->modelState(), &ui::ModelState::progressChanged);
    c_->openModel(storiesPath());
    ASSERT_TRUE(QTest::qWaitFor(
        [&] { return c_->modelState()->phase() != ui::ModelState::Phase::Loading; }, kLoadMs));
    ASSERT_EQ(c_->modelState()->phase(), ui::ModelState::Phase::Ready)
        << c_->status()->errorText().toStdString();
    EXPECT_GE(progress.count(), 1);
    EXPECT_DOUBLE_EQ(c_->modelState()->progress(), 1.0);
  }

  // Sends `text` and waits for the answer to end; returns the answer's row.
  ui::MessageItem ask(const QString& text) {
    emit c_->chat()->sendRequested(text);
    return waitForAnswer();
  }

  ui::MessageItem waitForAnswer() {
    EXPECT_TRUE(c_->chat()->generating());
    EXPECT_TRUE(QTest::qWaitFor([&] { return !c_->chat()->generating(); }, kAnswerMs));
    auto* messages = c_->chat()->messages();
    EXPECT_TRUE(QTest::qWaitFor(
        [&] {
          return messages->rowCount() > 0 && !messages->at(messages->rowCount() - 1).streaming;
        },
        5000));
    h_.settle();
    return messages->at(messages->rowCount() - 1);
  }

  ControllerHarness h_;
  gui::AppController* c_ = nullptr;
};

TEST_F(EngineFlow, TheModelIsDescribed) {
  ui::ModelState* m = c_->modelState();
  EXPECT_EQ(m->architecture(), "llama");
  EXPECT_EQ(m->name(), "stories260K");
  EXPECT_EQ(m->quant(), "F32");
  EXPECT_FALSE(m->parametersText().isEmpty());
  EXPECT_FALSE(m->quant().isEmpty());
  EXPECT_GT(m->contextLength(), 0);
  EXPECT_FALSE(m->memoryText().isEmpty());
  EXPECT_GT(m->memoryFraction(), 0.0);
  EXPECT_FALSE(m->deviceName().isEmpty());
  EXPECT_EQ(c_->status()->deviceName(), m->deviceName());
  EXPECT_TRUE(c_->chat()->canSend());
  ASSERT_TRUE(QTest::qWaitFor([&] { return m->recent()->rowCount() == 1; }, 5000));
  EXPECT_EQ(m->recent()->at(0).architecture, "llama");
}

TEST_F(EngineFlow, AnAnswerStreamsAndIsPersistedWithItsStats) {
  c_->settings()->setMaxTokens(48);
  auto* messages = c_->chat()->messages();
  int growth = 0;
  QObject::connect(messages, &QAbstractItemModel::dataChanged, messages,
                   [&](const QModelIndex& index) {
                     if (messages->at(index.row()).streaming) ++growth;
                   });
  const ui::MessageItem answer = ask("Once upon a time");
  EXPECT_FALSE(answer.content.trimmed().isEmpty());
  EXPECT_GE(growth, 2) << "the answer should arrive in several pieces";
  EXPECT_TRUE(answer.details.contains("tok/s"));
  EXPECT_NE(c_->status()->speedText(), "–");
  EXPECT_NE(c_->status()->ttftText(), "–");
  EXPECT_GT(c_->status()->contextUsed(), 0);
  EXPECT_EQ(c_->status()->contextSize(), c_->modelState()->contextLength());
  EXPECT_TRUE(c_->status()->errorText().isEmpty()) << c_->status()->errorText().toStdString();

  store::ChatStore s = h_.openStore();
  const store::Message saved = s.message(answer.id);
  EXPECT_TRUE(saved.complete);
  EXPECT_EQ(QString::fromStdString(saved.content), answer.content);
  EXPECT_GT(saved.token_count, 0);
  EXPECT_LE(saved.token_count, 48);
  ASSERT_TRUE(saved.stats.has_value());
  EXPECT_GT(saved.stats->decode_tokens_per_s, 0);
  EXPECT_GT(saved.stats->time_to_first_token_ms, 0);
  const store::Conversation conv = s.conversation(saved.conversation_id);
  EXPECT_EQ(conv.title, "Once upon a time");
  EXPECT_EQ(conv.model_path, storiesPath().toStdString());
}

TEST_F(EngineFlow, StopEndsTheAnswerEarlyAndKeepsItsText) {
  c_->settings()->setMaxTokens(4000);
  auto* messages = c_->chat()->messages();
  // Stop as soon as the first text shows, the way a quick user would, so the story cannot end
  // by itself first (the first batch leaves the worker with its first token).
  bool stopped = false;
  QObject::connect(messages, &QAbstractItemModel::dataChanged, messages, [&](const QModelIndex& i) {
    const ui::MessageItem& item = messages->at(i.row());
    if (!stopped && item.streaming && !item.content.isEmpty()) {
      stopped = true;
      emit c_->chat()->stopRequested();
    }
  });
  emit c_->chat()->sendRequested("Once upon a time there was a dragon");
  const ui::MessageItem answer = waitForAnswer();
  EXPECT_TRUE(stopped);
  EXPECT_TRUE(answer.details.contains("stopped")) << answer.details.toStdString();
  const store::Message saved = h_.openStore().message(answer.id);
  ASSERT_TRUE(saved.stats.has_value());
  EXPECT_EQ(saved.stats->finish_reason, store::FinishReason::Cancelled);
  EXPECT_LT(saved.token_count, 4000);
  EXPECT_EQ(QString::fromStdString(saved.content), answer.content);
  EXPECT_TRUE(c_->chat()->canSend());
}

TEST_F(EngineFlow, RegenerateKeepsBothAnswersAsBranches) {
  c_->settings()->setMaxTokens(24);
  c_->settings()->setTemperature(1.0);
  const ui::MessageItem first = ask("Tom had a ball");
  emit c_->chat()->regenerateRequested(first.id);
  const ui::MessageItem second = waitForAnswer();
  EXPECT_NE(second.id, first.id);
  EXPECT_EQ(second.siblingIndex, 1);
  EXPECT_EQ(second.siblingCount, 2);
  store::ChatStore s = h_.openStore();
  const auto siblings = s.siblings(second.id);
  ASSERT_EQ(siblings.size(), 2u);
  EXPECT_TRUE(siblings[0].complete && siblings[1].complete);
  EXPECT_EQ(QString::fromStdString(siblings[0].content), first.content);
  EXPECT_NE(siblings[0].sampling->seed, siblings[1].sampling->seed);

  emit c_->chat()->switchBranchRequested(second.id, -1);
  ASSERT_TRUE(QTest::qWaitFor([&] { return c_->chat()->messages()->at(1).id == first.id; }, 5000));
}

TEST_F(EngineFlow, SliderSettingsDriveTheNextAnswerAndPersist) {
  // The sliders as the panel moves them: greedy, narrow top-p.
  c_->settings()->setMaxTokens(32);
  c_->settings()->setTemperature(0.0);
  c_->settings()->setTopP(0.5);
  const ui::MessageItem first = ask("Lily went to the park");
  emit c_->chat()->regenerateRequested(first.id);
  const ui::MessageItem again = waitForAnswer();
  // Greedy decoding: the same prompt gives the same text whatever seed was drawn.
  EXPECT_EQ(again.content, first.content);

  store::ChatStore s = h_.openStore();
  const store::Message saved = s.message(again.id);
  ASSERT_TRUE(saved.sampling.has_value());
  EXPECT_DOUBLE_EQ(saved.sampling->temperature, 0.0);
  EXPECT_DOUBLE_EQ(saved.sampling->top_p, 0.5);
  const store::Conversation conv = s.conversation(saved.conversation_id);
  EXPECT_DOUBLE_EQ(conv.settings.sampling.temperature, 0.0);
  EXPECT_DOUBLE_EQ(conv.settings.sampling.top_p, 0.5);

  // Moving the slider changes the next answer's sampler.
  c_->settings()->setTemperature(1.2);
  emit c_->chat()->regenerateRequested(again.id);
  const ui::MessageItem third = waitForAnswer();
  const store::Message hot = h_.openStore().message(third.id);
  EXPECT_DOUBLE_EQ(hot.sampling->temperature, 1.2);
  EXPECT_DOUBLE_EQ(hot.sampling->top_p, 0.5);
}

TEST(EngineLoad, AFileThatIsNotAModelIsABannerWithTheReason) {
  ControllerHarness h;
  gui::AppController& c = h.start(/*engine=*/true);
  QTemporaryDir dir;
  const QString bad = dir.filePath("notes.gguf");
  {
    QFile f(bad);
    ASSERT_TRUE(f.open(QIODevice::WriteOnly));
    f.write("these are not the weights you are looking for");
  }
  c.openModel(bad);
  ASSERT_TRUE(QTest::qWaitFor(
      [&] { return c.modelState()->phase() != ui::ModelState::Phase::Loading; }, kLoadMs));
  EXPECT_EQ(c.modelState()->phase(), ui::ModelState::Phase::Empty);
  EXPECT_TRUE(c.status()->errorText().contains("notes.gguf"))
      << c.status()->errorText().toStdString();
  EXPECT_FALSE(c.chat()->canSend());
  // A good model afterwards loads as usual.
  c.openModel(storiesPath());
  ASSERT_TRUE(QTest::qWaitFor(
      [&] { return c.modelState()->phase() == ui::ModelState::Phase::Ready; }, kLoadMs));
  EXPECT_TRUE(c.chat()->canSend());
}

// The whole window over the real engine: type a question, press Enter, wait for the answer.
TEST_F(EngineFlow, EndToEndInTheWindow) {
  c_->settings()->setMaxTokens(40);
  QQmlApplicationEngine qml;
  qml.setInitialProperties({
      {"conversations", QVariant::fromValue(c_->conversations())},
      {"chat", QVariant::fromValue(c_->chat())},
      {"settings", QVariant::fromValue(c_->settings())},
      {"modelState", QVariant::fromValue(c_->modelState())},
      {"status", QVariant::fromValue(c_->status())},
  });
  qml.load(QUrl("qrc:/Vkchat/qml/Main.qml"));
  ASSERT_EQ(qml.rootObjects().size(), 1);
  auto* window = qobject_cast<QQuickWindow*>(qml.rootObjects().constFirst());
  ASSERT_NE(window, nullptr);
  window->show();
  window->requestActivate();
  ASSERT_TRUE(QTest::qWaitForWindowExposed(window));
  QTest::qWait(100);
  for (const char* c = "Once upon a time"; *c; ++c) QTest::keyClick(window, *c);
  QTest::keyClick(window, Qt::Key_Return);
  ASSERT_TRUE(QTest::qWaitFor([&] { return c_->chat()->generating(); }, 5000));
  const ui::MessageItem answer = waitForAnswer();
  EXPECT_FALSE(answer.content.trimmed().isEmpty());
  QTest::qWait(300);  // the last frame
  EXPECT_TRUE(window->grabWindow().save(vkchat::test::screenshot_path("ui_e2e_test.png")));
}

}  // namespace
}  // namespace vkchat::test
