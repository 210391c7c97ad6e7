// Every token's alternatives on the GPU (lavapipe, validation on; stories260K, and the top-k
// kernel also on synth-qwen2's 152 K vocabulary): the chat keeps
// each token's probability and its top candidates without changing what it writes, and an
// answer can start from a prefix of another one with an alternative chosen (respond_from).
#include <gtest/gtest.h>
#include <stdlib.h>

#include <cmath>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "chat/chat_session.h"
#include "llm/model.h"
#include "llm/session.h"
#include "sampler/sampler.h"
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

// A greedy chat takes its alternatives from the device where that pays (a GPU; here forced with
// VKCHAT_KERNELS=device_topk=1): the same answer and alternatives as from the logits.
TEST(ChatAlternatives, GreedyOnTheDeviceTopKAnswersAsFromTheLogits) {
  ASSERT_EQ(setenv("VKCHAT_KERNELS", "device_topk=1", 1), 0);
  llm::LoadOptions o;
  o.n_ctx = 256;
  o.device.validation = true;
  const auto on_device = llm::Model::load(shared_path("models/stories260K.gguf"), o);
  unsetenv("VKCHAT_KERNELS");
  ChatSession host(stories(), 256, options(0.0f, 5));
  ChatSession device(*on_device, 256, options(0.0f, 5));
  const TurnResult a = host.send("The dog");
  const TurnResult b = device.send("The dog");
  EXPECT_EQ(a.tokens, b.tokens);
  expect_well_formed(b, 5);
  ASSERT_EQ(a.choices.size(), b.choices.size());
  for (std::size_t i = 0; i < a.choices.size(); ++i) {
    EXPECT_NEAR(a.choices[i].p, b.choices[i].p, 1e-5) << i;
    ASSERT_EQ(a.choices[i].alternatives.size(), b.choices[i].alternatives.size()) << i;
    for (std::size_t j = 0; j < a.choices[i].alternatives.size(); ++j) {
      EXPECT_EQ(a.choices[i].alternatives[j].id, b.choices[i].alternatives[j].id) << i;
      EXPECT_NEAR(a.choices[i].alternatives[j].p, b.choices[i].alternatives[j].p, 1e-5) << i;
    }
  }
}

// The device's top k (topk.comp, Session::decode_top) against the host's softmax of the same
// logits (Sampler::sample with k, greedy): the same ids in the same order and the same
// probabilities, on a small vocabulary and on one of 152 K (many elements per invocation).
TEST(DeviceTopK, MatchesTheHostsSoftmaxOfTheSameLogits) {
  for (const char* name : {"stories260K", "synth-qwen2-q4_0"}) {
    llm::LoadOptions o;
    o.n_ctx = 64;
    o.device.validation = true;
    const auto m = llm::Model::load(shared_path(std::string("models/") + name + ".gguf"), o);
    llm::Session host(*m), device(*m);
    const std::vector<std::int32_t> prompt = {1, 7, 42, 99, 300};
    host.feed(prompt);
    device.feed(prompt);
    sampler::Sampler greedy(sampler::SamplerSettings{.temperature = 0});
    sampler::SampleDetail detail;
    std::int32_t token = greedy.sample(host.logits(), 1, detail);
    for (std::uint32_t k : {5u, 1u, 10u, 3u}) {
      const std::span<const float> logits = host.decode(token);
      const std::int32_t want = greedy.sample(logits, k, detail);
      llm::TopLogits top;
      device.decode_top(token, k, top);
      ASSERT_EQ(top.ids.size(), detail.top.size()) << name << " k " << k;
      EXPECT_EQ(top.ids[0], want) << name;
      EXPECT_NEAR(1.0 / top.sum, detail.p, 1e-5 * detail.p) << name;
      for (std::size_t i = 0; i < top.ids.size(); ++i) {
        EXPECT_EQ(top.ids[i], detail.top[i].id) << name << " rank " << i;
        EXPECT_EQ(top.logits[i], logits[static_cast<std::size_t>(top.ids[i])]);
        const double p = std::exp(static_cast<double>(top.logits[i]) - top.max) / top.sum;
        EXPECT_NEAR(p, detail.top[i].p, 1e-5 * detail.top[i].p + 1e-12) << name << " rank " << i;
      }
      EXPECT_EQ(top.max, logits[static_cast<std::size_t>(want)]);
      token = want;
    }
    EXPECT_THROW(device.decode_top(token, 11, *std::make_unique<llm::TopLogits>()),
                 std::invalid_argument);
  }
}

}  // namespace
}  // namespace vkchat::test
