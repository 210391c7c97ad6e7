// Argument cursor and JSON helpers for the CLI.
#include "cli/cli_common.h"

#include <cctype>
#include <charconv>

#include "util/json.h"

namespace vkchat::cli {

Args::Args(std::span<char*> argv) {
  for (char* a : argv) args_.emplace_back(a);
  used_.assign(args_.size(), false);
}

bool Args::flag(std::string_view name) {
  for (std::size_t i = 0; i < args_.size(); ++i) {
    if (!used_[i] && args_[i] == name) {
      used_[i] = true;
      return true;
    }
  }
  return false;
}

std::optional<std::string> Args::value(std::string_view name) {
  for (std::size_t i = 0; i < args_.size(); ++i) {
    if (used_[i]) continue;
    if (args_[i] == name) {
      if (i + 1 >= args_.size()) throw UsageError(std::string(name) + " needs a value");
      used_[i] = used_[i + 1] = true;
      return args_[i + 1];
    }
    std::string prefix = std::string(name) + "=";
    if (name.starts_with("--") && args_[i].starts_with(prefix)) {
      used_[i] = true;
      return args_[i].substr(prefix.size());
    }
  }
  return std::nullopt;
}

std::optional<std::string> Args::value(std::string_view name, std::string_view alias) {
  if (auto v = value(name)) return v;
  if (!alias.empty()) return value(alias);
  return std::nullopt;
}

std::optional<std::int64_t> Args::integer(std::string_view name, std::string_view alias) {
  auto v = value(name, alias);
  if (!v) return std::nullopt;
  std::int64_t out = 0;
  auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), out);
  if (ec != std::errc() || p != v->data() + v->size()) {
    throw UsageError(std::string(name) + " expects an integer, got '" + *v + "'");
  }
  return out;
}

std::optional<double> Args::number(std::string_view name, std::string_view alias) {
  auto v = value(name, alias);
  if (!v) return std::nullopt;
  double out = 0;
  auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), out);
  if (ec != std::errc() || p != v->data() + v->size()) {
    throw UsageError(std::string(name) + " expects a number, got '" + *v + "'");
  }
  return out;
}

std::vector<std::string> Args::positionals() {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < args_.size(); ++i) {
    if (used_[i]) continue;
    if (args_[i].size() > 1 && args_[i][0] == '-' &&
        !(args_[i].size() > 1 && (std::isdigit(static_cast<unsigned char>(args_[i][1])) != 0))) {
      throw UsageError("unknown option '" + args_[i] + "'");
    }
    used_[i] = true;
    out.push_back(args_[i]);
  }
  return out;
}

std::string json_escape(std::string_view s) {
  std::string quoted = json::quote(s);
  return quoted.substr(1, quoted.size() - 2);
}

std::string json_quote(std::string_view s) {
  return json::quote(s);
}

std::string human_bytes(std::uint64_t n) {
  char buf[32];
  if (n >= (1ull << 30))
    std::snprintf(buf, sizeof buf, "%.2f GiB", n / double(1ull << 30));
  else if (n >= (1ull << 20))
    std::snprintf(buf, sizeof buf, "%.2f MiB", n / double(1ull << 20));
  else if (n >= (1ull << 10))
    std::snprintf(buf, sizeof buf, "%.1f KiB", n / double(1ull << 10));
  else
    std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(n));
  return buf;
}

}  // namespace vkchat::cli
