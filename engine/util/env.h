// Reading the process environment: the engine's switches (VKCHAT_*) come from here only.
#pragma once
#include <optional>
#include <string>

namespace vkchat {

// The variable's value, or nullopt when it is unset or empty.
std::optional<std::string> env_value(const char* name);

// True when the variable is set to anything but "", "0", "false", "off" or "no".
bool env_flag(const char* name);

}  // namespace vkchat
