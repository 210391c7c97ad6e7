// Recursive-descent parser for the Jinja subset that chat templates use.
#include "jinja/parser.h"

#include <algorithm>
#include <initializer_list>

#include "jinja/builtins.h"

namespace vkchat::jinja {

namespace {

ExprPtr make_expr(ExprKind kind, Pos pos) {
  auto e = std::make_unique<Expr>();
  e->kind = kind;
  e->pos = pos;
  return e;
}

ExprPtr make_binary(ExprKind kind, Pos pos, std::string op, ExprPtr lhs, ExprPtr rhs) {
  ExprPtr e = make_expr(kind, pos);
  e->name = std::move(op);
  e->args.push_back(std::move(lhs));
  e->args.push_back(std::move(rhs));
  return e;
}

class Parser {
 public:
  Parser(const std::vector<Token>& t, const std::string& name, int max_nesting)
      : t_(t), name_(name), max_nesting_(max_nesting) {}

  std::unique_ptr<Program> program() {
    auto p = std::make_unique<Program>();
    p->body = body({});
    return p;
  }

 private:
  // Bounds recursion so that hostile nesting cannot exhaust the stack.
  struct DepthGuard {
    DepthGuard(Parser& p) : p_(p) {
      if (++p_.depth_ > p_.max_nesting_) {
        p_.fail("nesting deeper than " + std::to_string(p_.max_nesting_) + " levels");
      }
    }
    ~DepthGuard() { --p_.depth_; }
    Parser& p_;
  };

  // Records a finished node's depth and bounds it: left-associative chains (a + b + c ...,
  // x|f|g|h ...) grow the tree without nesting the parser.
  ExprPtr seal(ExprPtr e) {
    int d = 0;
    for (const ExprPtr& a : e->args) {
      if (a) d = std::max(d, a->depth);
    }
    for (const auto& kv : e->kwargs) d = std::max(d, kv.second->depth);
    e->depth = d + 1;
    if (e->depth > max_nesting_) {
      fail_at(e->pos, "expression nested deeper than " + std::to_string(max_nesting_) + " levels");
    }
    return e;
  }

  [[noreturn]] void fail_at(Pos p, const std::string& what) const {
    throw TemplateError(TemplateError::Kind::Syntax, name_, p.line, p.column, what);
  }
  [[noreturn]] void fail(const std::string& what) const { fail_at(cur().pos, what); }

  const Token& cur() const { return t_[std::min(i_, t_.size() - 1)]; }
  const Token& peek(std::size_t k = 1) const { return t_[std::min(i_ + k, t_.size() - 1)]; }
  const Token& next() {
    const Token& t = cur();
    if (i_ < t_.size() - 1) ++i_;
    return t;
  }

  bool is_op(std::string_view op) const { return cur().kind == TokenKind::Op && cur().text == op; }
  bool is_name(std::string_view n) const {
    return cur().kind == TokenKind::Name && cur().text == n;
  }

  bool eat_op(std::string_view op) {
    if (!is_op(op)) return false;
    next();
    return true;
  }
  bool eat_name(std::string_view n) {
    if (!is_name(n)) return false;
    next();
    return true;
  }

  std::string describe(const Token& t) const {
    switch (t.kind) {
      case TokenKind::Eof: return "end of template";
      case TokenKind::BlockEnd: return "end of tag '%}'";
      case TokenKind::VarEnd: return "end of expression '}}'";
      case TokenKind::String: return "string";
      case TokenKind::Int:
      case TokenKind::Float: return "number '" + t.text + "'";
      default: return "'" + t.text + "'";
    }
  }

  void expect_op(std::string_view op) {
    if (!eat_op(op)) fail("expected '" + std::string(op) + "', got " + describe(cur()));
  }
  void expect(TokenKind kind, std::string_view what) {
    if (cur().kind != kind) fail("expected " + std::string(what) + ", got " + describe(cur()));
    next();
  }
  std::string expect_name(std::string_view what) {
    if (cur().kind != TokenKind::Name)
      fail("expected " + std::string(what) + ", got " + describe(cur()));
    return next().text;
  }
  void end_tag() { expect(TokenKind::BlockEnd, "'%}'"); }

  // ---- statements ----

