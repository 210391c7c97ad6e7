// The interpreter's value type: Python-like semantics for the subset of Python objects that chat
// templates see (None, bool, int, float, str, list, dict), plus Jinja's undefined, namespaces
// and callables. Strings, lists and dicts are immutable once built (HF renders templates in an
// ImmutableSandboxedEnvironment), so a Value shares them by reference count: copying a Value,
// {% set %}, passing an argument or putting a string into a list never copies its contents.
// The only mutable object is a namespace, owned by the render that created it.
//
// Building a string, list or dict is charged to the render's work account (work.h), and so is
// every node that comparing, printing or converting a value walks.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include "util/errors.h"
#include "util/json.h"

namespace vkchat::jinja {

// A position in the template source, 1-based.
struct Pos {
  int line = 1;
  int column = 1;
};

class Value;
using Array = std::vector<Value>;

// A dict: insertion-ordered members (JSON objects keep their order through tojson). Large ones
// keep a hash index, so that a lookup, a dict literal or a comparison stays linear overall;
// members appended to `items` directly after indexing are still found (by a scan of the tail).
struct Object {
  std::vector<std::pair<std::string, Value>> items;
  const Value* find(std::string_view key) const;
  void set(std::string key, Value v);
  void index();  // builds the index when the dict is large (Value(Object) does)

 private:
  struct KeyHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, std::size_t, KeyHash, std::equal_to<>> index_;
  std::size_t indexed_ = 0;  // items[0, indexed_) are in the index
};

// The object namespace() returns: attributes assignable with {% set ns.x = ... %}.
struct Namespace {
  Object attrs;
};

struct Stmt;  // a macro definition, owned by the parsed template
class Work;

// A shared string, list or dict, with the bytes it holds on its render's work account (none
// for a value built outside a render, such as a template's literals); freed, it gives them back.
template <class T>
struct Counted {
  T value;
  Work* account = nullptr;
  std::uint64_t bytes = 0;
  bool ascii = false;  // a string of ASCII only: indexed by byte, without decoding
  Counted(T v, Work* w, std::uint64_t b) : value(std::move(v)), account(w), bytes(b) {}
  Counted(const Counted&) = delete;
  Counted& operator=(const Counted&) = delete;
  ~Counted();
};

enum class Builtin { RaiseException, Namespace, Range, StrftimeNow, Dict };

struct Callable {
  const Stmt* macro = nullptr;  // a {% macro %}; otherwise the builtin below
  Builtin builtin = Builtin::RaiseException;
};

// A failure inside an operation, before it is tied to a template position (the interpreter adds
// the position of the expression that failed and turns it into a vkchat::TemplateError).
class EvalError : public std::runtime_error {
 public:
  explicit EvalError(const std::string& what,
                     TemplateError::Kind kind = TemplateError::Kind::Runtime)
      : std::runtime_error(what), kind_(kind) {}
  TemplateError::Kind kind() const { return kind_; }

 private:
  TemplateError::Kind kind_;
};

// Lists and dicts may nest this deep (JSON input nests at most 512); deeper values would make
// printing, comparing and freeing them recurse without bound.
inline constexpr int kMaxValueDepth = 1000;

class Value {
 public:
  enum class Kind { Undefined, None, Bool, Int, Float, String, Array, Object, Namespace, Callable };

  Value() = default;  // undefined
  Value(bool b) : v_(b) {}
  Value(int i) : v_(std::int64_t{i}) {}
  Value(std::int64_t i) : v_(i) {}
  Value(double d) : v_(d) {}
  Value(std::string s);  // charged as bytes built (work.h)
  Value(const char* s) : Value(std::string(s)) {}
  Value(Array a);   // throws EvalError (Limit) past kMaxValueDepth or a work limit
  Value(Object o);  // likewise
  Value(Namespace* ns) : v_(ns) {}
  Value(Callable c) : v_(c) {}

  static Value none() { return Value(NoneTag{}); }
  // An undefined value that remembers why, for error messages ("'foo' is undefined").
  static Value undefined(std::string hint) {
    return Value(UndefinedTag{std::make_shared<const std::string>(std::move(hint))});
  }

  Kind kind() const { return static_cast<Kind>(v_.index()); }
  bool is_undefined() const { return kind() == Kind::Undefined; }
  bool is_none() const { return kind() == Kind::None; }
  bool is_bool() const { return kind() == Kind::Bool; }
  bool is_int() const { return kind() == Kind::Int; }
  bool is_float() const { return kind() == Kind::Float; }
  bool is_number() const { return is_int() || is_float() || is_bool(); }  // Python: bool is int
  bool is_string() const { return kind() == Kind::String; }
  bool is_array() const { return kind() == Kind::Array; }
  bool is_object() const { return kind() == Kind::Object; }
  bool is_namespace() const { return kind() == Kind::Namespace; }
  bool is_callable() const { return kind() == Kind::Callable; }

  // Accessors for a known kind (callers check first).
  bool as_bool() const { return std::get<bool>(v_); }
  std::int64_t as_int() const;  // Int or Bool
  double as_double() const;     // Int, Float or Bool
  const std::string& str() const { return std::get<Shared<std::string>>(v_)->value; }
  bool is_ascii_string() const { return std::get<Shared<std::string>>(v_)->ascii; }
  const Array& array() const { return std::get<Shared<Array>>(v_)->value; }
  const Object& object() const { return std::get<Shared<Object>>(v_)->value; }
  Namespace* ns() const { return std::get<Namespace*>(v_); }
  const Callable& callable() const { return std::get<Callable>(v_); }
  const std::string& undefined_hint() const;

  // The same underlying list or dict (a cheap first check for equality).
  bool same_container(const Value& o) const;
  int depth() const { return depth_; }  // nesting of lists and dicts: 0 for scalars

 private:
  struct UndefinedTag {
    std::shared_ptr<const std::string> hint;  // null: no hint
  };
  struct NoneTag {};
  explicit Value(NoneTag t) : v_(t) {}
  explicit Value(UndefinedTag t) : v_(std::move(t)) {}

  template <class T>
  using Shared = std::shared_ptr<const Counted<T>>;
  template <class T>
  static std::shared_ptr<Counted<T>> share(T v, std::uint64_t bytes);

  std::variant<UndefinedTag, NoneTag, bool, std::int64_t, double, Shared<std::string>,
               Shared<Array>, Shared<Object>, Namespace*, Callable>
      v_;
  int depth_ = 0;
};

// Python's type name for messages: "str", "int", "list", "dict", "NoneType", "undefined", ...
std::string type_name(const Value& v);

// Python's truth value (undefined is false).
bool truthy(const Value& v);

// Python's str() (undefined prints as ""), and repr() as used inside containers. A namespace
// that contains itself fails (EvalError) instead of recursing forever.
std::string to_str(const Value& v);
std::string repr(const Value& v);

// Python ==: numbers by value (bool counts as a number), lists and dicts deeply.
bool equals(const Value& a, const Value& b);

// A hash consistent with equals (1 == 1.0 == True hash alike; a dict's hash ignores order).
std::size_t hash_value(const Value& v);

// Python ordering for <, <=, >, >=: numbers, strings (by code point), lists lexicographically.
// Other pairs throw EvalError. Returns <0, 0 or >0.
int compare(const Value& a, const Value& b);

// Conversions at the JSON boundary. to_json fails (EvalError) on undefined and callables.
Value from_json(const json::Value& j);
json::Value to_json(const Value& v);

}  // namespace vkchat::jinja
