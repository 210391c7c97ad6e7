// Runs a parsed template: statements in order, with Jinja's scoping (a for-loop iteration and a
// macro call each get their own scope; if and set do not), under the render's limits.
#pragma once
#include <string>

#include "jinja/ast.h"
#include "jinja/template.h"

namespace vkchat::jinja {

// `context` must be a JSON object; its members are the template's global variables.
std::string run_program(const Program& program, const std::string& name, const json::Value& context,
                        const RenderOptions& opts);

}  // namespace vkchat::jinja
