// Filters, tests, str/dict methods, global functions and operators, with Python Jinja2's
// behaviour for the values chat templates pass them.
#include "jinja/builtins.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <initializer_list>
#include <limits>
#include <unordered_map>
#include <unordered_set>

#include "jinja/string_filters.h"
#include "jinja/text.h"

namespace vkchat::jinja {

const Value* Args::get(std::size_t i, std::string_view name) const {
  if (i < positional.size()) return &positional[i];
  for (const auto& [k, v] : keyword) {
    if (k == name) return &v;
  }
  return nullptr;
}

namespace {

using Kind = Value::Kind;

[[noreturn]] void undefined_error(const Value& v) {
  throw EvalError(v.undefined_hint().empty() ? "value is undefined" : v.undefined_hint());
}

// Checks arguments against a parameter list: no more positionals than parameters, and only
// keywords that name one.
void bind(const Args& a, std::initializer_list<std::string_view> params, std::string_view fn) {
  if (a.positional.size() > params.size()) {
    throw EvalError(std::string(fn) + "() takes at most " + std::to_string(params.size()) +
                    " argument(s), " + std::to_string(a.positional.size()) + " given");
  }
  for (const auto& [k, v] : a.keyword) {
    if (std::find(params.begin(), params.end(), k) == params.end()) {
      throw EvalError(std::string(fn) + "() got an unexpected keyword argument '" + k + "'");
    }
  }
}

const std::string& need_str(const Value& v, std::string_view what) {
  if (!v.is_string()) {
    if (v.is_undefined()) undefined_error(v);
    throw EvalError(std::string(what) + " expects a string, got '" + type_name(v) + "'");
  }
  return v.str();
}

std::int64_t need_int(const Value& v, std::string_view what) {
  if (!v.is_int() && !v.is_bool()) {
    throw EvalError(std::string(what) + " expects an integer, got '" + type_name(v) + "'");
  }
  return v.as_int();
}

const Value* keyword(const Args& a, std::string_view name) {
  for (const auto& [k, v] : a.keyword) {
    if (k == name) return &v;
  }
  return nullptr;
}

bool opt_bool(const Value* v, bool fallback) {
  return v ? truthy(*v) : fallback;
}

std::optional<std::string> opt_str(const Value* v, std::string_view what) {
  if (!v || v->is_none() || v->is_undefined()) return std::nullopt;
  return need_str(*v, what);
}

// A list of n items about to be built: charged, and bounded in length and memory.
void check_items(Env& env, std::size_t n) {
  const Limits& limits = env.limits;
  if (n > limits.max_loop_iterations) {
    throw EvalError("a list of " + std::to_string(n) + " items exceeds the limit of " +
                        std::to_string(limits.max_loop_iterations),
                    TemplateError::Kind::Limit);
  }
  charge(env, kItem * n);
  env.work.reserve(n * sizeof(Value));
}

// Python's sort key: strings compare case-insensitively unless case_sensitive.
Value sort_key(const Value& v, bool case_sensitive) {
  if (!case_sensitive && v.is_string()) {
    spend(v.str().size());
    return Value(text::lower(v.str()));
  }
  return v;
}

int sort_compare(const Value& a, const Value& b, bool case_sensitive) {
  if (!case_sensitive && a.is_string() && b.is_string()) {
    return compare(sort_key(a, false), sort_key(b, false));
  }
  return compare(a, b);
}

// Stable sort of items by the keys computed once each (compare charges every comparison).
Array sort_by_keys(Array items, std::vector<Value> keys, bool reverse) {
  std::vector<std::size_t> order(items.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) {
    int c = compare(keys[x], keys[y]);
    return reverse ? c > 0 : c < 0;
  });
  Array out;
  out.reserve(items.size());
  for (std::size_t i : order) out.push_back(std::move(items[i]));
  return out;
}

// "a.b.0" style attribute paths as the attribute= argument of sort, map, sum, ...
Value attribute_path(const Value& v, const std::string& path) {
  Value cur = v;
  std::size_t start = 0;
  for (;;) {
    std::size_t dot = path.find('.', start);
    std::string part =
        path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    std::int64_t idx = 0;
    auto [p, ec] = std::from_chars(part.data(), part.data() + part.size(), idx);
    bool numeric = !part.empty() && ec == std::errc() && p == part.data() + part.size();
    cur = numeric && cur.is_array() ? get_item(cur, Value(idx)) : get_attr(cur, part);
    if (dot == std::string::npos) return cur;
    start = dot + 1;
  }
}

std::string str_join(const std::vector<Value>& items, const std::string& sep, Env& env) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i) out += sep;
    out += to_str(items[i]);
    check_size(env, out.size());
  }
  return out;
}

// Python str.replace, counting in code points for an empty `old`.
std::string replace_all(const std::string& s, const std::string& old, const std::string& repl,
                        std::int64_t count, Env& env) {
  std::string out;
  if (old.empty()) {
    std::u32string cps = decode_within_limits(s);
    std::int64_t done = 0;
    for (std::size_t i = 0; i <= cps.size(); ++i) {
      if (count < 0 || done < count) {
        out += repl;
        ++done;
      }
      if (i < cps.size()) out += text::encode(std::u32string(1, cps[i]));
      check_size(env, out.size());
    }
    return out;
  }
  std::size_t pos = 0;
  std::int64_t done = 0;
  for (;;) {
    std::size_t hit = s.find(old, pos);
    if (hit == std::string::npos || (count >= 0 && done >= count)) break;
    out.append(s, pos, hit - pos);
    out += repl;
    check_size(env, out.size());
    pos = hit + old.size();
    ++done;
  }
  out.append(s, pos, std::string::npos);
  check_size(env, out.size());
  return out;
}

// Python str.split / rsplit.
Value split(const std::string& s, const std::optional<std::string>& sep, std::int64_t maxsplit,
            bool from_right) {
  std::vector<std::string> parts;
  if (!sep) {
    std::u32string cps = decode_within_limits(s);
    std::vector<std::pair<std::size_t, std::size_t>> words;  // [begin, end) in code points
    std::size_t i = 0;
    while (i < cps.size()) {
      while (i < cps.size() && text::is_space(cps[i])) ++i;
      if (i == cps.size()) break;
      std::size_t b = i;
      while (i < cps.size() && !text::is_space(cps[i])) ++i;
      words.emplace_back(b, i);
    }
    // With maxsplit, the last (or first, for rsplit) piece keeps the rest of the text.
    if (maxsplit >= 0 && words.size() > static_cast<std::size_t>(maxsplit) + 1) {
      std::size_t k = static_cast<std::size_t>(maxsplit);
      if (!from_right) {
        std::size_t rest_b = words[k].first;
        std::size_t rest_e = cps.size();
        while (rest_e > rest_b && text::is_space(cps[rest_e - 1])) --rest_e;
        words.resize(k);
        words.emplace_back(rest_b, rest_e);
      } else {
        std::size_t first_kept = words.size() - k;
        std::size_t rest_e = words[first_kept - 1].second;
        std::vector<std::pair<std::size_t, std::size_t>> w{{words[0].first, rest_e}};
        w.insert(w.end(), words.begin() + static_cast<std::ptrdiff_t>(first_kept), words.end());
        words = std::move(w);
      }
    }
    for (auto [b, e] : words)
      parts.push_back(text::encode(std::u32string_view(cps).substr(b, e - b)));
  } else {
    if (sep->empty()) throw EvalError("split(): empty separator");
    std::int64_t done = 0;
    if (!from_right) {
      std::size_t pos = 0;
      for (;;) {
        std::size_t hit = s.find(*sep, pos);
        if (hit == std::string::npos || (maxsplit >= 0 && done >= maxsplit)) break;
        parts.push_back(s.substr(pos, hit - pos));
        pos = hit + sep->size();
        ++done;
      }
      parts.push_back(s.substr(pos));
    } else {
      std::size_t end = s.size();
      for (;;) {
        if (end < sep->size()) break;
        std::size_t hit = s.rfind(*sep, end - sep->size());
        if (hit == std::string::npos || (maxsplit >= 0 && done >= maxsplit)) break;
        parts.push_back(s.substr(hit + sep->size(), end - hit - sep->size()));
        end = hit;
        ++done;
      }
      parts.push_back(s.substr(0, end));
      std::reverse(parts.begin(), parts.end());
    }
  }
  Array out;
  for (std::string& p : parts) out.emplace_back(std::move(p));
  return Value(std::move(out));
}