  // Statements up to a {% NAME %} tag with NAME in `stops` (left unconsumed), or to the end.
  Body body(std::initializer_list<std::string_view> stops) {
    Body out;
    for (;;) {
      const Token& t = cur();
      if (t.kind == TokenKind::Eof) {
        if (stops.size() == 0) return out;
        fail("unexpected end of template, expected '{% " + std::string(*(stops.end() - 1)) +
             " %}'");
      }
      if (t.kind == TokenKind::Text) {
        auto s = std::make_unique<Stmt>();
        s->kind = StmtKind::Text;
        s->pos = t.pos;
        s->text = t.text;
        out.push_back(std::move(s));
        next();
      } else if (t.kind == TokenKind::VarBegin) {
        auto s = std::make_unique<Stmt>();
        s->kind = StmtKind::Output;
        s->pos = t.pos;
        next();
        s->exprs.push_back(tuple(true));
        expect(TokenKind::VarEnd, "'}}'");
        out.push_back(std::move(s));
      } else if (t.kind == TokenKind::BlockBegin) {
        const Token& tag = peek();
        if (tag.kind == TokenKind::Name &&
            std::find(stops.begin(), stops.end(), tag.text) != stops.end()) {
          return out;
        }
        statement(out);
      } else {
        fail("unexpected " + describe(t));
      }
    }
  }

  // Consumes `{% name` of a tag that `body` stopped at; returns the tag name.
  std::string tag_name() {
    expect(TokenKind::BlockBegin, "'{%'");
    return next().text;
  }

  void statement(Body& out) {
    DepthGuard guard(*this);
    Pos pos = next().pos;  // '{%'
    if (cur().kind != TokenKind::Name) fail("expected a tag name, got " + describe(cur()));
    std::string tag = next().text;
    auto s = std::make_unique<Stmt>();
    s->pos = pos;
    if (tag == "if") {
      if_stmt(*s);
    } else if (tag == "for") {
      for_stmt(*s);
    } else if (tag == "set") {
      set_stmt(*s);
    } else if (tag == "macro") {
      macro_stmt(*s);
    } else if (tag == "with") {
      with_stmt(*s);
    } else if (tag == "break" || tag == "continue") {
      if (loop_depth_ == 0) fail_at(pos, "'" + tag + "' outside of a loop");
      s->kind = tag == "break" ? StmtKind::Break : StmtKind::Continue;
      end_tag();
    } else if (tag == "generation") {  // HF's assistant-mask marker: renders its body as is
      end_tag();
      Body inner = body({"endgeneration"});
      tag_name();
      end_tag();
      for (auto& st : inner) out.push_back(std::move(st));
      return;
    } else if (tag == "include" || tag == "import" || tag == "from" || tag == "extends") {
      fail_at(pos, "'{% " + tag + " %}' is not allowed: templates cannot read other files");
    } else if (tag == "block" || tag == "call" || tag == "filter" || tag == "raw" ||
               tag == "autoescape") {
      fail_at(pos, "'{% " + tag + " %}' is not supported");
    } else if (tag.starts_with("end") || tag == "elif" || tag == "else") {
      fail_at(pos, "unexpected '{% " + tag + " %}'");
    } else {
      fail_at(pos, "unknown tag '" + tag + "'");
    }
    out.push_back(std::move(s));
  }

  void if_stmt(Stmt& s) {
    s.kind = StmtKind::If;
    s.exprs.push_back(tuple(true));
    end_tag();
    for (;;) {
      s.bodies.push_back(body({"elif", "else", "endif"}));
      std::string tag = tag_name();
      if (tag == "elif") {
        s.exprs.push_back(tuple(true));
        end_tag();
      } else if (tag == "else") {
        end_tag();
        s.bodies.push_back(body({"endif"}));
        tag_name();
        end_tag();
        return;
      } else {
        end_tag();
        return;
      }
    }
  }

  std::vector<std::string> targets(std::string_view what) {
    std::vector<std::string> names;
    bool paren = eat_op("(");
    do {
      names.push_back(expect_name(what));
    } while (eat_op(","));
    if (paren) expect_op(")");
    return names;
  }

  void for_stmt(Stmt& s) {
    s.kind = StmtKind::For;
    s.names = targets("a loop variable");
    if (!eat_name("in")) fail("expected 'in' in for loop, got " + describe(cur()));
    s.exprs.push_back(tuple(false));
    s.exprs.push_back(eat_name("if") ? expression(true) : nullptr);
    if (is_name("recursive")) fail("recursive loops are not supported");
    end_tag();
    ++loop_depth_;
    s.bodies.push_back(body({"else", "endfor"}));
    --loop_depth_;
    if (tag_name() == "else") {
      end_tag();
      s.bodies.push_back(body({"endfor"}));
      tag_name();
    } else {
      s.bodies.emplace_back();
    }
    end_tag();
  }

