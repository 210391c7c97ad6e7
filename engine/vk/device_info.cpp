// Device properties, features and memory; the device choice.
#include "vk/device_info.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstring>

#include "vk/instance.h"
#include "vk/vk_error.h"

namespace vkchat::vk {

namespace {

bool has_extension(VkPhysicalDevice dev, const char* name) {
  std::uint32_t n = 0;
  check(vkEnumerateDeviceExtensionProperties(dev, nullptr, &n, nullptr),
        "vkEnumerateDeviceExtensionProperties");
  std::vector<VkExtensionProperties> exts(n);
  check(vkEnumerateDeviceExtensionProperties(dev, nullptr, &n, exts.data()),
        "vkEnumerateDeviceExtensionProperties");
  for (const auto& e : exts) {
    if (std::strcmp(e.extensionName, name) == 0) return true;
  }
  return false;
}

// Lower is better.
int type_rank(VkPhysicalDeviceType t) {
  switch (t) {
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU: return 0;
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU: return 1;
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU: return 2;
    case VK_PHYSICAL_DEVICE_TYPE_CPU: return 3;
    default: return 4;
  }
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string candidates(std::span<const DeviceInfo> devices) {
  std::string s;
  for (const DeviceInfo& d : devices) {
    s += "\n  " + std::to_string(d.index) + ": " + d.name + " (" + device_type_name(d.type) + ")";
    if (!d.unsupported_reason.empty()) s += " unsupported: " + d.unsupported_reason;
  }
  return s;
}

}  // namespace

std::uint64_t DeviceInfo::device_local_bytes() const {
  std::uint64_t total = 0;
  for (const auto& h : heaps) {
    if (h.device_local) total += h.size;
  }
  return total;
}

DeviceInfo query_device_info(VkPhysicalDevice dev, std::uint32_t index) {
  DeviceInfo info;
  info.index = index;

  VkPhysicalDeviceProperties basic;
  vkGetPhysicalDeviceProperties(dev, &basic);
  info.api_version = basic.apiVersion;
  if (basic.apiVersion < VK_API_VERSION_1_2) {
    info.name = basic.deviceName;
    info.type = basic.deviceType;
    info.unsupported_reason = "Vulkan " + version_string(basic.apiVersion) + " < 1.2";
    return info;
  }

  VkPhysicalDeviceSubgroupSizeControlProperties sg_ctl{
      VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_SIZE_CONTROL_PROPERTIES};
  VkPhysicalDeviceSubgroupProperties sg{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_PROPERTIES};
  VkPhysicalDeviceDriverProperties drv{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_DRIVER_PROPERTIES};
  VkPhysicalDeviceMaintenance3Properties m3{
      VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MAINTENANCE_3_PROPERTIES};
  VkPhysicalDeviceProperties2 props{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2};
  bool size_control_ext = basic.apiVersion >= VK_API_VERSION_1_3 ||
                          has_extension(dev, VK_EXT_SUBGROUP_SIZE_CONTROL_EXTENSION_NAME);
  props.pNext = &sg;
  sg.pNext = &drv;
  drv.pNext = &m3;
  if (size_control_ext) m3.pNext = &sg_ctl;
  vkGetPhysicalDeviceProperties2(dev, &props);
  const VkPhysicalDeviceLimits& lim = props.properties.limits;

  info.name = props.properties.deviceName;
  info.type = props.properties.deviceType;
  info.vendor_id = props.properties.vendorID;
  info.device_id = props.properties.deviceID;
  info.driver_version = props.properties.driverVersion;
  info.driver_name = drv.driverName;
  info.driver_info = drv.driverInfo;
  info.subgroup_size = sg.subgroupSize;
  info.min_subgroup_size = size_control_ext ? sg_ctl.minSubgroupSize : sg.subgroupSize;
  info.max_subgroup_size = size_control_ext ? sg_ctl.maxSubgroupSize : sg.subgroupSize;
  if (sg.supportedStages & VK_SHADER_STAGE_COMPUTE_BIT) info.subgroup_ops = sg.supportedOperations;
  info.max_shared_memory = lim.maxComputeSharedMemorySize;
  for (int i = 0; i < 3; ++i) {
    info.max_workgroup_size[i] = lim.maxComputeWorkGroupSize[i];
    info.max_workgroup_count[i] = lim.maxComputeWorkGroupCount[i];
  }
  info.max_workgroup_invocations = lim.maxComputeWorkGroupInvocations;
  info.max_push_constants = lim.maxPushConstantsSize;
  info.max_storage_buffer_range = lim.maxStorageBufferRange;
  info.min_storage_buffer_offset_alignment = lim.minStorageBufferOffsetAlignment;
  info.max_texel_buffer_elements = lim.maxTexelBufferElements;
  info.min_texel_buffer_offset_alignment = lim.minTexelBufferOffsetAlignment;
  info.max_allocation_size = m3.maxMemoryAllocationSize;
  info.timestamp_period_ns = lim.timestampPeriod;

  VkPhysicalDeviceSubgroupSizeControlFeatures sg_ctl_f{
      VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_SIZE_CONTROL_FEATURES};
  VkPhysicalDeviceVulkan12Features f12{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES};
  VkPhysicalDeviceVulkan11Features f11{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_1_FEATURES};
  VkPhysicalDeviceFeatures2 feats{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2};
  feats.pNext = &f11;
  f11.pNext = &f12;
  if (size_control_ext) f12.pNext = &sg_ctl_f;
  vkGetPhysicalDeviceFeatures2(dev, &feats);
  info.shader_float16 = f12.shaderFloat16;
  info.shader_int8 = f12.shaderInt8;
  info.shader_int16 = feats.features.shaderInt16;
  info.shader_int64 = feats.features.shaderInt64;
  info.storage_8bit = f12.storageBuffer8BitAccess;
  info.storage_16bit = f11.storageBuffer16BitAccess;
  info.subgroup_size_control = size_control_ext && sg_ctl_f.subgroupSizeControl;
  info.compute_full_subgroups = size_control_ext && sg_ctl_f.computeFullSubgroups;

  info.memory_budget = has_extension(dev, VK_EXT_MEMORY_BUDGET_EXTENSION_NAME);
  VkPhysicalDeviceMemoryBudgetPropertiesEXT budget{
      VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MEMORY_BUDGET_PROPERTIES_EXT};
  VkPhysicalDeviceMemoryProperties2 mem{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MEMORY_PROPERTIES_2};
  if (info.memory_budget) mem.pNext = &budget;
  vkGetPhysicalDeviceMemoryProperties2(dev, &mem);
  const VkPhysicalDeviceMemoryProperties& mp = mem.memoryProperties;
  bool every_local_type_mappable = true, any_local = false;
  for (std::uint32_t h = 0; h < mp.memoryHeapCount; ++h) {
    MemoryHeapInfo heap;
    heap.size = mp.memoryHeaps[h].size;
    heap.device_local = (mp.memoryHeaps[h].flags & VK_MEMORY_HEAP_DEVICE_LOCAL_BIT) != 0;
    for (std::uint32_t t = 0; t < mp.memoryTypeCount; ++t) {
      if (mp.memoryTypes[t].heapIndex == h &&
          (mp.memoryTypes[t].propertyFlags & VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT)) {
        heap.host_visible = true;
      }
    }
    if (info.memory_budget) {
      heap.budget = budget.heapBudget[h];
      heap.usage = budget.heapUsage[h];
    }
    info.heaps.push_back(heap);
  }
  for (std::uint32_t t = 0; t < mp.memoryTypeCount; ++t) {
    VkMemoryPropertyFlags f = mp.memoryTypes[t].propertyFlags;
    if (!(f & VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT)) continue;
    any_local = true;
    if (!(f & VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT) || !(f & VK_MEMORY_PROPERTY_HOST_COHERENT_BIT)) {
      every_local_type_mappable = false;
    }
  }
  info.unified_memory = any_local && every_local_type_mappable;

  std::uint32_t nq = 0;
  vkGetPhysicalDeviceQueueFamilyProperties(dev, &nq, nullptr);
  std::vector<VkQueueFamilyProperties> queues(nq);
  vkGetPhysicalDeviceQueueFamilyProperties(dev, &nq, queues.data());
  // Prefer a compute family without graphics (async compute on discrete GPUs), else any.
  for (int pass = 0; pass < 2 && !info.compute_queue_family; ++pass) {
    for (std::uint32_t q = 0; q < nq; ++q) {
      bool compute = queues[q].queueFlags & VK_QUEUE_COMPUTE_BIT;
      bool graphics = queues[q].queueFlags & VK_QUEUE_GRAPHICS_BIT;
      if (compute && (pass == 1 || !graphics) && queues[q].timestampValidBits > 0) {
        info.compute_queue_family = q;
        info.timestamp_bits = queues[q].timestampValidBits;
        break;
      }
    }
  }
  if (!info.compute_queue_family) {
    for (std::uint32_t q = 0; q < nq; ++q) {
      if (queues[q].queueFlags & VK_QUEUE_COMPUTE_BIT) {
        info.compute_queue_family = q;
        break;
      }
    }
  }

  if (!info.compute_queue_family)
    info.unsupported_reason = "no compute queue";
  else if (!info.storage_16bit)
    info.unsupported_reason = "no 16-bit storage buffer access";
  else if (!(info.subgroup_ops & VK_SUBGROUP_FEATURE_BASIC_BIT))
    info.unsupported_reason = "no subgroup operations in compute shaders";
  return info;
}

std::vector<DeviceInfo> list_devices(const Instance& instance) {
  std::vector<DeviceInfo> out;
  std::uint32_t i = 0;
  for (VkPhysicalDevice d : instance.physical_devices()) out.push_back(query_device_info(d, i++));
  return out;
}

std::size_t choose_device(std::span<const DeviceInfo> devices,
                          const std::optional<std::string>& selector) {
  if (devices.empty()) throw NoDeviceError("no Vulkan device found");
  if (selector) {
    std::size_t pick = devices.size();
    std::uint64_t idx = 0;
    auto [p, ec] = std::from_chars(selector->data(), selector->data() + selector->size(), idx);
    if (ec == std::errc() && p == selector->data() + selector->size()) {
      if (idx < devices.size()) pick = static_cast<std::size_t>(idx);
    } else {
      std::string want = lower(*selector);
      for (std::size_t i = 0; i < devices.size() && pick == devices.size(); ++i) {
        if (lower(devices[i].name).find(want) != std::string::npos) pick = i;
      }
    }
    if (pick == devices.size()) {
      throw NoDeviceError("VKCHAT_DEVICE='" + *selector +
                          "' matches no Vulkan device; devices:" + candidates(devices));
    }
    if (!devices[pick].unsupported_reason.empty()) {
      throw NoDeviceError("VKCHAT_DEVICE='" + *selector + "' picks " + devices[pick].name +
                          ", which vkchat cannot use: " + devices[pick].unsupported_reason);
    }
    return pick;
  }
  std::size_t best = devices.size();
  for (std::size_t i = 0; i < devices.size(); ++i) {
    if (!devices[i].unsupported_reason.empty()) continue;
    if (best == devices.size() || type_rank(devices[i].type) < type_rank(devices[best].type) ||
        (type_rank(devices[i].type) == type_rank(devices[best].type) &&
         devices[i].device_local_bytes() > devices[best].device_local_bytes())) {
      best = i;
    }
  }
  if (best == devices.size()) {
    throw NoDeviceError("no Vulkan device that vkchat can use; devices:" + candidates(devices));
  }
  return best;
}

const char* device_type_name(VkPhysicalDeviceType type) {
  switch (type) {
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU: return "discrete";
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU: return "integrated";
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU: return "virtual";
    case VK_PHYSICAL_DEVICE_TYPE_CPU: return "cpu";
    default: return "other";
  }
}

std::string version_string(std::uint32_t v) {
  return std::to_string(VK_API_VERSION_MAJOR(v)) + "." + std::to_string(VK_API_VERSION_MINOR(v)) +
         "." + std::to_string(VK_API_VERSION_PATCH(v));
}

std::vector<std::string> subgroup_op_names(VkSubgroupFeatureFlags ops) {
  static const std::pair<VkSubgroupFeatureFlagBits, const char*> kNames[] = {
      {VK_SUBGROUP_FEATURE_BASIC_BIT, "basic"},
      {VK_SUBGROUP_FEATURE_VOTE_BIT, "vote"},
      {VK_SUBGROUP_FEATURE_ARITHMETIC_BIT, "arithmetic"},
      {VK_SUBGROUP_FEATURE_BALLOT_BIT, "ballot"},
      {VK_SUBGROUP_FEATURE_SHUFFLE_BIT, "shuffle"},
      {VK_SUBGROUP_FEATURE_SHUFFLE_RELATIVE_BIT, "shuffle_relative"},
      {VK_SUBGROUP_FEATURE_CLUSTERED_BIT, "clustered"},
      {VK_SUBGROUP_FEATURE_QUAD_BIT, "quad"},
  };
  std::vector<std::string> out;
  for (const auto& [bit, name] : kNames) {
    if (ops & bit) out.emplace_back(name);
  }
  return out;
}

}  // namespace vkchat::vk
