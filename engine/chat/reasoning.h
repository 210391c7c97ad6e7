// Reasoning kept apart from the answer: the formats in which models write their thinking, told
// from the chat template, and a streaming parser that splits generated text into reasoning and
// content as it arrives. One parser for every front end (the app, `vkchat-cli chat`, the server).
//
//   chat::ReasoningFormat f = chat::detect_reasoning_format(template_source);
//   chat::ReasoningParser p(f, chat::prompt_opens_reasoning(f, rendered_prompt));
//   for (piece : pieces) { chat::ReasoningSplit s = p.push(piece); show(s.reasoning, s.content); }
//   chat::ReasoningSplit rest = p.finish();
//
// Formats (the facts are llama.cpp's common/chat.cpp parsers; the code is ours):
// - ThinkTags: `<think>REASONING</think>CONTENT` (Qwen3, Qwen 3.5, QwQ, DeepSeek-R1 and its
//   distills, SmolLM3, ...). The block counts only at the start of the answer (after whitespace);
//   a `<think>` later on is content. Whitespace around the reasoning and before the content is
//   dropped, as llama.cpp's parser does. Templates that write `<think>` into the generation
//   prompt (DeepSeek-R1 distills, Qwen 3.5; Qwen3 and Qwen 3.5 write `<think>\n\n</think>` with
//   enable_thinking=false, which closes it) leave the answer inside the block:
//   prompt_opens_reasoning() tells.
// - Harmony (gpt-oss): messages `<|channel|>NAME<|message|>BODY<|end|>`, each after the first
//   introduced by `<|start|>assistant`. The analysis channel is reasoning; final, commentary and
//   any other channel are content. Bodies are kept as they are.
// - Gemma4: `<|channel>thought\nREASONING<channel|>CONTENT` at the start of the answer. With
//   thinking off the template writes the empty `<|channel>thought\n<channel|>` into the prompt.
//   Leading whitespace of the reasoning is dropped, trailing whitespace too.
// - None: everything is content, unchanged.
//
// Contract: a tag may arrive split over any number of pieces; text that could still become a tag
// (or trailing whitespace that could still be dropped) is held back until the next piece decides
// it, and finish() hands out what is held. Cuts fall only at tags, whitespace and piece ends, so
// text of whole UTF-8 characters comes out in whole characters. Text that is not a recognised
// structure comes out as content, byte for byte. Reasoning that never ends (the answer stopped
// inside it) stays reasoning.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vkchat::chat {

enum class ReasoningFormat { None, ThinkTags, Harmony, Gemma4 };

// "none", "think-tags", "harmony", "gemma4".
std::string_view reasoning_format_name(ReasoningFormat f);
std::optional<ReasoningFormat> reasoning_format_from_name(std::string_view name);

// From a chat template's text, checked in llama.cpp's order: "<|channel|>" is gpt-oss's harmony,
// "<|channel>" Gemma 4's thought channel, "<think>" the think tags; otherwise None (also for an
// empty template: the built-in formats have no reasoning).
ReasoningFormat detect_reasoning_format(std::string_view template_source);

// The structural tokens' texts that the parser of `f` reads. Where a vocabulary has them as
// control tokens (hidden in decoded text), the chat session renders them anyway, as llama.cpp
// keeps a format's "preserved tokens".
std::vector<std::string_view> reasoning_markers(ReasoningFormat f);

// Whether a rendered prompt leaves the model inside a reasoning block: its last opening tag is
// not closed after it (DeepSeek-R1's "<｜Assistant｜><think>\n").
bool prompt_opens_reasoning(ReasoningFormat f, std::string_view prompt);

struct ReasoningSplit {
  std::string reasoning;
  std::string content;
  bool empty() const { return reasoning.empty() && content.empty(); }
};

class ReasoningParser {
 public:
  // `in_reasoning`: the prompt opened the block (prompt_opens_reasoning), so the answer starts
  // inside it.
  explicit ReasoningParser(ReasoningFormat format = ReasoningFormat::None,
                           bool in_reasoning = false);

  // What this text decides. Within one call the reasoning is what came first (only harmony can
  // interleave channels; their order across calls is kept).
  ReasoningSplit push(std::string_view text);
  // The text held back, at the end of the answer.
  ReasoningSplit finish();

  ReasoningFormat format() const { return format_; }
  // True while the text so far ends inside reasoning.
  bool in_reasoning() const;
  // Everything handed out so far.
  const std::string& reasoning() const { return reasoning_; }
  const std::string& content() const { return content_; }

 private:
  enum class State {
    Start,          // nothing decided yet: whitespace, maybe the start of an opening tag
    ReasoningLead,  // after an opening tag: whitespace is dropped
    Reasoning,
    ContentLead,  // after a closing tag: whitespace is dropped (think tags)
    Content,      // the rest is content as it is
    Header,       // harmony: a message header, up to <|message|>
    Body,         // harmony: a message body, up to <|end|>
    Between,      // harmony: after <|end|>, expecting <|start|> or <|channel|>
  };

  // Runs the state machine over pending_ as far as it can; `final`: no more text follows.
  void run(ReasoningSplit& out, bool final);
  void emit_reasoning(ReasoningSplit& out, std::string_view text);
  void emit_content(ReasoningSplit& out, std::string_view text);

  ReasoningFormat format_;
  State state_;
  bool body_is_reasoning_ = false;  // harmony: the current body's channel is analysis
  std::string pending_;             // text not decided yet
  std::string reasoning_, content_;
};

// A whole answer at once (e.g. a stored one): the same split as streaming it.
ReasoningSplit split_reasoning(ReasoningFormat format, std::string_view text,
                               bool in_reasoning = false);

}  // namespace vkchat::chat
