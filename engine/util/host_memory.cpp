#include "util/host_memory.h"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <sstream>
#include <string>

namespace vkchat {

namespace {

// The value in bytes of the "Key:   N kB" line, or nullopt.
std::optional<std::uint64_t> field_bytes(std::string_view text, std::string_view key) {
  std::size_t at = 0;
  while (at < text.size()) {
    std::size_t end = text.find('\n', at);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(at, end - at);
    at = end + 1;
    if (line.size() <= key.size() || line.substr(0, key.size()) != key || line[key.size()] != ':')
      continue;
    std::string_view rest = line.substr(key.size() + 1);
    std::size_t digits = rest.find_first_not_of(' ');
    if (digits == std::string_view::npos) return std::nullopt;
    rest.remove_prefix(digits);
    std::uint64_t kib = 0;
    auto [p, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), kib);
    if (ec != std::errc() || p == rest.data()) return std::nullopt;
    std::string_view unit(p, static_cast<std::size_t>(rest.data() + rest.size() - p));
    if (unit != " kB") return std::nullopt;
    if (kib > (UINT64_MAX >> 10)) return std::nullopt;
    return kib << 10;
  }
  return std::nullopt;
}

}  // namespace

std::optional<HostMemory> parse_meminfo(std::string_view text) {
  std::optional<std::uint64_t> total = field_bytes(text, "MemTotal");
  std::optional<std::uint64_t> available = field_bytes(text, "MemAvailable");
  if (!total || !available) return std::nullopt;
  return HostMemory{*total, *available};
}

std::optional<HostMemory> read_host_memory() {
  std::ifstream in("/proc/meminfo");
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return parse_meminfo(text.str());
}

std::uint64_t cpu_device_budget(const HostMemory& m) {
  const std::uint64_t margin = std::max<std::uint64_t>(std::uint64_t{1} << 30, m.total / 16);
  return m.available > margin ? m.available - margin : 0;
}

}  // namespace vkchat
