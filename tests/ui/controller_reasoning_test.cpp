// A model that thinks, through the controller with the real worker (stories260K on lavapipe,
// offscreen) rendering with real templates: DeepSeek-R1's opens <think> in the generation prompt,
// so the answer is reasoning; it streams apart from the answer, is saved with its tokens and time,
// and equals what the engine's chat session gives for the same seed. Qwen3's template has the
// enable_thinking switch: the settings panel offers it, the conversation keeps it, and it reaches
// the prompt (off writes the closed "<think>\n\n</think>" block into it).
#include <gtest/gtest.h>

#include <QDir>
#include <QFileInfo>
#include <QSignalSpy>
#include <memory>

#include "chat/chat_session.h"
#include "controller_harness.h"
#include "llm/model.h"
#include "support/test_support.h"

namespace vkchat::test {
namespace {

constexpr int kWaitMs = 60000;
constexpr std::uint64_t kSeed = 7;
constexpr int kMaxTokens = 16;

QString sharedFile(const std::string& relative) {
  return QDir::cleanPath(
      QFileInfo(QString::fromStdString(shared_path(relative).string())).absoluteFilePath());
}
QString templateFile(const std::string& name) {
  return sharedFile("templates/" + name + ".jinja");
}
const std::string kR1 = "deepseek-ai-DeepSeek-R1-Distill-Llama-8B";
const std::string kQwen3 = "Qwen-Qwen3-0.6B";

class ControllerReasoning : public ::testing::Test {
 protected:
  void start(const std::string& templateName) {
    c_ = &h_.start(/*engine=*/true, gui::InferenceWorker::kPrefillChunkSeconds,
                   templateFile(templateName));
    c_->openModel(sharedFile("models/stories260K.gguf"));
    ASSERT_TRUE(QTest::qWaitFor(
        [&] { return c_->modelState()->phase() != ui::ModelState::Phase::Loading; }, kWaitMs));
    ASSERT_EQ(c_->modelState()->phase(), ui::ModelState::Phase::Ready)
        << c_->status()->errorText().toStdString();
    applySettings();
  }

  // What every answer here is sampled with (a new chat starts from the app's defaults).
  void applySettings() {
    c_->settings()->setMaxTokens(kMaxTokens);
    c_->settings()->setRandomSeed(false);
    c_->settings()->setSeed(static_cast<qint64>(kSeed));
  }

  ui::MessageItem ask(const QString& text) {
    emit c_->chat()->sendRequested(text);
    EXPECT_TRUE(c_->chat()->generating());
    EXPECT_TRUE(QTest::qWaitFor([&] { return !c_->chat()->generating(); }, kWaitMs));
    h_.settle();
    auto* messages = c_->chat()->messages();
    return messages->at(messages->rowCount() - 1);
  }

