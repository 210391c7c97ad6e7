// The tree-walking evaluator: control flow, scopes, calls and output, with every failure turned
// into a TemplateError at the position of the construct that failed.
#include "jinja/interpreter.h"

#include <algorithm>
#include <deque>
#include <limits>

#include "jinja/builtins.h"
#include "jinja/work.h"

namespace vkchat::jinja {

namespace {

// One scope: the globals, a for-loop iteration or a macro call.
struct Frame {
  Frame* parent = nullptr;
  std::vector<std::pair<std::string, Value>> vars;

  // Scopes hold a few names each; the scans are charged, so a template with thousands of
  // names fails at the work limit instead of going quadratic.
  const Value* find(std::string_view name) const {
    for (const Frame* f = this; f; f = f->parent) {
      spend(kStep + kItem * f->vars.size());
      for (const auto& [k, v] : f->vars) {
        if (k == name) return &v;
      }
    }
    return nullptr;
  }

  void set(const std::string& name, Value v) {
    spend(kStep + kItem * vars.size());
    for (auto& [k, old] : vars) {
      if (k == name) {
        old = std::move(v);
        return;
      }
    }
    vars.emplace_back(name, std::move(v));
  }
};

enum class Flow { Normal, Break, Continue };

std::tm local_now() {
  std::time_t t = std::time(nullptr);
  std::tm out{};
  localtime_r(&t, &out);
  return out;
}

class Interpreter {
 public:
  Interpreter(const std::string& name, const RenderOptions& opts)
      : work_(opts.limits, opts.cancel),
        name_(name),
        limits_(opts.limits),
        env_{opts.limits, opts.now ? *opts.now : local_now(), namespaces_, work_} {}

  std::string run(const Program& program, const json::Value& context) {
    // The caller's context is not the template's doing: it is converted before the account opens.
    Frame globals;
    for (const auto& [k, v] : context.as_object()) globals.vars.emplace_back(k, from_json(v));
    Work::Scope scope(work_);
    root_ = &globals;
    std::string out;
    out_ = &out;
    at(Pos{}, [&] { exec(program.body, globals); });
    return out;
  }

  const Work& work() const { return work_; }

 private:
  [[noreturn]] void fail(Pos p, const std::string& what,
                         TemplateError::Kind kind = TemplateError::Kind::Runtime) const {
    throw TemplateError(kind, name_, p.line, p.column, what);
  }

  // Runs f, giving any EvalError it throws the position p.
  template <class F>
  auto at(Pos p, F&& f) -> decltype(f()) {
    try {
      return f();
    } catch (const EvalError& e) {
      fail(p, e.what(), e.kind());
    }
  }

  // Output, and the buffers of macro calls and set blocks, count as memory held.
  void emit(Pos p, std::string_view s) {
    if (out_->size() + s.size() > limits_.max_output_bytes) {
      fail(p, "output exceeds the limit of " + std::to_string(limits_.max_output_bytes) + " bytes",
           TemplateError::Kind::Limit);
    }
    at(p, [&] { work_.hold(s.size()); });
    out_->append(s);
  }

  // Renders a body into a string value of its own (macro calls, {% set %} blocks).
  Value capture(const Body& body, Frame& f, Pos p) {
    std::string buf;
    std::string* saved = out_;
    out_ = &buf;
    try {
      exec(body, f);
    } catch (...) {
      out_ = saved;
      work_.release(buf.size());
      throw;
    }
    out_ = saved;
    const std::uint64_t held = buf.size();
    Value v;
    try {
      v = at(p, [&] { return Value(std::move(buf)); });
    } catch (...) {
      work_.release(held);
      throw;
    }
    work_.release(held);
    return v;
  }

  // ---- statements ----

  Flow exec(const Body& body, Frame& f) {
    for (const auto& s : body) {
      Flow flow = exec(*s, f);
      if (flow != Flow::Normal) return flow;
    }
    return Flow::Normal;
  }

  // Any failure not already placed more precisely gets the statement's position.
  Flow exec(const Stmt& s, Frame& f) {
    try {
      work_.spend(kStep);
      return exec_stmt(s, f);
    } catch (const EvalError& e) {
      fail(s.pos, e.what(), e.kind());
    }
  }

