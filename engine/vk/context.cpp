// Device creation with the features the kernels use, memory-type choice, and host copies.
#include "vk/context.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <stdexcept>

#include "util/env.h"
#include "vk/command.h"
#include "vk/device_core.h"
#include "vk/vk_error.h"

namespace vkchat::vk {

namespace detail {

Core::~Core() {
  if (device == VK_NULL_HANDLE) return;
  vkDeviceWaitIdle(device);
  descriptors.destroy(device);
  for (auto& [key, l] : set_layouts) vkDestroyDescriptorSetLayout(device, l, nullptr);
  if (command_pool != VK_NULL_HANDLE) vkDestroyCommandPool(device, command_pool, nullptr);
  vkDestroyDevice(device, nullptr);
}

VkDescriptorSetLayout Core::set_layout(std::uint32_t n, std::uint32_t texel_mask) {
  if (n > kMaxBindings) throw std::invalid_argument("too many bindings");
  const std::uint32_t key = n | texel_mask << 8;
  if (auto it = set_layouts.find(key); it != set_layouts.end()) return it->second;
  std::vector<VkDescriptorSetLayoutBinding> b(n);
  for (std::uint32_t i = 0; i < n; ++i) {
    b[i] = {i, descriptor_type(texel_mask, i), 1, VK_SHADER_STAGE_COMPUTE_BIT, nullptr};
  }
  VkDescriptorSetLayoutCreateInfo ci{VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO};
  ci.bindingCount = n;
  ci.pBindings = b.data();
  VkDescriptorSetLayout layout = VK_NULL_HANDLE;
  check(vkCreateDescriptorSetLayout(device, &ci, nullptr, &layout), "vkCreateDescriptorSetLayout");
  set_layouts.emplace(key, layout);
  return layout;
}

std::uint32_t Core::memory_type(BufferKind kind, std::uint32_t allowed, bool& mapped) const {
  constexpr VkMemoryPropertyFlags kLocal = VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT;
  constexpr VkMemoryPropertyFlags kHost =
      VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
  constexpr VkMemoryPropertyFlags kCached = VK_MEMORY_PROPERTY_HOST_CACHED_BIT;
  // Candidates in order of preference: required flags; the first type that has them wins.
  std::vector<VkMemoryPropertyFlags> wanted;
  switch (kind) {
    case BufferKind::Device:
      // Mapped device memory (CPU drivers, integrated GPUs) makes uploads a memcpy.
      if (info.unified_memory)
        wanted = {kLocal | kHost, kLocal};
      else
        wanted = {kLocal, kHost};
      break;
    case BufferKind::Upload: wanted = {kHost}; break;
    case BufferKind::Readback: wanted = {kHost | kCached, kHost}; break;
  }
  // Among matching types: on discrete GPUs, device buffers avoid the small host-visible VRAM
  // window and staging buffers stay in system memory.
  auto rank = [&](VkMemoryPropertyFlags f) {
    if (info.unified_memory) return 0;
    if (kind == BufferKind::Device) return (f & VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT) ? 1 : 0;
    return (f & kLocal) ? 1 : 0;
  };
  for (VkMemoryPropertyFlags want : wanted) {
    int best = -1;
    for (std::uint32_t t = 0; t < memory.memoryTypeCount; ++t) {
      VkMemoryPropertyFlags f = memory.memoryTypes[t].propertyFlags;
      if (!(allowed & (1u << t)) || (f & want) != want) continue;
      if (best < 0 || rank(f) < rank(memory.memoryTypes[best].propertyFlags)) {
        best = static_cast<int>(t);
      }
    }
    if (best >= 0) {
      mapped = (memory.memoryTypes[best].propertyFlags & kHost) == kHost;
      return static_cast<std::uint32_t>(best);
    }
  }
  throw VulkanError("no suitable memory type on " + info.name);
}

}  // namespace detail

ContextOptions ContextOptions::from_env() {
  ContextOptions o;
  o.validation = env_flag("VKCHAT_VK_VALIDATION");
  o.device = env_value("VKCHAT_DEVICE");
  o.profile = env_flag("VKCHAT_PROFILE");
  return o;
}

Context::Context(std::unique_ptr<detail::Core> core) : core_(std::move(core)) {}
Context::Context(Context&&) noexcept = default;
Context& Context::operator=(Context&&) noexcept = default;

Context::~Context() {
  if (!core_) return;
  if (core_->profile && !core_->profiler.empty()) {
    std::fprintf(stderr, "vkchat profile (%s):\n%s", core_->info.name.c_str(),
                 core_->profiler.report().c_str());
  }
}

Context Context::create(const ContextOptions& options) {
  auto core = std::make_unique<detail::Core>(Instance::create(options.validation));
  std::vector<VkPhysicalDevice> physical = core->instance.physical_devices();
  std::vector<DeviceInfo> infos;
  for (std::uint32_t i = 0; i < physical.size(); ++i) {
    infos.push_back(query_device_info(physical[i], i));
  }
  std::size_t pick = choose_device(infos, options.device);
  core->physical = physical[pick];
  core->info = infos[pick];
  core->profile = options.profile;
  const DeviceInfo& info = core->info;
  vkGetPhysicalDeviceMemoryProperties(core->physical, &core->memory);

  // Turn on what the device has of what the kernels may use; shaders pick variants by info.
  VkPhysicalDeviceSubgroupSizeControlFeatures sg_ctl{
      VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_SIZE_CONTROL_FEATURES};
  sg_ctl.subgroupSizeControl = info.subgroup_size_control;
  sg_ctl.computeFullSubgroups = info.compute_full_subgroups;
  VkPhysicalDeviceVulkan12Features f12{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES};
  f12.shaderFloat16 = info.shader_float16;
  f12.shaderInt8 = info.shader_int8;
  f12.storageBuffer8BitAccess = info.storage_8bit;
  VkPhysicalDeviceVulkan11Features f11{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_1_FEATURES};
  f11.storageBuffer16BitAccess = info.storage_16bit;
  VkPhysicalDeviceFeatures2 feats{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2};
  feats.features.shaderInt16 = info.shader_int16;
  feats.features.shaderInt64 = info.shader_int64;
  feats.pNext = &f11;
  f11.pNext = &f12;
  std::vector<const char*> extensions;
  if (info.subgroup_size_control) {
    if (info.api_version < VK_API_VERSION_1_3) {
      extensions.push_back(VK_EXT_SUBGROUP_SIZE_CONTROL_EXTENSION_NAME);
    }
    f12.pNext = &sg_ctl;
  }
  if (info.memory_budget) extensions.push_back(VK_EXT_MEMORY_BUDGET_EXTENSION_NAME);

  float priority = 1.0f;
  VkDeviceQueueCreateInfo qi{VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO};
  qi.queueFamilyIndex = *info.compute_queue_family;
  qi.queueCount = 1;
  qi.pQueuePriorities = &priority;
  VkDeviceCreateInfo di{VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO};
  di.pNext = &feats;
  di.queueCreateInfoCount = 1;
  di.pQueueCreateInfos = &qi;
  di.enabledExtensionCount = static_cast<std::uint32_t>(extensions.size());
  di.ppEnabledExtensionNames = extensions.data();
  check(vkCreateDevice(core->physical, &di, nullptr, &core->device), "vkCreateDevice");
  vkGetDeviceQueue(core->device, *info.compute_queue_family, 0, &core->queue);

  VkCommandPoolCreateInfo pi{VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO};
  pi.flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT;
  pi.queueFamilyIndex = *info.compute_queue_family;
  check(vkCreateCommandPool(core->device, &pi, nullptr, &core->command_pool),
        "vkCreateCommandPool");
  return Context(std::move(core));
}

const DeviceInfo& Context::info() const {
  return core_->info;
}
bool Context::profiling() const {
  return core_->profile;
}
Profiler& Context::profiler() {
  return core_->profiler;
}
VkDevice Context::device() const {
  return core_->device;
}
void Context::wait_idle() {
  check(vkDeviceWaitIdle(core_->device), "vkDeviceWaitIdle");
}

namespace {
// Staging copies go through chunks of this size, so uploading a large weight needs little
// host-visible memory.
constexpr VkDeviceSize kStagingChunk = VkDeviceSize{64} << 20;

void check_range(const Buffer& b, VkDeviceSize offset, std::size_t n, const char* what) {
  if (offset > b.size() || n > b.size() - offset) {
    throw std::out_of_range(std::string(what) + " of " + std::to_string(n) + " bytes at " +
                            std::to_string(offset) + " outside buffer '" + b.name() + "' (" +
                            std::to_string(b.size()) + " bytes)");
  }
}
}  // namespace

void Context::upload(const Buffer& dst, VkDeviceSize offset, std::span<const std::byte> bytes) {
  check_range(dst, offset, bytes.size(), "upload");
  if (bytes.empty()) return;
  if (dst.mapped() != nullptr) {
    std::memcpy(dst.mapped() + offset, bytes.data(), bytes.size());
    return;
  }
  VkDeviceSize chunk = std::min<VkDeviceSize>(kStagingChunk, bytes.size());
  Buffer staging(*this, chunk, BufferKind::Upload, "upload staging");
  CommandBuffer cmd(*this);
  for (VkDeviceSize done = 0; done < bytes.size(); done += chunk) {
    VkDeviceSize n = std::min<VkDeviceSize>(chunk, bytes.size() - done);
    if (done > 0) cmd.begin();
    std::memcpy(staging.mapped(), bytes.data() + done, n);
    cmd.copy(staging.slice(0, n), dst.slice(offset + done, n));
    cmd.submit_and_wait();
  }
}

void Context::download(const Buffer& src, VkDeviceSize offset, std::span<std::byte> bytes) {
  check_range(src, offset, bytes.size(), "download");
  if (bytes.empty()) return;
  if (src.mapped() != nullptr) {
    std::memcpy(bytes.data(), src.mapped() + offset, bytes.size());
    return;
  }
  VkDeviceSize chunk = std::min<VkDeviceSize>(kStagingChunk, bytes.size());
  Buffer staging(*this, chunk, BufferKind::Readback, "download staging");
  CommandBuffer cmd(*this);
  for (VkDeviceSize done = 0; done < bytes.size(); done += chunk) {
    VkDeviceSize n = std::min<VkDeviceSize>(chunk, bytes.size() - done);
    if (done > 0) cmd.begin();
    cmd.copy(src.slice(offset + done, n), staging.slice(0, n));
    cmd.submit_and_wait();
    std::memcpy(bytes.data() + done, staging.mapped(), n);
  }
}

}  // namespace vkchat::vk
