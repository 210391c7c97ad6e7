// The state behind a Context, at a stable address so that buffers, pipelines and command
// buffers can point to it while the Context handle itself moves. Internal to engine/vk.
#pragma once
#include <vulkan/vulkan.h>

#include <array>
#include <cstdint>
#include <map>

#include "vk/buffer.h"
#include "vk/descriptor_cache.h"
#include "vk/device_info.h"
#include "vk/instance.h"
#include "vk/profiler.h"

namespace vkchat::vk::detail {

struct Core {
  Instance instance;
  VkPhysicalDevice physical = VK_NULL_HANDLE;
  DeviceInfo info;
  VkDevice device = VK_NULL_HANDLE;
  VkQueue queue = VK_NULL_HANDLE;
  VkCommandPool command_pool = VK_NULL_HANDLE;
  VkPhysicalDeviceMemoryProperties memory{};
  // Layout "n bindings, these of them texel buffers", shared by every pipeline with that
  // binding pattern; key: n | texel mask << 8.
  std::map<std::uint32_t, VkDescriptorSetLayout> set_layouts;
  DescriptorCache descriptors;
  Profiler profiler;
  bool profile = false;
  std::uint64_t next_buffer_id = 1;

  explicit Core(Instance inst) : instance(std::move(inst)) {}
  Core(const Core&) = delete;
  Core& operator=(const Core&) = delete;
  ~Core();

  VkDescriptorSetLayout set_layout(std::uint32_t bindings, std::uint32_t texel_mask);
  // The memory type for a buffer of `kind` among `allowed` (a VkMemoryRequirements mask);
  // sets `mapped` when it is host-visible.
  std::uint32_t memory_type(BufferKind kind, std::uint32_t allowed, bool& mapped) const;
};

}  // namespace vkchat::vk::detail
