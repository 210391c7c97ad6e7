// Reproducible answers (issue 20), with the real worker on stories260K offscreen: each answer
// records the model file's SHA-256 (computed in the background, checked against sha256sum), the
// engine version, the device, the context size, the rendered prompt and the sampler settings
// with the seed; "Regenerate with the same seed" writes the same text again; and the answer's
// "Copy as command" line, run, prints that text.
#include <gtest/gtest.h>

#include <QDir>
#include <QFileInfo>
#include <QProcess>
#include <QSignalSpy>

#include "controller_harness.h"
#include "model_hasher.h"
#include "support/test_support.h"
#include "view_mapping.h"

namespace vkchat::test {
namespace {

constexpr int kLoadMs = 120000;
constexpr int kAnswerMs = 120000;

QString storiesPath() {
  const QString path = QString::fromStdString(shared_path("models/stories260K.gguf").string());
  return QDir::cleanPath(QFileInfo(path).absoluteFilePath());
}

// The reference: coreutils' sha256sum, not the code under test.
QString sha256sum(const QString& path) {
  QProcess p;
  p.start(QStringLiteral("sha256sum"), {path});
  if (!p.waitForFinished(30000) || p.exitCode() != 0) return {};
  return QString::fromLatin1(p.readAllStandardOutput()).section(QLatin1Char(' '), 0, 0);
}

class ReproducibleAnswer : public ::testing::Test {
 protected:
  void SetUp() override {
    c_ = &h_.start(/*engine=*/true);
    QSignalSpy hashed(c_->modelState(), &ui::ModelState::hashChanged);
    c_->openModel(storiesPath());
    ASSERT_TRUE(QTest::qWaitFor(
        [&] { return c_->modelState()->phase() != ui::ModelState::Phase::Loading; }, kLoadMs));
    ASSERT_EQ(c_->modelState()->phase(), ui::ModelState::Phase::Ready)
        << c_->status()->errorText().toStdString();
    // Computed in the background, with progress, after the load.
    ASSERT_TRUE(QTest::qWaitFor([&] { return !c_->modelState()->sha256().isEmpty(); }, 10000));
    EXPECT_GE(hashed.count(), 2);  // started (progress 0), then done
    EXPECT_DOUBLE_EQ(c_->modelState()->hashProgress(), 1.0);
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

TEST_F(ReproducibleAnswer, SameSeedGivesTheSameTextAndTheRecordReproducesIt) {
  const QString sha = sha256sum(storiesPath());
  ASSERT_EQ(sha.size(), 64);
  EXPECT_EQ(c_->modelState()->sha256(), sha);

  // Sampling, not greedy: only the seed makes the text repeat.
  c_->settings()->setMaxTokens(40);
  c_->settings()->setTemperature(1.0);
  emit c_->chat()->sendRequested(QStringLiteral("Tom had a ball"));
  const ui::MessageItem first = waitForAnswer();
  ASSERT_FALSE(first.content.isEmpty());

  store::ChatStore s = h_.openStore();
  const store::Message a = s.message(first.id);
  ASSERT_TRUE(a.sampling && a.provenance);
  EXPECT_EQ(a.sampling->seed_mode, store::SeedMode::Random);  // drawn, and recorded
  EXPECT_EQ(a.provenance->model_path, storiesPath().toStdString());
  EXPECT_EQ(a.provenance->model_sha256, sha.toStdString());
  EXPECT_EQ(a.provenance->engine_version, gui::engine_version());
  EXPECT_EQ(QString::fromStdString(a.provenance->device), c_->modelState()->deviceName());
  EXPECT_EQ(a.provenance->context_size, c_->modelState()->contextLength());
  EXPECT_NE(a.provenance->prompt.find("Tom had a ball"), std::string::npos);
  EXPECT_EQ(s.conversation(a.conversation_id).model_hash, "sha256:" + sha.toStdString());

  // The details show all of it.
  for (const QString& part :
       {sha, QString::fromStdString(gui::engine_version()), c_->modelState()->deviceName(),
        QStringLiteral("Seed: %1").arg(a.sampling->seed), QStringLiteral("Temperature: 1"),
        QStringLiteral("Top-k: 40"), QStringLiteral("Max tokens: 40")}) {
    EXPECT_TRUE(first.provenance.contains(part)) << part.toStdString();
  }

  // The same seed again: a sibling with the identical text and settings.
  emit c_->chat()->regenerateSameSeedRequested(first.id);
  const ui::MessageItem again = waitForAnswer();
  EXPECT_NE(again.id, first.id);
  EXPECT_EQ(again.siblingCount, 2);
  EXPECT_EQ(again.content, first.content);
  const store::Message b = h_.openStore().message(again.id);
  EXPECT_EQ(b.sampling, a.sampling);
  // A plain regenerate draws another seed.
  emit c_->chat()->regenerateRequested(again.id);
  const ui::MessageItem other = waitForAnswer();
  EXPECT_NE(h_.openStore().message(other.id).sampling->seed, a.sampling->seed);

  // "Copy as command", run as copied (the program's name replaced by this build's path).
  const QString command = first.command;
  ASSERT_TRUE(command.startsWith(QStringLiteral("vkchat-cli generate "))) << command.toStdString();
  EXPECT_EQ(command, gui::reproduce_command(a));
  const CliRun run =
      run_cli(command.mid(QStringLiteral("vkchat-cli ").size()).toStdString() + " 2>/dev/null");
  ASSERT_EQ(run.exit_code, 0) << command.toStdString();
  EXPECT_EQ(QString::fromStdString(run.out), first.content + QLatin1Char('\n'));
}

TEST(ModelHasher, TheHashIsSha256sumsAndACancelStopsIt) {
  const QString path = storiesPath();
  EXPECT_EQ(gui::sha256_of_file(path), sha256sum(path));
  int calls = 0;
  EXPECT_TRUE(gui::sha256_of_file(path, [&](double) { return ++calls < 0; }).isEmpty());
  EXPECT_EQ(calls, 1);
  EXPECT_THROW(gui::sha256_of_file(QStringLiteral("/nonexistent/model.gguf")), std::runtime_error);
}

// The line's words as a shell splits them: quotes, newlines and $ in the prompt and the path
// reach the program unchanged (printf stands in for vkchat-cli and prints each word).
TEST(ReproduceCommand, TheShellPassesThePromptAndPathUnchanged) {
  store::Message m;
  m.role = store::Role::Assistant;
  m.sampling = store::SamplingSettings{};
  m.sampling->seed = 123456789012345;
  m.sampling->temperature = 0.7;
  m.provenance = store::Provenance{"/tmp/it's a $HOME model.gguf",
                                   "",
                                   "v",
                                   "d",
                                   2048,
                                   "<|user|>\nDon't say \"$x\" or `y` \\ ok\n<|assistant|>\n"};
  const QString line = gui::reproduce_command(m, QStringLiteral("printf '[%s]\\n'"));
  QProcess sh;
  sh.start(QStringLiteral("bash"), {QStringLiteral("-c"), line});
  ASSERT_TRUE(sh.waitForFinished(10000));
  const QString out = QString::fromUtf8(sh.readAllStandardOutput());
  const QString expected = QStringLiteral(
      "[generate]\n[-m]\n[/tmp/it's a $HOME model.gguf]\n[-p]\n"
      "[<|user|>\nDon't say \"$x\" or `y` \\ ok\n<|assistant|>\n]\n[-n]\n[1024]\n"
      "[--temp]\n[0.7]\n[--top-p]\n[0.95]\n[--top-k]\n[40]\n[--min-p]\n[0.05]\n"
      "[--repeat-penalty]\n[1]\n[--seed]\n[123456789012345]\n[--ctx]\n[2048]\n");
  EXPECT_EQ(out, expected);
  m.provenance.reset();
  EXPECT_TRUE(gui::reproduce_command(m).isEmpty());  // an answer from before version 4
}

}  // namespace
}  // namespace vkchat::test