  Flow exec_stmt(const Stmt& s, Frame& f) {
    switch (s.kind) {
      case StmtKind::Text: emit(s.pos, s.text); return Flow::Normal;
      case StmtKind::Output: {
        Value v = eval(*s.exprs[0], f);
        emit(s.pos, to_str(v));
        return Flow::Normal;
      }
      case StmtKind::If:
        for (std::size_t i = 0; i < s.exprs.size(); ++i) {
          if (truthy(eval(*s.exprs[i], f))) return exec(s.bodies[i], f);
        }
        if (s.bodies.size() > s.exprs.size()) return exec(s.bodies.back(), f);
        return Flow::Normal;
      case StmtKind::For: return exec_for(s, f);
      case StmtKind::Set: assign(s, eval(*s.exprs[0], f), f); return Flow::Normal;
      case StmtKind::SetBlock: assign(s, capture(s.bodies[0], f, s.pos), f); return Flow::Normal;
      case StmtKind::Macro:
        f.set(s.text, Value(Callable{&s, Builtin::RaiseException}));
        return Flow::Normal;
      case StmtKind::With: {
        std::vector<Value> values;
        for (const auto& e : s.exprs) values.push_back(eval(*e, f));
        Frame scope{&f, {}};
        for (std::size_t i = 0; i < s.names.size(); ++i)
          scope.set(s.names[i], std::move(values[i]));
        return exec(s.bodies[0], scope);
      }
      case StmtKind::Break: return Flow::Break;
      case StmtKind::Continue: return Flow::Continue;
    }
    return Flow::Normal;
  }

  void bind_targets(const Stmt& s, const Value& v, Frame& f) {
    if (s.names.size() == 1) {
      f.set(s.names[0], v);
      return;
    }
    if (!v.is_array() || v.array().size() != s.names.size()) {
      fail(s.pos, "cannot unpack " +
                      (v.is_array() ? std::to_string(v.array().size()) + " values"
                                    : "a '" + type_name(v) + "'") +
                      " into " + std::to_string(s.names.size()) + " names");
    }
    for (std::size_t i = 0; i < s.names.size(); ++i) f.set(s.names[i], v.array()[i]);
  }

  void assign(const Stmt& s, Value v, Frame& f) {
    if (s.attr.empty()) {
      bind_targets(s, v, f);
      return;
    }
    const Value* target = f.find(s.names[0]);
    if (!target || !target->is_namespace()) {
      fail(s.pos, "cannot set '" + s.names[0] + "." + s.attr +
                      "': only a namespace() object takes attribute assignment");
    }
    target->ns()->attrs.set(s.attr, std::move(v));
  }

  Flow exec_for(const Stmt& s, Frame& f) {
    const Expr& iter_expr = *s.exprs[0];
    Value iterable = eval(iter_expr, f);
    // A list is walked in place (the value keeps it alive); dict keys and characters are built.
    std::vector<Value> built;
    if (!iterable.is_array()) {
      built = at(iter_expr.pos, [&] {
        charge(env_, size_of(iterable));
        return iterate(iterable);
      });
    }
    const std::vector<Value>* list = iterable.is_array() ? &iterable.array() : &built;
    if (const Expr* cond = s.exprs[1].get()) {
      std::vector<Value> kept;
      for (const Value& item : *list) {
        count_iteration(s.pos);
        Frame scope{&f, {}};
        bind_targets(s, item, scope);
        if (truthy(eval(*cond, scope))) kept.push_back(item);
      }
      built = std::move(kept);
      list = &built;
    }
    const std::vector<Value>& items = *list;
    if (items.empty()) return exec(s.bodies[1], f);
    const std::int64_t n = static_cast<std::int64_t>(items.size());
    for (std::int64_t i = 0; i < n; ++i) {
      count_iteration(s.pos);
      Frame scope{&f, {}};
      const Value& item = items[static_cast<std::size_t>(i)];
      bind_targets(s, item, scope);
      Object loop;
      loop.items = {{"index", Value(i + 1)},    {"index0", Value(i)},
                    {"revindex", Value(n - i)}, {"revindex0", Value(n - i - 1)},
                    {"first", Value(i == 0)},   {"last", Value(i == n - 1)},
                    {"length", Value(n)},       {"depth", Value(1)},
                    {"depth0", Value(0)}};
      if (i > 0) loop.items.emplace_back("previtem", items[static_cast<std::size_t>(i - 1)]);
      if (i + 1 < n) loop.items.emplace_back("nextitem", items[static_cast<std::size_t>(i + 1)]);
      scope.set("loop", Value(std::move(loop)));
      if (exec(s.bodies[0], scope) == Flow::Break) break;
    }
    return Flow::Normal;
  }

