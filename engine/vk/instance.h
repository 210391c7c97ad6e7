// The Vulkan instance, optionally with the Khronos validation layer, and the process-wide log of
// every validation message (the test suite fails on any).
#pragma once
#include <vulkan/vulkan.h>

#include <cstdint>
#include <string>
#include <vector>

namespace vkchat::vk {

class Instance {
 public:
  // With `validation`, loads VK_LAYER_KHRONOS_validation (VulkanError when it is not installed)
  // and routes its warnings and errors to the validation log and stderr. No driver at all gives
  // NoDeviceError.
  static Instance create(bool validation);

  Instance(Instance&& o) noexcept;
  Instance& operator=(Instance&& o) noexcept;
  Instance(const Instance&) = delete;
  Instance& operator=(const Instance&) = delete;
  ~Instance();

  VkInstance handle() const { return instance_; }
  bool validation() const { return messenger_ != VK_NULL_HANDLE; }
  // The physical devices in the driver's order; NoDeviceError when there are none.
  std::vector<VkPhysicalDevice> physical_devices() const;

 private:
  Instance() = default;
  void reset();

  VkInstance instance_ = VK_NULL_HANDLE;
  VkDebugUtilsMessengerEXT messenger_ = VK_NULL_HANDLE;
};

// How many validation warnings and errors any instance of this process has reported so far.
std::uint64_t validation_message_count();
// The texts of messages number `first` onwards (the log keeps the first 1000 texts).
std::vector<std::string> validation_messages(std::uint64_t first = 0);

}  // namespace vkchat::vk