std::vector<std::string> prefixes(const Value& v, std::string_view what) {
  std::vector<std::string> out;
  if (v.is_array()) {
    for (const Value& x : v.array()) out.push_back(need_str(x, what));
  } else {
    out.push_back(need_str(v, what));
  }
  return out;
}

std::int64_t cp_index(const std::string& s, std::size_t byte_pos) {
  return static_cast<std::int64_t>(text::length(std::string_view(s).substr(0, byte_pos)));
}

// ---------------------------------------------------------------------------------------------
// Tests

using TestFn = bool (*)(Env&, const Value&, const Args&);

const Value& test_arg(const Args& a, std::string_view test) {
  if (a.positional.empty()) throw EvalError("test '" + std::string(test) + "' needs an argument");
  return a.positional[0];
}

const std::unordered_map<std::string_view, TestFn>& tests() {
  static const std::unordered_map<std::string_view, TestFn> t = {
      {"defined", [](Env&, const Value& v, const Args&) { return !v.is_undefined(); }},
      {"undefined", [](Env&, const Value& v, const Args&) { return v.is_undefined(); }},
      {"none", [](Env&, const Value& v, const Args&) { return v.is_none(); }},
      {"boolean", [](Env&, const Value& v, const Args&) { return v.is_bool(); }},
      {"true", [](Env&, const Value& v, const Args&) { return v.is_bool() && v.as_bool(); }},
      {"false", [](Env&, const Value& v, const Args&) { return v.is_bool() && !v.as_bool(); }},
      {"integer", [](Env&, const Value& v, const Args&) { return v.is_int(); }},
      {"float", [](Env&, const Value& v, const Args&) { return v.is_float(); }},
      {"number", [](Env&, const Value& v, const Args&) { return v.is_number(); }},
      {"string", [](Env&, const Value& v, const Args&) { return v.is_string(); }},
      {"mapping", [](Env&, const Value& v, const Args&) { return v.is_object(); }},
      {"iterable",
       [](Env&, const Value& v, const Args&) {
         return v.is_string() || v.is_array() || v.is_object() || v.is_undefined();
       }},
      {"sequence",
       [](Env&, const Value& v, const Args&) {
         return v.is_string() || v.is_array() || v.is_object() || v.is_undefined();
       }},
      {"callable", [](Env&, const Value& v, const Args&) { return v.is_callable(); }},
      {"odd", [](Env&, const Value& v, const Args&) { return need_int(v, "odd") % 2 != 0; }},
      {"even", [](Env&, const Value& v, const Args&) { return need_int(v, "even") % 2 == 0; }},
      {"divisibleby",
       [](Env&, const Value& v, const Args& a) {
         std::int64_t d = need_int(test_arg(a, "divisibleby"), "divisibleby");
         if (d == 0) throw EvalError("divisibleby: division by zero");
         return need_int(v, "divisibleby") % d == 0;
       }},
      {"eq", [](Env&, const Value& v, const Args& a) { return equals(v, test_arg(a, "eq")); }},
      {"ne", [](Env&, const Value& v, const Args& a) { return !equals(v, test_arg(a, "ne")); }},
      {"lt", [](Env&, const Value& v, const Args& a) { return compare(v, test_arg(a, "lt")) < 0; }},
      {"le",
       [](Env&, const Value& v, const Args& a) { return compare(v, test_arg(a, "le")) <= 0; }},
      {"gt", [](Env&, const Value& v, const Args& a) { return compare(v, test_arg(a, "gt")) > 0; }},
      {"ge",
       [](Env&, const Value& v, const Args& a) { return compare(v, test_arg(a, "ge")) >= 0; }},
      {"in", [](Env&, const Value& v, const Args& a) { return contains(test_arg(a, "in"), v); }},
      {"lower", [](Env&, const Value& v,
                   const Args&) { return v.is_string() && text::lower(v.str()) == v.str(); }},
      {"upper", [](Env&, const Value& v,
                   const Args&) { return v.is_string() && text::upper(v.str()) == v.str(); }},
      {"sameas",
       [](Env&, const Value& v, const Args& a) {
         const Value& o = test_arg(a, "sameas");
         if (v.is_array() || v.is_object()) return v.same_container(o);
         return v.kind() == o.kind() && equals(v, o);
       }},
  };
  return t;
}

const std::unordered_map<std::string_view, std::string_view>& test_aliases() {
  static const std::unordered_map<std::string_view, std::string_view> a = {
      {"equalto", "eq"}, {"==", "eq"},          {"!=", "ne"}, {"lessthan", "lt"}, {"<", "lt"},
      {"<=", "le"},      {"greaterthan", "gt"}, {">", "gt"},  {">=", "ge"},
  };
  return a;
}

TestFn find_test(std::string_view name) {
  if (auto al = test_aliases().find(name); al != test_aliases().end()) name = al->second;
  auto it = tests().find(name);
  return it == tests().end() ? nullptr : it->second;
}

// ---------------------------------------------------------------------------------------------
// Filters

using FilterFn = Value (*)(Env&, const Value&, const Args&);

Value f_trim(Env&, const Value& v, const Args& a) {
  bind(a, {"chars"}, "trim");
  return Value(text::strip(to_str(v), true, true, opt_str(a.get(0, "chars"), "trim")));
}

Value f_length(Env& env, const Value& v, const Args& a) {
  bind(a, {}, "length");
  switch (v.kind()) {
    case Kind::Undefined: return Value(0);
    case Kind::String:
      charge(env, v.str().size());
      return Value(static_cast<std::int64_t>(text::length(v.str())));
    case Kind::Array: return Value(static_cast<std::int64_t>(v.array().size()));
    case Kind::Object: return Value(static_cast<std::int64_t>(v.object().items.size()));
    case Kind::Namespace: return Value(static_cast<std::int64_t>(v.ns()->attrs.items.size()));
    default: throw EvalError("object of type '" + type_name(v) + "' has no len()");
  }
}

