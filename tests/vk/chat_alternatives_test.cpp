// Every token's alternatives on the GPU (lavapipe, validation on; stories260K): the chat keeps
// each token's probability and its top candidates without changing what it writes, and an
// answer can start from a prefix of another one with an alternative chosen (respond_from).
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "chat/chat_session.h"
#include "llm/model.h"
#include "support/test_support.h"
#include "tokenizer/tokenizer.h"

namespace vkchat::test {
namespace {

using chat::ChatOptions;
using chat::ChatSession;
using chat::TurnResult;

llm::Model& stories() {
  static std::unique_ptr<llm::Model> loaded;
  if (!loaded) {
    llm::LoadOptions o;
    o.n_ctx = 256;
    o.device.validation = true;
    loaded = llm::Model::load(shared_path("models/stories260K.gguf"), o);
  }
  return *loaded;
}

ChatOptions options(float temperature, std::size_t alternatives) {
  ChatOptions o;
  o.sampling.temperature = temperature;
  o.sampling.seed = 11;
  o.max_tokens = 20;
  o.alternatives = alternatives;
  return o;
}

void expect_well_formed(const TurnResult& r, std::size_t k) {
  ASSERT_EQ(r.choices.size(), r.tokens.size());
  std::string joined;
  for (std::size_t i = 0; i < r.choices.size(); ++i) {
    const chat::TokenChoice& c = r.choices[i];
    EXPECT_EQ(c.id, r.tokens[i]);
    joined += c.text;
    if (std::isnan(c.p)) continue;  // given, not sampled
    EXPECT_GT(c.p, 0.0);
    EXPECT_LE(c.p, 1.0);
    ASSERT_FALSE(c.alternatives.empty());
    EXPECT_LE(c.alternatives.size(), k);
    for (std::size_t j = 1; j < c.alternatives.size(); ++j) {
      EXPECT_GE(c.alternatives[j - 1].p, c.alternatives[j].p);
    }
    bool listed = false;
    for (const chat::TokenOption& o : c.alternatives) {
      EXPECT_EQ(o.text, stories().tokenizer().piece(o.id));
      if (o.id == c.id) {
        listed = true;
        EXPECT_DOUBLE_EQ(o.p, c.p);
      }
    }
    // The chosen token is among them, or less probable than all of them.
    if (!listed) {
      EXPECT_LE(c.p, c.alternatives.back().p);
    }
  }
  EXPECT_EQ(stories().tokenizer().decode(r.tokens).rfind(joined, 0), 0u) << joined;
}

TEST(ChatAlternatives, SampledAnswersAreTheSameWithAlternativesKept) {
  ChatSession plain(stories(), 256, options(1.0f, 0));
  ChatSession kept(stories(), 256, options(1.0f, 5));
  const TurnResult a = plain.send("Once upon a time");
  const TurnResult b = kept.send("Once upon a time");
  EXPECT_TRUE(a.choices.empty());
  EXPECT_EQ(a.tokens, b.tokens);
  EXPECT_EQ(a.text, b.text);
  expect_well_formed(b, 5);
}

TEST(ChatAlternatives, GreedyReadsTheLogitsAndChoosesTheirArgmax) {
  ChatSession plain(stories(), 256, options(0.0f, 0));  // reads back only the argmax
  ChatSession kept(stories(), 256, options(0.0f, 3));
  const TurnResult a = plain.send("The dog");
  const TurnResult b = kept.send("The dog");
  EXPECT_EQ(a.tokens, b.tokens);
  expect_well_formed(b, 3);
  for (const chat::TokenChoice& c : b.choices) {
    ASSERT_FALSE(c.alternatives.empty());
    EXPECT_EQ(c.alternatives.front().id, c.id);
  }
}

TEST(ChatAlternatives, AnAnswerStartsFromAnotherOnesPrefixAndAnAlternative) {
  ChatSession chat(stories(), 256, options(1.0f, 5));
  const TurnResult first = chat.send("Once upon a time");
  ASSERT_GE(first.choices.size(), 6u);
  // Position 4's most probable token other than the one chosen there.
  const chat::TokenChoice& at = first.choices[4];
  std::int32_t other = -1;
  for (const chat::TokenOption& o : at.alternatives) {
    if (o.id != at.id) {
      other = o.id;
      break;
    }
  }
  ASSERT_GE(other, 0);
  std::vector<std::int32_t> start(first.tokens.begin(), first.tokens.begin() + 4);
  start.push_back(other);

  std::vector<chat::Message> history = chat.messages();
  history.pop_back();  // the answer: the branch is its sibling
  chat.set_messages(history);
  std::string streamed;
  const TurnResult branch =
      chat.respond_from(start, [&](const chat::Piece& p) { streamed += p.text; });
  EXPECT_EQ(streamed, branch.text);
  ASSERT_GE(branch.tokens.size(), start.size());
  EXPECT_EQ(std::vector<std::int32_t>(branch.tokens.begin(), branch.tokens.begin() + 5), start);
  EXPECT_EQ(branch.text.rfind(stories().tokenizer().decode(start), 0), 0u) << branch.text;
  EXPECT_EQ(branch.stats.tokens_generated, static_cast<std::int64_t>(branch.tokens.size()));
  expect_well_formed(branch, 5);
  for (std::size_t i = 0; i < start.size(); ++i) EXPECT_TRUE(std::isnan(branch.choices[i].p));
  // The cache held the prompt and the first answer: only the alternative was fed.
  EXPECT_EQ(branch.stats.tokens_prefilled, 1);
  EXPECT_EQ(chat.cached_tokens().size(), static_cast<std::size_t>(chat.position()));
  EXPECT_EQ(chat.messages().back().content, branch.text);

  // Reproducible with the same seed, and ids from another vocabulary are refused up front.
  chat.set_messages(history);
  const TurnResult again = chat.respond_from(start);
  EXPECT_EQ(again.tokens, branch.tokens);
  chat.set_messages(history);
  EXPECT_THROW(chat.respond_from(std::vector<std::int32_t>{1 << 20}), std::out_of_range);
  EXPECT_EQ(chat.messages().size(), history.size());
}

}  // namespace
}  // namespace vkchat::test
