// The Vulkan context: instance, chosen device, compute queue, and the shared caches every
// buffer, pipeline and command buffer of this device uses. Move-only; outlives all of them.
// Single-threaded: one thread (the engine's worker) uses a context and its objects.
#pragma once
#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "vk/buffer.h"
#include "vk/device_info.h"
#include "vk/profiler.h"

namespace vkchat::vk {

namespace detail {
struct Core;
}

struct ContextOptions {
  bool validation = false;            // VK_LAYER_KHRONOS_validation, messages logged
  std::optional<std::string> device;  // index or name substring; default: the best device
  bool profile = false;               // per-dispatch timestamps into profiler()
  // From VKCHAT_VK_VALIDATION, VKCHAT_DEVICE and VKCHAT_PROFILE.
  static ContextOptions from_env();
};

class Context {
 public:
  // NoDeviceError when there is no usable device, VulkanError for other failures.
  static Context create(const ContextOptions& options = ContextOptions::from_env());

  Context(Context&&) noexcept;
  Context& operator=(Context&&) noexcept;
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;
  // Waits for the device, then prints the profile to stderr when profiling recorded anything.
  ~Context();

  const DeviceInfo& info() const;
  bool profiling() const;
  Profiler& profiler();
  VkDevice device() const;

  // Host <-> buffer copies that wait for completion: a memcpy when the buffer is mapped,
  // otherwise through a staging buffer and a transfer on the queue.
  void upload(const Buffer& dst, VkDeviceSize offset, std::span<const std::byte> bytes);
  void download(const Buffer& src, VkDeviceSize offset, std::span<std::byte> bytes);
  void wait_idle();

  detail::Core& core() const { return *core_; }

 private:
  explicit Context(std::unique_ptr<detail::Core> core);
  std::unique_ptr<detail::Core> core_;
};

}  // namespace vkchat::vk