json::Value sort_keys(const json::Value& v) {
  if (v.is_array()) {
    json::Array out;
    for (const json::Value& x : v.as_array()) out.push_back(sort_keys(x));
    return json::Value(std::move(out));
  }
  if (!v.is_object()) return v;
  json::Object out;
  for (const auto& [k, x] : v.as_object()) out.emplace_back(k, sort_keys(x));
  std::stable_sort(out.begin(), out.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  return json::Value(std::move(out));
}

// Hugging Face's tojson: json.dumps(x, ensure_ascii=False, indent=None, separators=None,
// sort_keys=False), with Python's default separators.
Value f_tojson(Env& env, const Value& v, const Args& a) {
  bind(a, {"indent", "ensure_ascii", "separators", "sort_keys"}, "tojson");
  json::SerializeOptions o;
  const Value* indent = a.get(0, "indent");
  if (indent && !indent->is_none()) {
    if (indent->is_string()) throw EvalError("tojson: indent as a string is not supported");
    o.indent =
        static_cast<int>(std::clamp<std::int64_t>(need_int(*indent, "tojson indent"), 0, 64));
  }
  o.ensure_ascii = opt_bool(a.get(1, "ensure_ascii"), false);
  o.item_sep = o.indent >= 0 ? "," : ", ";
  o.key_sep = ": ";
  std::string item_sep, key_sep;
  if (const Value* sep = a.get(2, "separators"); sep && !sep->is_none()) {
    if (!sep->is_array() || sep->array().size() != 2) {
      throw EvalError("tojson: separators must be a pair of strings");
    }
    item_sep = need_str(sep->array()[0], "tojson separators");
    key_sep = need_str(sep->array()[1], "tojson separators");
    o.item_sep = item_sep;
    o.key_sep = key_sep;
  }
  json::Value j = to_json(v);
  if (opt_bool(a.get(3, "sort_keys"), false)) j = sort_keys(j);
  std::string out = json::serialize(j, o);
  check_size(env, out.size());
  return Value(std::move(out));
}

Value f_upper(Env&, const Value& v, const Args& a) {
  bind(a, {}, "upper");
  return Value(text::upper(to_str(v)));
}
Value f_lower(Env&, const Value& v, const Args& a) {
  bind(a, {}, "lower");
  return Value(text::lower(to_str(v)));
}
Value f_title(Env&, const Value& v, const Args& a) {
  bind(a, {}, "title");
  return Value(text::title(to_str(v)));
}
Value f_capitalize(Env&, const Value& v, const Args& a) {
  bind(a, {}, "capitalize");
  return Value(text::capitalize(to_str(v)));
}

Value f_default(Env&, const Value& v, const Args& a) {
  bind(a, {"default_value", "boolean"}, "default");
  const Value* d = a.get(0, "default_value");
  bool boolean = opt_bool(a.get(1, "boolean"), false);
  if (v.is_undefined() || (boolean && !truthy(v))) return d ? *d : Value(std::string());
  return v;
}

Value f_join(Env& env, const Value& v, const Args& a) {
  bind(a, {"d", "attribute"}, "join");
  std::string sep = a.get(0, "d") ? need_str(*a.get(0, "d"), "join") : "";
  std::vector<Value> items = iterate(v);
  if (auto attr = opt_str(a.get(1, "attribute"), "join attribute")) {
    for (Value& x : items) x = attribute_path(x, *attr);
  }
  return Value(str_join(items, sep, env));
}

// first and last look at one end only: no copy of the list, no decoding of the whole string.
Value f_first(Env&, const Value& v, const Args& a) {
  bind(a, {}, "first");
  Value empty = Value::undefined("first(): the sequence is empty");
  if (v.is_array()) return v.array().empty() ? empty : v.array().front();
  if (v.is_string()) {
    if (v.str().empty()) return empty;
    std::u32string head = text::decode(std::string_view(v.str()).substr(0, 4));
    return Value(text::encode(head.substr(0, 1)));
  }
  if (v.is_object())
    return v.object().items.empty() ? empty : Value(v.object().items.front().first);
  std::vector<Value> items = iterate(v);
  return items.empty() ? empty : items.front();
}

Value f_last(Env&, const Value& v, const Args& a) {
  bind(a, {}, "last");
  Value empty = Value::undefined("last(): the sequence is empty");
  if (v.is_array()) return v.array().empty() ? empty : v.array().back();
  if (v.is_string()) {
    const std::string& s = v.str();
    if (s.empty()) return empty;
    std::u32string tail =
        text::decode(std::string_view(s).substr(s.size() - std::min<std::size_t>(s.size(), 4)));
    return Value(text::encode(tail.substr(tail.size() - 1)));
  }
  if (v.is_object()) return v.object().items.empty() ? empty : Value(v.object().items.back().first);
  std::vector<Value> items = iterate(v);
  return items.empty() ? empty : items.back();
}

Value f_replace(Env& env, const Value& v, const Args& a) {
  bind(a, {"old", "new", "count"}, "replace");
  const Value* old_v = a.get(0, "old");
  const Value* new_v = a.get(1, "new");
  if (!old_v || !new_v) throw EvalError("replace() needs the old and the new text");
  const Value* count = a.get(2, "count");
  std::int64_t n = count && !count->is_none() ? need_int(*count, "replace count") : -1;
  return Value(replace_all(to_str(v), to_str(*old_v), to_str(*new_v), n, env));
}

Value items_of(const Value& v) {
  if (v.is_undefined()) return Value(Array{});
  Array out;
  const Object* obj = v.is_object() ? &v.object() : v.is_namespace() ? &v.ns()->attrs : nullptr;
  if (!obj) throw EvalError("items() expects a mapping, got '" + type_name(v) + "'");
  for (const auto& [k, x] : obj->items) out.emplace_back(Array{Value(k), x});
  return Value(std::move(out));
}

Value f_items(Env&, const Value& v, const Args& a) {
  bind(a, {}, "items");
  return items_of(v);
}

Value f_list(Env&, const Value& v, const Args& a) {
  bind(a, {}, "list");
  return Value(iterate(v));
}

// select/reject/selectattr/rejectattr: the items for which a test (or truth) holds.
Value select_items(Env& env, const Value& v, const Args& a, bool by_attr, bool keep) {
  std::size_t first_test_arg = by_attr ? 1 : 0;
  std::optional<std::string> attr;
  if (by_attr) {
    if (a.positional.empty()) throw EvalError("selectattr()/rejectattr() need an attribute name");
    attr = need_str(a.positional[0], "selectattr attribute");
  }
  TestFn test = nullptr;
  Args test_args;
  if (a.positional.size() > first_test_arg) {
    const std::string& name = need_str(a.positional[first_test_arg], "select test name");
    test = find_test(name);
    if (!test) throw EvalError("no test named '" + name + "'");
    test_args.positional.assign(
        a.positional.begin() + static_cast<std::ptrdiff_t>(first_test_arg) + 1, a.positional.end());
    test_args.keyword = a.keyword;
  }
  Array out;
  for (const Value& item : iterate(v)) {
    Value subject = attr ? attribute_path(item, *attr) : item;
    bool pass = test ? test(env, subject, test_args) : truthy(subject);
    if (pass == keep) out.push_back(item);
  }
  return Value(std::move(out));
}

Value f_select(Env& env, const Value& v, const Args& a) {
  return select_items(env, v, a, false, true);
}
Value f_reject(Env& env, const Value& v, const Args& a) {
  return select_items(env, v, a, false, false);
}
Value f_selectattr(Env& env, const Value& v, const Args& a) {
  return select_items(env, v, a, true, true);
}
Value f_rejectattr(Env& env, const Value& v, const Args& a) {
  return select_items(env, v, a, true, false);
}

Value f_map(Env& env, const Value& v, const Args& a) {
  Array out;
  if (const Value* attr = keyword(a, "attribute")) {
    std::string path = need_str(*attr, "map attribute");
    const Value* dflt = keyword(a, "default");
    for (const Value& item : iterate(v)) {
      Value x = attribute_path(item, path);
      out.push_back(x.is_undefined() && dflt ? *dflt : x);
    }
    return Value(std::move(out));
  }
  if (a.positional.empty()) throw EvalError("map() needs a filter name or attribute=");
  const std::string& filter = need_str(a.positional[0], "map filter name");
  if (filter == "map") throw EvalError("map(): cannot map with map");
  Args rest;
  rest.positional.assign(a.positional.begin() + 1, a.positional.end());
  rest.keyword = a.keyword;
  for (const Value& item : iterate(v)) out.push_back(apply_filter(env, filter, item, rest));
  return Value(std::move(out));
}

Value f_string(Env&, const Value& v, const Args& a) {
  bind(a, {}, "string");
  return v.is_string() ? v : Value(to_str(v));
}

Value f_int(Env&, const Value& v, const Args& a) {
  bind(a, {"default", "base"}, "int");
  Value dflt = a.get(0, "default") ? *a.get(0, "default") : Value(0);
  int base = a.get(1, "base") ? static_cast<int>(need_int(*a.get(1, "base"), "int base")) : 10;
  if (v.is_int() || v.is_bool()) return Value(v.as_int());
  if (v.is_float()) {
    double d = v.as_double();
    if (!std::isfinite(d) || std::fabs(d) >= 9.2e18) return dflt;
    return Value(static_cast<std::int64_t>(d));
  }
  if (v.is_string()) {
    std::string s = text::strip(v.str(), true, true);
    std::int64_t out = 0;
    if (base >= 2 && base <= 36) {
      auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out, base);
      if (ec == std::errc() && p == s.data() + s.size() && !s.empty()) return Value(out);
    }
    double d = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
    if (base == 10 && ec == std::errc() && p == s.data() + s.size() && std::isfinite(d) &&
        std::fabs(d) < 9.2e18) {
      return Value(static_cast<std::int64_t>(d));
    }
  }
  return dflt;
}

