// Jinja parser: tokens to a Program. Operator precedence follows Jinja2 (filters and tests bind
// tighter than arithmetic; `~` binds tighter than + and -). Unknown filters and tests, misplaced
// tags and unsupported features (include, import, extends, call blocks) fail here with their
// position, before anything renders.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "jinja/ast.h"
#include "jinja/lexer.h"

namespace vkchat::jinja {

std::unique_ptr<Program> parse_tokens(const std::vector<Token>& tokens, const std::string& name,
                                      int max_nesting);

}  // namespace vkchat::jinja
