// Jinja lexer: template text to a flat token stream. Literal text between tags comes out as
// Text tokens with whitespace control already applied: `{%-`/`-%}` strip all whitespace on that
// side, and, as Hugging Face renders chat templates, trim_blocks (drop the first newline after a
// block or comment tag) and lstrip_blocks (drop spaces and tabs before a block or comment tag
// that starts a line); `{%+`/`+%}` opt out of those two.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "jinja/value.h"

namespace vkchat::jinja {

enum class TokenKind {
  Text,        // literal template text
  VarBegin,    // {{
  VarEnd,      // }}
  BlockBegin,  // {%
  BlockEnd,    // %}
  Name,
  String,  // a string literal, unescaped
  Int,
  Float,
  Op,  // an operator or punctuation: + - * / // % ** ~ == != < <= > >= = . , : | ( ) [ ] { }
  Eof,
};

struct Token {
  TokenKind kind = TokenKind::Eof;
  std::string text;  // Text/Name/String/Op content
  Pos pos;
  std::int64_t int_value = 0;
  double float_value = 0;
};

struct LexOptions {
  bool trim_blocks = true;
  bool lstrip_blocks = true;
};

// Throws TemplateError (Syntax) with the position of an unclosed tag, comment or string, or of
// an unexpected character. `name` labels the template in messages.
std::vector<Token> tokenize(std::string_view source, const std::string& name,
                            const LexOptions& opts = {});

}  // namespace vkchat::jinja
