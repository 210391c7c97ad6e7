// Environment switches.
#include "util/env.h"

#include <cstdlib>
#include <string_view>

namespace vkchat {

std::optional<std::string> env_value(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return std::nullopt;
  return std::string(v);
}

bool env_flag(const char* name) {
  auto v = env_value(name);
  if (!v) return false;
  std::string_view s = *v;
  return !(s == "0" || s == "false" || s == "off" || s == "no" || s == "FALSE" || s == "OFF");
}

}  // namespace vkchat
