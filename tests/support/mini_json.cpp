// Recursive-descent JSON parser, enough for test data.
#include "support/mini_json.h"

#include <cmath>
#include <cstdlib>
#include <stdexcept>

namespace vkchat::test {

namespace {

class Parser {
 public:
  explicit Parser(std::string_view s) : s_(s) {}

  Json document() {
    Json j = value();
    skip_ws();
    if (i_ != s_.size()) fail("trailing characters");
    return j;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw std::runtime_error("JSON: " + what + " at offset " + std::to_string(i_));
  }
  void skip_ws() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r'))
      ++i_;
  }
  char peek() {
    skip_ws();
    if (i_ >= s_.size()) fail("unexpected end");
    return s_[i_];
  }
  void expect(char c) {
    if (peek() != c) fail(std::string("expected '") + c + "'");
    ++i_;
  }
  bool literal(std::string_view word) {
    if (s_.substr(i_, word.size()) != word) return false;
    i_ += word.size();
    return true;
  }

  Json value() {
    const char c = peek();
    Json j;
    if (c == '{') {
      ++i_;
      auto obj = std::make_shared<Json::Object>();
      if (peek() != '}') {
        do {
          std::string key = string_body();
          expect(':');
          (*obj)[key] = value();
        } while (peek() == ',' && ++i_);
      }
      expect('}');
      j.v = obj;
    } else if (c == '[') {
      ++i_;
      auto arr = std::make_shared<Json::Array>();
      if (peek() != ']') {
        do {
          arr->push_back(value());
        } while (peek() == ',' && ++i_);
      }
      expect(']');
      j.v = arr;
    } else if (c == '"') {
      j.v = string_body();
    } else if (literal("true")) {
      j.v = true;
    } else if (literal("false")) {
      j.v = false;
    } else if (literal("null")) {
      j.v = nullptr;
    } else {
      const std::string num(s_.substr(i_, 64));
      char* end = nullptr;
      const double d = std::strtod(num.c_str(), &end);
      if (end == num.c_str()) fail("unexpected character");
      i_ += static_cast<std::size_t>(end - num.c_str());
      j.v = d;
    }
    return j;
  }

  std::string string_body() {
    expect('"');
    std::string out;
    while (true) {
      if (i_ >= s_.size()) fail("unterminated string");
      const char c = s_[i_++];
      if (c == '"') return out;
      if (c != '\\') {
        out += c;
        continue;
      }
      if (i_ >= s_.size()) fail("unterminated escape");
      const char e = s_[i_++];
      switch (e) {
        case 'n': out += '\n'; break;
        case 't': out += '\t'; break;
        case 'r': out += '\r'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'u': append_utf8(out, code_point()); break;
        default: out += e;  // \" \\ \/
      }
    }
  }

  unsigned hex4() {
    if (i_ + 4 > s_.size()) fail("short \\u escape");
    const std::string h(s_.substr(i_, 4));
    i_ += 4;
    char* end = nullptr;
    const unsigned long v = std::strtoul(h.c_str(), &end, 16);
    if (end != h.c_str() + 4) fail("bad \\u escape");
    return static_cast<unsigned>(v);
  }

  unsigned code_point() {
    const unsigned hi = hex4();
    if (hi >= 0xD800 && hi < 0xDC00 && s_.substr(i_, 2) == "\\u") {
      i_ += 2;
      const unsigned lo = hex4();
      return 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
    }
    return hi;
  }

  static void append_utf8(std::string& out, unsigned cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  std::string_view s_;
  std::size_t i_ = 0;
};

}  // namespace

bool Json::contains(std::string_view key) const {
  return is_object() && std::get<std::shared_ptr<Object>>(v)->count(key) > 0;
}

const Json& Json::operator[](std::string_view key) const {
  if (!is_object()) throw std::runtime_error("JSON: not an object");
  const Object& o = *std::get<std::shared_ptr<Object>>(v);
  const auto it = o.find(key);
  if (it == o.end()) throw std::runtime_error("JSON: missing key '" + std::string(key) + "'");
  return it->second;
}

const Json::Array& Json::array() const {
  if (auto a = std::get_if<std::shared_ptr<Array>>(&v)) return **a;
  throw std::runtime_error("JSON: not an array");
}

double Json::number() const {
  if (auto d = std::get_if<double>(&v)) return *d;
  throw std::runtime_error("JSON: not a number");
}

long long Json::integer() const {
  const double d = number();
  if (d != std::floor(d)) throw std::runtime_error("JSON: not an integer");
  return static_cast<long long>(d);
}

const std::string& Json::string() const {
  if (auto s = std::get_if<std::string>(&v)) return *s;
  throw std::runtime_error("JSON: not a string");
}

Json parse_json(std::string_view text) {
  return Parser(text).document();
}

}  // namespace vkchat::test
