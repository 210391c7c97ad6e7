// JSON utility: strict parsing with positions, member order, and Python-compatible output.
#include "util/json.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "support/test_support.h"
#include "util/errors.h"

namespace json = vkchat::json;
using vkchat::JsonError;

namespace {

// The error a document gives, as "line:column: detail".
std::string parse_error(std::string_view text) {
  try {
    json::parse(text);
  } catch (const JsonError& e) {
    return std::to_string(e.line()) + ":" + std::to_string(e.column()) + ": " + e.detail();
  }
  return "no error";
}

}  // namespace

TEST(Json, ParsesScalarsAndContainers) {
  json::Value v = json::parse(R"( {"a": 1, "b": -2.5e3, "c": [true, false, null], "d": "x"} )");
  ASSERT_TRUE(v.is_object());
  EXPECT_EQ(v["a"].as_int(), 1);
  EXPECT_TRUE(v["a"].is_int());
  EXPECT_EQ(v["b"].type(), json::Type::Float);
  EXPECT_DOUBLE_EQ(v["b"].as_double(), -2500.0);
  ASSERT_EQ(v["c"].as_array().size(), 3u);
  EXPECT_TRUE(v["c"].as_array()[0].as_bool());
  EXPECT_TRUE(v["c"].as_array()[2].is_null());
  EXPECT_EQ(v["d"].as_string(), "x");
  EXPECT_EQ(v.find("missing"), nullptr);
  EXPECT_THROW(v["missing"], std::out_of_range);
  EXPECT_THROW(v["a"].as_string(), std::logic_error);
}

TEST(Json, KeepsMemberOrder) {
  json::Value v = json::parse(R"({"z": 1, "a": 2, "m": 3})");
  const json::Object& o = v.as_object();
  ASSERT_EQ(o.size(), 3u);
  EXPECT_EQ(o[0].first, "z");
  EXPECT_EQ(o[1].first, "a");
  EXPECT_EQ(o[2].first, "m");
  EXPECT_EQ(json::serialize(v), R"({"z":1,"a":2,"m":3})");
}

TEST(Json, IntegersThatDoNotFitBecomeDoubles) {
  EXPECT_TRUE(json::parse("9223372036854775807").is_int());
  json::Value big = json::parse("9223372036854775808");
  EXPECT_EQ(big.type(), json::Type::Float);
  EXPECT_DOUBLE_EQ(big.as_double(), 9223372036854775808.0);
  EXPECT_EQ(json::parse("-0").as_int(), 0);
}

TEST(Json, DecodesEscapesAndUtf8) {
  json::Value v = json::parse(R"("a\"b\\c\/d\b\f\n\r\t\u00e9\u4e2d\ud83d\udc4b")");
  EXPECT_EQ(v.as_string(), "a\"b\\c/d\b\f\n\r\t\xC3\xA9\xE4\xB8\xAD\xF0\x9F\x91\x8B");
  EXPECT_EQ(json::parse("\"\xF0\x9F\x91\x8B\"").as_string(), "\xF0\x9F\x91\x8B");
}

TEST(Json, RejectsWhatIsNotStrictJson) {
  EXPECT_EQ(parse_error("[1, 2,]"), "1:7: unexpected character ']', expected a value");
  EXPECT_NE(parse_error("{\"a\": 1,}"), "no error");
  EXPECT_NE(parse_error("// c\n1"), "no error");
  EXPECT_NE(parse_error("01"), "no error");
  EXPECT_NE(parse_error("1."), "no error");
  EXPECT_NE(parse_error(".5"), "no error");
  EXPECT_NE(parse_error("NaN"), "no error");
  EXPECT_NE(parse_error("'x'"), "no error");
  EXPECT_NE(parse_error("\"a\tb\""), "no error");
  EXPECT_NE(parse_error(R"("\x41")"), "no error");
  EXPECT_NE(parse_error(R"("\ud800")"), "no error");
  EXPECT_NE(parse_error(R"("\udc00")"), "no error");
  EXPECT_NE(parse_error("\"\xC3\""), "no error");
  EXPECT_NE(parse_error("\"\xC0\xAF\""), "no error");
  EXPECT_NE(parse_error("\"\xED\xA0\x80\""), "no error");
  EXPECT_NE(parse_error("1e999"), "no error");
  EXPECT_NE(parse_error("[1] 2"), "no error");
  EXPECT_NE(parse_error(""), "no error");
  EXPECT_NE(parse_error("tru"), "no error");
}