  void count_iteration(Pos p) {
    at(p, [&] { charge(env_, kCall); });
    if (++iterations_ > limits_.max_loop_iterations) {
      fail(p, "more than " + std::to_string(limits_.max_loop_iterations) + " loop iterations",
           TemplateError::Kind::Limit);
    }
  }

  // ---- expressions ----

  Args eval_args(const Expr& e, std::size_t first, Frame& f) {
    Args a;
    for (std::size_t i = first; i < e.args.size(); ++i) a.positional.push_back(eval(*e.args[i], f));
    for (const auto& [k, x] : e.kwargs) a.keyword.emplace_back(k, eval(*x, f));
    return a;
  }

  Value lookup(const std::string& name, const Frame& f) {
    if (const Value* v = f.find(name)) return *v;
    if (auto b = find_global(name)) return Value(Callable{nullptr, *b});
    return Value::undefined("'" + name + "' is undefined");
  }

  Value eval(const Expr& e, Frame& f) {
    at(e.pos, [&] { work_.spend(kStep); });
    switch (e.kind) {
      case ExprKind::Literal: return e.literal;
      case ExprKind::Name: return lookup(e.name, f);
      case ExprKind::List: {
        Array out;
        out.reserve(e.args.size());
        for (const auto& x : e.args) out.push_back(eval(*x, f));
        return at(e.pos, [&] { return Value(std::move(out)); });
      }
      case ExprKind::Dict: {
        Object out;
        for (std::size_t i = 0; i + 1 < e.args.size(); i += 2) {
          Value k = eval(*e.args[i], f);
          if (!k.is_string())
            fail(e.args[i]->pos, "dict keys must be strings, not '" + type_name(k) + "'");
          out.set(k.str(), eval(*e.args[i + 1], f));
        }
        return at(e.pos, [&] { return Value(std::move(out)); });
      }
      case ExprKind::GetAttr: {
        Value obj = eval(*e.args[0], f);
        return at(e.pos, [&] { return get_attr(obj, e.name); });
      }
      case ExprKind::GetItem: {
        Value obj = eval(*e.args[0], f);
        Value key = eval(*e.args[1], f);
        return at(e.pos, [&] { return get_item(obj, key); });
      }
      case ExprKind::Slice: {
        Value obj = eval(*e.args[0], f);
        Value bounds[3];
        for (int i = 0; i < 3; ++i)
          bounds[i] = e.args[i + 1] ? eval(*e.args[i + 1], f) : Value::none();
        return at(e.pos, [&] {
          charge(env_, size_of(obj));
          return slice(obj, bounds[0], bounds[1], bounds[2]);
        });
      }
      case ExprKind::Call: return call(e, f);
      case ExprKind::Filter: {
        Value input = eval(*e.args[0], f);
        Args a = eval_args(e, 1, f);
        return at(e.pos, [&] { return apply_filter(env_, e.name, input, a); });
      }
      case ExprKind::Test: {
        Value input = eval(*e.args[0], f);
        Args a = eval_args(e, 1, f);
        bool r = at(e.pos, [&] { return apply_test(env_, e.name, input, a); });
        return Value(r != e.negated);
      }
      case ExprKind::Neg:
      case ExprKind::Plus: {
        Value v = eval(*e.args[0], f);
        if (v.is_float()) return Value(e.kind == ExprKind::Neg ? -v.as_double() : v.as_double());
        if (v.is_int() || v.is_bool()) {
          if (e.kind == ExprKind::Plus) return Value(v.as_int());
          if (v.as_int() == std::numeric_limits<std::int64_t>::min())
            fail(e.pos, "integer overflow");
          return Value(-v.as_int());
        }
        if (v.is_undefined()) fail(e.pos, v.undefined_hint());
        fail(e.pos, "bad operand type for unary " +
                        std::string(e.kind == ExprKind::Neg ? "-" : "+") + ": '" + type_name(v) +
                        "'");
      }
      case ExprKind::Not: return Value(!truthy(eval(*e.args[0], f)));
      case ExprKind::Binary: {
        Value a = eval(*e.args[0], f);
        Value b = eval(*e.args[1], f);
        return at(e.pos, [&] { return binary_op(env_, e.name, a, b); });
      }
      case ExprKind::Compare: {
        Value left = eval(*e.args[0], f);
        for (std::size_t i = 0; i < e.ops.size(); ++i) {
          Value right = eval(*e.args[i + 1], f);
          bool holds = at(e.pos, [&] {
            charge(env_, size_of(left) + size_of(right));
            return compare_op(e.ops[i], left, right);
          });
          if (!holds) return Value(false);
          left = std::move(right);
        }
        return Value(true);
      }
      case ExprKind::And: {
        Value l = eval(*e.args[0], f);
        return truthy(l) ? eval(*e.args[1], f) : l;
      }
      case ExprKind::Or: {
        Value l = eval(*e.args[0], f);
        return truthy(l) ? l : eval(*e.args[1], f);
      }
      case ExprKind::Cond:
        if (truthy(eval(*e.args[1], f))) return eval(*e.args[0], f);
        return e.args[2] ? eval(*e.args[2], f)
                         : Value::undefined("the condition was false and there is no else");
    }
    return Value();
  }

