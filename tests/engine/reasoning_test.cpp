// The reasoning parser on each format: whole texts, tags split at every byte position, text that
// opens reasoning in the prompt, unterminated reasoning, and text without reasoning unchanged.
#include "chat/reasoning.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "support/test_support.h"

namespace vkchat::chat {
namespace {

using vkchat::test::read_file;
using vkchat::test::shared_path;

struct Expected {
  std::string reasoning;
  std::string content;
};

// Streams `text` as the given pieces; checks that the deltas add up to what the parser reports.
Expected stream(ReasoningFormat f, const std::vector<std::string>& pieces, bool open = false) {
  ReasoningParser p(f, open);
  Expected out;
  for (const std::string& piece : pieces) {
    ReasoningSplit s = p.push(piece);
    out.reasoning += s.reasoning;
    out.content += s.content;
  }
  ReasoningSplit s = p.finish();
  out.reasoning += s.reasoning;
  out.content += s.content;
  EXPECT_EQ(out.reasoning, p.reasoning());
  EXPECT_EQ(out.content, p.content());
  return out;
}

// Every split of `text` into two pieces, and byte by byte, gives the whole-text result.
void expect_split_anywhere(ReasoningFormat f, const std::string& text, const Expected& want,
                           bool open = false) {
  for (std::size_t cut = 0; cut <= text.size(); ++cut) {
    SCOPED_TRACE("cut at byte " + std::to_string(cut));
    Expected got = stream(f, {text.substr(0, cut), text.substr(cut)}, open);
    EXPECT_EQ(got.reasoning, want.reasoning);
    EXPECT_EQ(got.content, want.content);
  }
  std::vector<std::string> bytes;
  for (char c : text) bytes.emplace_back(1, c);
  Expected got = stream(f, bytes, open);
  EXPECT_EQ(got.reasoning, want.reasoning);
  EXPECT_EQ(got.content, want.content);
  ReasoningSplit whole = split_reasoning(f, text, open);
  EXPECT_EQ(whole.reasoning, want.reasoning);
  EXPECT_EQ(whole.content, want.content);
}

TEST(Reasoning, DetectsTheFormatFromRealTemplates) {
  const std::string data = VKCHAT_TEST_DATA_DIR "/templates/extra/";
  EXPECT_EQ(detect_reasoning_format(read_file(shared_path("templates/Qwen-Qwen3-0.6B.jinja"))),
            ReasoningFormat::ThinkTags);
  EXPECT_EQ(detect_reasoning_format(
                read_file(shared_path("templates/deepseek-ai-DeepSeek-R1-Distill-Llama-8B.jinja"))),
            ReasoningFormat::ThinkTags);
  EXPECT_EQ(detect_reasoning_format(read_file(data + "Qwen3.5-4B.jinja")),
            ReasoningFormat::ThinkTags);
  EXPECT_EQ(detect_reasoning_format(read_file(data + "openai-gpt-oss-120b.jinja")),
            ReasoningFormat::Harmony);
  EXPECT_EQ(detect_reasoning_format(read_file(data + "google-gemma-4-31B-it.jinja")),
            ReasoningFormat::Gemma4);
  EXPECT_EQ(detect_reasoning_format(read_file(data + "ggml-vocab-gemma-4.jinja")),
            ReasoningFormat::Gemma4);
  EXPECT_EQ(detect_reasoning_format(
                read_file(shared_path("templates/meta-llama-Llama-3.1-8B-Instruct.jinja"))),
            ReasoningFormat::None);
  EXPECT_EQ(
      detect_reasoning_format(read_file(shared_path("templates/Qwen-Qwen2.5-7B-Instruct.jinja"))),
      ReasoningFormat::None);
  EXPECT_EQ(detect_reasoning_format(""), ReasoningFormat::None);
  for (ReasoningFormat f : {ReasoningFormat::None, ReasoningFormat::ThinkTags,
                            ReasoningFormat::Harmony, ReasoningFormat::Gemma4}) {
    EXPECT_EQ(reasoning_format_from_name(reasoning_format_name(f)), f);
  }
  EXPECT_EQ(reasoning_format_from_name("think"), std::nullopt);
  // The structural tokens each parser reads (rendered even where a vocabulary hides them).
  EXPECT_EQ(reasoning_markers(ReasoningFormat::None).size(), 0u);
  EXPECT_EQ(reasoning_markers(ReasoningFormat::ThinkTags),
            (std::vector<std::string_view>{"<think>", "</think>"}));
  EXPECT_EQ(reasoning_markers(ReasoningFormat::Gemma4),
            (std::vector<std::string_view>{"<|channel>", "<channel|>"}));
  EXPECT_EQ(reasoning_markers(ReasoningFormat::Harmony).size(), 5u);
}

TEST(Reasoning, ThinkTagsSplitAtEveryBytePosition) {
  expect_split_anywhere(ReasoningFormat::ThinkTags,
                        "<think>\nLet me add: 2 + 2 = 4.\n\nSure.\n</think>\n\nThe answer is 4.",
                        {"Let me add: 2 + 2 = 4.\n\nSure.", "The answer is 4."});
  // Leading whitespace before the tag, and no whitespace anywhere else.
  expect_split_anywhere(ReasoningFormat::ThinkTags, "  <think>a</think>b", {"a", "b"});
  // An empty block (Qwen3's shape with thinking off, when the model writes it itself).
  expect_split_anywhere(ReasoningFormat::ThinkTags, "<think>\n\n</think>\n\nHi", {"", "Hi"});
  // Multi-byte characters on both sides stay whole.
  expect_split_anywhere(ReasoningFormat::ThinkTags, "<think>思考 😀</think>答え",
                        {"思考 😀", "答え"});
}

TEST(Reasoning, ThinkTagsOnlyCountAtTheStart) {
  const std::string text = "The tag <think> is shown</think> as text.";
  expect_split_anywhere(ReasoningFormat::ThinkTags, text, {"", text});
  // Something that begins like the tag but is not.
  expect_split_anywhere(ReasoningFormat::ThinkTags, "<thinking>x</thinking>",
                        {"", "<thinking>x</thinking>"});
  expect_split_anywhere(ReasoningFormat::ThinkTags, "<thi", {"", "<thi"});
}

TEST(Reasoning, TextWithoutReasoningPassesThroughUnchanged) {
  const std::string text = "\n  Hello, <b>world</b> </think> <|end|> <channel|>\n\n";
  for (ReasoningFormat f : {ReasoningFormat::None, ReasoningFormat::ThinkTags,
                            ReasoningFormat::Harmony, ReasoningFormat::Gemma4}) {
    SCOPED_TRACE(std::string(reasoning_format_name(f)));
    expect_split_anywhere(f, text, {"", text});
  }
  expect_split_anywhere(ReasoningFormat::None, "<think>a</think>b", {"", "<think>a</think>b"});
  expect_split_anywhere(ReasoningFormat::ThinkTags, "   ", {"", "   "});
  expect_split_anywhere(ReasoningFormat::ThinkTags, "", {"", ""});
}

TEST(Reasoning, UnterminatedReasoningStaysReasoning) {
  // The answer stopped (max tokens, Stop) inside the block; a partial closing tag is text.
  expect_split_anywhere(ReasoningFormat::ThinkTags, "<think>\nStill thinking\n",
                        {"Still thinking", ""});
  expect_split_anywhere(ReasoningFormat::ThinkTags, "<think>a </thi", {"a </thi", ""});
  expect_split_anywhere(ReasoningFormat::Gemma4, "<|channel>thought\nhmm", {"hmm", ""});
  expect_split_anywhere(ReasoningFormat::Harmony, "<|channel|>analysis<|message|>hmm <|en",
                        {"hmm <|en", ""});
  ReasoningParser p(ReasoningFormat::ThinkTags);
  p.push("<think>x");
  EXPECT_TRUE(p.in_reasoning());
  p.push("</think>y");
  EXPECT_FALSE(p.in_reasoning());
}

TEST(Reasoning, TrailingWhitespaceIsHeldUntilDecided) {
  ReasoningParser p(ReasoningFormat::ThinkTags);
  EXPECT_EQ(p.push("<think>one").reasoning, "one");
  EXPECT_EQ(p.push("\n\n").reasoning, "");  // may be the whitespace before </think>
  EXPECT_EQ(p.push("two").reasoning, "\n\ntwo");
  EXPECT_EQ(p.push("\n</th").reasoning, "");
  ReasoningSplit s = p.push("ink>\n\nDone");
  EXPECT_EQ(s.reasoning, "");
  EXPECT_EQ(s.content, "Done");
  EXPECT_EQ(p.reasoning(), "one\n\ntwo");
}

TEST(Reasoning, APromptThatOpensTheBlockStartsInsideIt) {
  const std::string r1 =
      read_file(shared_path("templates/deepseek-ai-DeepSeek-R1-Distill-Llama-8B.basic.txt"));
  EXPECT_TRUE(prompt_opens_reasoning(ReasoningFormat::ThinkTags, r1));  // ends "<think>\n"
  // Qwen 3.5 opens it too unless enable_thinking is false.
  EXPECT_TRUE(prompt_opens_reasoning(
      ReasoningFormat::ThinkTags,
      read_file(VKCHAT_TEST_DATA_DIR "/templates/extra/Qwen3.5-4B.basic.txt")));
  // Qwen3 with enable_thinking=false closes it in the prompt; with the default it writes none.
  EXPECT_FALSE(prompt_opens_reasoning(ReasoningFormat::ThinkTags,
                                      "<|im_start|>assistant\n<think>\n\n</think>\n\n"));
  EXPECT_FALSE(prompt_opens_reasoning(
      ReasoningFormat::ThinkTags, read_file(shared_path("templates/Qwen-Qwen3-0.6B.basic.txt"))));
  EXPECT_FALSE(prompt_opens_reasoning(ReasoningFormat::None, "<think>"));
  // Gemma 4 with thinking off writes the empty thought channel; with it on, nothing.
  EXPECT_FALSE(prompt_opens_reasoning(ReasoningFormat::Gemma4,
                                      "<|turn>model\n<|channel>thought\n<channel|>"));
  EXPECT_TRUE(prompt_opens_reasoning(ReasoningFormat::Gemma4, "<|turn>model\n<|channel>thought\n"));
  EXPECT_TRUE(prompt_opens_reasoning(ReasoningFormat::Harmony,
                                     "<|start|>assistant<|channel|>analysis<|message|>"));
  EXPECT_FALSE(prompt_opens_reasoning(ReasoningFormat::Harmony, "<|start|>assistant"));

  // The distill's answer then has no opening tag of its own.
  expect_split_anywhere(ReasoningFormat::ThinkTags, "Okay, 2+2.\n</think>\n\n4",
                        {"Okay, 2+2.", "4"},
                        /*open=*/true);
  expect_split_anywhere(ReasoningFormat::ThinkTags, "never closed", {"never closed", ""}, true);
  expect_split_anywhere(ReasoningFormat::Harmony,
                        "plan<|end|><|start|>assistant<|channel|>final<|message|>Hi",
                        {"plan", "Hi"}, true);
}

TEST(Reasoning, HarmonyChannelsSplitAtEveryBytePosition) {
  // gpt-oss: analysis, then the final message (<|return|> ends generation and is no text).
  expect_split_anywhere(ReasoningFormat::Harmony,
                        "<|channel|>analysis<|message|>User says hi. Reply.<|end|>"
                        "<|start|>assistant<|channel|>final<|message|>Hello! How can I help?",
                        {"User says hi. Reply.", "Hello! How can I help?"});
  // A preamble on the commentary channel is content, a stray commentary before analysis too;
  // several analysis messages join.
  expect_split_anywhere(ReasoningFormat::Harmony,
                        "<|channel|>analysis<|message|>a<|end|>"
                        "<|start|>assistant<|channel|>commentary<|message|>Let me check. <|end|>"
                        "<|start|>assistant<|channel|>analysis<|message|>b<|end|>"
                        "<|start|>assistant<|channel|>final<|message|>Done.",
                        {"ab", "Let me check. Done."});
  // A constrained final message: the header may carry more than the channel.
  expect_split_anywhere(ReasoningFormat::Harmony,
                        "<|channel|>final <|constrain|>json<|message|>{\"a\":1}",
                        {"", "{\"a\":1}"});
  // Text that is not harmony at all is shown.
  expect_split_anywhere(ReasoningFormat::Harmony, "plain answer", {"", "plain answer"});
}

TEST(Reasoning, Gemma4ThoughtChannelSplitsAtEveryBytePosition) {
  expect_split_anywhere(ReasoningFormat::Gemma4,
                        "<|channel>thought\nThe user greets me.\n<channel|>Hello there!",
                        {"The user greets me.", "Hello there!"});
  // After the prompt's empty channel (thinking off) the answer is plain content.
  expect_split_anywhere(ReasoningFormat::Gemma4, "Hello there!", {"", "Hello there!"});
  // Gemma 4 keeps the content's own leading whitespace (llama.cpp consumes none after the tag).
  expect_split_anywhere(ReasoningFormat::Gemma4, "<|channel>thought x<channel|> y", {"x", " y"});
}

// Random texts made of the formats' tags, fragments of them, whitespace and words, streamed in
// random pieces: the result never depends on where the pieces were cut, and nothing is lost
// without reasoning (content is the text itself).
bool valid_utf8(const std::string& s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    const std::size_t n = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (std::size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    i += n;
  }
  return true;
}

TEST(Reasoning, RandomTextsSplitTheSameHoweverTheyArrive) {
  const std::vector<std::string> parts = {"<think>",
                                          "</think>",
                                          "<thi",
                                          "</th",
                                          "<|channel>thought",
                                          "<channel|>",
                                          "<|channel>",
                                          "<|channel|>",
                                          "analysis",
                                          "final",
                                          "<|message|>",
                                          "<|end|>",
                                          "<|start|>assistant",
                                          "<|en",
                                          " ",
                                          "\n",
                                          "\n\n",
                                          "\t",
                                          "word",
                                          "é",
                                          "思",
                                          " to=functions.f",
                                          "<",
                                          ">",
                                          "|"};
  std::mt19937 rng(20261204);
  for (ReasoningFormat f : {ReasoningFormat::None, ReasoningFormat::ThinkTags,
                            ReasoningFormat::Harmony, ReasoningFormat::Gemma4}) {
    for (int round = 0; round < 300; ++round) {
      std::string text;
      const int n = std::uniform_int_distribution<int>(0, 12)(rng);
      for (int i = 0; i < n; ++i) {
        text += parts[std::uniform_int_distribution<std::size_t>(0, parts.size() - 1)(rng)];
      }
      const bool open = round % 3 == 0;
      SCOPED_TRACE(std::string(reasoning_format_name(f)) + (open ? " open: " : ": ") + text);
      const ReasoningSplit whole = split_reasoning(f, text, open);
      std::vector<std::string> pieces;
      for (std::size_t at = 0; at < text.size();) {
        const std::size_t len = std::uniform_int_distribution<std::size_t>(1, 6)(rng);
        pieces.push_back(text.substr(at, len));
        at += len;
      }
      const Expected streamed = stream(f, pieces, open);
      EXPECT_EQ(streamed.reasoning, whole.reasoning);
      EXPECT_EQ(streamed.content, whole.content);
      if (f == ReasoningFormat::None) {
        EXPECT_EQ(whole.content, text);
      }
      // Whole UTF-8 characters only: no cut falls inside one.
      EXPECT_TRUE(valid_utf8(whole.reasoning) && valid_utf8(whole.content));
    }
  }
}

}  // namespace
}  // namespace vkchat::chat
