// Reasoning kept apart in a real conversation (stories260K on lavapipe, validation on) under real
// templates set with set_chat_template: DeepSeek-R1's opens <think> in the generation prompt, so
// the whole answer is reasoning that never closes; Qwen3's with enable_thinking=false closes it,
// so the answer is content. The split is checked against the same answer generated unsplit.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "chat/chat_session.h"
#include "llm/model.h"
#include "support/test_support.h"

namespace vkchat::test {
namespace {

llm::Model& stories() {
  static std::unique_ptr<llm::Model> m = [] {
    llm::LoadOptions o;
    o.n_ctx = 512;
    o.device.validation = true;
    return llm::Model::load(shared_path("models/stories260K.gguf"), o);
  }();
  return *m;
}

chat::ChatTemplate shared_template(const std::string& name) {
  return chat::ChatTemplate::from_source(read_file(shared_path("templates/" + name + ".jinja")),
                                         "<s>", "</s>", name);
}

chat::ChatOptions options(bool split, chat::TemplateSwitches switches = {}) {
  chat::ChatOptions o;
  o.sampling.temperature = 0.8f;
  o.sampling.seed = 7;
  o.max_tokens = 24;
  o.split_reasoning = split;
  o.switches = switches;
  return o;
}

std::string trim_ws(std::string s) {
  const char* ws = " \n\r\t";
  const std::size_t b = s.find_first_not_of(ws);
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(ws) - b + 1);
}

struct Streamed {
  std::string reasoning, content;
};

chat::TurnResult send(chat::ChatSession& chat, const std::string& text, Streamed& out) {
  return chat.send(text, [&](const chat::Piece& p) {
    EXPECT_FALSE(p.text.empty());
    (p.reasoning ? out.reasoning : out.content) += p.text;
  });
}

TEST(ChatReasoning, APromptThatOpensThinkMakesTheAnswerReasoningAndTheHistoryKeepsIt) {
  const std::string name = "deepseek-ai-DeepSeek-R1-Distill-Llama-8B";
  const chat::ChatTemplate r1 = shared_template(name);
  ASSERT_EQ(r1.reasoning_format(), chat::ReasoningFormat::ThinkTags);

  chat::ChatSession raw(stories(), 256, options(false));
  raw.set_chat_template(shared_template(name));
  Streamed raw_pieces;
  const chat::TurnResult unsplit = send(raw, "Tell me a story.", raw_pieces);
  EXPECT_TRUE(raw_pieces.reasoning.empty());  // off: nothing is marked, the text is as it came
  EXPECT_EQ(raw_pieces.content, unsplit.text);
  ASSERT_FALSE(trim_ws(unsplit.text).empty());

  chat::ChatSession chat(stories(), 256, options(true));
  chat.set_chat_template(shared_template(name));
  EXPECT_EQ(chat.reasoning_format(), chat::ReasoningFormat::ThinkTags);
  Streamed pieces;
  const chat::TurnResult r = send(chat, "Tell me a story.", pieces);
  EXPECT_EQ(r.tokens, unsplit.tokens);  // the same answer, only shown apart
  EXPECT_EQ(r.reasoning, trim_ws(unsplit.text));
  EXPECT_EQ(r.text, "");
  EXPECT_EQ(pieces.reasoning, r.reasoning);
  EXPECT_EQ(pieces.content, "");
  // Reasoning that never closed: every token was reasoning.
  EXPECT_EQ(r.stats.reasoning_tokens, r.stats.tokens_generated);
  EXPECT_GT(r.stats.reasoning_ms, 0);
  EXPECT_EQ(unsplit.stats.reasoning_tokens, 0);
  ASSERT_EQ(chat.messages().size(), 2u);
  EXPECT_EQ(chat.messages()[1].content, "");
  EXPECT_EQ(chat.messages()[1].reasoning_content, r.reasoning);

  // The next prompt is the template's rendering of the history with its reasoning_content (R1
  // drops earlier reasoning): exactly what ChatTemplate renders for those messages.
  Streamed next;
  send(chat, "And then?", next);
  std::vector<chat::Message> history(chat.messages().begin(), chat.messages().end() - 1);
  EXPECT_EQ(chat.last_prompt(), r1.render(history, true).text);
  EXPECT_EQ(chat.last_prompt().find(r.reasoning), std::string::npos);
}

TEST(ChatReasoning, EnableThinkingOffClosesTheBlockInThePromptSoTheAnswerIsContent) {
  const std::string qwen3 = "Qwen-Qwen3-0.6B";
  chat::TemplateSwitches off;
  off.enable_thinking = false;

  chat::ChatSession raw(stories(), 256, options(false, off));
  raw.set_chat_template(shared_template(qwen3));
  Streamed raw_pieces;
  const chat::TurnResult unsplit = send(raw, "Tell me a story.", raw_pieces);

  chat::ChatSession chat(stories(), 256, options(true, off));
  chat.set_chat_template(shared_template(qwen3));
  Streamed pieces;
  const chat::TurnResult r = send(chat, "Tell me a story.", pieces);
  EXPECT_TRUE(chat.last_prompt().ends_with("<|im_start|>assistant\n<think>\n\n</think>\n\n"));
  EXPECT_EQ(r.reasoning, "");
  EXPECT_EQ(r.text, unsplit.text);  // no reasoning: the text passes through unchanged
  EXPECT_EQ(pieces.content, r.text);
  EXPECT_EQ(pieces.reasoning, "");
  EXPECT_EQ(r.stats.reasoning_tokens, 0);
}

}  // namespace
}  // namespace vkchat::test
