// Strict JSON: a recursive-descent parser with positions in its errors, and a serializer
// whose separators and indentation can reproduce Python's json.dumps.
#include "util/json.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <stdexcept>

#include "util/errors.h"

namespace vkchat::json {

std::string_view type_name(Type t) {
  switch (t) {
    case Type::Null: return "null";
    case Type::Bool: return "boolean";
    case Type::Int: return "integer";
    case Type::Float: return "number";
    case Type::String: return "string";
    case Type::Array: return "array";
    case Type::Object: return "object";
  }
  return "?";
}

namespace {

// The length of the valid UTF-8 sequence at s[i] (no overlongs, surrogates or code points past
// U+10FFFF), or 0 when there is none.
std::size_t utf8_sequence(std::string_view s, std::size_t i) {
  auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = b(i);
  std::size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    if ((b(i + k) & 0xC0) != 0x80) return 0;
  }
  if (n == 2 && c < 0xC2) return 0;                       // overlong
  if (n == 3 && c == 0xE0 && b(i + 1) < 0xA0) return 0;   // overlong
  if (n == 3 && c == 0xED && b(i + 1) >= 0xA0) return 0;  // surrogate
  if (n == 4 && (c > 0xF4 || (c == 0xF0 && b(i + 1) < 0x90) || (c == 0xF4 && b(i + 1) >= 0x90))) {
    return 0;
  }
  return n;
}

[[noreturn]] void wrong_type(Type want, Type got) {
  throw std::logic_error("JSON value is " + std::string(type_name(got)) + ", not " +
                         std::string(type_name(want)));
}

}  // namespace

bool Value::as_bool() const {
  if (!is_bool()) wrong_type(Type::Bool, type());
  return std::get<bool>(v_);
}

std::int64_t Value::as_int() const {
  if (!is_int()) wrong_type(Type::Int, type());
  return std::get<std::int64_t>(v_);
}

double Value::as_double() const {
  if (is_int()) return static_cast<double>(std::get<std::int64_t>(v_));
  if (type() != Type::Float) wrong_type(Type::Float, type());
  return std::get<double>(v_);
}

const std::string& Value::as_string() const {
  if (!is_string()) wrong_type(Type::String, type());
  return std::get<std::string>(v_);
}

const Array& Value::as_array() const {
  if (!is_array()) wrong_type(Type::Array, type());
  return std::get<Array>(v_);
}

Array& Value::as_array() {
  if (!is_array()) wrong_type(Type::Array, type());
  return std::get<Array>(v_);
}

const Object& Value::as_object() const {
  if (!is_object()) wrong_type(Type::Object, type());
  return std::get<Object>(v_);
}

Object& Value::as_object() {
  if (!is_object()) wrong_type(Type::Object, type());
  return std::get<Object>(v_);
}

const Value* Value::find(std::string_view key) const {
  if (!is_object()) return nullptr;
  for (const Member& m : std::get<Object>(v_)) {
    if (m.first == key) return &m.second;
  }
  return nullptr;
}

Value* Value::find(std::string_view key) {
  return const_cast<Value*>(static_cast<const Value*>(this)->find(key));
}

const Value& Value::operator[](std::string_view key) const {
  const Value* v = find(key);
  if (!v) throw std::out_of_range("JSON object has no member \"" + std::string(key) + "\"");
  return *v;
}

Value& Value::set(std::string key, Value value) {
  if (Value* v = find(key)) return *v = std::move(value);
  Object& o = as_object();
  o.emplace_back(std::move(key), std::move(value));
  return o.back().second;
}

bool operator==(const Value& a, const Value& b) {
  if (a.is_number() && b.is_number()) {
    if (a.is_int() && b.is_int()) return a.as_int() == b.as_int();
    return a.as_double() == b.as_double();
  }
  if (a.type() != b.type()) return false;
  if (a.is_object()) {
    const Object& x = a.as_object();
    const Object& y = b.as_object();
    if (x.size() != y.size()) return false;
    return std::all_of(x.begin(), x.end(), [&](const Member& m) {
      const Value* other = b.find(m.first);
      return other && *other == m.second;
    });
  }
  return a.v_ == b.v_;
}