TEST(Json, ErrorsCarryLineAndColumn) {
  EXPECT_EQ(parse_error("{\n  \"a\": 1,\n  \"a\": 2\n}"), "3:3: duplicate key \"a\"");
  EXPECT_EQ(parse_error("[1,\n 2\n x]"), "3:2: expected ',' or ']' in array");
  EXPECT_EQ(parse_error("{\"é\": @}"), "1:7: unexpected character '@', expected a value");
  EXPECT_EQ(parse_error("\"abc"), "1:1: unterminated string");
  try {
    json::parse("[\n\n  }");
    FAIL() << "no error";
  } catch (const JsonError& e) {
    EXPECT_EQ(e.line(), 3);
    EXPECT_EQ(e.column(), 3);
    EXPECT_NE(std::string(e.what()).find("line 3, column 3"), std::string::npos);
  }
}

TEST(Json, BoundsNestingDepth) {
  std::string deep(100000, '[');
  EXPECT_NE(parse_error(deep).find("nesting deeper than 512 levels"), std::string::npos);
  std::string ok = std::string(500, '[') + std::string(500, ']');
  EXPECT_NO_THROW(json::parse(ok));
}

TEST(Json, SerializesCompactAndPythonStyle) {
  json::Value v =
      json::parse(R"({"name": "f", "args": [1, 2.5, "x\ny", null, {}, []], "ok": true})");
  EXPECT_EQ(json::serialize(v), R"({"name":"f","args":[1,2.5,"x\ny",null,{},[]],"ok":true})");
  EXPECT_EQ(json::serialize(v, {.item_sep = ", ", .key_sep = ": "}),
            R"({"name": "f", "args": [1, 2.5, "x\ny", null, {}, []], "ok": true})");
  EXPECT_EQ(json::serialize(json::parse(R"({"a": [1, {"b": 2}], "c": {}})"),
                            {.indent = 4, .item_sep = ",", .key_sep = ": "}),
            "{\n    \"a\": [\n        1,\n        {\n            \"b\": 2\n        }\n    ],\n"
            "    \"c\": {}\n}");
}

TEST(Json, EscapesOnOutput) {
  json::Value s("q\"b\\s/\x01\x1f\xC3\xA9\xF0\x9F\x91\x8B");
  EXPECT_EQ(json::serialize(s), "\"q\\\"b\\\\s/\\u0001\\u001f\xC3\xA9\xF0\x9F\x91\x8B\"");
  EXPECT_EQ(json::serialize(s, {.ensure_ascii = true}),
            "\"q\\\"b\\\\s/\\u0001\\u001f\\u00e9\\ud83d\\udc4b\"");
  EXPECT_EQ(json::quote("a\"b"), "\"a\\\"b\"");
  // bytes that are not UTF-8 become U+FFFD, so the output is always valid
  EXPECT_EQ(json::quote("a\xFF\xC3(\xED\xA0\x80"),
            "\"a\xEF\xBF\xBD\xEF\xBF\xBD(\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"");
  EXPECT_EQ(json::quote("\xFF", true), "\"\\ufffd\"");
}

TEST(Json, FormatsDoublesLikePythonRepr) {
  EXPECT_EQ(json::format_double(1.0), "1.0");
  EXPECT_EQ(json::format_double(-0.0), "-0.0");
  EXPECT_EQ(json::format_double(0.1), "0.1");
  EXPECT_EQ(json::format_double(2.5), "2.5");
  EXPECT_EQ(json::format_double(123456789.0), "123456789.0");
  EXPECT_EQ(json::format_double(1e15), "1000000000000000.0");
  EXPECT_EQ(json::format_double(1e16), "1e+16");
  EXPECT_EQ(json::format_double(1.5e300), "1.5e+300");
  EXPECT_EQ(json::format_double(0.0001), "0.0001");
  EXPECT_EQ(json::format_double(0.00001), "1e-05");
  EXPECT_EQ(json::format_double(1.0 / 3.0), "0.3333333333333333");
  EXPECT_EQ(json::format_double(INFINITY), "inf");
  EXPECT_EQ(json::serialize(json::Value(NAN)), "null");
}

TEST(Json, ValueEqualityAndSet) {
  json::Value a = json::parse(R"({"x": 1, "y": [1, 2.0]})");
  json::Value b = json::parse(R"({"y": [1.0, 2], "x": 1})");
  EXPECT_EQ(a, b);
  b.set("x", 2);
  EXPECT_FALSE(a == b);
  b.set("z", "new");
  EXPECT_EQ(b.as_object().back().first, "z");
}

TEST(Json, ConversationFilesRoundTrip) {
  for (const char* name : {"basic", "final-assistant", "nosystem"}) {
    SCOPED_TRACE(name);
    std::string text = vkchat::test::read_file(
        vkchat::test::shared_path(std::string("templates/conversations/") + name + ".json"));
    json::Value v = json::parse(text);
    EXPECT_TRUE(v["messages"].is_array());
    EXPECT_EQ(json::parse(json::serialize(v)), v);
    EXPECT_EQ(json::serialize(v) + "\n", text);  // the files are compact JSON
  }
}
