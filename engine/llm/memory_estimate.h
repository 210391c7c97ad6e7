// How much device memory a model needs, computed before anything is allocated, and the check of
// that estimate against the device's budget.
#pragma once
#include <cstdint>
#include <string>

#include "util/checked_math.h"
#include "vk/device_info.h"

namespace vkchat::llm {

struct MemoryEstimate {
  std::uint64_t weights = 0;  // every uploaded tensor, with alignment padding
  // f16 K and V of every layer for n_ctx positions: n_ctx rows per global layer, window + one
  // prefill chunk (kMaxChunk) per sliding-window layer (llm::KvCache::layer_rows)
  std::uint64_t kv_cache = 0;
  std::uint64_t scratch = 0;  // activations of one prefill chunk, logits, attention partials,
                              // RoPE table
  std::int64_t n_ctx = 0;
  std::int64_t window_rows = 0;  // rows of each sliding-window layer's ring (0: none)
  std::uint64_t total() const { return sat_add(sat_add(weights, kv_cache), scratch); }
  // "1.20 GiB (weights 1.00 GiB, KV cache 128.0 MiB for 4096 positions, scratch 72.0 MiB)";
  // with sliding-window layers "... for 4096 positions (sliding-window layers keep 1536), ...".
  std::string describe() const;
};

// Device memory this process may still allocate for buffers of BufferKind::Device: on a CPU
// device (lavapipe) the host's available memory minus a margin (util/host_memory.h); elsewhere
// the largest device-local heap's budget minus its usage (VK_EXT_memory_budget), else the
// heap's size.
std::uint64_t device_memory_budget(const vk::DeviceInfo& info);

// Throws InsufficientMemory when `need` exceeds `budget`, naming `what` (the model file), the
// device and both numbers.
void check_fits(const MemoryEstimate& need, std::uint64_t budget, const std::string& what,
                const std::string& device);

}  // namespace vkchat::llm
