// A minimal JSON reader for test data (golden JSON lines): objects, arrays, numbers, strings,
// true/false/null. Throws std::runtime_error with the offset on malformed input.
#pragma once
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace vkchat::test {

struct Json {
  using Array = std::vector<Json>;
  using Object = std::map<std::string, Json, std::less<>>;
  std::variant<std::nullptr_t, bool, double, std::string, std::shared_ptr<Array>,
               std::shared_ptr<Object>>
      v;

  bool is_object() const { return std::holds_alternative<std::shared_ptr<Object>>(v); }
  bool contains(std::string_view key) const;
  // Typed access; throws std::runtime_error on a type mismatch or missing key.
  const Json& operator[](std::string_view key) const;
  const Array& array() const;
  double number() const;
  long long integer() const;  // a number with no fractional part
  const std::string& string() const;
};

Json parse_json(std::string_view text);

}  // namespace vkchat::test