  ControllerHarness h_;
  gui::AppController* c_ = nullptr;
};

// The engine's own answer to `question` under `templateName`, split, as the reference.
chat::TurnResult engineAnswer(const std::string& templateName, const std::string& question,
                              const chat::TemplateSwitches& switches = {}) {
  llm::LoadOptions o;
  o.n_ctx = 512;
  const auto model = llm::Model::load(shared_path("models/stories260K.gguf"), o);
  chat::ChatOptions options;
  options.sampling.seed = kSeed;
  options.max_tokens = kMaxTokens;
  options.split_reasoning = true;
  options.switches = switches;
  chat::ChatSession chat(*model, 0, options);
  chat.set_chat_template(chat::ChatTemplate::from_source(
      read_file(shared_path("templates/" + templateName + ".jinja")),
      chat.chat_template().bos_token(), chat.chat_template().eos_token(), templateName));
  return chat.send(question);
}

TEST_F(ControllerReasoning, TheReasoningStreamsApartAndIsSavedWithItsTokensAndTime) {
  start(kR1);
  EXPECT_FALSE(c_->settings()->hasThinkingSwitch());  // R1's template has no switch
  auto* messages = c_->chat()->messages();
  int reasoningUpdates = 0;
  bool contentWhileThinking = false;
  QString summaryWhileStreaming;
  QObject::connect(messages, &QAbstractItemModel::dataChanged, messages,
                   [&](const QModelIndex& index) {
                     const ui::MessageItem& item = messages->at(index.row());
                     if (!item.streaming || item.reasoning.isEmpty()) return;
                     ++reasoningUpdates;
                     contentWhileThinking |= !item.content.isEmpty();
                     summaryWhileStreaming = ui::reasoning_summary(item);
                   });
  const ui::MessageItem answer = ask(QStringLiteral("Tell me a story."));
  EXPECT_TRUE(c_->status()->errorText().isEmpty()) << c_->status()->errorText().toStdString();

  const chat::TurnResult reference = engineAnswer(kR1, "Tell me a story.");
  ASSERT_FALSE(reference.reasoning.empty());
  EXPECT_GE(reasoningUpdates, 1);
  EXPECT_FALSE(contentWhileThinking);  // the prompt opened <think>: nothing is answer yet
  EXPECT_TRUE(summaryWhileStreaming.startsWith(QStringLiteral("Thinking")));
  EXPECT_TRUE(summaryWhileStreaming.endsWith(QStringLiteral("\u2026")))
      << summaryWhileStreaming.toStdString();

  // The window shows what the engine gives, apart from the (empty) answer.
  EXPECT_EQ(answer.reasoning.toStdString(), reference.reasoning);
  EXPECT_EQ(answer.content.toStdString(), reference.text);
  EXPECT_EQ(answer.reasoningTokens, reference.stats.reasoning_tokens);
  EXPECT_GT(answer.reasoningMs, 0);
  const QString summary = ui::reasoning_summary(answer);
  EXPECT_TRUE(summary.contains(QStringLiteral("%1 tokens").arg(reference.stats.reasoning_tokens)))
      << summary.toStdString();
  EXPECT_TRUE(summary.endsWith(QStringLiteral(" s"))) << summary.toStdString();

  const store::Message saved = h_.openStore().message(answer.id);
  EXPECT_EQ(saved.reasoning, reference.reasoning);
  EXPECT_EQ(saved.content, reference.text);
  EXPECT_EQ(saved.reasoning_tokens, reference.stats.reasoning_tokens);
  EXPECT_EQ(saved.reasoning_ms, answer.reasoningMs);
  EXPECT_TRUE(saved.complete);
}

TEST_F(ControllerReasoning, TheThinkingSwitchIsOfferedKeptPerConversationAndReachesThePrompt) {
  start(kQwen3);
  EXPECT_TRUE(c_->settings()->hasThinkingSwitch());
  EXPECT_FALSE(c_->settings()->hasEffortSwitch());  // Qwen3 reads no reasoning_effort

  ask(QStringLiteral("Hello"));  // the template's default: thinking on
  const int promptDefault = c_->status()->promptTokens();
  const qint64 conv = c_->conversations()->currentId();
  ASSERT_NE(conv, 0);

  emit c_->conversations()->newRequested();
  h_.settle();
  applySettings();
  c_->settings()->setThinking(QStringLiteral("off"));
  const ui::MessageItem off = ask(QStringLiteral("Hello"));
  const int promptOff = c_->status()->promptTokens();
  // "<think>\n\n</think>\n\n" after the generation prompt: a longer prompt, and no reasoning.
  EXPECT_GT(promptOff, promptDefault);
  EXPECT_TRUE(off.reasoning.isEmpty());
  // The engine's answer with the switch off is the window's.
  chat::TemplateSwitches switchedOff;
  switchedOff.enable_thinking = false;
  const chat::TurnResult reference = engineAnswer(kQwen3, "Hello", switchedOff);
  EXPECT_EQ(off.content.toStdString(), reference.text);
  EXPECT_EQ(promptOff, reference.stats.prompt_tokens);

  store::ChatStore s = h_.openStore();
  const qint64 offConv = c_->conversations()->currentId();
  ASSERT_NE(offConv, conv);
  EXPECT_EQ(s.conversation(offConv).settings.enable_thinking, std::optional<bool>(false));
  EXPECT_EQ(s.conversation(conv).settings.enable_thinking, std::nullopt);

  // Back in the first conversation the panel shows its own (unset) switch.
  emit c_->conversations()->selectRequested(conv);
  h_.settle();
  EXPECT_EQ(c_->settings()->thinking(), QString());
}

}  // namespace
}  // namespace vkchat::test
