// Template: lex and parse once, render any number of times.
#include "jinja/template.h"

#include <stdexcept>
#include <string>

#include "jinja/ast.h"
#include "jinja/interpreter.h"
#include "jinja/lexer.h"
#include "jinja/parser.h"

namespace vkchat::jinja {

Template::Template(std::string name, std::unique_ptr<Program> program)
    : name_(std::move(name)), program_(std::move(program)) {}
Template::Template(Template&&) noexcept = default;
Template& Template::operator=(Template&&) noexcept = default;
Template::~Template() = default;

Template Template::parse(std::string_view source, std::string name, const ParseOptions& opts) {
  if (source.size() > opts.max_source_bytes) {
    throw TemplateError(TemplateError::Kind::Limit, name, 1, 1,
                        "the template is " + std::to_string(source.size()) +
                            " bytes, more than the limit of " +
                            std::to_string(opts.max_source_bytes));
  }
  std::vector<Token> tokens = tokenize(source, name, {opts.trim_blocks, opts.lstrip_blocks});
  std::unique_ptr<Program> program = parse_tokens(tokens, name, opts.max_nesting);
  return Template(std::move(name), std::move(program));
}

std::string Template::render(const json::Value& context, const RenderOptions& opts) const {
  if (!context.is_object()) throw std::invalid_argument("template context must be a JSON object");
  return run_program(*program_, name_, context, opts);
}

}  // namespace vkchat::jinja
