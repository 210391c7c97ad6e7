// Shared plumbing for vkchat-cli commands: argument parsing, exit codes, JSON output.
#pragma once
#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace vkchat::cli {

// Exit codes: the contract for scripts and other checks.
inline constexpr int kExitOk = 0;
inline constexpr int kExitUser = 1;      // bad arguments, missing or malformed input
inline constexpr int kExitInternal = 2;  // a bug or an environment failure

// Thrown for bad command-line usage; main() prints it with a pointer to --help and exits 1.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A small argv cursor: flags are looked up by name, the rest are positionals.
class Args {
 public:
  Args(std::span<char*> argv);                              // argv after the command name
  bool flag(std::string_view name);                         // consumes a boolean flag
  std::optional<std::string> value(std::string_view name);  // consumes "--name VALUE"
  std::optional<std::string> value(std::string_view name, std::string_view alias);
  // Typed values; a malformed number is a UsageError naming the flag.
  std::optional<std::int64_t> integer(std::string_view name, std::string_view alias = {});
  std::optional<double> number(std::string_view name, std::string_view alias = {});
  // Remaining non-flag arguments, in order. Any unconsumed "--flag" is a UsageError.
  std::vector<std::string> positionals();

 private:
  std::vector<std::string> args_;
  std::vector<bool> used_;
};

// JSON string escaping (RFC 8259), valid UTF-8 passed through; invalid bytes become U+FFFD.
std::string json_escape(std::string_view s);
std::string json_quote(std::string_view s);

// "1.50 GiB", "12.0 KiB", "512 B".
std::string human_bytes(std::uint64_t n);

// A command: name, one-line summary, full help text, entry point.
struct Command {
  std::string_view name;
  std::string_view summary;
  std::string_view help;
  int (*run)(Args& args);
};

// Every command, defined in the cmd_*.cpp files and listed in cli_main.cpp.
std::span<const Command> commands();

}  // namespace vkchat::cli