// ---------------------------------------------------------------------------------------------
// Parsing

namespace {

class Parser {
 public:
  Parser(std::string_view text, int max_depth) : s_(text), max_depth_(max_depth) {}

  Value document() {
    skip_ws();
    Value v = value(0);
    skip_ws();
    if (p_ != s_.size()) fail("unexpected text after the JSON value");
    return v;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const { fail_at(p_, what); }

  [[noreturn]] void fail_at(std::size_t at, const std::string& what) const {
    int line = 1, col = 1;
    for (std::size_t i = 0; i < at && i < s_.size(); ++i) {
      if (s_[i] == '\n') {
        ++line;
        col = 1;
      } else if ((static_cast<unsigned char>(s_[i]) & 0xC0) != 0x80) {
        ++col;
      }
    }
    throw JsonError(line, col, what);
  }

  void skip_ws() {
    while (p_ < s_.size() && (s_[p_] == ' ' || s_[p_] == '\t' || s_[p_] == '\n' || s_[p_] == '\r'))
      ++p_;
  }

  bool eat(char c) {
    if (p_ < s_.size() && s_[p_] == c) {
      ++p_;
      return true;
    }
    return false;
  }

  void expect(char c, const char* context) {
    if (!eat(c)) {
      if (p_ >= s_.size())
        fail(std::string("unexpected end of input, expected '") + c + "' " + context);
      fail(std::string("expected '") + c + "' " + context);
    }
  }

  Value value(int depth) {
    if (depth > max_depth_) fail("nesting deeper than " + std::to_string(max_depth_) + " levels");
    if (p_ >= s_.size()) fail("unexpected end of input, expected a value");
    char c = s_[p_];
    switch (c) {
      case '{': return object(depth);
      case '[': return array(depth);
      case '"': return Value(string());
      case 't': return literal("true", Value(true));
      case 'f': return literal("false", Value(false));
      case 'n': return literal("null", Value());
      default:
        if (c == '-' || (c >= '0' && c <= '9')) return number();
        fail(std::string("unexpected character '") + c + "', expected a value");
    }
  }

  Value literal(std::string_view word, Value v) {
    if (s_.substr(p_, word.size()) != word) fail("invalid literal, expected " + std::string(word));
    p_ += word.size();
    return v;
  }

  Value object(int depth) {
    ++p_;  // '{'
    Object out;
    skip_ws();
    if (eat('}')) return Value(std::move(out));
    for (;;) {
      skip_ws();
      if (p_ >= s_.size() || s_[p_] != '"') fail("expected a string key in object");
      std::size_t key_at = p_;
      std::string key = string();
      for (const Member& m : out) {
        if (m.first == key) fail_at(key_at, "duplicate key \"" + key + "\"");
      }
      skip_ws();
      expect(':', "after an object key");
      skip_ws();
      Value v = value(depth + 1);
      out.emplace_back(std::move(key), std::move(v));
      skip_ws();
      if (eat('}')) return Value(std::move(out));
      expect(',', "or '}' in object");
    }
  }

  Value array(int depth) {
    ++p_;  // '['
    Array out;
    skip_ws();
    if (eat(']')) return Value(std::move(out));
    for (;;) {
      skip_ws();
      out.push_back(value(depth + 1));
      skip_ws();
      if (eat(']')) return Value(std::move(out));
      expect(',', "or ']' in array");
    }
  }

  unsigned hex4() {
    if (p_ + 4 > s_.size()) fail("truncated \\u escape");
    unsigned v = 0;
    for (int i = 0; i < 4; ++i) {
      char c = s_[p_++];
      v <<= 4;
      if (c >= '0' && c <= '9')
        v |= unsigned(c - '0');
      else if (c >= 'a' && c <= 'f')
        v |= unsigned(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F')
        v |= unsigned(c - 'A' + 10);
      else
        fail("invalid hex digit in \\u escape");
    }
    return v;
  }

  static void put_utf8(std::string& out, unsigned cp) {
    if (cp < 0x80) {
      out += char(cp);
    } else if (cp < 0x800) {
      out += char(0xC0 | (cp >> 6));
      out += char(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += char(0xE0 | (cp >> 12));
      out += char(0x80 | ((cp >> 6) & 0x3F));
      out += char(0x80 | (cp & 0x3F));
    } else {
      out += char(0xF0 | (cp >> 18));
      out += char(0x80 | ((cp >> 12) & 0x3F));
      out += char(0x80 | ((cp >> 6) & 0x3F));
      out += char(0x80 | (cp & 0x3F));
    }
  }

  // Copies one valid UTF-8 sequence starting at p_.
  void utf8_char(std::string& out) {
    std::size_t n = utf8_sequence(s_, p_);
    if (n == 0) fail("invalid UTF-8 in string");
    out.append(s_.substr(p_, n));
    p_ += n;
  }

  std::string string() {
    std::size_t start = p_;
    ++p_;  // opening quote
    std::string out;
    for (;;) {
      if (p_ >= s_.size()) fail_at(start, "unterminated string");
      unsigned char c = static_cast<unsigned char>(s_[p_]);
      if (c == '"') {
        ++p_;
        return out;
      }
      if (c < 0x20) fail("control character in string (must be escaped)");
      if (c >= 0x80) {
        utf8_char(out);
        continue;
      }
      if (c != '\\') {
        out += char(c);
        ++p_;
        continue;
      }
      ++p_;
      if (p_ >= s_.size()) fail_at(start, "unterminated string");
      char e = s_[p_++];
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          unsigned cp = hex4();
          if (cp >= 0xDC00 && cp <= 0xDFFF) fail("lone low surrogate in \\u escape");
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (s_.substr(p_, 2) != "\\u") fail("high surrogate without a low surrogate");
            p_ += 2;
            unsigned lo = hex4();
            if (lo < 0xDC00 || lo > 0xDFFF) fail("high surrogate without a low surrogate");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          }
          put_utf8(out, cp);
          break;
        }
        default: p_ -= 1; fail(std::string("invalid escape '\\") + e + "'");
      }
    }
  }

