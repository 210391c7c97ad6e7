// libFuzzer entry for the chat-template engine (lexer, parser, interpreter): any input either
// renders or throws TemplateError, within the render's work budget; anything else (a crash, a
// sanitizer report, another exception, a hang past libFuzzer's -timeout) is a finding.
// The first byte picks the whitespace options; the rest is the template.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "jinja/template.h"
#include "util/errors.h"
#include "util/json.h"

namespace {

const vkchat::json::Value& context() {
  static const vkchat::json::Value ctx = vkchat::json::parse(R"({
    "messages": [
      {"role": "system", "content": "Be brief."},
      {"role": "user", "content": "Hi <b>there</b>", "name": "ann"},
      {"role": "assistant", "content": "Hello!", "tool_calls": [
        {"type": "function", "function": {"name": "f", "arguments": {"x": 1, "y": [true, null]}}}]},
      {"role": "tool", "content": "42"},
      {"role": "user", "content": [{"type": "text", "text": "and é?"}]}
    ],
    "tools": [{"type": "function", "function": {"name": "f", "description": "d",
      "parameters": {"type": "object", "properties": {"x": {"type": "integer"}}}}}],
    "bos_token": "<s>", "eos_token": "</s>", "add_generation_prompt": true,
    "enable_thinking": false, "date_string": "26 Nov 2026"
  })");
  return ctx;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  namespace jinja = vkchat::jinja;
  jinja::ParseOptions popts;
  popts.trim_blocks = data[0] & 1;
  popts.lstrip_blocks = data[0] & 2;
  // Smaller budgets than a real render's keep each run short; the bounds are the same code.
  jinja::RenderOptions opts;
  opts.limits.max_work = 1u << 22;
  opts.limits.max_live_bytes = 8u << 20;
  opts.limits.max_output_bytes = 1u << 20;
  opts.limits.max_loop_iterations = 10000;
  opts.now = std::tm{};
  std::string_view source(reinterpret_cast<const char*>(data) + 1, size - 1);
  try {
    jinja::Template t = jinja::Template::parse(source, "fuzz", popts);
    (void)t.render(context(), opts);
  } catch (const vkchat::TemplateError&) {
  }
  return 0;
}
