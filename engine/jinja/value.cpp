// Value semantics: truth, str/repr, equality, ordering and the JSON boundary, as Python has them.
#include "jinja/value.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "jinja/text.h"
#include "jinja/work.h"

namespace vkchat::jinja {

namespace {

// Dicts this small are scanned; an index would cost more than it saves.
constexpr std::size_t kIndexFrom = 16;

// What a shared payload costs beyond its contents: the control block and the Counted header.
constexpr std::uint64_t kPayloadBytes = 64;

}  // namespace

template <class T>
Counted<T>::~Counted() {
  if (account) account->release(bytes);
}
template struct Counted<std::string>;
template struct Counted<Array>;
template struct Counted<Object>;

template <class T>
std::shared_ptr<Counted<T>> Value::share(T v, std::uint64_t bytes) {
  Work* w = Work::current();
  bytes += kPayloadBytes;
  if (w) w->hold(bytes);
  return std::make_shared<Counted<T>>(std::move(v), w, bytes);
}

const Value* Object::find(std::string_view key) const {
  std::size_t from = 0;
  if (indexed_ > 0) {
    spend(kStep);
    if (auto it = index_.find(key); it != index_.end()) return &items[it->second].second;
    from = indexed_;
  }
  spend(kItem * (items.size() - from));
  for (std::size_t i = from; i < items.size(); ++i) {
    if (items[i].first == key) return &items[i].second;
  }
  return nullptr;
}

void Object::set(std::string key, Value v) {
  if (const Value* old = find(key)) {
    *const_cast<Value*>(old) = std::move(v);  // find's result points into our own items
    return;
  }
  items.emplace_back(std::move(key), std::move(v));
  index();
}

void Object::index() {
  if (items.size() < kIndexFrom) return;
  for (; indexed_ < items.size(); ++indexed_) index_.try_emplace(items[indexed_].first, indexed_);
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

Value::Value(std::string s) {
  if (Work* w = Work::current()) w->string_of(s.size());
  std::uint64_t bytes = s.capacity();
  auto p = share(std::move(s), bytes);
  const std::string& t = p->value;
  p->ascii = std::all_of(t.begin(), t.end(), [](char c) { return (c & 0x80) == 0; });
  v_ = std::move(p);
}

Value::Value(Array a) {
  depth_ = nesting(a, [](const Value& v) -> const Value& { return v; });
  std::uint64_t bytes = a.capacity() * sizeof(Value);
  v_ = share(std::move(a), bytes);
}

Value::Value(Object o) {
  depth_ = nesting(o.items, [](const auto& kv) -> const Value& { return kv.second; });
  o.index();
  std::uint64_t bytes = o.items.capacity() * sizeof(o.items[0]);
  for (const auto& kv : o.items) bytes += kv.first.capacity();
  if (o.items.size() >= kIndexFrom) bytes *= 2;  // the index copies the keys
  v_ = share(std::move(o), bytes);
}

const std::string& Value::undefined_hint() const {
  static const std::string none;
  const auto& hint = std::get<UndefinedTag>(v_).hint;
  return hint ? *hint : none;
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

// Appends to a string being printed, charging the bytes and bounding its size.
void append(std::string& out, std::string_view piece) {
  if (Work* w = Work::current()) {
    w->spend(piece.size());
    w->string_of(out.size() + piece.size());
  }
  out.append(piece);
}

void str_into(const Value& v, int depth, std::string& out);

void repr_into(const Value& v, int depth, std::string& out) {
  if (v.is_string()) {
    spend(v.str().size());
    append(out, repr_string(v.str()));
  } else if (v.is_undefined()) {
    append(out, "Undefined");
  } else {
    str_into(v, depth, out);
  }
}

void members_into(const Object& o, int depth, std::string& out) {
  bool first = true;
  for (const auto& [k, item] : o.items) {
    if (!first) append(out, ", ");
    first = false;
    append(out, repr_string(k));
    append(out, ": ");
    repr_into(item, depth + 1, out);
  }
}

void str_into(const Value& v, int depth, std::string& out) {
  if (depth > kMaxValueDepth) too_deep();
  spend(kStep);
  switch (v.kind()) {
    case Value::Kind::Undefined: return;
    case Value::Kind::None: return append(out, "None");
    case Value::Kind::Bool: return append(out, v.as_bool() ? "True" : "False");
    case Value::Kind::Int: return append(out, std::to_string(v.as_int()));
    case Value::Kind::Float: return append(out, json::format_double(v.as_double()));
    case Value::Kind::String: return append(out, v.str());
    case Value::Kind::Array:
      append(out, "[");
      for (std::size_t i = 0; i < v.array().size(); ++i) {
        if (i) append(out, ", ");
        repr_into(v.array()[i], depth + 1, out);
      }
      return append(out, "]");
    case Value::Kind::Object:
      append(out, "{");
      members_into(v.object(), depth, out);
      return append(out, "}");
    case Value::Kind::Namespace:
      append(out, "<Namespace {");
      members_into(v.ns()->attrs, depth, out);
      return append(out, "}>");
    case Value::Kind::Callable: return append(out, "<function>");
  }
}

// A JSON tree is built node by node, even where the value shares lists (a list of the same list
// twice has twice the nodes): `built` counts its bytes so far, held against the memory limit.
json::Value json_at(const Value& v, int depth, std::uint64_t& built);

json::Object json_members(const Object& o, int depth, std::uint64_t& built) {
  json::Object out;
  for (const auto& [k, x] : o.items) {
    built += k.size();
    out.emplace_back(k, json_at(x, depth + 1, built));
  }
  return out;
}

json::Value json_at(const Value& v, int depth, std::uint64_t& built) {
  if (depth > kMaxValueDepth) too_deep();
  const std::uint64_t bytes = sizeof(json::Value) + 32 + (v.is_string() ? v.str().size() : 0);
  built += bytes;
  reserve(built);
  spend(kCall + bytes);
  switch (v.kind()) {
    case Value::Kind::None: return json::Value();
    case Value::Kind::Bool: return json::Value(v.as_bool());
    case Value::Kind::Int: return json::Value(v.as_int());
    case Value::Kind::Float: return json::Value(v.as_double());
    case Value::Kind::String: return json::Value(v.str());
    case Value::Kind::Array: {
      json::Array out;
      for (const Value& x : v.array()) out.push_back(json_at(x, depth + 1, built));
      return json::Value(std::move(out));
    }
    case Value::Kind::Object: return json::Value(json_members(v.object(), depth, built));
    case Value::Kind::Namespace: return json::Value(json_members(v.ns()->attrs, depth, built));
    case Value::Kind::Undefined:
      throw EvalError("cannot convert an undefined value to JSON" +
                      (v.undefined_hint().empty() ? "" : " (" + v.undefined_hint() + ")"));
    case Value::Kind::Callable: throw EvalError("cannot convert a function to JSON");
  }
  return json::Value();
}

}  // namespace

std::string to_str(const Value& v) {
  if (v.is_string()) return v.str();  // no walk: the caller pays for what it does with it
  std::string out;
  str_into(v, 0, out);
  return out;
}
std::string repr(const Value& v) {
  std::string out;
  repr_into(v, 0, out);
  return out;
}
json::Value to_json(const Value& v) {
  std::uint64_t built = 0;
  return json_at(v, 0, built);
}

bool equals(const Value& a, const Value& b) {
  spend(kStep);
  if (a.is_number() && b.is_number()) {
    if (a.is_float() || b.is_float()) return a.as_double() == b.as_double();
    return a.as_int() == b.as_int();
  }
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case Value::Kind::Undefined:
    case Value::Kind::None: return true;
    case Value::Kind::String:
      if (a.str().size() != b.str().size()) return false;
      spend(a.str().size());
      return a.str() == b.str();
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
  spend(kStep);
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
    spend(std::min(a.str().size(), b.str().size()));
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

namespace {

std::size_t mix(std::size_t h, std::size_t x) {
  return h ^ (x + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2));
}

}  // namespace

std::size_t hash_value(const Value& v) {
  spend(kStep);
  switch (v.kind()) {
    case Value::Kind::Undefined: return 0x51;
    case Value::Kind::None: return 0x52;
    case Value::Kind::Bool:
    case Value::Kind::Int: return std::hash<std::int64_t>{}(v.as_int());
    case Value::Kind::Float: {
      double d = v.as_double();
      // integral floats hash as the int they equal (1.0 == 1)
      if (d == std::floor(d) && std::fabs(d) < 9.2e18)
        return std::hash<std::int64_t>{}(static_cast<std::int64_t>(d));
      return std::hash<double>{}(d);
    }
    case Value::Kind::String: spend(v.str().size()); return std::hash<std::string>{}(v.str());
    case Value::Kind::Array: {
      std::size_t h = 0x53;
      for (const Value& x : v.array()) h = mix(h, hash_value(x));
      return h;
    }
    case Value::Kind::Object: {
      std::size_t h = 0x54;  // a sum: members in any order hash alike, as they compare equal
      for (const auto& [k, x] : v.object().items)
        h += mix(std::hash<std::string>{}(k), hash_value(x));
      return h;
    }
    case Value::Kind::Namespace: return std::hash<const void*>{}(v.ns());
    case Value::Kind::Callable: return std::hash<const void*>{}(v.callable().macro);
  }
  return 0;
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
