// The host's memory as the kernel reports it (/proc/meminfo), for devices whose "device memory"
// is ordinary host memory: CPU Vulkan drivers such as lavapipe report a fixed heap size (2 GiB
// in Mesa 22.3) that has nothing to do with what they can allocate.
#pragma once
#include <cstdint>
#include <optional>
#include <string_view>

namespace vkchat {

struct HostMemory {
  std::uint64_t total = 0;      // MemTotal
  std::uint64_t available = 0;  // MemAvailable: what can be allocated without swapping
};

// Parses /proc/meminfo text ("MemAvailable:   123 kB" lines); nullopt when either field is
// missing or malformed.
std::optional<HostMemory> parse_meminfo(std::string_view text);

// Reads /proc/meminfo; nullopt where it cannot be read (not Linux, no /proc).
std::optional<HostMemory> read_host_memory();

// What a CPU device may allocate: MemAvailable minus a margin left to the rest of the system
// and to this process's own heap (1 GiB, or 1/16 of MemTotal where that is more).
std::uint64_t cpu_device_budget(const HostMemory& m);

}  // namespace vkchat