Value f_float(Env&, const Value& v, const Args& a) {
  bind(a, {"default"}, "float");
  Value dflt = a.get(0, "default") ? *a.get(0, "default") : Value(0.0);
  if (v.is_number()) return Value(v.as_double());
  if (v.is_string()) {
    std::string s = text::strip(v.str(), true, true);
    double d = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
    if (ec == std::errc() && p == s.data() + s.size() && !s.empty()) return Value(d);
  }
  return dflt;
}

Value f_abs(Env&, const Value& v, const Args& a) {
  bind(a, {}, "abs");
  if (v.is_float()) return Value(std::fabs(v.as_double()));
  if (v.is_int() || v.is_bool()) {
    std::int64_t i = v.as_int();
    if (i == std::numeric_limits<std::int64_t>::min()) throw EvalError("integer overflow in abs()");
    return Value(i < 0 ? -i : i);
  }
  throw EvalError("bad operand type for abs(): '" + type_name(v) + "'");
}

Value f_round(Env&, const Value& v, const Args& a) {
  bind(a, {"precision", "method"}, "round");
  if (!v.is_number()) throw EvalError("round() expects a number, got '" + type_name(v) + "'");
  std::int64_t precision = a.get(0, "precision") ? need_int(*a.get(0, "precision"), "round") : 0;
  std::string method =
      a.get(1, "method") ? need_str(*a.get(1, "method"), "round method") : "common";
  double scale =
      std::pow(10.0, static_cast<double>(std::clamp<std::int64_t>(precision, -300, 300)));
  double x = v.as_double() * scale;
  if (method == "common") {
    x = std::round(x);
  } else if (method == "floor") {
    x = std::floor(x);
  } else if (method == "ceil") {
    x = std::ceil(x);
  } else {
    throw EvalError("round(): method must be 'common', 'ceil' or 'floor'");
  }
  return Value(x / scale);
}

Value f_reverse(Env&, const Value& v, const Args& a) {
  bind(a, {}, "reverse");
  if (v.is_string()) {
    std::u32string cps = decode_within_limits(v.str());
    std::reverse(cps.begin(), cps.end());
    return Value(text::encode(cps));
  }
  std::vector<Value> items = iterate(v);
  std::reverse(items.begin(), items.end());
  return Value(std::move(items));
}

Value f_sort(Env&, const Value& v, const Args& a) {
  bind(a, {"reverse", "case_sensitive", "attribute"}, "sort");
  bool reverse = opt_bool(a.get(0, "reverse"), false);
  bool cs = opt_bool(a.get(1, "case_sensitive"), false);
  auto attr = opt_str(a.get(2, "attribute"), "sort attribute");
  std::vector<Value> items = iterate(v);
  std::vector<Value> keys;
  keys.reserve(items.size());
  for (const Value& x : items) keys.push_back(sort_key(attr ? attribute_path(x, *attr) : x, cs));
  return Value(sort_by_keys(std::move(items), std::move(keys), reverse));
}

Value f_dictsort(Env&, const Value& v, const Args& a) {
  bind(a, {"case_sensitive", "by", "reverse"}, "dictsort");
  bool cs = opt_bool(a.get(0, "case_sensitive"), false);
  std::string by = a.get(1, "by") ? need_str(*a.get(1, "by"), "dictsort by") : "key";
  if (by != "key" && by != "value") throw EvalError("dictsort(): by must be 'key' or 'value'");
  bool reverse = opt_bool(a.get(2, "reverse"), false);
  Value pairs = items_of(v);
  std::vector<Value> items = pairs.array();
  std::size_t k = by == "key" ? 0 : 1;
  std::vector<Value> keys;
  keys.reserve(items.size());
  for (const Value& x : items) keys.push_back(sort_key(x.array()[k], cs));
  return Value(sort_by_keys(std::move(items), std::move(keys), reverse));
}

Value f_unique(Env&, const Value& v, const Args& a) {
  bind(a, {"case_sensitive", "attribute"}, "unique");
  bool cs = opt_bool(a.get(0, "case_sensitive"), false);
  auto attr = opt_str(a.get(1, "attribute"), "unique attribute");
  struct Hash {
    std::size_t operator()(const Value& x) const { return hash_value(x); }
  };
  struct Eq {
    bool operator()(const Value& x, const Value& y) const { return equals(x, y); }
  };
  Array out;
  std::unordered_set<Value, Hash, Eq> seen;
  for (const Value& x : iterate(v)) {
    if (seen.insert(sort_key(attr ? attribute_path(x, *attr) : x, cs)).second) out.push_back(x);
  }
  return Value(std::move(out));
}

