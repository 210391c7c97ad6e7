// Helpers shared by every test binary: where the shared test data lives, and reading files.
#pragma once
#include <filesystem>
#include <string>

namespace vkchat::test {

// ../shared (or VKCHAT_SHARED_DIR). Fails the calling test, never skips, when the path is missing.
std::filesystem::path shared_dir();

// shared_dir()/rel; throws std::runtime_error naming the path when it does not exist.
std::filesystem::path shared_path(const std::string& rel);

// The vkchat-cli binary: VKCHAT_CLI, else the one this build made.
std::filesystem::path cli_path();

// The bytes of a file, exactly.
std::string read_file(const std::filesystem::path& path);

// What a vkchat-cli run printed and how it ended.
struct CliRun {
  int exit_code = -1;  // -1 when killed by a signal
  std::string out;     // stdout (and stderr too when `args` ends in 2>&1)
};
// Runs `$VKCHAT_CLI args` through the shell (ctest sets VKCHAT_CLI); quote arguments in `args`.
CliRun run_cli(const std::string& args);

}  // namespace vkchat::test
