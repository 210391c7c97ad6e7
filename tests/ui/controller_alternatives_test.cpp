// Every token's alternatives (issue 20), with the real worker on stories260K offscreen: a finished
// answer keeps each token with its probability and alternatives (in the store, and in the view);
// choosing an alternative writes a sibling that begins with the answer up to that token and the
// alternative, with the same settings and seed; with no alternatives asked for nothing is kept,
// and such an answer cannot be branched from.
#include <gtest/gtest.h>

#include <QDir>
#include <QFileInfo>

#include "controller_harness.h"
#include "store/answer_tokens.h"
#include "support/test_support.h"
#include "view_mapping.h"

namespace vkchat::test {
namespace {

constexpr int kLoadMs = 120000;
constexpr int kAnswerMs = 120000;

class ControllerAlternatives : public ::testing::Test {
 protected:
  void SetUp() override {
    c_ = &h_.start(/*engine=*/true);
    const QString path = QString::fromStdString(shared_path("models/stories260K.gguf").string());
    c_->openModel(QDir::cleanPath(QFileInfo(path).absoluteFilePath()));
    ASSERT_TRUE(QTest::qWaitFor(
        [&] { return c_->modelState()->phase() != ui::ModelState::Phase::Loading; }, kLoadMs));
    ASSERT_EQ(c_->modelState()->phase(), ui::ModelState::Phase::Ready)
        << c_->status()->errorText().toStdString();
    c_->settings()->setMaxTokens(16);
    c_->settings()->setTemperature(1.0);
  }

  ui::MessageItem waitForAnswer() {
    EXPECT_TRUE(c_->chat()->generating());
    EXPECT_TRUE(QTest::qWaitFor([&] { return !c_->chat()->generating(); }, kAnswerMs));
    h_.settle();
    auto* messages = c_->chat()->messages();
    EXPECT_GT(messages->rowCount(), 0);
    return messages->rowCount() > 0 ? messages->at(messages->rowCount() - 1) : ui::MessageItem{};
  }

  static std::vector<store::AnswerToken> tokensOf(const store::Message& m) {
    return store::decode_answer_tokens(m.answer_tokens).value_or(std::vector<store::AnswerToken>{});
  }

