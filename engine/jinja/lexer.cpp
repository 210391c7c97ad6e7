// Template text to tokens, with Jinja's whitespace control applied to the text between tags.
#include "jinja/lexer.h"

#include <algorithm>
#include <charconv>

#include "jinja/text.h"

namespace vkchat::jinja {

namespace {

bool is_ws(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
bool is_name_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_name_char(char c) {
  return is_name_start(c) || is_digit(c);
}

// Jinja (like Python) reads \r\n and \r as \n, and drops one trailing newline of the source.
std::string normalize(std::string_view src) {
  std::string out;
  out.reserve(src.size());
  for (std::size_t i = 0; i < src.size(); ++i) {
    if (src[i] == '\r') {
      out += '\n';
      if (i + 1 < src.size() && src[i + 1] == '\n') ++i;
    } else {
      out += src[i];
    }
  }
  if (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

class Lexer {
 public:
  Lexer(std::string_view src, const std::string& name, const LexOptions& o)
      : s_(normalize(src)), name_(name), o_(o) {}

  std::vector<Token> run() {
    std::size_t p = 0;
    bool line_starting = true;
    for (;;) {
      std::size_t t = next_tag(p);
      std::string text = s_.substr(p, t == std::string::npos ? std::string::npos : t - p);
      std::size_t text_at = p;
      if (t == std::string::npos) {
        emit_text(std::move(text), text_at);
        break;
      }
      char kind = s_[t + 1];  // '{', '%' or '#'
      char sign = t + 2 < s_.size() && (s_[t + 2] == '-' || s_[t + 2] == '+') ? s_[t + 2] : 0;
      if (sign == '-') {
        text = text::strip(text, false, true);
      } else if (sign != '+' && o_.lstrip_blocks && kind != '{') {
        std::size_t l = text.rfind('\n');
        l = l == std::string::npos ? 0 : l + 1;
        if ((l > 0 || line_starting) &&
            std::all_of(text.begin() + static_cast<std::ptrdiff_t>(l), text.end(), is_ws)) {
          text.resize(l);
        }
      }
      emit_text(std::move(text), text_at);
      std::size_t body = t + 2 + (sign ? 1 : 0);

      if (kind == '#') {
        std::size_t e = s_.find("#}", body);
        if (e == std::string::npos) fail(t, "unclosed comment (missing '#}')");
        bool minus = e > body && s_[e - 1] == '-';
        bool plus = e > body && s_[e - 1] == '+';
        p = after_tag(e + 2, minus, plus, true, line_starting);
        continue;
      }

      bool block = kind == '%';
      push(block ? TokenKind::BlockBegin : TokenKind::VarBegin, block ? "{%" : "{{", t);
      bool minus = false, plus = false;
      std::size_t end = lex_expression(body, block, t, minus, plus);
      push(block ? TokenKind::BlockEnd : TokenKind::VarEnd, block ? "%}" : "}}", end);
      p = after_tag(end + (minus || plus ? 3 : 2), minus, plus, block, line_starting);
    }
    push(TokenKind::Eof, "", s_.size());
    return std::move(out_);
  }

 private:
  [[noreturn]] void fail(std::size_t at, const std::string& what) {
    Pos p = pos_at(at);
    throw TemplateError(TemplateError::Kind::Syntax, name_, p.line, p.column, what);
  }

  // Positions are asked for in increasing order while lexing, so a cursor makes them cheap
  // (a long one-line template would otherwise cost quadratic time); errors may look back.
  Pos pos_at(std::size_t at) {
    at = std::min(at, s_.size());
    if (at < cursor_) {
      cursor_ = 0;
      cursor_pos_ = Pos{};
    }
    for (; cursor_ < at; ++cursor_) {
      unsigned char c = static_cast<unsigned char>(s_[cursor_]);
      if (c == '\n') {
        ++cursor_pos_.line;
        cursor_pos_.column = 1;
      } else if ((c & 0xC0) != 0x80) {
        ++cursor_pos_.column;
      }
    }
    return cursor_pos_;
  }

  std::size_t next_tag(std::size_t from) const {
    for (std::size_t i = s_.find('{', from); i != std::string::npos; i = s_.find('{', i + 1)) {
      if (i + 1 < s_.size() && (s_[i + 1] == '{' || s_[i + 1] == '%' || s_[i + 1] == '#')) return i;
    }
    return std::string::npos;
  }

  // Whitespace control after a tag that ends just before `p`.
  std::size_t after_tag(std::size_t p, bool minus, bool plus, bool block, bool& line_starting) {
    if (minus) {
      std::size_t q = p;
      while (q < s_.size() && is_ws(s_[q])) ++q;
      line_starting = q > p && s_[q - 1] == '\n';
      return q;
    }
    if (block && !plus && o_.trim_blocks && p < s_.size() && s_[p] == '\n') {
      line_starting = true;
      return p + 1;
    }
    line_starting = false;
    return p;
  }

  void emit_text(std::string text, std::size_t at) {
    if (text.empty()) return;
    Token t;
    t.kind = TokenKind::Text;
    t.text = std::move(text);
    t.pos = pos_at(at);
    out_.push_back(std::move(t));
  }

  Token& push(TokenKind kind, std::string text, std::size_t at) {
    Token t;
    t.kind = kind;
    t.text = std::move(text);
    t.pos = pos_at(at);
    out_.push_back(std::move(t));
    return out_.back();
  }

  // Lexes the inside of a tag from `p`; returns where its end marker starts.
  std::size_t lex_expression(std::size_t p, bool block, std::size_t tag_at, bool& minus,
                             bool& plus) {
    std::vector<std::pair<char, std::size_t>> brackets;
    const std::string_view end_marker = block ? "%}" : "}}";
    for (;;) {
      while (p < s_.size() && is_ws(s_[p])) ++p;
      if (p >= s_.size()) {
        fail(tag_at, std::string("unclosed tag (missing '") + std::string(end_marker) + "')");
      }
      std::string_view rest = std::string_view(s_).substr(p);
      if (brackets.empty()) {
        if (rest.starts_with(end_marker)) return p;
        if (rest.size() > 2 && (rest[0] == '-' || (block && rest[0] == '+')) &&
            rest.substr(1).starts_with(end_marker)) {
          (rest[0] == '-' ? minus : plus) = true;
          return p;
        }
      }
      char c = s_[p];
      if (is_name_start(c)) {
        std::size_t e = p;
        while (e < s_.size() && is_name_char(s_[e])) ++e;
        push(TokenKind::Name, s_.substr(p, e - p), p);
        p = e;
      } else if (is_digit(c)) {
        p = lex_number(p);
      } else if (c == '\'' || c == '"') {
        p = lex_string(p);
      } else {
        static constexpr std::string_view kTwo[] = {"//", "**", "==", "!=", "<=", ">="};
        std::string op;
        for (std::string_view two : kTwo) {
          if (rest.starts_with(two)) op = two;
        }
        if (op.empty()) {
          if (std::string_view("+-*/%~<>=.,:|()[]{}").find(c) == std::string_view::npos) {
            fail(p, std::string("unexpected character '") + c + "' in tag");
          }
          op = std::string(1, c);
          if (c == '(' || c == '[' || c == '{') {
            brackets.emplace_back(c == '(' ? ')' : c == '[' ? ']' : '}', p);
          } else if (c == ')' || c == ']' || c == '}') {
            if (brackets.empty()) fail(p, std::string("unexpected '") + c + "'");
            if (brackets.back().first != c) {
              fail(p,
                   std::string("unexpected '") + c + "', expected '" + brackets.back().first + "'");
            }
            brackets.pop_back();
          }
        }
        push(TokenKind::Op, op, p);
        p += op.size();
      }
    }
  }

  std::size_t lex_number(std::size_t p) {
    std::size_t start = p;
    auto digits = [&] {
      while (p < s_.size() &&
             (is_digit(s_[p]) || (s_[p] == '_' && p + 1 < s_.size() && is_digit(s_[p + 1]))))
        ++p;
    };
    digits();
    bool is_float = false;
    if (p + 1 < s_.size() && s_[p] == '.' && is_digit(s_[p + 1])) {
      is_float = true;
      ++p;
      digits();
    }
    if (p < s_.size() && (s_[p] == 'e' || s_[p] == 'E')) {
      std::size_t q = p + 1;
      if (q < s_.size() && (s_[q] == '+' || s_[q] == '-')) ++q;
      if (q < s_.size() && is_digit(s_[q])) {
        is_float = true;
        p = q;
        digits();
      }
    }
    std::string text;
    for (std::size_t i = start; i < p; ++i) {
      if (s_[i] != '_') text += s_[i];
    }
    Token& t = push(is_float ? TokenKind::Float : TokenKind::Int, text, start);
    const char* b = text.data();
    const char* e = text.data() + text.size();
    if (is_float) {
      auto [ptr, ec] = std::from_chars(b, e, t.float_value);
      if (ec != std::errc() || ptr != e) fail(start, "invalid number '" + text + "'");
    } else {
      auto [ptr, ec] = std::from_chars(b, e, t.int_value);
      if (ec != std::errc() || ptr != e) fail(start, "integer literal out of range '" + text + "'");
    }
    return p;
  }

  static void put_cp(std::string& out, unsigned cp) { out += text::encode(std::u32string(1, cp)); }

  std::size_t lex_string(std::size_t p) {
    std::size_t start = p;
    char q = s_[p++];
    std::string out;
    auto hex = [&](int n) {
      unsigned v = 0;
      for (int i = 0; i < n; ++i, ++p) {
        char c = p < s_.size() ? s_[p] : 0;
        int d = is_digit(c)              ? c - '0'
                : (c >= 'a' && c <= 'f') ? c - 'a' + 10
                : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                         : -1;
        if (d < 0) fail(p, "invalid escape in string literal");
        v = v * 16 + static_cast<unsigned>(d);
      }
      return v;
    };
    for (;;) {
      if (p >= s_.size()) fail(start, "unterminated string literal");
      char c = s_[p];
      if (c == q) {
        ++p;
        break;
      }
      if (c != '\\') {
        out += c;
        ++p;
        continue;
      }
      if (++p >= s_.size()) fail(start, "unterminated string literal");
      char e = s_[p++];
      switch (e) {
        case '\n': break;  // line continuation
        case '\\': out += '\\'; break;
        case '\'': out += '\''; break;
        case '"': out += '"'; break;
        case 'a': out += '\a'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'v': out += '\v'; break;
        case 'x': put_cp(out, hex(2)); break;
        case 'u': put_cp(out, hex(4)); break;
        case 'U': {
          unsigned cp = hex(8);
          if (cp > 0x10FFFF) fail(p - 10, "invalid \\U escape in string literal");
          put_cp(out, cp);
          break;
        }
        default:
          if (e >= '0' && e <= '7') {
            unsigned v = static_cast<unsigned>(e - '0');
            for (int i = 0; i < 2 && p < s_.size() && s_[p] >= '0' && s_[p] <= '7'; ++i) {
              v = v * 8 + static_cast<unsigned>(s_[p++] - '0');
            }
            put_cp(out, v);
          } else {  // Python keeps unknown escapes as written
            out += '\\';
            out += e;
          }
      }
    }
    push(TokenKind::String, std::move(out), start);
    return p;
  }

  std::string s_;
  const std::string& name_;
  LexOptions o_;
  std::size_t cursor_ = 0;
  Pos cursor_pos_;
  std::vector<Token> out_;
};

}  // namespace

std::vector<Token> tokenize(std::string_view source, const std::string& name,
                            const LexOptions& opts) {
  return Lexer(source, name, opts).run();
}

}  // namespace vkchat::jinja