  void set_stmt(Stmt& s) {
    s.names.push_back(expect_name("a variable name"));
    if (eat_op(".")) {
      s.attr = expect_name("an attribute name");
    } else {
      while (eat_op(",")) s.names.push_back(expect_name("a variable name"));
    }
    if (eat_op("=")) {
      s.kind = StmtKind::Set;
      s.exprs.push_back(tuple(true));
      end_tag();
      return;
    }
    if (s.names.size() > 1) fail("expected '=' after several assignment targets");
    s.kind = StmtKind::SetBlock;
    end_tag();
    s.bodies.push_back(body({"endset"}));
    tag_name();
    end_tag();
  }

  // {% with a = x, b = y %} ... {% endwith %}
  void with_stmt(Stmt& s) {
    s.kind = StmtKind::With;
    while (cur().kind != TokenKind::BlockEnd) {
      s.names.push_back(expect_name("a variable name"));
      expect_op("=");
      s.exprs.push_back(expression(true));
      if (!eat_op(",")) break;
    }
    end_tag();
    s.bodies.push_back(body({"endwith"}));
    tag_name();
    end_tag();
  }

  void macro_stmt(Stmt& s) {
    s.kind = StmtKind::Macro;
    s.text = expect_name("a macro name");
    expect_op("(");
    while (!is_op(")")) {
      s.names.push_back(expect_name("a parameter name"));
      s.exprs.push_back(eat_op("=") ? expression(true) : nullptr);
      if (!eat_op(",")) break;
    }
    expect_op(")");
    end_tag();
    int saved_loops = loop_depth_;
    loop_depth_ = 0;
    s.bodies.push_back(body({"endmacro"}));
    loop_depth_ = saved_loops;
    tag_name();
    if (cur().kind == TokenKind::Name) next();  // {% endmacro name %}
    end_tag();
  }

  // ---- expressions ----

  // An expression, or several separated by commas (a tuple, held as a list).
  ExprPtr tuple(bool with_condexpr) {
    Pos pos = cur().pos;
    ExprPtr first = expression(with_condexpr);
    if (!is_op(",")) return first;
    ExprPtr list = make_expr(ExprKind::List, pos);
    list->args.push_back(std::move(first));
    while (eat_op(",")) {
      if (cur().kind == TokenKind::BlockEnd || cur().kind == TokenKind::VarEnd || is_op(")")) break;
      list->args.push_back(expression(with_condexpr));
    }
    return seal(std::move(list));
  }

  ExprPtr expression(bool with_condexpr) {
    DepthGuard guard(*this);
    return with_condexpr ? condexpr() : or_expr();
  }

  ExprPtr condexpr() {
    ExprPtr e = or_expr();
    while (is_name("if")) {
      Pos pos = next().pos;
      ExprPtr cond = or_expr();
      ExprPtr other;
      if (eat_name("else")) {  // `a if c else b if d else ...` nests to the right
        DepthGuard guard(*this);
        other = condexpr();
      }
      ExprPtr c = make_expr(ExprKind::Cond, pos);
      c->args.push_back(std::move(e));
      c->args.push_back(std::move(cond));
      c->args.push_back(std::move(other));
      e = seal(std::move(c));
    }
    return e;
  }

  ExprPtr or_expr() {
    ExprPtr e = and_expr();
    while (is_name("or")) {
      Pos pos = next().pos;
      e = seal(make_binary(ExprKind::Or, pos, "or", std::move(e), and_expr()));
    }
    return e;
  }

  ExprPtr and_expr() {
    ExprPtr e = not_expr();
    while (is_name("and")) {
      Pos pos = next().pos;
      e = seal(make_binary(ExprKind::And, pos, "and", std::move(e), not_expr()));
    }
    return e;
  }

  ExprPtr not_expr() {
    if (is_name("not")) {
      DepthGuard guard(*this);
      Pos pos = next().pos;
      ExprPtr e = make_expr(ExprKind::Not, pos);
      e->args.push_back(not_expr());
      return seal(std::move(e));
    }
    return compare();
  }

  ExprPtr compare() {
    Pos pos = cur().pos;
    ExprPtr first = math1();
    ExprPtr cmp;
    for (;;) {
      std::string op;
      if (cur().kind == TokenKind::Op &&
          (is_op("==") || is_op("!=") || is_op("<") || is_op("<=") || is_op(">") || is_op(">="))) {
        op = next().text;
      } else if (is_name("in")) {
        next();
        op = "in";
      } else if (is_name("not") && peek().kind == TokenKind::Name && peek().text == "in") {
        next();
        next();
        op = "not in";
      } else {
        break;
      }
      if (!cmp) {
        cmp = make_expr(ExprKind::Compare, pos);
        cmp->args.push_back(std::move(first));
      }
      cmp->ops.push_back(op);
      cmp->args.push_back(math1());
    }
    return cmp ? seal(std::move(cmp)) : std::move(first);
  }