Value f_sum(Env& env, const Value& v, const Args& a) {
  bind(a, {"attribute", "start"}, "sum");
  auto attr = opt_str(a.get(0, "attribute"), "sum attribute");
  Value total = a.get(1, "start") ? *a.get(1, "start") : Value(0);
  for (const Value& x : iterate(v))
    total = binary_op(env, "+", total, attr ? attribute_path(x, *attr) : x);
  return total;
}

Value min_max(const Value& v, const Args& a, bool want_max) {
  bind(a, {"case_sensitive", "attribute"}, want_max ? "max" : "min");
  bool cs = opt_bool(a.get(0, "case_sensitive"), false);
  auto attr = opt_str(a.get(1, "attribute"), "attribute");
  std::vector<Value> items = iterate(v);
  if (items.empty()) return Value::undefined("no items to take the min or max of");
  const Value* best = &items[0];
  for (const Value& x : items) {
    int c = sort_compare(attr ? attribute_path(x, *attr) : x,
                         attr ? attribute_path(*best, *attr) : *best, cs);
    if (want_max ? c > 0 : c < 0) best = &x;
  }
  return *best;
}

Value f_min(Env&, const Value& v, const Args& a) {
  return min_max(v, a, false);
}
Value f_max(Env&, const Value& v, const Args& a) {
  return min_max(v, a, true);
}

Value f_indent(Env& env, const Value& v, const Args& a) {
  bind(a, {"width", "first", "blank"}, "indent");
  std::string pad = "    ";
  if (const Value* w = a.get(0, "width")) {
    pad = w->is_string() ? w->str()
                         : std::string(static_cast<std::size_t>(std::clamp<std::int64_t>(
                                           need_int(*w, "indent width"), 0, 1024)),
                                       ' ');
  }
  bool first = opt_bool(a.get(1, "first"), false);
  bool blank = opt_bool(a.get(2, "blank"), false);
  std::string s = to_str(v);
  std::string out;
  std::size_t start = 0;
  bool is_first = true;
  for (;;) {
    std::size_t nl = s.find('\n', start);
    std::string line = s.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
    bool indent_it = is_first ? first : (blank || !text::strip(line, true, true).empty());
    if (indent_it) out += pad;
    out += line;
    check_size(env, out.size());
    if (nl == std::string::npos) break;
    out += '\n';
    start = nl + 1;
    is_first = false;
  }
  return Value(std::move(out));
}

Value f_safe(Env&, const Value& v, const Args& a) {
  bind(a, {}, "safe");
  return v;
}

Value f_escape(Env&, const Value& v, const Args& a) {
  bind(a, {}, "escape");
  std::string out;
  for (char c : to_str(v)) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&#34;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return Value(std::move(out));
}

Value f_format(Env& env, const Value& v, const Args& a) {
  return Value(percent_format(env, to_str(v), a));
}

Value f_wordwrap(Env& env, const Value& v, const Args& a) {
  bind(a, {"width", "break_long_words", "wrapstring", "break_on_hyphens"}, "wordwrap");
  std::int64_t width = a.get(0, "width") ? need_int(*a.get(0, "width"), "wordwrap width") : 79;
  bool break_long = opt_bool(a.get(1, "break_long_words"), true);
  std::string wrap = opt_str(a.get(2, "wrapstring"), "wordwrap wrapstring").value_or("\n");
  return Value(wordwrap(env, to_str(v), width, break_long, wrap));
}

Value f_wordcount(Env& env, const Value& v, const Args& a) {
  bind(a, {}, "wordcount");
  return Value(wordcount(env, to_str(v)));
}

Value f_urlencode(Env& env, const Value& v, const Args& a) {
  bind(a, {}, "urlencode");
  return Value(urlencode(env, v));
}

Value f_center(Env& env, const Value& v, const Args& a) {
  bind(a, {"width"}, "center");
  std::int64_t width = a.get(0, "width") ? need_int(*a.get(0, "width"), "center width") : 80;
  std::string s = to_str(v);
  std::int64_t len = static_cast<std::int64_t>(text::length(s));
  if (width <= len) return Value(std::move(s));
  std::size_t total = static_cast<std::size_t>(width - len);
  check_size(env, s.size() + total);
  // Python's str.center: the odd space goes left when the padding is odd and the width is odd
  std::size_t left = total / 2 + (total & static_cast<std::size_t>(width) & 1);
  return Value(std::string(left, ' ') + s + std::string(total - left, ' '));
}

Value f_truncate(Env& env, const Value& v, const Args& a) {
  bind(a, {"length", "killwords", "end", "leeway"}, "truncate");
  std::int64_t length = a.get(0, "length") ? need_int(*a.get(0, "length"), "truncate length") : 255;
  bool killwords = opt_bool(a.get(1, "killwords"), false);
  std::string end = opt_str(a.get(2, "end"), "truncate end").value_or("...");
  std::int64_t leeway = a.get(3, "leeway") ? need_int(*a.get(3, "leeway"), "truncate leeway") : 5;
  std::u32string cps = decode_within_limits(to_str(v));
  std::int64_t n = static_cast<std::int64_t>(cps.size());
  std::int64_t end_len = static_cast<std::int64_t>(text::length(end));
  if (length < end_len)
    throw EvalError("truncate(): expected length >= " + std::to_string(end_len));
  if (leeway < 0) throw EvalError("truncate(): expected leeway >= 0");
  if (n <= length + leeway) return Value(text::encode(cps));
  std::u32string cut = cps.substr(0, static_cast<std::size_t>(length - end_len));
  if (!killwords) {  // Jinja2: s[:length - len(end)].rsplit(" ", 1)[0]
    std::size_t sp = cut.rfind(U' ');
    if (sp != std::u32string::npos) cut.erase(sp);
  }
  check_size(env, cut.size() * 4 + end.size());
  return Value(text::encode(cut) + end);
}

const std::unordered_map<std::string_view, FilterFn>& filters() {
  static const std::unordered_map<std::string_view, FilterFn> f = {
      {"trim", f_trim},
      {"strip", f_trim},
      {"length", f_length},
      {"count", f_length},
      {"tojson", f_tojson},
      {"upper", f_upper},
      {"lower", f_lower},
      {"title", f_title},
      {"capitalize", f_capitalize},
      {"default", f_default},
      {"d", f_default},
      {"join", f_join},
      {"first", f_first},
      {"last", f_last},
      {"replace", f_replace},
      {"items", f_items},
      {"list", f_list},
      {"select", f_select},
      {"reject", f_reject},
      {"selectattr", f_selectattr},
      {"rejectattr", f_rejectattr},
      {"map", f_map},
      {"string", f_string},
      {"int", f_int},
      {"float", f_float},
      {"abs", f_abs},
      {"round", f_round},
      {"reverse", f_reverse},
      {"sort", f_sort},
      {"dictsort", f_dictsort},
      {"unique", f_unique},
      {"sum", f_sum},
      {"min", f_min},
      {"max", f_max},
      {"indent", f_indent},
      {"safe", f_safe},
      {"escape", f_escape},
      {"e", f_escape},
      {"format", f_format},
      {"wordwrap", f_wordwrap},
      {"wordcount", f_wordcount},
      {"urlencode", f_urlencode},
      {"center", f_center},
      {"truncate", f_truncate},
  };
  return f;
}

