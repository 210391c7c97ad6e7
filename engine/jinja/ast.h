// The parsed template: statements with bodies, and expression trees. Every node keeps the
// source position it came from, for error messages.
#pragma once
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "jinja/value.h"

namespace vkchat::jinja {

enum class ExprKind {
  Literal,  // literal
  Name,     // name
  List,     // args: the elements (tuples are lists too)
  Dict,     // args: key0, value0, key1, value1, ...
  GetAttr,  // args: [object]; name: the attribute
  GetItem,  // args: [object, index]
  Slice,    // args: [object, start, stop, step], each bound may be null
  Call,     // args: [callee, positional...]; kwargs
  Filter,   // args: [input, positional...]; kwargs; name: the filter
  Test,     // args: [input, positional...]; kwargs; name: the test; negated: "is not"
  Neg,      // args: [operand]
  Plus,     // args: [operand]
  Not,      // args: [operand]
  Binary,   // args: [lhs, rhs]; name: + - * / // % ** ~
  Compare,  // args: operands; ops: the operators between them (== != < <= > >= in, not in)
  And,      // args: [lhs, rhs]
  Or,       // args: [lhs, rhs]
  Cond,     // args: [then, condition, else (may be null)]
};

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

struct Expr {
  ExprKind kind = ExprKind::Literal;
  Pos pos;
  std::string name;
  Value literal;
  std::vector<ExprPtr> args;
  std::vector<std::pair<std::string, ExprPtr>> kwargs;
  std::vector<std::string> ops;
  bool negated = false;
  int depth = 1;  // of this subtree (the parser bounds it; evaluation recurses this deep)
};

enum class StmtKind {
  Text,      // text: literal output
  Output,    // {{ exprs[0] }}
  If,        // exprs: one condition per branch; bodies: one per branch, then the else body if any
  For,       // names: loop targets; exprs: [iterable, filter (may be null)]; bodies: [body, else]
  Set,       // names: targets (or names[0] with attr for a namespace attribute); exprs: [value]
  SetBlock,  // like Set, with bodies: [body] whose output is the value
  Macro,  // text: its name; names: parameters; exprs: their defaults (null if none); bodies: [body]
  Break,
  Continue,
  With,  // names: targets; exprs: their values (evaluated outside); bodies: [body], its own scope
};

struct Stmt;
using Body = std::vector<std::unique_ptr<Stmt>>;

struct Stmt {
  StmtKind kind = StmtKind::Text;
  Pos pos;
  std::string text;
  std::vector<std::string> names;
  std::string attr;
  std::vector<ExprPtr> exprs;
  std::vector<Body> bodies;
};

struct Program {
  Body body;
};

}  // namespace vkchat::jinja