  ExprPtr math1() {
    ExprPtr e = concat();
    while (is_op("+") || is_op("-")) {
      const Token& t = next();
      e = seal(make_binary(ExprKind::Binary, t.pos, t.text, std::move(e), concat()));
    }
    return e;
  }

  ExprPtr concat() {
    ExprPtr e = math2();
    while (is_op("~")) {
      const Token& t = next();
      e = seal(make_binary(ExprKind::Binary, t.pos, t.text, std::move(e), math2()));
    }
    return e;
  }

  ExprPtr math2() {
    ExprPtr e = pow();
    while (is_op("*") || is_op("/") || is_op("//") || is_op("%")) {
      const Token& t = next();
      e = seal(make_binary(ExprKind::Binary, t.pos, t.text, std::move(e), pow()));
    }
    return e;
  }

  ExprPtr pow() {
    ExprPtr e = unary(true);
    while (is_op("**")) {
      const Token& t = next();
      e = seal(make_binary(ExprKind::Binary, t.pos, t.text, std::move(e), unary(true)));
    }
    return e;
  }

  ExprPtr unary(bool with_filter) {
    DepthGuard guard(*this);
    ExprPtr e;
    if (is_op("-") || is_op("+")) {
      const Token& t = next();
      e = make_expr(t.text == "-" ? ExprKind::Neg : ExprKind::Plus, t.pos);
      e->args.push_back(unary(false));
      e = seal(std::move(e));
    } else {
      e = postfix(primary());
    }
    return with_filter ? filters_and_tests(std::move(e)) : std::move(e);
  }

  ExprPtr primary() {
    const Token& t = cur();
    switch (t.kind) {
      case TokenKind::Name: {
        next();
        ExprPtr e = make_expr(ExprKind::Literal, t.pos);
        if (t.text == "true" || t.text == "True") {
          e->literal = Value(true);
        } else if (t.text == "false" || t.text == "False") {
          e->literal = Value(false);
        } else if (t.text == "none" || t.text == "None") {
          e->literal = Value::none();
        } else {
          e->kind = ExprKind::Name;
          e->name = t.text;
        }
        return e;
      }
      case TokenKind::String: {
        ExprPtr e = make_expr(ExprKind::Literal, t.pos);
        std::string s;
        while (cur().kind == TokenKind::String) s += next().text;  // "a" "b" concatenates
        e->literal = Value(std::move(s));
        return e;
      }
      case TokenKind::Int: {
        next();
        ExprPtr e = make_expr(ExprKind::Literal, t.pos);
        e->literal = Value(t.int_value);
        return e;
      }
      case TokenKind::Float: {
        next();
        ExprPtr e = make_expr(ExprKind::Literal, t.pos);
        e->literal = Value(t.float_value);
        return e;
      }
      case TokenKind::Op:
        if (t.text == "(") {
          next();
          if (eat_op(")")) return make_expr(ExprKind::List, t.pos);  // ()
          ExprPtr first = expression(true);
          if (eat_op(")")) return first;
          ExprPtr list = make_expr(ExprKind::List, t.pos);
          list->args.push_back(std::move(first));
          while (eat_op(",")) {
            if (is_op(")")) break;
            list->args.push_back(expression(true));
          }
          expect_op(")");
          return seal(std::move(list));
        }
        if (t.text == "[") {
          next();
          ExprPtr list = make_expr(ExprKind::List, t.pos);
          while (!is_op("]")) {
            list->args.push_back(expression(true));
            if (!eat_op(",")) break;
          }
          expect_op("]");
          return seal(std::move(list));
        }
        if (t.text == "{") {
          next();
          ExprPtr dict = make_expr(ExprKind::Dict, t.pos);
          while (!is_op("}")) {
            dict->args.push_back(expression(true));
            expect_op(":");
            dict->args.push_back(expression(true));
            if (!eat_op(",")) break;
          }
          expect_op("}");
          return seal(std::move(dict));
        }
        break;
      default: break;
    }
    fail("expected an expression, got " + describe(t));
  }

