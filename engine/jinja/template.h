// A small sandboxed Jinja interpreter for chat templates (tokenizer.chat_template).
//
//   auto t = jinja::Template::parse(source, "chat template");   // TemplateError (Syntax)
//   std::string prompt = t.render(context);                    // TemplateError (Runtime,
//                                                              //   Raised, Limit)
//
// `context` is a JSON object whose members become the template's variables (messages,
// bos_token, eos_token, add_generation_prompt, tools, ...). Supported: {{ }}, {% if/elif/else %},
// {% for %} with loop.*, else, an `if` filter, break/continue, {% set %} (also namespace
// attributes and block form), {% macro %}, {% with %}, {% generation %}, comments, whitespace
// control with trim_blocks and lstrip_blocks on by default (as Hugging Face renders chat
// templates), and the filters, tests, str/dict methods and globals (raise_exception, namespace,
// range, strftime_now, dict) that real templates use; see builtins.cpp. Semantics follow Python
// Jinja2: undefined prints as "", is false and iterates as empty, but reading its attributes fails.
//
// Sandboxed: no I/O (no include/import/extends), lists and dicts are immutable (and shared, not
// copied: strings, lists and dicts are reference-counted), the source is bounded in size and
// nesting, and every render is bounded in output size, loop iterations, macro call depth, value
// nesting, memory built and total work (work.h), so that any template finishes or fails within
// about a second of CPU time and a few tens of MB; exceeding a bound is a TemplateError of kind
// Limit, and a render whose RenderOptions::cancel flag is set stops with vkchat::Cancelled.
// Every error carries the line and column of the construct at fault.
#pragma once
#include <atomic>
#include <cstdint>
#include <ctime>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "util/errors.h"
#include "util/json.h"

namespace vkchat::jinja {

struct Program;

// The bounds below are tuned so that every real template in ../shared/templates renders with a
// hundredth of them or less (tests/engine/jinja_limits_test.cpp), while any template stays
// within about 1 s of CPU time and 64 MB on a slow 2-core machine (docs/SECURITY.md).
struct ParseOptions {
  bool trim_blocks = true;
  bool lstrip_blocks = true;
  int max_nesting = 200;  // of statements, expressions and brackets (bounds all recursion)
  std::size_t max_source_bytes = 256u << 10;  // real ones are under 10 KiB; bounds parse memory
};

struct Limits {
  std::size_t max_output_bytes = 16u << 20;       // the rendered text, and any one string built
  std::uint64_t max_live_bytes = 48u << 20;       // held by the render's strings, lists and dicts
  std::uint64_t max_loop_iterations = 1'000'000;  // summed over all loops of a render
  int max_call_depth = 50;                        // nested macro calls
  std::uint64_t max_work = 1ull << 28;            // units (work.h): bounds CPU time
};

struct RenderOptions {
  Limits limits;
  std::optional<std::tm> now;  // what strftime_now() formats; the local time when absent
  // Checked as the render works (the app's Stop, a closed request): when it becomes true the
  // render throws vkchat::Cancelled.
  const std::atomic<bool>* cancel = nullptr;
};

class Template {
 public:
  static Template parse(std::string_view source, std::string name = "template",
                        const ParseOptions& opts = {});

  Template(Template&&) noexcept;
  Template& operator=(Template&&) noexcept;
  ~Template();

  // Throws TemplateError; also std::invalid_argument when context is not a JSON object.
  std::string render(const json::Value& context, const RenderOptions& opts = {}) const;

  const std::string& name() const { return name_; }

 private:
  Template(std::string name, std::unique_ptr<Program> program);
  std::string name_;
  std::unique_ptr<Program> program_;
};

}  // namespace vkchat::jinja
