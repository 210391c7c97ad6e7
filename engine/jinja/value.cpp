// Value semantics: truth, str/repr, equality, ordering and the JSON boundary, as Python has them.
#include "jinja/value.h"

#include <algorithm>
#include <cstdio>

#include "jinja/text.h"

namespace vkchat::jinja {

const Value* Object::find(std::string_view key) const {
  for (const auto& [k, v] : items) {
    if (k == key) return &v;
  }
  return nullptr;
}

void Object::set(std::string key, Value v) {
  for (auto& [k, old] : items) {
    if (k == key) {
      old = std::move(v);
      return;
    }
  }
  items.emplace_back(std::move(key), std::move(v));
}

namespace {

template <class Items, class Get>
int nesting(const Items& items, Get get) {
  int d = 0;
  for (const auto& item : items) d = std::max(d, get(item).depth());
  if (d + 1 > kMaxValueDepth) {
    throw EvalError(
        "lists and dicts nested deeper than " + std::to_string(kMaxValueDepth) + " levels",
        TemplateError::Kind::Limit);
  }
  return d + 1;
}

[[noreturn]] void too_deep() {
  throw EvalError("value nested too deeply to convert (a namespace that contains itself?)",
                  TemplateError::Kind::Limit);
}

}  // namespace

Value::Value(Array a) {
  depth_ = nesting(a, [](const Value& v) -> const Value& { return v; });
  v_ = std::make_shared<const Array>(std::move(a));
}

Value::Value(Object o) {
  depth_ = nesting(o.items, [](const auto& kv) -> const Value& { return kv.second; });
  v_ = std::make_shared<const Object>(std::move(o));
}

std::int64_t Value::as_int() const {
  if (is_bool()) return as_bool() ? 1 : 0;
  return std::get<std::int64_t>(v_);
}

double Value::as_double() const {
  if (is_float()) return std::get<double>(v_);
  return static_cast<double>(as_int());
}

bool Value::same_container(const Value& o) const {
  if (is_array() && o.is_array()) return &array() == &o.array();
  if (is_object() && o.is_object()) return &object() == &o.object();
  return false;
}

std::string type_name(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::Undefined: return "undefined";
    case Value::Kind::None: return "NoneType";
    case Value::Kind::Bool: return "bool";
    case Value::Kind::Int: return "int";
    case Value::Kind::Float: return "float";
    case Value::Kind::String: return "str";
    case Value::Kind::Array: return "list";
    case Value::Kind::Object: return "dict";
    case Value::Kind::Namespace: return "Namespace";
    case Value::Kind::Callable: return "function";
  }
  return "?";
}

bool truthy(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::Undefined:
    case Value::Kind::None: return false;
    case Value::Kind::Bool: return v.as_bool();
    case Value::Kind::Int: return v.as_int() != 0;
    case Value::Kind::Float: return v.as_double() != 0.0;
    case Value::Kind::String: return !v.str().empty();
    case Value::Kind::Array: return !v.array().empty();
    case Value::Kind::Object: return !v.object().items.empty();
    case Value::Kind::Namespace:
    case Value::Kind::Callable: return true;
  }
  return false;
}

namespace {

// Python's repr() of a str: single quotes unless the text has ' and no ".
std::string repr_string(const std::string& s) {
  bool has_single = s.find('\'') != std::string::npos;
  bool has_double = s.find('"') != std::string::npos;
  char q = has_single && !has_double ? '"' : '\'';
  std::string out(1, q);
  for (char c : s) {
    unsigned char u = static_cast<unsigned char>(c);
    if (c == q || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (u < 0x20 || u == 0x7F) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", u);
      out += buf;
    } else {
      out += c;
    }
  }
  out += q;
  return out;
}

}  // namespace