  Value number() {
    std::size_t start = p_;
    bool is_float = false;
    eat('-');
    if (eat('0')) {
      if (p_ < s_.size() && s_[p_] >= '0' && s_[p_] <= '9') fail("leading zero in number");
    } else if (!digits()) {
      fail("expected digits in number");
    }
    if (eat('.')) {
      is_float = true;
      if (!digits()) fail("expected digits after the decimal point");
    }
    if (p_ < s_.size() && (s_[p_] == 'e' || s_[p_] == 'E')) {
      ++p_;
      is_float = true;
      if (!eat('+')) eat('-');
      if (!digits()) fail("expected digits in the exponent");
    }
    std::string_view text = s_.substr(start, p_ - start);
    if (!is_float) {
      std::int64_t i = 0;
      auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), i);
      if (ec == std::errc() && ptr == text.data() + text.size()) return Value(i);
    }
    double d = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), d);
    if (ec == std::errc::result_out_of_range || !std::isfinite(d)) {
      fail_at(start, "number out of range");
    }
    if (ec != std::errc() || ptr != text.data() + text.size()) fail_at(start, "invalid number");
    return Value(d);
  }

  bool digits() {
    std::size_t start = p_;
    while (p_ < s_.size() && s_[p_] >= '0' && s_[p_] <= '9') ++p_;
    return p_ > start;
  }

  std::string_view s_;
  std::size_t p_ = 0;
  int max_depth_;
};

}  // namespace

Value parse(std::string_view text, int max_depth) {
  return Parser(text, max_depth).document();
}

// ---------------------------------------------------------------------------------------------
// Serializing