  ExprPtr postfix(ExprPtr e) {
    for (;;) {
      if (is_op(".")) {
        Pos pos = next().pos;
        if (cur().kind == TokenKind::Int) {  // foo.0 is foo[0]
          ExprPtr idx = make_expr(ExprKind::Literal, cur().pos);
          idx->literal = Value(next().int_value);
          ExprPtr g = make_expr(ExprKind::GetItem, pos);
          g->args.push_back(std::move(e));
          g->args.push_back(std::move(idx));
          e = seal(std::move(g));
          continue;
        }
        ExprPtr g = make_expr(ExprKind::GetAttr, pos);
        g->name = expect_name("an attribute name after '.'");
        g->args.push_back(std::move(e));
        e = seal(std::move(g));
      } else if (is_op("[")) {
        e = subscript(std::move(e));
      } else if (is_op("(")) {
        e = call(std::move(e));
      } else {
        return e;
      }
    }
  }

  ExprPtr subscript(ExprPtr obj) {
    Pos pos = next().pos;  // '['
    ExprPtr start;
    if (!is_op(":")) start = expression(true);
    if (!eat_op(":")) {
      expect_op("]");
      ExprPtr g = make_expr(ExprKind::GetItem, pos);
      g->args.push_back(std::move(obj));
      g->args.push_back(std::move(start));
      return seal(std::move(g));
    }
    ExprPtr stop, step;
    if (!is_op(":") && !is_op("]")) stop = expression(true);
    if (eat_op(":") && !is_op("]")) step = expression(true);
    expect_op("]");
    ExprPtr s = make_expr(ExprKind::Slice, pos);
    s->args.push_back(std::move(obj));
    s->args.push_back(std::move(start));
    s->args.push_back(std::move(stop));
    s->args.push_back(std::move(step));
    return seal(std::move(s));
  }

  // Parses "(args)" into e (whose args[0] is already the callee or input).
  void call_args(Expr& e) {
    expect_op("(");
    while (!is_op(")")) {
      if (cur().kind == TokenKind::Name && peek().kind == TokenKind::Op && peek().text == "=") {
        std::string key = next().text;
        next();
        e.kwargs.emplace_back(std::move(key), expression(true));
      } else {
        if (!e.kwargs.empty()) fail("positional argument after a keyword argument");
        e.args.push_back(expression(true));
      }
      if (!eat_op(",")) break;
    }
    expect_op(")");
  }

  ExprPtr call(ExprPtr callee) {
    ExprPtr c = make_expr(ExprKind::Call, callee->pos);
    c->args.push_back(std::move(callee));
    call_args(*c);
    return seal(std::move(c));
  }

  ExprPtr filters_and_tests(ExprPtr e) {
    for (;;) {
      if (is_op("|")) {
        next();
        Pos pos = cur().pos;
        std::string name = expect_name("a filter name after '|'");
        if (!has_filter(name)) fail_at(pos, "unknown filter '" + name + "'");
        ExprPtr f = make_expr(ExprKind::Filter, pos);
        f->name = name;
        f->args.push_back(std::move(e));
        if (is_op("(")) call_args(*f);
        e = seal(std::move(f));
      } else if (is_name("is")) {
        next();
        ExprPtr t = make_expr(ExprKind::Test, cur().pos);
        t->negated = eat_name("not");
        Pos pos = cur().pos;
        t->name = expect_name("a test name after 'is'");
        if (!has_test(t->name)) fail_at(pos, "unknown test '" + t->name + "'");
        t->args.push_back(std::move(e));
        if (is_op("(")) {
          call_args(*t);
        } else if (bare_test_argument()) {
          t->args.push_back(postfix(primary()));
        }
        e = seal(std::move(t));
      } else {
        return e;
      }
    }
  }

  // `x is divisibleby 3`: a test may take one argument without parentheses.
  bool bare_test_argument() const {
    const Token& t = cur();
    if (t.kind == TokenKind::Name) {
      static constexpr std::string_view kStop[] = {"else", "or", "and", "if", "in", "is", "not"};
      return std::find(std::begin(kStop), std::end(kStop), t.text) == std::end(kStop);
    }
    return t.kind == TokenKind::String || t.kind == TokenKind::Int || t.kind == TokenKind::Float ||
           (t.kind == TokenKind::Op && (t.text == "[" || t.text == "{"));
  }

  const std::vector<Token>& t_;
  const std::string& name_;
  int max_nesting_;
  std::size_t i_ = 0;
  int depth_ = 0;
  int loop_depth_ = 0;
};

}  // namespace

std::unique_ptr<Program> parse_tokens(const std::vector<Token>& tokens, const std::string& name,
                                      int max_nesting) {
  return Parser(tokens, name, max_nesting).program();
}

}  // namespace vkchat::jinja
