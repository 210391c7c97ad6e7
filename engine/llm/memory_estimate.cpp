// The memory check: estimate first, allocate after.
#include "llm/memory_estimate.h"

#include <algorithm>
#include <cstdio>
#include <optional>

#include "util/errors.h"
#include "util/host_memory.h"

namespace vkchat::llm {

namespace {

// "1.50 GiB", "12.0 MiB", "512 B": enough digits to compare two close numbers.
std::string bytes_text(std::uint64_t n) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(n);
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  char buf[48];
  if (u == 0)
    std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(n));
  else
    std::snprintf(buf, sizeof buf, "%.2f %s", v, units[u]);
  return buf;
}

}  // namespace

std::string MemoryEstimate::describe() const {
  return bytes_text(total()) + " (weights " + bytes_text(weights) + ", KV cache " +
         bytes_text(kv_cache) + " for " + std::to_string(n_ctx) + " positions" +
         (window_rows > 0 ? " (sliding-window layers keep " + std::to_string(window_rows) + ")"
                          : "") +
         ", scratch " + bytes_text(scratch) + ")";
}

std::uint64_t device_memory_budget(const vk::DeviceInfo& info) {
  // A CPU driver's heap is host memory, and its size is a made-up number (lavapipe says 2 GiB
  // and allocates 5 GiB and more without complaint): the host's free memory is the limit.
  if (info.type == VK_PHYSICAL_DEVICE_TYPE_CPU) {
    if (std::optional<HostMemory> host = read_host_memory()) return cpu_device_budget(*host);
  }
  std::uint64_t best = 0;
  bool any_local = std::any_of(info.heaps.begin(), info.heaps.end(),
                               [](const vk::MemoryHeapInfo& h) { return h.device_local; });
  for (const vk::MemoryHeapInfo& h : info.heaps) {
    if (any_local && !h.device_local) continue;
    std::uint64_t avail = h.size;
    if (h.budget) avail = *h.budget > h.usage.value_or(0) ? *h.budget - h.usage.value_or(0) : 0;
    best = std::max(best, avail);
  }
  return best;
}

void check_fits(const MemoryEstimate& need, std::uint64_t budget, const std::string& what,
                const std::string& device) {
  if (need.total() <= budget) return;
  throw InsufficientMemory(what + " needs " + need.describe() + " of device memory, but " + device +
                               " has " + bytes_text(budget) +
                               " available (a smaller context or a smaller model may fit)",
                           need.total(), budget);
}

}  // namespace vkchat::llm
