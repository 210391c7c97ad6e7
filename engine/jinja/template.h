// A small sandboxed Jinja interpreter for chat templates (tokenizer.chat_template).
//
//   auto t = jinja::Template::parse(source, "chat template");   // TemplateError (Syntax)
//   std::string prompt = t.render(context);                    // TemplateError (Runtime,
//                                                              //   Raised, Limit)
//
// `context` is a JSON object whose members become the template's variables (messages,
// bos_token, eos_token, add_generation_prompt, tools, ...). Supported: {{ }}, {% if/elif/else %},
// {% for %} with loop.*, else, an `if` filter, break/continue, {% set %} (also namespace
// attributes and block form), {% macro %}, {% generation %}, comments, whitespace control with
// trim_blocks and lstrip_blocks on by default (as Hugging Face renders chat templates), and the
// filters, tests, str/dict methods and globals (raise_exception, namespace, range, strftime_now,
// dict) that real templates use; see builtins.cpp. Semantics follow Python Jinja2: undefined
// prints as "", is false and iterates as empty, but reading its attributes fails.
//
// Sandboxed: no I/O (no include/import/extends), lists and dicts are immutable, and every
// render is bounded in output size, loop iterations, macro call depth, value nesting and total
// work (which bounds CPU time); exceeding a bound is a
// TemplateError of kind Limit. Every error carries the line and column of the construct at fault.
#pragma once
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

struct ParseOptions {
  bool trim_blocks = true;
  bool lstrip_blocks = true;
  int max_nesting = 200;  // of statements and expressions (bounds all recursion on the tree)
};

struct Limits {
  std::size_t max_output_bytes = 16u << 20;       // the output, and any one string built on the way
  std::uint64_t max_loop_iterations = 1'000'000;  // summed over all loops of a render
  int max_call_depth = 50;                        // nested macro calls
  std::uint64_t max_work = 1ull << 30;  // bytes and items built or walked (bounds CPU time)
};

struct RenderOptions {
  Limits limits;
  std::optional<std::tm> now;  // what strftime_now() formats; the local time when absent
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