// ---------------------------------------------------------------------------------------------
// Methods

std::optional<Value> string_method(Env& env, const std::string& s, std::string_view name,
                                   const Args& a) {
  auto str_arg = [&](std::size_t i, std::string_view kw) -> std::string {
    const Value* v = a.get(i, kw);
    if (!v) throw EvalError(std::string(name) + "() missing an argument");
    return need_str(*v, name);
  };
  if (name == "strip" || name == "lstrip" || name == "rstrip") {
    bind(a, {"chars"}, name);
    return Value(
        text::strip(s, name != "rstrip", name != "lstrip", opt_str(a.get(0, "chars"), name)));
  }
  if (name == "startswith" || name == "endswith") {
    bind(a, {"prefix"}, name);
    if (!a.get(0, "prefix")) throw EvalError(std::string(name) + "() missing an argument");
    for (const std::string& p : prefixes(*a.get(0, "prefix"), name)) {
      if (name == "startswith" ? s.starts_with(p) : s.ends_with(p)) return Value(true);
    }
    return Value(false);
  }
  if (name == "split" || name == "rsplit") {
    bind(a, {"sep", "maxsplit"}, name);
    std::int64_t maxsplit = a.get(1, "maxsplit") ? need_int(*a.get(1, "maxsplit"), name) : -1;
    Value out = split(s, opt_str(a.get(0, "sep"), name), maxsplit, name == "rsplit");
    check_items(env, out.array().size());
    return out;
  }
  if (name == "splitlines") {
    bind(a, {}, name);
    Array out;
    std::size_t start = 0;
    while (start < s.size()) {
      std::size_t nl = s.find('\n', start);
      if (nl == std::string::npos) nl = s.size();
      std::string line = s.substr(start, nl - start);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      out.emplace_back(std::move(line));
      start = nl + 1;
    }
    return Value(std::move(out));
  }
  if (name == "replace") {
    bind(a, {"old", "new", "count"}, name);
    std::int64_t n = a.get(2, "count") ? need_int(*a.get(2, "count"), name) : -1;
    return Value(replace_all(s, str_arg(0, "old"), str_arg(1, "new"), n, env));
  }
  if (name == "upper") return Value(text::upper(s));
  if (name == "lower") return Value(text::lower(s));
  if (name == "title") return Value(text::title(s));
  if (name == "capitalize") return Value(text::capitalize(s));
  if (name == "find" || name == "rfind" || name == "index" || name == "rindex") {
    bind(a, {"sub"}, name);
    std::string sub = str_arg(0, "sub");
    std::size_t hit = name[0] == 'r' ? s.rfind(sub) : s.find(sub);
    if (hit == std::string::npos) {
      if (name.ends_with("index")) throw EvalError("substring not found");
      return Value(-1);
    }
    return Value(cp_index(s, hit));
  }
  if (name == "count") {
    bind(a, {"sub"}, name);
    std::string sub = str_arg(0, "sub");
    if (sub.empty()) return Value(static_cast<std::int64_t>(text::length(s) + 1));
    std::int64_t n = 0;
    for (std::size_t p = s.find(sub); p != std::string::npos; p = s.find(sub, p + sub.size())) ++n;
    return Value(n);
  }
  if (name == "join") {
    bind(a, {"iterable"}, name);
    if (!a.get(0, "iterable")) throw EvalError("join() missing an argument");
    std::vector<Value> items = iterate(*a.get(0, "iterable"));
    for (const Value& x : items) need_str(x, "str.join");
    return Value(str_join(items, s, env));
  }
  auto all_cps = [&](auto pred) {
    std::u32string cps = decode_within_limits(s);
    return Value(!cps.empty() && std::all_of(cps.begin(), cps.end(), pred));
  };
  if (name == "isspace") return all_cps([](char32_t c) { return text::is_space(c); });
  if (name == "isdigit") return all_cps([](char32_t c) { return c >= '0' && c <= '9'; });
  if (name == "isalpha") {
    return all_cps(
        [](char32_t c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c > 0x7F; });
  }
  if (name == "isalnum") {
    return all_cps([](char32_t c) {
      return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c > 0x7F;
    });
  }
  if (name == "islower") return Value(text::lower(s) == s && text::upper(s) != s);
  if (name == "isupper") return Value(text::upper(s) == s && text::lower(s) != s);
  return std::nullopt;
}

std::optional<Value> dict_method(const Object& o, const Value& self, std::string_view name,
                                 const Args& a) {
  if (name == "get") {
    bind(a, {"key", "default"}, name);
    if (!a.get(0, "key")) throw EvalError("get() missing an argument");
    const Value& key = *a.get(0, "key");
    const Value* hit = key.is_string() ? o.find(key.str()) : nullptr;
    if (hit) return *hit;
    return a.get(1, "default") ? *a.get(1, "default") : Value::none();
  }
  if (name == "items") {
    bind(a, {}, name);
    return items_of(self);
  }
  if (name == "keys" || name == "values") {
    bind(a, {}, name);
    Array out;
    for (const auto& [k, v] : o.items) out.push_back(name == "keys" ? Value(k) : v);
    return Value(std::move(out));
  }
  return std::nullopt;
}

bool is_mutator(std::string_view name) {
  static constexpr std::string_view kMutators[] = {
      "append",     "extend", "insert",  "pop",     "remove", "clear",  "update",
      "setdefault", "sort",   "reverse", "popitem", "add",    "discard"};
  return std::find(std::begin(kMutators), std::end(kMutators), name) != std::end(kMutators);
}

