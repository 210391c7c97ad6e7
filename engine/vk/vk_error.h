// Typed errors of the Vulkan layer. Every failed call names itself and its VkResult.
#pragma once
#include <vulkan/vulkan.h>

#include <stdexcept>
#include <string>

namespace vkchat::vk {

// A Vulkan call failed, or the device lacks something the engine needs.
class VulkanError : public std::runtime_error {
 public:
  explicit VulkanError(const std::string& what, VkResult result = VK_SUCCESS)
      : std::runtime_error(what), result_(result) {}
  VkResult result() const { return result_; }

 private:
  VkResult result_;
};

// No usable device: no Vulkan driver (ICD) installed, none that meets the engine's needs, or
// VKCHAT_DEVICE matches none. The message says which, and what to do.
class NoDeviceError : public VulkanError {
 public:
  using VulkanError::VulkanError;
};

// "VK_ERROR_OUT_OF_DEVICE_MEMORY" and so on.
const char* result_name(VkResult r);

// Throws VulkanError("CALL: VK_ERROR_...") unless r is VK_SUCCESS.
void check(VkResult r, const char* call);

}  // namespace vkchat::vk