std::string format_double(double d) {
  if (std::isnan(d)) return "nan";
  if (std::isinf(d)) return d < 0 ? "-inf" : "inf";
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
  std::string_view sci(buf, static_cast<std::size_t>(res.ptr - buf));  // "-1.2345e+06"
  bool neg = sci.front() == '-';
  if (neg) sci.remove_prefix(1);
  std::size_t e_at = sci.find('e');
  std::string digits;
  for (char c : sci.substr(0, e_at)) {
    if (c != '.') digits += c;
  }
  int exp = std::stoi(std::string(sci.substr(e_at + 1)));
  std::string out = neg ? "-" : "";
  if (exp >= -4 && exp < 16) {
    if (exp >= 0) {
      std::size_t int_len = static_cast<std::size_t>(exp) + 1;
      if (digits.size() <= int_len) {
        out += digits + std::string(int_len - digits.size(), '0') + ".0";
      } else {
        out += digits.substr(0, int_len) + "." + digits.substr(int_len);
      }
    } else {
      out += "0." + std::string(static_cast<std::size_t>(-exp - 1), '0') + digits;
    }
    return out;
  }
  out += digits.substr(0, 1);
  if (digits.size() > 1) out += "." + digits.substr(1);
  char ebuf[16];
  std::snprintf(ebuf, sizeof ebuf, "e%c%02d", exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
  return out + ebuf;
}

namespace {

void append_u_escape(std::string& out, unsigned v) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += "\\u";
  for (int shift = 12; shift >= 0; shift -= 4) out += kHex[(v >> shift) & 0xF];
}

void quote_into(std::string& out, std::string_view s, bool ensure_ascii) {
  out += '"';
  for (std::size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    switch (c) {
      case '"': out += "\\\""; continue;
      case '\\': out += "\\\\"; continue;
      case '\b': out += "\\b"; continue;
      case '\f': out += "\\f"; continue;
      case '\n': out += "\\n"; continue;
      case '\r': out += "\\r"; continue;
      case '\t': out += "\\t"; continue;
      default: break;
    }
    if (c < 0x20) {
      append_u_escape(out, c);
      continue;
    }
    std::size_t n = utf8_sequence(s, i);
    if (n == 0) {  // not UTF-8: U+FFFD keeps the output valid
      out += ensure_ascii ? "\\ufffd" : "\xEF\xBF\xBD";
      continue;
    }
    if (n == 1 || !ensure_ascii) {
      out.append(s.substr(i, n));
      i += n - 1;
      continue;
    }
    unsigned cp = c & (0x7F >> n);
    for (std::size_t k = 1; k < n; ++k)
      cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    i += n - 1;
    if (cp >= 0x10000) {
      cp -= 0x10000;
      append_u_escape(out, 0xD800 + (cp >> 10));
      append_u_escape(out, 0xDC00 + (cp & 0x3FF));
    } else {
      append_u_escape(out, cp);
    }
  }
  out += '"';
}

class Writer {
 public:
  explicit Writer(const SerializeOptions& o) : o_(o) {}

  void write(const Value& v, int level) {
    switch (v.type()) {
      case Type::Null: out += "null"; break;
      case Type::Bool: out += v.as_bool() ? "true" : "false"; break;
      case Type::Int: out += std::to_string(v.as_int()); break;
      case Type::Float: {
        double d = v.as_double();
        out += std::isfinite(d) ? format_double(d) : "null";
        break;
      }
      case Type::String: quote_into(out, v.as_string(), o_.ensure_ascii); break;
      case Type::Array: {
        const Array& a = v.as_array();
        out += '[';
        for (std::size_t i = 0; i < a.size(); ++i) {
          if (i) out += o_.item_sep;
          newline(level + 1);
          write(a[i], level + 1);
        }
        if (!a.empty()) newline(level);
        out += ']';
        break;
      }
      case Type::Object: {
        const Object& obj = v.as_object();
        out += '{';
        for (std::size_t i = 0; i < obj.size(); ++i) {
          if (i) out += o_.item_sep;
          newline(level + 1);
          quote_into(out, obj[i].first, o_.ensure_ascii);
          out += o_.key_sep;
          write(obj[i].second, level + 1);
        }
        if (!obj.empty()) newline(level);
        out += '}';
        break;
      }
    }
  }

  std::string out;

 private:
  void newline(int level) {
    if (o_.indent < 0) return;
    out += '\n';
    out.append(static_cast<std::size_t>(level * o_.indent), ' ');
  }

  const SerializeOptions& o_;
};

}  // namespace

std::string serialize(const Value& v, const SerializeOptions& opts) {
  Writer w(opts);
  w.write(v, 0);
  return std::move(w.out);
}

std::string quote(std::string_view s, bool ensure_ascii) {
  std::string out;
  quote_into(out, s, ensure_ascii);
  return out;
}

}  // namespace vkchat::json