namespace {

std::string str_at(const Value& v, int depth);

std::string repr_at(const Value& v, int depth) {
  if (v.is_string()) return repr_string(v.str());
  if (v.is_undefined()) return "Undefined";
  return str_at(v, depth);
}

std::string str_at(const Value& v, int depth) {
  if (depth > kMaxValueDepth) too_deep();
  switch (v.kind()) {
    case Value::Kind::Undefined: return "";
    case Value::Kind::None: return "None";
    case Value::Kind::Bool: return v.as_bool() ? "True" : "False";
    case Value::Kind::Int: return std::to_string(v.as_int());
    case Value::Kind::Float: return json::format_double(v.as_double());
    case Value::Kind::String: return v.str();
    case Value::Kind::Array: {
      std::string out = "[";
      for (std::size_t i = 0; i < v.array().size(); ++i) {
        if (i) out += ", ";
        out += repr_at(v.array()[i], depth + 1);
      }
      return out + "]";
    }
    case Value::Kind::Object: {
      std::string out = "{";
      bool first = true;
      for (const auto& [k, item] : v.object().items) {
        if (!first) out += ", ";
        first = false;
        out += repr_string(k) + ": " + repr_at(item, depth + 1);
      }
      return out + "}";
    }
    case Value::Kind::Namespace: {
      std::string out = "<Namespace {";
      bool first = true;
      for (const auto& [k, item] : v.ns()->attrs.items) {
        if (!first) out += ", ";
        first = false;
        out += repr_string(k) + ": " + repr_at(item, depth + 1);
      }
      return out + "}>";
    }
    case Value::Kind::Callable: return "<function>";
  }
  return "";
}

json::Value json_at(const Value& v, int depth);

json::Object json_members(const Object& o, int depth) {
  json::Object out;
  for (const auto& [k, x] : o.items) out.emplace_back(k, json_at(x, depth + 1));
  return out;
}

json::Value json_at(const Value& v, int depth) {
  if (depth > kMaxValueDepth) too_deep();
  switch (v.kind()) {
    case Value::Kind::None: return json::Value();
    case Value::Kind::Bool: return json::Value(v.as_bool());
    case Value::Kind::Int: return json::Value(v.as_int());
    case Value::Kind::Float: return json::Value(v.as_double());
    case Value::Kind::String: return json::Value(v.str());
    case Value::Kind::Array: {
      json::Array out;
      for (const Value& x : v.array()) out.push_back(json_at(x, depth + 1));
      return json::Value(std::move(out));
    }
    case Value::Kind::Object: return json::Value(json_members(v.object(), depth));
    case Value::Kind::Namespace: return json::Value(json_members(v.ns()->attrs, depth));
    case Value::Kind::Undefined:
      throw EvalError("cannot convert an undefined value to JSON" +
                      (v.undefined_hint().empty() ? "" : " (" + v.undefined_hint() + ")"));
    case Value::Kind::Callable: throw EvalError("cannot convert a function to JSON");
  }
  return json::Value();
}

}  // namespace

std::string to_str(const Value& v) {
  return str_at(v, 0);
}
std::string repr(const Value& v) {
  return repr_at(v, 0);
}
json::Value to_json(const Value& v) {
  return json_at(v, 0);
}

bool equals(const Value& a, const Value& b) {
  if (a.is_number() && b.is_number()) {
    if (a.is_float() || b.is_float()) return a.as_double() == b.as_double();
    return a.as_int() == b.as_int();
  }
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case Value::Kind::Undefined:
    case Value::Kind::None: return true;
    case Value::Kind::String: return a.str() == b.str();
    case Value::Kind::Array: {
      if (a.same_container(b)) return true;
      const Array& x = a.array();
      const Array& y = b.array();
      if (x.size() != y.size()) return false;
      for (std::size_t i = 0; i < x.size(); ++i) {
        if (!equals(x[i], y[i])) return false;
      }
      return true;
    }
    case Value::Kind::Object: {
      if (a.same_container(b)) return true;
      const Object& x = a.object();
      const Object& y = b.object();
      if (x.items.size() != y.items.size()) return false;
      return std::all_of(x.items.begin(), x.items.end(), [&](const auto& kv) {
        const Value* other = y.find(kv.first);
        return other && equals(kv.second, *other);
      });
    }
    case Value::Kind::Namespace: return a.ns() == b.ns();
    case Value::Kind::Callable:
      return a.callable().macro == b.callable().macro &&
             a.callable().builtin == b.callable().builtin;
    default: return false;
  }
}

int compare(const Value& a, const Value& b) {
  if (a.is_number() && b.is_number()) {
    if (a.is_float() || b.is_float()) {
      double x = a.as_double(), y = b.as_double();
      return x < y ? -1 : x > y ? 1 : 0;
    }
    std::int64_t x = a.as_int(), y = b.as_int();
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (a.is_string() && b.is_string()) {
    // UTF-8 byte order is code-point order
    int c = a.str().compare(b.str());
    return c < 0 ? -1 : c > 0 ? 1 : 0;
  }
  if (a.is_array() && b.is_array()) {
    const Array& x = a.array();
    const Array& y = b.array();
    for (std::size_t i = 0; i < x.size() && i < y.size(); ++i) {
      if (!equals(x[i], y[i])) return compare(x[i], y[i]);
    }
    return x.size() < y.size() ? -1 : x.size() > y.size() ? 1 : 0;
  }
  throw EvalError("ordering is not supported between '" + type_name(a) + "' and '" + type_name(b) +
                  "'");
}

Value from_json(const json::Value& j) {
  switch (j.type()) {
    case json::Type::Null: return Value::none();
    case json::Type::Bool: return Value(j.as_bool());
    case json::Type::Int: return Value(j.as_int());
    case json::Type::Float: return Value(j.as_double());
    case json::Type::String: return Value(j.as_string());
    case json::Type::Array: {
      Array out;
      out.reserve(j.as_array().size());
      for (const json::Value& x : j.as_array()) out.push_back(from_json(x));
      return Value(std::move(out));
    }
    case json::Type::Object: {
      Object out;
      out.items.reserve(j.as_object().size());
      for (const auto& [k, x] : j.as_object()) out.items.emplace_back(k, from_json(x));
      return Value(std::move(out));
    }
  }
  return Value::none();
}

}  // namespace vkchat::jinja
