// Shared test helpers: the data directory and file reading.
#include "support/test_support.h"

#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace vkchat::test {

std::filesystem::path shared_dir() {
  const char* env = std::getenv("VKCHAT_SHARED_DIR");
  std::filesystem::path dir = env && *env ? env : VKCHAT_SHARED_DIR_DEFAULT;
  if (!std::filesystem::is_directory(dir)) {
    throw std::runtime_error("shared test data directory missing: " + dir.string() +
                             " (set -DVKCHAT_SHARED_DIR=...)");
  }
  return dir;
}

std::filesystem::path shared_path(const std::string& rel) {
  std::filesystem::path p = shared_dir() / rel;
  if (!std::filesystem::exists(p)) {
    throw std::runtime_error("shared test data missing: " + p.string());
  }
  return p;
}

std::filesystem::path cli_path() {
  const char* env = std::getenv("VKCHAT_CLI");
  std::filesystem::path cli = env && *env ? env : VKCHAT_CLI_DEFAULT;
  if (!std::filesystem::exists(cli))
    throw std::runtime_error("vkchat-cli missing: " + cli.string());
  return cli;
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path.string());
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

CliRun run_cli(const std::string& args) {
  FILE* p = popen(("'" + cli_path().string() + "' " + args).c_str(), "r");
  if (!p) throw std::runtime_error("popen failed for " + args);
  CliRun r;
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) r.out.append(buf, n);
  const int status = pclose(p);
  if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  return r;
}

}  // namespace vkchat::test
