// Per-kernel timing from GPU timestamps (VKCHAT_PROFILE=1): count, total time, bandwidth.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace vkchat::vk {

struct KernelStats {
  std::string name;
  std::uint64_t count = 0;
  double total_us = 0;
  std::uint64_t bytes = 0;  // bytes moved by the calls that declared them
  double us_per_call() const { return count ? total_us / static_cast<double>(count) : 0; }
  // 0 when no call declared its bytes.
  double gb_per_s() const {
    return total_us > 0 ? static_cast<double>(bytes) / (total_us * 1e3) : 0;
  }
};

class Profiler {
 public:
  void add(std::string_view kernel, double us, std::uint64_t bytes);
  // Every kernel seen, the most expensive first.
  std::vector<KernelStats> stats() const;
  // A table: kernel, calls, total µs, µs per call, GB/s.
  std::string report() const;
  void clear() { stats_.clear(); }
  bool empty() const { return stats_.empty(); }

 private:
  std::map<std::string, KernelStats, std::less<>> stats_;
};

}  // namespace vkchat::vk
