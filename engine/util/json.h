// A small strict JSON (RFC 8259) value type with a parser and a serializer.
//
//   json::Value v = json::parse(text);            // throws vkchat::JsonError{line, column}
//   const json::Value* m = v.find("messages");    // object member or nullptr
//   for (const json::Value& x : m->as_array()) ... x["role"].as_string() ...
//   std::string s = json::serialize(v);           // compact: {"a":1,"b":[true,null]}
//   json::serialize(v, {.indent = 2})             // pretty
//
// Objects keep their members in insertion (file) order; duplicate keys are rejected by the
// parser. Integers that fit in int64 stay integers (Type::Int); every other number is a double.
// Strings are UTF-8; the parser validates them and decodes \u escapes (surrogate pairs too).
#pragma once
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace vkchat::json {

class Value;
using Array = std::vector<Value>;
using Member = std::pair<std::string, Value>;
using Object = std::vector<Member>;  // insertion order kept

enum class Type { Null, Bool, Int, Float, String, Array, Object };
std::string_view type_name(Type t);  // "null", "boolean", "integer", ...

class Value {
 public:
  Value() = default;  // null
  Value(std::nullptr_t) {}
  Value(bool b) : v_(b) {}
  Value(int i) : v_(std::int64_t{i}) {}
  Value(std::int64_t i) : v_(i) {}
  Value(double d) : v_(d) {}
  Value(std::string s) : v_(std::move(s)) {}
  Value(std::string_view s) : v_(std::string(s)) {}
  Value(const char* s) : v_(std::string(s)) {}
  Value(Array a) : v_(std::move(a)) {}
  Value(Object o) : v_(std::move(o)) {}

  Type type() const { return static_cast<Type>(v_.index()); }
  bool is_null() const { return type() == Type::Null; }
  bool is_bool() const { return type() == Type::Bool; }
  bool is_int() const { return type() == Type::Int; }
  bool is_number() const { return type() == Type::Int || type() == Type::Float; }
  bool is_string() const { return type() == Type::String; }
  bool is_array() const { return type() == Type::Array; }
  bool is_object() const { return type() == Type::Object; }

  // Typed access; the wrong type throws std::logic_error naming both types.
  bool as_bool() const;
  std::int64_t as_int() const;
  double as_double() const;  // Int or Float
  const std::string& as_string() const;
  const Array& as_array() const;
  Array& as_array();
  const Object& as_object() const;
  Object& as_object();

  // Object members: find returns nullptr when absent (or when this is not an object);
  // operator[] throws std::out_of_range naming the key; set replaces or appends.
  const Value* find(std::string_view key) const;
  Value* find(std::string_view key);
  const Value& operator[](std::string_view key) const;
  Value& set(std::string key, Value value);

  friend bool operator==(const Value& a, const Value& b);  // deep; objects compare as maps

 private:
  std::variant<std::monostate, bool, std::int64_t, double, std::string, Array, Object> v_;
};

// Parses one JSON document (surrounding whitespace allowed). Nesting deeper than max_depth
// is an error, so hostile input cannot exhaust the stack.
Value parse(std::string_view text, int max_depth = 512);

struct SerializeOptions {
  int indent = -1;                  // < 0: one line; >= 0: newline and this many spaces per level
  std::string_view item_sep = ",";  // between members / elements (before any newline)
  std::string_view key_sep = ":";   // between a key and its value
  bool ensure_ascii = false;        // escape non-ASCII as \uXXXX (surrogate pairs above BMP)
};

// Non-finite doubles (which JSON cannot hold) serialize as null; bytes that are not UTF-8 as
// U+FFFD, so the output is always valid JSON.
std::string serialize(const Value& v, const SerializeOptions& opts = {});

// A string as a JSON string literal, quotes included (invalid UTF-8 becomes U+FFFD).
std::string quote(std::string_view s, bool ensure_ascii = false);

// A double the way Python's repr() writes it: shortest round-trip digits, fixed notation for
// exponents in [-4, 16) with ".0" on whole numbers, otherwise 1e+16 / 1.5e-07 style.
// Non-finite values give "inf", "-inf" and "nan".
std::string format_double(double d);

}  // namespace vkchat::json
