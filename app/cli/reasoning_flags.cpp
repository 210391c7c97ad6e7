#include "cli/reasoning_flags.h"

#include <fstream>
#include <sstream>

namespace vkchat::cli {

ReasoningFlags parse_reasoning_flags(Args& args) {
  ReasoningFlags f;
  if (const auto think = args.value("--think")) {
    if (*think != "on" && *think != "off") throw UsageError("--think must be on or off");
    f.think = *think == "on";
  }
  if (const auto effort = args.value("--reasoning-effort")) {
    if (*effort != "low" && *effort != "medium" && *effort != "high") {
      throw UsageError("--reasoning-effort must be low, medium or high");
    }
    f.reasoning_effort = *effort;
  }
  f.template_file = args.value("--chat-template-file");
  return f;
}

std::optional<chat::ChatTemplate> template_from_flags(const ReasoningFlags& f,
                                                      const chat::ChatTemplate& model_template) {
  if (!f.template_file) return std::nullopt;
  std::ifstream in(*f.template_file, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in || text.str().empty()) {
    throw UsageError("cannot read --chat-template-file " + *f.template_file);
  }
  return chat::ChatTemplate::from_source(text.str(), model_template.bos_token(),
                                         model_template.eos_token(), *f.template_file);
}

chat::TemplateSwitches switches_for(const ReasoningFlags& f, const chat::ChatTemplate& tmpl,
                                    std::vector<std::string>& notes) {
  chat::TemplateSwitches s;
  if (f.think) {
    if (tmpl.uses_variable("enable_thinking")) {
      s.enable_thinking = f.think;
    } else {
      notes.push_back("--think: this chat template has no enable_thinking switch; ignored");
    }
  }
  if (!f.reasoning_effort.empty()) {
    if (tmpl.uses_variable("reasoning_effort")) {
      s.reasoning_effort = f.reasoning_effort;
    } else {
      notes.push_back("--reasoning-effort: this chat template has no reasoning_effort; ignored");
    }
  }
  return s;
}

void ThinkingPrinter::print(std::string_view text) {
  for (char c : text) {
    if (at_line_start_) {
      std::fputs(dim_ ? "\033[2mThinking: " : "Thinking: ", out_);
      at_line_start_ = false;
      open_ = true;
    }
    if (c == '\n') {
      std::fputs(dim_ ? "\033[0m\n" : "\n", out_);
      at_line_start_ = true;
      open_ = false;
    } else {
      std::fputc(c, out_);
    }
  }
  std::fflush(out_);
}

void ThinkingPrinter::end() {
  if (open_) std::fputs(dim_ ? "\033[0m\n" : "\n", out_);
  open_ = false;
  at_line_start_ = true;
  std::fflush(out_);
}

}  // namespace vkchat::cli