  static bool compare_op(const std::string& op, const Value& a, const Value& b) {
    if (op == "==") return equals(a, b);
    if (op == "!=") return !equals(a, b);
    if (op == "in") return contains(b, a);
    if (op == "not in") return !contains(b, a);
    int c = compare(a, b);
    if (op == "<") return c < 0;
    if (op == "<=") return c <= 0;
    if (op == ">") return c > 0;
    return c >= 0;  // ">="
  }

  Value call(const Expr& e, Frame& f) {
    const Expr& callee = *e.args[0];
    if (callee.kind == ExprKind::GetAttr) {  // obj.method(...)
      Value obj = eval(*callee.args[0], f);
      if (obj.is_undefined()) fail(callee.pos, obj.undefined_hint());
      Args a = eval_args(e, 1, f);
      if (obj.is_string() || obj.is_array() || obj.is_object()) {
        if (auto r = at(e.pos, [&] { return call_method(env_, obj, callee.name, a); })) return *r;
      }
      Value fn = at(callee.pos, [&] { return get_attr(obj, callee.name); });
      return call_value(fn, a, e.pos);
    }
    Value fn = eval(callee, f);
    Args a = eval_args(e, 1, f);
    return call_value(fn, a, e.pos);
  }

  Value call_value(const Value& fn, const Args& a, Pos pos) {
    if (fn.is_undefined()) fail(pos, fn.undefined_hint() + ", so it cannot be called");
    if (!fn.is_callable()) fail(pos, "'" + type_name(fn) + "' object is not callable");
    const Callable& c = fn.callable();
    if (!c.macro) return at(pos, [&] { return call_builtin(env_, c.builtin, a); });
    return call_macro(*c.macro, a, pos);
  }

  Value call_macro(const Stmt& m, const Args& a, Pos pos) {
    if (call_depth_ >= limits_.max_call_depth) {
      fail(pos, "macro calls nested deeper than " + std::to_string(limits_.max_call_depth),
           TemplateError::Kind::Limit);
    }
    if (a.positional.size() > m.names.size()) {
      fail(pos, "macro '" + m.text + "' takes " + std::to_string(m.names.size()) +
                    " argument(s), " + std::to_string(a.positional.size()) + " given");
    }
    Frame scope{root_, {}};
    for (std::size_t i = 0; i < a.positional.size(); ++i) scope.set(m.names[i], a.positional[i]);
    for (const auto& [k, v] : a.keyword) {
      if (std::find(m.names.begin(), m.names.end(), k) == m.names.end()) {
        fail(pos, "macro '" + m.text + "' has no parameter '" + k + "'");
      }
      scope.set(k, v);
    }
    for (std::size_t i = 0; i < m.names.size(); ++i) {
      bool given = false;
      for (const auto& [k, v] : scope.vars) given = given || k == m.names[i];
      if (given) continue;
      scope.set(m.names[i], m.exprs[i] ? eval(*m.exprs[i], scope)
                                       : Value::undefined("'" + m.names[i] + "' is undefined"));
    }
    at(pos, [&] { work_.spend(kCall); });
    ++call_depth_;
    try {
      Value out = capture(m.bodies[0], scope, pos);
      --call_depth_;
      return out;
    } catch (...) {
      --call_depth_;
      throw;
    }
  }

  Work work_;  // first: destroyed last, after every value that holds memory on it
  const std::string& name_;
  const Limits& limits_;
  std::deque<Namespace> namespaces_;
  Env env_;
  Frame* root_ = nullptr;
  std::string* out_ = nullptr;
  std::uint64_t iterations_ = 0;
  int call_depth_ = 0;
};

}  // namespace

std::string run_program(const Program& program, const std::string& name, const json::Value& context,
                        const RenderOptions& opts) {
  return Interpreter(name, opts).run(program, context);
}

}  // namespace vkchat::jinja
