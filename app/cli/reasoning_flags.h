// The reasoning flags that `chat` and `serve` share (--think, --reasoning-effort,
// --chat-template-file), and how `chat` shows reasoning apart from the answer.
#pragma once
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "chat/chat_template.h"
#include "cli/cli_common.h"

namespace vkchat::cli {

#define VKCHAT_REASONING_FLAGS_HELP                                                            \
  "reasoning (models that think before answering: Qwen3, DeepSeek-R1, gpt-oss, Gemma 4):\n"    \
  "  --think on|off          the template's enable_thinking switch, where it has one (the\n"   \
  "                          template's default)\n"                                            \
  "  --reasoning-effort E    the template's reasoning_effort: low, medium or high (gpt-oss)\n" \
  "  --chat-template-file F  render with this Jinja template instead of the model's\n"

struct ReasoningFlags {
  std::optional<bool> think;
  std::string reasoning_effort;
  std::optional<std::string> template_file;
};

// Consumes the flags above; a bad value is a UsageError.
ReasoningFlags parse_reasoning_flags(Args& args);

// The template from --chat-template-file (its bos/eos texts from `model_template`), if given.
// An unreadable file is a UsageError.
std::optional<chat::ChatTemplate> template_from_flags(const ReasoningFlags& f,
                                                      const chat::ChatTemplate& model_template);

// The switches for `tmpl`; a flag the template does not read is left out, with a note in `notes`.
chat::TemplateSwitches switches_for(const ReasoningFlags& f, const chat::ChatTemplate& tmpl,
                                    std::vector<std::string>& notes);

// Streams reasoning to a terminal stream as "Thinking: " lines (dimmed when `dim`), apart from the
// answer; end() closes the last line before the answer or the end of the turn.
class ThinkingPrinter {
 public:
  ThinkingPrinter(std::FILE* out, bool dim) : out_(out), dim_(dim) {}
  void print(std::string_view text);
  void end();

 private:
  std::FILE* out_;
  bool dim_;
  bool at_line_start_ = true;
  bool open_ = false;  // a line was started and not yet ended
};

}  // namespace vkchat::cli
