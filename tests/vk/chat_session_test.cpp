// Multi-turn chat on the GPU (lavapipe, validation on): the fallback format on stories260K and a
// model's own template (synth-qwen2), prefix reuse across turns, regenerate, the user stop, stop
// strings, max tokens, the hook between tokens, the context policies, editing the history,
// determinism, and one BOS.
#include "chat/chat_session.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "llm/model.h"
#include "llm/session.h"
#include "support/test_support.h"
#include "tokenizer/tokenizer.h"

namespace vkchat::test {
namespace {

using chat::ChatOptions;
using chat::ChatSession;
using chat::FinishReason;
using chat::TurnResult;

std::map<std::string, std::unique_ptr<llm::Model>>& loaded_models() {
  static std::map<std::string, std::unique_ptr<llm::Model>> loaded;
  return loaded;
}

// The models are released when the tests end, not by the static's destructor at exit: by then
// the validation layer has torn its own state down, and destroying a model's buffers crashed
// the process (signal 11 after every test had passed, when one process ran several tests).
class LoadedModelsEnvironment : public ::testing::Environment {
  void TearDown() override { loaded_models().clear(); }
};
[[maybe_unused]] const bool registered = [] {
  ::testing::AddGlobalTestEnvironment(new LoadedModelsEnvironment);
  return true;
}();

llm::Model& model(const std::string& name) {
  auto& slot = loaded_models()[name];
  if (!slot) {
    llm::LoadOptions o;
    o.n_ctx = 512;
    o.device.validation = true;
    slot = llm::Model::load(shared_path("models/" + name + ".gguf"), o);
  }
  return *slot;
}

ChatOptions sampled(float temperature, std::uint64_t seed, std::int64_t max_tokens) {
  ChatOptions o;
  o.sampling.temperature = temperature;
  o.sampling.seed = seed;
  o.max_tokens = max_tokens;
  return o;
}

ChatOptions greedy(std::int64_t max_tokens) {
  return sampled(0, 1, max_tokens);
}

std::size_t common_prefix(std::span<const std::int32_t> a, std::span<const std::int32_t> b) {
  std::size_t n = 0;
  while (n < a.size() && n < b.size() && a[n] == b[n]) ++n;
  return n;
}

// Sends a message and collects the streamed pieces, checking that they make up the answer.
TurnResult send(ChatSession& chat, const std::string& text) {
  std::string streamed;
  TurnResult r = chat.send(text, [&](const chat::Piece& p) {
    EXPECT_FALSE(p.text.empty());
    streamed += p.text;
  });
  EXPECT_EQ(streamed, r.text);
  EXPECT_EQ(chat.cached_tokens().size(), static_cast<std::size_t>(chat.position()));
  return r;
}

TEST(ChatSession, Stories260KUsesTheNamedFallbackAndReusesTheCacheNextTurn) {
  llm::Model& m = model("stories260K");
  ChatSession chat(m, 256, greedy(16));
  EXPECT_EQ(chat.format().name, "chatml");
  EXPECT_TRUE(chat.format().used_fallback);
  EXPECT_NE(chat.format().fallback_reason.find("no chat template"), std::string::npos);

  const TurnResult r1 = send(chat, "Tell me a story.");
  EXPECT_EQ(r1.stats.tokens_reused, 0);
  EXPECT_EQ(r1.stats.tokens_prefilled, r1.stats.prompt_tokens);
  EXPECT_EQ(r1.finish, FinishReason::MaxTokens);
  EXPECT_EQ(r1.tokens.size(), 16u);
  EXPECT_FALSE(r1.text.empty());
  EXPECT_EQ(chat.last_prompt(),
            "<|im_start|>user\nTell me a story.<|im_end|>\n<|im_start|>assistant\n");
  // The cache holds the prompt (one BOS) and the answer but its last token, never evaluated.
  const std::vector<std::int32_t> cache1(chat.cached_tokens().begin(), chat.cached_tokens().end());
  const auto p1 = static_cast<std::size_t>(r1.stats.prompt_tokens);
  ASSERT_EQ(cache1.size(), p1 + r1.tokens.size() - 1);
  EXPECT_EQ(cache1[0], m.tokenizer().bos());
  EXPECT_NE(cache1[1], m.tokenizer().bos());
  EXPECT_TRUE(std::equal(r1.tokens.begin(), r1.tokens.end() - 1, cache1.begin() + p1));
  ASSERT_EQ(chat.messages().size(), 2u);
  EXPECT_EQ(chat.messages()[1].role, "assistant");
  EXPECT_EQ(chat.messages()[1].content, r1.text);

  const TurnResult r2 = send(chat, "What happened next?");
  const auto p2 = static_cast<std::size_t>(r2.stats.prompt_tokens);
  const std::span<const std::int32_t> prompt2 = chat.cached_tokens().first(p2);
  // The first prompt and (re-tokenized) answer come from the cache; only the rest is fed.
  EXPECT_EQ(r2.stats.tokens_reused, static_cast<std::int64_t>(common_prefix(cache1, prompt2)));
  EXPECT_GT(r2.stats.tokens_reused, r1.stats.prompt_tokens);
  EXPECT_EQ(r2.stats.tokens_prefilled, r2.stats.prompt_tokens - r2.stats.tokens_reused);
  EXPECT_LT(r2.stats.tokens_prefilled, r2.stats.prompt_tokens - r1.stats.prompt_tokens);
  EXPECT_GT(r2.stats.prefill_tps, 0);
  EXPECT_GT(r2.stats.decode_tps, 0);
  EXPECT_GT(r2.stats.ttft_ms, 0);
  EXPECT_EQ(chat.turns(), 2);
  EXPECT_EQ(chat.messages().size(), 4u);
  EXPECT_NE(chat.last_prompt().find(r1.text), std::string::npos);
}

TEST(ChatSession, TemplateModelPrefillsOnlyTheNewTokensOnTheSecondTurn) {
  llm::Model& m = model("synth-qwen2-q4_0");
  ChatOptions o = greedy(3);
  o.system_prompt = "Be brief.";
  ChatSession chat(m, 256, o);
  const TurnResult r1 = send(chat, "Hello there");
  EXPECT_EQ(chat.format().name, "jinja");
  EXPECT_FALSE(chat.format().used_fallback);
  EXPECT_EQ(chat.last_prompt().rfind("<|im_start|>system\nBe brief.<|im_end|>\n", 0), 0u);
  const std::vector<std::int32_t> cache1(chat.cached_tokens().begin(), chat.cached_tokens().end());
  EXPECT_EQ(cache1[0], *m.tokenizer().find_token("<|im_start|>"));  // no BOS for this vocab

  const TurnResult r2 = send(chat, "How are you?");
  const std::span<const std::int32_t> prompt2 =
      chat.cached_tokens().first(static_cast<std::size_t>(r2.stats.prompt_tokens));
  EXPECT_EQ(r2.stats.tokens_reused, static_cast<std::int64_t>(common_prefix(cache1, prompt2)));
  EXPECT_GE(r2.stats.tokens_reused, r1.stats.prompt_tokens);
  EXPECT_EQ(r2.stats.tokens_prefilled, r2.stats.prompt_tokens - r2.stats.tokens_reused);
  // What is new: the end of the answer's turn and the user's message with its markers.
  const std::string tail =
      "<|im_end|>\n<|im_start|>user\nHow are you?<|im_end|>\n"
      "<|im_start|>assistant\n";
  const auto tail_tokens =
      static_cast<std::int64_t>(m.tokenizer().encode(tail, false, true).size());
  EXPECT_LE(r2.stats.tokens_prefilled, tail_tokens + 1);
}

TEST(ChatSession, ATemplateThatWritesBosGetsNoSecondOne) {
  llm::Model& m = model("synth-phi3-q8_0");
  ASSERT_TRUE(m.tokenizer().adds_bos());
  ChatSession chat(m, 128, greedy(1));
  send(chat, "Hi");
  EXPECT_EQ(chat.format().name, "jinja");
  EXPECT_EQ(chat.last_prompt().rfind("<s>", 0), 0u);
  EXPECT_EQ(chat.cached_tokens()[0], m.tokenizer().bos());
  EXPECT_NE(chat.cached_tokens()[1], m.tokenizer().bos());
}

TEST(ChatSession, RegenerateDrawsANewAnswerFromTheSamePrefix) {
  ChatSession chat(model("stories260K"), 256, sampled(1.0f, 7, 24));
  const TurnResult r1 = send(chat, "Once upon a time");
  EXPECT_EQ(r1.seed, 7u);

  const TurnResult r2 = chat.regenerate();
  EXPECT_EQ(r2.seed, 8u);
  EXPECT_NE(r2.text, r1.text);
  EXPECT_EQ(r2.stats.prompt_tokens, r1.stats.prompt_tokens);
  EXPECT_EQ(r2.stats.tokens_reused, r2.stats.prompt_tokens - 1);  // the last one gives logits
  EXPECT_EQ(r2.stats.tokens_prefilled, 1);
  ASSERT_EQ(chat.messages().size(), 2u);
  EXPECT_EQ(chat.messages()[1].content, r2.text);

  const TurnResult r3 = chat.regenerate(r1.seed);  // the first answer's seed: the first answer
  EXPECT_EQ(r3.text, r1.text);
  EXPECT_EQ(r3.tokens, r1.tokens);
  EXPECT_EQ(chat.messages().size(), 2u);
}

TEST(ChatSession, AFixedSeedGivesTheSameConversation) {
  const ChatOptions o = sampled(0.9f, 42, 16);
  ChatSession a(model("stories260K"), 256, o);
  ChatSession b(model("stories260K"), 256, o);
  for (const char* msg : {"Hello", "Tell me about the dog."}) {
    const TurnResult ra = send(a, msg);
    const TurnResult rb = send(b, msg);
    EXPECT_EQ(ra.tokens, rb.tokens);
    EXPECT_EQ(ra.text, rb.text);
  }
}

TEST(ChatSession, StopFlagEndsTheAnswerAfterTheCurrentToken) {
  ChatSession chat(model("stories260K"), 256, greedy(40));
  std::atomic<bool> stop{false};
  chat.set_stop_flag(&stop);
  std::int64_t at = -1;
  const TurnResult r = chat.send("Tell me a story.", [&](const chat::Piece& p) {
    if (at < 0) {
      at = p.tokens;
      stop = true;
    }
  });
  EXPECT_EQ(r.finish, FinishReason::Stopped);
  ASSERT_GT(at, 0);
  EXPECT_EQ(static_cast<std::int64_t>(r.tokens.size()), at);
  EXPECT_EQ(chat.messages().back().content, r.text);

  // Set before the turn: the prefill stops, the answer is empty, the cache stays consistent.
  const TurnResult r2 = chat.send("And then?");
  EXPECT_EQ(r2.finish, FinishReason::Stopped);
  EXPECT_TRUE(r2.tokens.empty());
  EXPECT_EQ(r2.text, "");
  EXPECT_EQ(chat.messages().size(), 4u);
  EXPECT_EQ(chat.cached_tokens().size(), static_cast<std::size_t>(chat.position()));

  stop = false;
  const TurnResult r3 = chat.regenerate();
  EXPECT_EQ(r3.finish, FinishReason::MaxTokens);
  EXPECT_EQ(r3.tokens.size(), 40u);
}

TEST(ChatSession, BetweenTokensRunsBeforeEachNextTokenAndCanStopIt) {
  ChatSession chat(model("stories260K"), 256, greedy(10));
  std::int64_t calls = 0, last_piece = 0;
  std::vector<std::int64_t> seen;  // tokens streamed when the hook ran
  chat.set_between_tokens([&] { seen.push_back(last_piece); });
  const TurnResult r =
      chat.send("Tell me a story.", [&](const chat::Piece& p) { last_piece = p.tokens; });
  EXPECT_EQ(r.finish, FinishReason::MaxTokens);
  ASSERT_EQ(seen.size(), 9u);  // between the ten tokens, not after the last
  for (std::size_t i = 1; i < seen.size(); ++i) EXPECT_LE(seen[i - 1], seen[i]);

  // A hook that sets the stop flag ends the answer before another token is computed.
  std::atomic<bool> stop{false};
  chat.set_stop_flag(&stop);
  chat.set_between_tokens([&] {
    if (++calls == 3) stop = true;
  });
  const TurnResult cut = chat.regenerate();
  EXPECT_EQ(cut.finish, FinishReason::Stopped);
  EXPECT_EQ(cut.tokens.size(), 3u);
  EXPECT_EQ(chat.messages().back().content, cut.text);
  EXPECT_EQ(chat.cached_tokens().size(), static_cast<std::size_t>(chat.position()));
}

TEST(ChatSession, StopStringsEndTheAnswerAndAreNeverShown) {
  ChatSession chat(model("stories260K"), 256, greedy(32));
  send(chat, "Tell me a story.");
  // Both answers below go the same way (regenerate: all but the prompt's last token reused).
  const TurnResult full = chat.regenerate();
  ASSERT_GE(full.text.size(), 20u) << full.text;
  const std::string stop = full.text.substr(full.text.size() / 2, 4);
  const std::size_t at = full.text.find(stop);

  ChatOptions o = chat.options();
  o.stop_strings = {stop};
  chat.set_options(o);
  std::vector<std::string> pieces;
  const TurnResult cut =
      chat.regenerate(std::nullopt, [&](const chat::Piece& p) { pieces.emplace_back(p.text); });
  EXPECT_EQ(cut.finish, FinishReason::StopString);
  EXPECT_EQ(cut.text, full.text.substr(0, at));
  std::string streamed;
  for (const std::string& p : pieces) {
    EXPECT_EQ(p.find(stop), std::string::npos);
    streamed += p;
  }
  EXPECT_EQ(streamed, cut.text);
  EXPECT_EQ(chat.messages().back().content, cut.text);

  // A stop string whose start appears but which never completes: held back, then all shown.
  o.stop_strings = {stop + "\x01"};
  chat.set_options(o);
  const TurnResult whole = chat.regenerate();
  EXPECT_EQ(whole.finish, FinishReason::MaxTokens);
  EXPECT_EQ(whole.text, full.text);
}

TEST(ChatSession, MaxTokensEndsTheAnswer) {
  ChatSession chat(model("stories260K"), 256, greedy(5));
  const TurnResult r = send(chat, "Hello");
  EXPECT_EQ(r.finish, FinishReason::MaxTokens);
  EXPECT_EQ(r.tokens.size(), 5u);
  EXPECT_EQ(r.stats.tokens_generated, 5);
}

TEST(ChatSession, DropOldestKeepsTheSystemPromptAndLeavesOutOldTurns) {
  ChatOptions o = greedy(24);
  o.system_prompt = "You tell stories.";
  ChatSession chat(model("stories260K"), 256, o);
  const char* msgs[] = {"Tell me about a cat.", "Now a dog.",        "And a bird?",
                        "What about a fish?",   "One more, please.", "And the last one?"};
  std::int64_t dropped = 0;
  for (const char* msg : msgs) {
    const TurnResult r = send(chat, msg);
    dropped += r.stats.messages_dropped;
    EXPECT_LE(r.stats.prompt_tokens + 24, chat.n_ctx());
    EXPECT_LE(chat.position(), chat.n_ctx());
  }
  EXPECT_GT(dropped, 0);
  EXPECT_GT(chat.first_rendered(), 0u);
  EXPECT_EQ(chat.messages().size(), 12u);  // left out of the prompt, not out of the history
  EXPECT_EQ(chat.last_prompt().rfind("<|im_start|>system\nYou tell stories.<|im_end|>\n", 0), 0u);
  EXPECT_EQ(chat.last_prompt().find("cat"), std::string::npos);
  EXPECT_NE(chat.last_prompt().find("And the last one?"), std::string::npos);

  // A message that cannot fit even alone is refused and leaves the history as it was.
  const std::size_t before = chat.messages().size();
  std::string huge;
  for (int i = 0; i < 20; ++i) huge += "The cat sat on the mat. ";
  EXPECT_THROW(chat.send(huge), chat::ContextFull);
  EXPECT_EQ(chat.messages().size(), before);
}

TEST(ChatSession, AnAnswerThatFillsTheContextLeavesOutOldTurnsAndGoesOn) {
  ChatOptions o = greedy(24);
  o.system_prompt = "You tell stories.";
  ChatSession chat(model("stories260K"), 256, o);
  send(chat, "Tell me about a cat.");
  const auto cached = static_cast<std::int64_t>(chat.cached_tokens().size());
  o.max_tokens = -1;
  chat.set_options(o);
  const TurnResult r = send(chat, "Tell me a very long story.");
  EXPECT_EQ(r.stats.messages_dropped, 2);
  EXPECT_GT(r.stats.tokens_generated, chat.n_ctx() - cached);  // past the first full cache
  EXPECT_EQ(chat.last_prompt().rfind("<|im_start|>system\nYou tell stories.<|im_end|>\n", 0), 0u);
  EXPECT_EQ(chat.last_prompt().find("cat"), std::string::npos);
  if (r.finish == FinishReason::ContextFull) {
    EXPECT_NE(r.message.find("no older turns"), std::string::npos) << r.message;
  }
  EXPECT_EQ(chat.messages().size(), 4u);
  EXPECT_EQ(chat.messages()[3].content, r.text);
}

TEST(ChatSession, ErrorPolicyDropsNothingAndSaysTheContextIsFull) {
  ChatOptions o = greedy(24);
  o.context_policy = chat::ContextPolicy::Error;
  ChatSession chat(model("stories260K"), 160, o);
  bool full = false;
  for (int i = 0; i < 8 && !full; ++i) {
    const std::size_t before = chat.messages().size();
    try {
      const TurnResult r = send(chat, "Tell me more about the little cat.");
      EXPECT_EQ(r.stats.messages_dropped, 0);
      if (r.finish == FinishReason::ContextFull) {
        EXPECT_NE(r.message.find("full"), std::string::npos);
        full = true;
      }
    } catch (const chat::ContextFull& e) {
      EXPECT_NE(std::string(e.what()).find("context"), std::string::npos);
      EXPECT_EQ(chat.messages().size(), before);
      full = true;
    }
  }
  EXPECT_TRUE(full);
  EXPECT_EQ(chat.first_rendered(), 0u);
}

TEST(ChatSession, EditedHistoryReusesTheUnchangedPrefix) {
  ChatSession chat(model("stories260K"), 256, greedy(12));
  const TurnResult r1 = send(chat, "Tell me about a cat.");
  send(chat, "Now a dog.");
  std::vector<chat::Message> edited(chat.messages().begin(), chat.messages().begin() + 3);
  edited[2].content = "Now a bird.";
  chat.set_messages(edited);
  const TurnResult r = chat.respond();
  EXPECT_GE(r.stats.tokens_reused, r1.stats.prompt_tokens);
  EXPECT_EQ(r.stats.tokens_prefilled, r.stats.prompt_tokens - r.stats.tokens_reused);
  ASSERT_EQ(chat.messages().size(), 4u);
  EXPECT_EQ(chat.messages()[2].content, "Now a bird.");
  EXPECT_EQ(chat.messages()[3].content, r.text);
  EXPECT_EQ(chat.last_prompt().find("dog"), std::string::npos);

  chat.set_messages({{"assistant", "Hi"}});
  EXPECT_THROW(chat.respond(), std::logic_error);
  chat.reset();
  EXPECT_THROW(chat.regenerate(), std::logic_error);
}

// A recurrent model (qwen35) cannot truncate to any shared prefix, only to a checkpoint: an
// edited history goes on from the latest one before the edit (the first answer's end or the first
// prompt's last token: whichever the re-rendered history still shares) and answers as a fresh
// session does.
TEST(ChatSession, RecurrentModelGoesOnFromTheCheckpointBeforeAnEdit) {
  llm::Model& m = model("zoo/synth-qwen35-f16");
  ChatSession chat(m, 256, greedy(6));
  const TurnResult first = send(chat, "Tell me about a cat.");
  send(chat, "Now a dog.");
  std::vector<chat::Message> edited(chat.messages().begin(), chat.messages().begin() + 3);
  edited[2].content = "Now a bird.";
  chat.set_messages(edited);
  const TurnResult r = chat.respond();
  std::printf("first turn: prompt %lld, position %lld; edited: reused %lld of %lld\n",
              static_cast<long long>(first.stats.prompt_tokens),
              static_cast<long long>(first.stats.position),
              static_cast<long long>(r.stats.tokens_reused),
              static_cast<long long>(r.stats.prompt_tokens));
  EXPECT_TRUE(r.stats.tokens_reused == first.stats.position ||
              r.stats.tokens_reused == first.stats.prompt_tokens - 1)
      << r.stats.tokens_reused;
  EXPECT_EQ(r.stats.tokens_prefilled, r.stats.prompt_tokens - r.stats.tokens_reused);
  ChatSession fresh(m, 256, greedy(6));
  fresh.set_messages(edited);
  EXPECT_EQ(fresh.respond().text, r.text);
}

// The two cases for a recurrent model: the second turn feeds only what the first did not
// leave in the cache (its state checkpointed at the first answer's end), and a regenerate feeds
// only the prompt's last token (checkpointed before it); both answer as a fresh session does.
TEST(ChatSession, RecurrentModelFeedsOnlyTheNewTurnAndRegeneratesFromThePromptsEnd) {
  llm::Model& m = model("zoo/synth-qwen35-f16");
  ChatSession chat(m, 256, greedy(6));
  const TurnResult first = send(chat, "Tell me about a cat.");
  EXPECT_EQ(first.stats.tokens_reused, 0);
  const TurnResult second = send(chat, "Now a dog.");
  std::printf("second turn: reused %lld, prefilled %lld of %lld (first turn left %lld)\n",
              static_cast<long long>(second.stats.tokens_reused),
              static_cast<long long>(second.stats.tokens_prefilled),
              static_cast<long long>(second.stats.prompt_tokens),
              static_cast<long long>(first.stats.position));
  EXPECT_GE(second.stats.tokens_reused, first.stats.prompt_tokens - 1);
  EXPECT_EQ(second.stats.tokens_prefilled, second.stats.prompt_tokens - second.stats.tokens_reused);
  ChatSession fresh(m, 256, greedy(6));
  fresh.set_messages(
      std::vector<chat::Message>(chat.messages().begin(), chat.messages().end() - 1));
  EXPECT_EQ(fresh.respond().text, second.text);

  const TurnResult again = chat.regenerate();
  EXPECT_EQ(again.stats.tokens_prefilled, 1);
  EXPECT_EQ(again.stats.tokens_reused, again.stats.prompt_tokens - 1);
  EXPECT_EQ(again.text, second.text);  // greedy: the same answer from the restored state
}

// Sliding-window rings (synth-gemma2, window 16 on even layers, prefill chunks of 8: rings of 24
// rows). A regenerate after a short answer still finds the prompt's window in the rings and feeds
// one token; after an answer that wrapped them past it, it re-prefills the prompt from 0, and so
// does an edit behind the window. Each answers as before, or as a fresh session (full rows) does.
TEST(ChatSession, SlidingWindowRingsReuseWhatTheyHoldAndRePrefillTheRest) {
  llm::Model& m = model("zoo/synth-gemma2-f16");
  for (const std::int64_t answer : {std::int64_t{3}, std::int64_t{12}}) {
    SCOPED_TRACE("answer of " + std::to_string(answer) + " tokens");
    ChatSession chat(m, 128, greedy(answer), 8);
    const TurnResult first = send(chat, "Tell me about a cat.");
    ASSERT_EQ(first.stats.tokens_generated, answer) << "the test needs the whole answer";
    const TurnResult again = chat.regenerate();
    std::printf("answer %lld: prompt %lld, regenerate reused %lld, prefilled %lld\n",
                static_cast<long long>(answer), static_cast<long long>(first.stats.prompt_tokens),
                static_cast<long long>(again.stats.tokens_reused),
                static_cast<long long>(again.stats.tokens_prefilled));
    // The prompt's last position P - 1 sees keys from P - 16; the rings keep the 24 positions
    // before the furthest one fed.
    const bool kept = first.stats.prompt_tokens - 16 >= first.stats.position - 24;
    EXPECT_EQ(kept, answer == 3);
    EXPECT_EQ(again.stats.tokens_reused, kept ? first.stats.prompt_tokens - 1 : 0);
    EXPECT_EQ(again.stats.tokens_prefilled, again.stats.prompt_tokens - again.stats.tokens_reused);
    EXPECT_EQ(again.text, first.text);  // greedy: the same answer
    if (kept) continue;

    // The second prompt edited: the common prefix ends at the first answer's end, whose window
    // the second answer has overwritten.
    send(chat, "Now a dog.");
    std::vector<chat::Message> edited(chat.messages().begin(), chat.messages().begin() + 3);
    edited[2].content = "Now a bird.";
    chat.set_messages(edited);
    const TurnResult r = chat.respond();
    EXPECT_EQ(r.stats.tokens_reused, 0);
    EXPECT_EQ(r.stats.tokens_prefilled, r.stats.prompt_tokens);
    ChatSession fresh(m, 128, greedy(answer));
    fresh.set_messages(edited);
    EXPECT_EQ(fresh.respond().text, r.text);
  }
}

TEST(ChatSession, PrefillReportsItsChunksAndStopsBetweenThem) {
  ChatSession chat(model("stories260K"), 512, greedy(8));
  chat.set_prefill_chunk_seconds(1e-9);  // one tile to measure, then one token per chunk
  std::atomic<bool> stop{false};
  chat.set_stop_flag(&stop);
  std::string text;
  for (int i = 0; i < 20; ++i) text += "The cat sat on the mat. ";
  std::vector<std::pair<std::int64_t, std::int64_t>> seen;
  chat.set_prefill_progress([&](std::int64_t done, std::int64_t total) {
    seen.emplace_back(done, total);
    if (seen.size() == 3) stop = true;  // during the prompt, after three chunks
  });
  const TurnResult r = chat.send(text);
  EXPECT_EQ(r.finish, FinishReason::Stopped);
  EXPECT_TRUE(r.text.empty());
  ASSERT_EQ(seen.size(), 3u);  // not one chunk more after the stop
  EXPECT_EQ(seen[0].first, llm::Session::kChunkTile);
  EXPECT_EQ(seen[1].first, llm::Session::kChunkTile + 1);
  EXPECT_EQ(seen[2].first, llm::Session::kChunkTile + 2);
  EXPECT_GT(seen[0].second, 100);
  EXPECT_EQ(chat.position(), seen[2].first);

  // The next turn reuses what was read and reports only the rest.
  stop = false;
  seen.clear();
  chat.set_prefill_chunk_seconds(0);
  const TurnResult again = chat.regenerate();
  EXPECT_GE(again.stats.tokens_reused, llm::Session::kChunkTile + 2);
  ASSERT_EQ(seen.size(), 1u);  // one chunk of up to 512
  EXPECT_EQ(seen[0].first, seen[0].second);
  EXPECT_EQ(seen[0].second, again.stats.tokens_prefilled);
}

TEST(ChatSession, SetMessagesKeepsLeftOutTurnsOutAndMeasureSaysSo) {
  ChatOptions o = greedy(24);
  o.system_prompt = "You tell stories.";
  ChatSession chat(model("stories260K"), 256, o);
  const char* msgs[] = {"Tell me about a cat.", "Now a dog.", "And a bird?", "What about a fish?"};
  for (const char* msg : msgs) send(chat, msg);
  const std::size_t first = chat.first_rendered();
  ASSERT_GT(first, 0u);
  // The app's way: the whole history set again each turn, with the next question.
  std::vector<chat::Message> history = chat.messages();
  history.push_back({"user", "One more, please."});
  const chat::ContextUse use = chat.measure(history);
  EXPECT_TRUE(use.fits);
  EXPECT_GE(use.first_rendered, first);
  EXPECT_EQ(use.messages_dropped, static_cast<std::int64_t>(use.first_rendered));
  const std::int64_t cached = chat.position();
  chat.set_messages(history);
  EXPECT_EQ(chat.first_rendered(), first);
  const TurnResult r = chat.respond();
  EXPECT_EQ(r.stats.prompt_tokens, use.prompt_tokens);
  if (r.stats.messages_dropped == 0) {
    // Rendered from where the cache starts: the whole last turn is reused.
    EXPECT_GE(r.stats.tokens_reused, cached - 8);
  }
  // A history that differs in a left-out message starts over from the system prompt.
  history = chat.messages();
  history[0].content = "Tell me about a horse.";
  chat.set_messages(history);
  EXPECT_EQ(chat.first_rendered(), 0u);
}

TEST(ChatSession, AMessageTooLongSaysWhatThePromptHolds) {
  ChatOptions o = greedy(24);
  o.system_prompt = "You tell stories.";
  ChatSession chat(model("stories260K"), 256, o);
  std::string huge;
  for (int i = 0; i < 40; ++i) huge += "The cat sat on the mat. ";
  try {
    chat.send(huge);
    FAIL() << "a message longer than the context was accepted";
  } catch (const chat::ContextFull& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("the system prompt ("), std::string::npos) << m;
    EXPECT_NE(m.find("your message ("), std::string::npos) << m;
    EXPECT_NE(m.find("the context holds 256 tokens"), std::string::npos) << m;
  }
}

}  // namespace
}  // namespace vkchat::test
