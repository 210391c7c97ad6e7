// Aggregation and the printed table of kernel timings.
#include "vk/profiler.h"

#include <algorithm>
#include <cstdio>

namespace vkchat::vk {

void Profiler::add(std::string_view kernel, double us, std::uint64_t bytes) {
  auto it = stats_.find(kernel);
  if (it == stats_.end()) {
    it = stats_.emplace(std::string(kernel), KernelStats{}).first;
    it->second.name = std::string(kernel);
  }
  it->second.count += 1;
  it->second.total_us += us;
  it->second.bytes += bytes;
}

std::vector<KernelStats> Profiler::stats() const {
  std::vector<KernelStats> out;
  for (const auto& [name, s] : stats_) out.push_back(s);
  std::sort(out.begin(), out.end(),
            [](const KernelStats& a, const KernelStats& b) { return a.total_us > b.total_us; });
  return out;
}

std::string Profiler::report() const {
  std::string out = "kernel                           calls     total us   us/call     GB/s\n";
  char line[160];
  for (const KernelStats& s : stats()) {
    std::snprintf(line, sizeof line, "%-32s %5llu %12.1f %9.2f %8.2f\n", s.name.c_str(),
                  static_cast<unsigned long long>(s.count), s.total_us, s.us_per_call(),
                  s.gb_per_s());
    out += line;
  }
  return out;
}

}  // namespace vkchat::vk