  ControllerHarness h_;
  gui::AppController* c_ = nullptr;
};

TEST_F(ControllerAlternatives, AnswersKeepTheirTokensAndABranchGoesOnFromOne) {
  emit c_->chat()->sendRequested(QStringLiteral("Tom had a ball"));
  const ui::MessageItem first = waitForAnswer();
  ASSERT_FALSE(first.content.isEmpty());
  const store::Message stored = h_.openStore().message(first.id);
  const std::vector<store::AnswerToken> tokens = tokensOf(stored);
  ASSERT_EQ(static_cast<int>(tokens.size()), stored.token_count);
  ASSERT_GE(tokens.size(), 5u);
  std::string joined;
  for (const store::AnswerToken& t : tokens) {
    joined += t.text;
    ASSERT_TRUE(t.p.has_value());
    EXPECT_GT(*t.p, 0.0);
    ASSERT_FALSE(t.alternatives.empty());
    EXPECT_LE(t.alternatives.size(),
              static_cast<std::size_t>(gui::InferenceWorker::kDefaultAlternatives));
  }
  EXPECT_TRUE(QString::fromStdString(joined).startsWith(first.content)) << joined;
  // The view has them, one map per token.
  ASSERT_EQ(first.tokens.size(), static_cast<qsizetype>(tokens.size()));
  const QVariantMap firstToken = first.tokens[0].toMap();
  EXPECT_EQ(firstToken["text"].toString(), QString::fromStdString(tokens[0].text));
  EXPECT_NEAR(firstToken["p"].toDouble(), *tokens[0].p, 1e-9);

  // Token 3's most probable alternative other than the one taken.
  const store::AnswerToken& at = tokens[3];
  int alternative = -1;
  for (std::size_t i = 0; i < at.alternatives.size(); ++i) {
    if (at.alternatives[i].id != at.id) {
      alternative = static_cast<int>(i);
      break;
    }
  }
  ASSERT_GE(alternative, 0);
  const store::TokenAlternative& chosen = at.alternatives[static_cast<std::size_t>(alternative)];
  emit c_->chat()->branchFromTokenRequested(first.id, 3, alternative);
  const ui::MessageItem branch = waitForAnswer();
  ASSERT_NE(branch.id, first.id);
  EXPECT_EQ(branch.siblingCount, 2);
  const std::string prefix = tokens[0].text + tokens[1].text + tokens[2].text + chosen.text;
  const store::Message b = h_.openStore().message(branch.id);
  EXPECT_EQ(b.sampling, stored.sampling);  // the same settings and seed
  EXPECT_EQ(b.parent_id, stored.parent_id);
  const std::vector<store::AnswerToken> bt = tokensOf(b);
  ASSERT_GE(bt.size(), 4u);
  std::string branchJoined;
  for (const store::AnswerToken& t : bt) branchJoined += t.text;
  EXPECT_EQ(branchJoined.rfind(prefix, 0), 0u) << branchJoined;
  EXPECT_TRUE(QString::fromStdString(branchJoined).startsWith(branch.content)) << branchJoined;
  for (int i = 0; i < 3; ++i) EXPECT_EQ(bt[i], tokens[i]) << i;  // as the first answer kept them
  EXPECT_EQ(bt[3].id, chosen.id);
  EXPECT_EQ(bt[3].p, chosen.p);
  EXPECT_EQ(bt[3].alternatives, at.alternatives);
  for (std::size_t i = 4; i < bt.size(); ++i) EXPECT_TRUE(bt[i].p.has_value()) << i;  // sampled

  // The same choice again writes the same branch: the seed is the answer's.
  emit c_->chat()->branchFromTokenRequested(first.id, 3, alternative);
  const ui::MessageItem again = waitForAnswer();
  EXPECT_EQ(again.content, branch.content);
  EXPECT_TRUE(c_->status()->errorText().isEmpty()) << c_->status()->errorText().toStdString();
}

TEST_F(ControllerAlternatives, NoAlternativesKeepsNoTokensAndSuchAnAnswerCannotBranch) {
  h_.worker().setAlternatives(0);
  emit c_->chat()->sendRequested(QStringLiteral("Lily saw a cat"));
  const ui::MessageItem answer = waitForAnswer();
  ASSERT_FALSE(answer.content.isEmpty());
  EXPECT_TRUE(answer.tokens.isEmpty());
  EXPECT_EQ(h_.openStore().message(answer.id).answer_tokens, "");
  emit c_->chat()->branchFromTokenRequested(answer.id, 0, 0);
  ASSERT_TRUE(QTest::qWaitFor([&] { return !c_->status()->errorText().isEmpty(); }, 10000));
  EXPECT_TRUE(c_->status()->errorText().contains("kept no tokens"))
      << c_->status()->errorText().toStdString();
  EXPECT_FALSE(c_->chat()->generating());
  h_.settle();
  EXPECT_EQ(h_.openStore().siblings(answer.id).size(), 1u);  // nothing was written
}

TEST(TokenItems, TheViewGetsEachTokenWithItsAlternatives) {
  const std::vector<store::AnswerToken> tokens = {
      {4,
       store::stored_probability(0.75),
       "Hi\n",
       true,
       {{4, store::stored_probability(0.75), "Hi\n"}, {9, store::stored_probability(0.25), "\t"}}},
      {5, std::nullopt, "", false, {}}};
  const QVariantList items = gui::token_items(store::encode_answer_tokens(tokens));
  ASSERT_EQ(items.size(), 2);
  const QVariantMap a = items[0].toMap();
  EXPECT_EQ(a["text"].toString(), "Hi\n");
  EXPECT_EQ(a["display"].toString(), QString::fromUtf8("Hi\u21b5"));
  EXPECT_TRUE(a["reasoning"].toBool());
  const QVariantList alts = a["alternatives"].toList();
  ASSERT_EQ(alts.size(), 2);
  EXPECT_TRUE(alts[0].toMap()["chosen"].toBool());
  EXPECT_FALSE(alts[1].toMap()["chosen"].toBool());
  EXPECT_EQ(alts[1].toMap()["display"].toString(), QString::fromUtf8("\u2192"));
  EXPECT_NEAR(alts[1].toMap()["p"].toDouble(), 0.25, 1e-4);
  const QVariantMap b = items[1].toMap();
  EXPECT_EQ(b["p"].toDouble(), -1.0);  // given, not sampled
  EXPECT_EQ(b["display"].toString(), QString::fromUtf8("\u00b7"));
  EXPECT_EQ(gui::token_display(" "), QString::fromUtf8("\u2423"));
  EXPECT_EQ(gui::token_display(" a"), " a");
  EXPECT_TRUE(gui::token_items("damaged").isEmpty());
  EXPECT_TRUE(gui::token_items("").isEmpty());
}

}  // namespace
}  // namespace vkchat::test