Value range_fn(Env& env, const Args& a) {
  bind(a, {"start", "stop", "step"}, "range");
  std::int64_t start = 0, stop = 0, step = 1;
  if (a.positional.size() == 1) {
    stop = need_int(a.positional[0], "range");
  } else if (a.positional.size() >= 2) {
    start = need_int(a.positional[0], "range");
    stop = need_int(a.positional[1], "range");
    if (a.positional.size() == 3) step = need_int(a.positional[2], "range");
  } else {
    throw EvalError("range() needs at least one argument");
  }
  if (step == 0) throw EvalError("range() step must not be zero");
  double n = std::ceil((static_cast<double>(stop) - static_cast<double>(start)) /
                       static_cast<double>(step));
  check_items(env, n > 0 ? static_cast<std::size_t>(std::min(n, 1e18)) : 0);
  Array out;
  for (std::int64_t i = start; step > 0 ? i < stop : i > stop; i += step) out.emplace_back(i);
  return Value(std::move(out));
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Public entry points

bool has_filter(std::string_view name) {
  return filters().contains(name);
}
bool has_test(std::string_view name) {
  return find_test(name) != nullptr;
}

Value apply_filter(Env& env, std::string_view name, const Value& input, const Args& args) {
  // A filter may walk all of its input; these look at one end or at the size only.
  static constexpr std::string_view kConstantTime[] = {"length",  "count", "first", "last",
                                                       "default", "d",     "safe",  "string"};
  bool constant = std::find(std::begin(kConstantTime), std::end(kConstantTime), name) !=
                  std::end(kConstantTime);
  charge(env, constant ? kStep : size_of(input));
  auto it = filters().find(name);
  if (it == filters().end()) throw EvalError("no filter named '" + std::string(name) + "'");
  return it->second(env, input, args);
}

bool apply_test(Env& env, std::string_view name, const Value& input, const Args& args) {
  TestFn fn = find_test(name);
  if (!fn) throw EvalError("no test named '" + std::string(name) + "'");
  return fn(env, input, args);
}

std::optional<Value> call_method(Env& env, const Value& self, std::string_view name,
                                 const Args& args) {
  charge(env, size_of(self));
  std::optional<Value> out;
  if (self.is_string()) out = string_method(env, self.str(), name, args);
  if (self.is_object()) out = dict_method(self.object(), self, name, args);
  if (!out && (self.is_array() || self.is_object()) && is_mutator(name)) {
    throw EvalError("cannot call " + type_name(self) + "." + std::string(name) +
                    "(): lists and dicts are immutable in templates");
  }
  if (out && out->is_string()) check_size(env, out->str().size());
  return out;
}

std::optional<Builtin> find_global(std::string_view name) {
  if (name == "raise_exception") return Builtin::RaiseException;
  if (name == "namespace") return Builtin::Namespace;
  if (name == "range") return Builtin::Range;
  if (name == "strftime_now") return Builtin::StrftimeNow;
  if (name == "dict") return Builtin::Dict;
  return std::nullopt;
}

Value call_builtin(Env& env, Builtin fn, const Args& a) {
  switch (fn) {
    case Builtin::RaiseException: {
      std::string msg = a.positional.empty() ? "raise_exception() called" : to_str(a.positional[0]);
      throw EvalError(msg, TemplateError::Kind::Raised);
    }
    case Builtin::Namespace: {
      Namespace& ns = env.namespaces.emplace_back();
      for (const Value& p : a.positional) {
        if (!p.is_object()) throw EvalError("namespace() takes keyword arguments or a dict");
        for (const auto& [k, v] : p.object().items) ns.attrs.set(k, v);
      }
      for (const auto& [k, v] : a.keyword) ns.attrs.set(k, v);
      return Value(&ns);
    }
    case Builtin::Range: return range_fn(env, a);
    case Builtin::StrftimeNow: {
      bind(a, {"format"}, "strftime_now");
      if (!a.get(0, "format")) throw EvalError("strftime_now() needs a format");
      return Value(text::strftime(need_str(*a.get(0, "format"), "strftime_now"), env.now));
    }
    case Builtin::Dict: {
      Object out;
      for (const Value& p : a.positional) {
        if (!p.is_object()) throw EvalError("dict() takes keyword arguments or a dict");
        for (const auto& [k, v] : p.object().items) out.set(k, v);
      }
      for (const auto& [k, v] : a.keyword) out.set(k, v);
      return Value(std::move(out));
    }
  }
  throw EvalError("unknown function");
}

// text::decode, once the render has room for the code points (4 bytes each).
std::u32string decode_within_limits(std::string_view s) {
  reserve(4 * s.size());
  spend(4 * s.size());
  return text::decode(s);
}

std::vector<Value> iterate(const Value& v) {
  switch (v.kind()) {
    case Kind::Undefined: return {};
    case Kind::Array: return v.array();
    case Kind::Object: {
      std::vector<Value> keys;
      for (const auto& [k, x] : v.object().items) keys.emplace_back(k);
      return keys;
    }
    case Kind::String: {
      // each character becomes a string value of its own: check that they fit first
      reserve(v.str().size() * (sizeof(Value) + 96));
      std::vector<Value> chars;
      for (char32_t c : decode_within_limits(v.str()))
        chars.emplace_back(text::encode(std::u32string(1, c)));
      return chars;
    }
    default: throw EvalError("'" + type_name(v) + "' object is not iterable");
  }
}

Value get_item(const Value& obj, const Value& key) {
  switch (obj.kind()) {
    case Kind::Undefined: undefined_error(obj);
    case Kind::Array:
    case Kind::String: {
      if (!key.is_int() && !key.is_bool()) {
        if (key.is_string()) return get_attr(obj, key.str());
        return Value::undefined(type_name(obj) + " indices must be integers, not " +
                                type_name(key));
      }
      std::int64_t i = key.as_int();
      if (obj.is_array()) {
        std::int64_t n = static_cast<std::int64_t>(obj.array().size());
        if (i < 0) i += n;
        if (i < 0 || i >= n) return Value::undefined("list index out of range");
        return obj.array()[static_cast<std::size_t>(i)];
      }
      const std::string& s = obj.str();
      if (obj.is_ascii_string()) {  // no decoding: a byte is a code point
        std::int64_t n = static_cast<std::int64_t>(s.size());
        if (i < 0) i += n;
        if (i < 0 || i >= n) return Value::undefined("string index out of range");
        return Value(std::string(1, s[static_cast<std::size_t>(i)]));
      }
      std::u32string cps = decode_within_limits(s);
      std::int64_t n = static_cast<std::int64_t>(cps.size());
      if (i < 0) i += n;
      if (i < 0 || i >= n) return Value::undefined("string index out of range");
      return Value(text::encode(std::u32string(1, cps[static_cast<std::size_t>(i)])));
    }
    case Kind::Object:
    case Kind::Namespace:
      if (key.is_string()) return get_attr(obj, key.str());
      return Value::undefined("'dict object' has no element " + repr(key));
    default: return Value::undefined("'" + type_name(obj) + "' object is not subscriptable");
  }
}

Value get_attr(const Value& obj, std::string_view name) {
  const Object* o = obj.is_object()      ? &obj.object()
                    : obj.is_namespace() ? &obj.ns()->attrs
                                         : nullptr;
  if (obj.is_undefined()) undefined_error(obj);
  if (o) {
    if (const Value* v = o->find(name)) return *v;
    return Value::undefined("'" + std::string(obj.is_object() ? "dict object" : "namespace") +
                            "' has no attribute '" + std::string(name) + "'");
  }
  return Value::undefined("'" + type_name(obj) + " object' has no attribute '" + std::string(name) +
                          "'");
}

Value slice(const Value& obj, const Value& start_v, const Value& stop_v, const Value& step_v) {
  if (obj.is_undefined()) undefined_error(obj);
  auto bound = [](const Value& v, std::string_view what) -> std::optional<std::int64_t> {
    if (v.is_none() || v.is_undefined()) return std::nullopt;
    return need_int(v, what);
  };
  std::int64_t step = bound(step_v, "slice step").value_or(1);
  if (step == 0) throw EvalError("slice step cannot be zero");
  std::u32string cps;
  std::int64_t n = 0;
  if (obj.is_array()) {
    n = static_cast<std::int64_t>(obj.array().size());
  } else if (obj.is_string()) {
    cps = decode_within_limits(obj.str());
    n = static_cast<std::int64_t>(cps.size());
  } else {
    throw EvalError("'" + type_name(obj) + "' object cannot be sliced");
  }
  // Python's PySlice_AdjustIndices.
  std::int64_t lower = step < 0 ? -1 : 0;
  std::int64_t upper = step < 0 ? n - 1 : n;
  auto adjust = [&](std::optional<std::int64_t> v, std::int64_t dflt) {
    if (!v) return dflt;
    std::int64_t x = *v;
    if (x < 0) {
      x += n;
      if (x < lower) x = lower;
    } else if (x > upper) {
      x = upper;
    }
    return x;
  };
  std::int64_t start = adjust(bound(start_v, "slice start"), step < 0 ? upper : lower);
  std::int64_t stop = adjust(bound(stop_v, "slice stop"), step < 0 ? lower : upper);
  Array items;
  std::u32string chars;
  for (std::int64_t i = start; step > 0 ? i < stop : i > stop; i += step) {
    if (obj.is_array()) {
      items.push_back(obj.array()[static_cast<std::size_t>(i)]);
    } else {
      chars += cps[static_cast<std::size_t>(i)];
    }
  }
  return obj.is_array() ? Value(std::move(items)) : Value(text::encode(chars));
}

void charge(Env& env, std::uint64_t units) {
  env.work.spend(units);
}

std::uint64_t size_of(const Value& v) {
  switch (v.kind()) {
    case Kind::String: return v.str().size();
    case Kind::Array: return kItem * v.array().size();
    case Kind::Object: return kItem * v.object().items.size();
    default: return 1;
  }
}

// No charge: the string is charged once, as a Value, when it is done (callers check its size
// as it grows, and charging each check would make building a string quadratic).
void check_size(Env& env, std::size_t bytes) {
  env.work.string_of(bytes);
  env.work.reserve(bytes);
}

// ---------------------------------------------------------------------------------------------
// Operators

bool contains(const Value& haystack, const Value& needle) {
  switch (haystack.kind()) {
    case Kind::Undefined: return false;
    case Kind::String:
      if (!needle.is_string()) {
        throw EvalError("'in <string>' requires a string as left operand, not '" +
                        type_name(needle) + "'");
      }
      return haystack.str().find(needle.str()) != std::string::npos;
    case Kind::Array:
      return std::any_of(haystack.array().begin(), haystack.array().end(),
                         [&](const Value& x) { return equals(x, needle); });
    case Kind::Object: return needle.is_string() && haystack.object().find(needle.str()) != nullptr;
    case Kind::Namespace:
      return needle.is_string() && haystack.ns()->attrs.find(needle.str()) != nullptr;
    default: throw EvalError("argument of type '" + type_name(haystack) + "' is not iterable");
  }
}

namespace {

[[noreturn]] void bad_operands(std::string_view op, const Value& a, const Value& b) {
  if (a.is_undefined()) undefined_error(a);
  if (b.is_undefined()) undefined_error(b);
  throw EvalError("unsupported operand types for " + std::string(op) + ": '" + type_name(a) +
                  "' and '" + type_name(b) + "'");
}

Value int_op(char op, std::int64_t a, std::int64_t b) {
  std::int64_t r = 0;
  bool overflow = op == '+'   ? __builtin_add_overflow(a, b, &r)
                  : op == '-' ? __builtin_sub_overflow(a, b, &r)
                              : __builtin_mul_overflow(a, b, &r);
  if (overflow) throw EvalError("integer overflow");
  return Value(r);
}

Value repeat(Env& env, const Value& seq, std::int64_t n) {
  if (n <= 0) return seq.is_string() ? Value(std::string()) : Value(Array{});
  std::size_t unit = seq.is_string() ? seq.str().size() : seq.array().size();
  std::size_t total = 0;
  if (__builtin_mul_overflow(unit, static_cast<std::uint64_t>(n), &total)) total = SIZE_MAX;
  if (seq.is_string()) {
    check_size(env, total);
    std::string out;
    out.reserve(total);
    for (std::int64_t i = 0; i < n; ++i) out += seq.str();
    return Value(std::move(out));
  }
  check_items(env, total);
  Array out;
  for (std::int64_t i = 0; i < n; ++i)
    out.insert(out.end(), seq.array().begin(), seq.array().end());
  return Value(std::move(out));
}

}  // namespace

Value binary_op(Env& env, std::string_view op, const Value& a, const Value& b) {
  bool ints = (a.is_int() || a.is_bool()) && (b.is_int() || b.is_bool());
  bool nums = a.is_number() && b.is_number();
  if (op == "~") {
    std::string s = to_str(a);
    std::string t = to_str(b);
    check_size(env, s.size() + t.size());
    return Value(s + t);
  }
  if (op == "+") {
    if (ints) return int_op('+', a.as_int(), b.as_int());
    if (nums) return Value(a.as_double() + b.as_double());
    if (a.is_string() && b.is_string()) {
      check_size(env, a.str().size() + b.str().size());
      return Value(a.str() + b.str());
    }
    if (a.is_array() && b.is_array()) {
      check_items(env, a.array().size() + b.array().size());
      Array out = a.array();
      out.insert(out.end(), b.array().begin(), b.array().end());
      return Value(std::move(out));
    }
  } else if (op == "-") {
    if (ints) return int_op('-', a.as_int(), b.as_int());
    if (nums) return Value(a.as_double() - b.as_double());
  } else if (op == "*") {
    if (ints) return int_op('*', a.as_int(), b.as_int());
    if (nums) return Value(a.as_double() * b.as_double());
    if ((a.is_string() || a.is_array()) && (b.is_int() || b.is_bool()))
      return repeat(env, a, b.as_int());
    if ((b.is_string() || b.is_array()) && (a.is_int() || a.is_bool()))
      return repeat(env, b, a.as_int());
  } else if (op == "/") {
    if (nums) {
      if (b.as_double() == 0.0) throw EvalError("division by zero");
      return Value(a.as_double() / b.as_double());
    }
  } else if (op == "//" || op == "%") {
    if (ints) {
      std::int64_t x = a.as_int(), y = b.as_int();
      if (y == 0)
        throw EvalError(op == "//" ? "integer division by zero" : "integer modulo by zero");
      if (x == std::numeric_limits<std::int64_t>::min() && y == -1) {
        if (op == "%") return Value(0);
        throw EvalError("integer overflow");
      }
      std::int64_t q = x / y, m = x % y;
      if (m != 0 && ((m < 0) != (y < 0))) {  // Python floors toward negative infinity
        q -= 1;
        m += y;
      }
      return Value(op == "//" ? q : m);
    }
    if (nums) {
      double x = a.as_double(), y = b.as_double();
      if (y == 0.0) throw EvalError("float division by zero");
      if (op == "//") return Value(std::floor(x / y));
      double m = std::fmod(x, y);
      if (m != 0 && ((m < 0) != (y < 0))) m += y;
      return Value(m);
    }
    if (op == "%" && a.is_string()) throw EvalError("string formatting with '%' is not supported");
  } else if (op == "**") {
    if (ints && b.as_int() >= 0) {  // exponentiation by squaring, overflow-checked
      std::int64_t base = a.as_int(), e = b.as_int(), result = 1;
      while (e > 0) {
        if ((e & 1) && __builtin_mul_overflow(result, base, &result))
          throw EvalError("integer overflow");
        e >>= 1;
        if (e && __builtin_mul_overflow(base, base, &base)) throw EvalError("integer overflow");
      }
      return Value(result);
    }
    if (nums) return Value(std::pow(a.as_double(), b.as_double()));
  }
  bad_operands(op, a, b);
}

}  // namespace vkchat::jinja
