// The interpreter's library: filters (x|name), tests (x is name), methods of str/list/dict
// (x.name(...)) and global functions. Each fails with EvalError; the interpreter adds the position.
#pragma once
#include <ctime>
#include <deque>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "jinja/template.h"
#include "jinja/value.h"
#include "jinja/work.h"

namespace vkchat::jinja {

// Evaluated call arguments.
struct Args {
  std::vector<Value> positional;
  std::vector<std::pair<std::string, Value>> keyword;

  // Positional argument i, else the keyword `name`; nullptr when neither was given.
  const Value* get(std::size_t i, std::string_view name) const;
};

// What builtins may use from the render in progress.
struct Env {
  const Limits& limits;
  std::tm now;
  std::deque<Namespace>& namespaces;  // namespace() objects live as long as the render
  Work& work;                         // the render's account (work.h)
};

// Charges the render's work account (Work::spend).
void charge(Env& env, std::uint64_t units);
std::uint64_t size_of(const Value& v);  // what walking v costs, in units: bytes, or kItem each

bool has_filter(std::string_view name);
bool has_test(std::string_view name);
Value apply_filter(Env& env, std::string_view name, const Value& input, const Args& args);
bool apply_test(Env& env, std::string_view name, const Value& input, const Args& args);

// obj.name(args) for a str, list or dict; nullopt when that type has no such method.
std::optional<Value> call_method(Env& env, const Value& self, std::string_view name,
                                 const Args& args);

// The global functions: raise_exception, namespace, range, strftime_now, dict.
std::optional<Builtin> find_global(std::string_view name);
Value call_builtin(Env& env, Builtin fn, const Args& args);

// Helpers the interpreter shares with the builtins.
std::vector<Value> iterate(const Value& v);               // list items, dict keys, str characters
Value get_item(const Value& obj, const Value& key);       // obj[key], undefined when absent
Value get_attr(const Value& obj, std::string_view name);  // obj.name, undefined when absent
Value slice(const Value& obj, const Value& start, const Value& stop, const Value& step);
void check_size(Env& env, std::size_t bytes);  // fails past max_output_bytes or the memory limit
std::u32string decode_within_limits(std::string_view s);  // text::decode, charged and bounded

// Operators: `needle in haystack`, and + - * / // % ** ~ with Python's semantics.
bool contains(const Value& haystack, const Value& needle);
Value binary_op(Env& env, std::string_view op, const Value& a, const Value& b);

}  // namespace vkchat::jinja
