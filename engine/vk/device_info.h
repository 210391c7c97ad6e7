// What the engine needs to know about a Vulkan device, the choice of device, and its memory.
#pragma once
#include <vulkan/vulkan.h>

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace vkchat::vk {

class Instance;

struct MemoryHeapInfo {
  std::uint64_t size = 0;
  bool device_local = false;
  bool host_visible = false;  // some memory type of this heap can be mapped
  // From VK_EXT_memory_budget when the device has it.
  std::optional<std::uint64_t> budget, usage;
};

struct DeviceInfo {
  std::uint32_t index = 0;  // position in vkEnumeratePhysicalDevices
  std::string name;
  VkPhysicalDeviceType type = VK_PHYSICAL_DEVICE_TYPE_OTHER;
  std::uint32_t vendor_id = 0, device_id = 0;
  std::string driver_name, driver_info;
  std::uint32_t driver_version = 0;
  std::uint32_t api_version = 0;

  std::uint32_t subgroup_size = 0, min_subgroup_size = 0, max_subgroup_size = 0;
  VkSubgroupFeatureFlags subgroup_ops = 0;  // supported in the compute stage
  bool subgroup_size_control = false, compute_full_subgroups = false;

  bool shader_float16 = false, shader_int8 = false, shader_int16 = false, shader_int64 = false;
  bool storage_8bit = false, storage_16bit = false;

  std::uint32_t max_shared_memory = 0;
  std::array<std::uint32_t, 3> max_workgroup_size{};
  std::array<std::uint32_t, 3> max_workgroup_count{};
  std::uint32_t max_workgroup_invocations = 0;
  std::uint32_t max_push_constants = 0;
  std::uint64_t max_storage_buffer_range = 0;
  std::uint64_t min_storage_buffer_offset_alignment = 0;
  std::uint64_t max_texel_buffer_elements = 0;
  std::uint64_t min_texel_buffer_offset_alignment = 0;
  std::uint64_t max_allocation_size = 0;

  std::vector<MemoryHeapInfo> heaps;
  bool memory_budget = false;  // VK_EXT_memory_budget present
  // Device-local memory can be mapped (CPU drivers, integrated GPUs): no staging copies needed.
  bool unified_memory = false;

  float timestamp_period_ns = 0;     // nanoseconds per timestamp tick
  std::uint32_t timestamp_bits = 0;  // valid bits on the compute queue; 0 = no timestamps
  std::optional<std::uint32_t> compute_queue_family;

  // Empty when the engine can run on this device, else why not.
  std::string unsupported_reason;

  bool subgroup_arithmetic() const {
    return (subgroup_ops & VK_SUBGROUP_FEATURE_ARITHMETIC_BIT) != 0;
  }
  std::uint64_t device_local_bytes() const;
};

// Queries every property above.
DeviceInfo query_device_info(VkPhysicalDevice dev, std::uint32_t index);
// Every device of the instance, in the driver's order.
std::vector<DeviceInfo> list_devices(const Instance& instance);

// The device to use: `selector` (VKCHAT_DEVICE) is an index or a case-insensitive substring of
// the name; without one, the best supported device: discrete > integrated > virtual > CPU.
// NoDeviceError naming the candidates when nothing fits.
std::size_t choose_device(std::span<const DeviceInfo> devices,
                          const std::optional<std::string>& selector);

const char* device_type_name(VkPhysicalDeviceType type);  // "discrete", "integrated", ...
std::string version_string(std::uint32_t vk_version);     // "1.3.230"
std::vector<std::string> subgroup_op_names(VkSubgroupFeatureFlags ops);  // "basic", "arithmetic"...

}  // namespace vkchat::vk
