// Instance creation, the validation layer and its message log.
#include "vk/instance.h"

#include <cstdio>
#include <cstring>
#include <mutex>
#include <utility>

#include "vk/vk_error.h"

namespace vkchat::vk {

namespace {

constexpr const char* kValidationLayer = "VK_LAYER_KHRONOS_validation";
constexpr std::size_t kKeptMessages = 1000;

struct ValidationLog {
  std::mutex mutex;
  std::uint64_t count = 0;
  std::vector<std::string> texts;
};

ValidationLog& log() {
  static ValidationLog l;
  return l;
}

VKAPI_ATTR VkBool32 VKAPI_CALL on_message(VkDebugUtilsMessageSeverityFlagBitsEXT severity,
                                          VkDebugUtilsMessageTypeFlagsEXT /*types*/,
                                          const VkDebugUtilsMessengerCallbackDataEXT* data,
                                          void* /*user*/) {
  std::string text =
      (severity & VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT) ? "error: " : "warning: ";
  text += data && data->pMessage ? data->pMessage : "(no message)";
  std::fprintf(stderr, "vulkan validation %s\n", text.c_str());
  ValidationLog& l = log();
  std::lock_guard lock(l.mutex);
  ++l.count;
  if (l.texts.size() < kKeptMessages) l.texts.push_back(std::move(text));
  return VK_FALSE;  // never abort the call: the test reports the message instead
}

bool has_layer(const char* name) {
  std::uint32_t n = 0;
  check(vkEnumerateInstanceLayerProperties(&n, nullptr), "vkEnumerateInstanceLayerProperties");
  std::vector<VkLayerProperties> layers(n);
  check(vkEnumerateInstanceLayerProperties(&n, layers.data()),
        "vkEnumerateInstanceLayerProperties");
  for (const auto& l : layers) {
    if (std::strcmp(l.layerName, name) == 0) return true;
  }
  return false;
}

bool layer_has_extension(const char* layer, const char* name) {
  std::uint32_t n = 0;
  check(vkEnumerateInstanceExtensionProperties(layer, &n, nullptr),
        "vkEnumerateInstanceExtensionProperties");
  std::vector<VkExtensionProperties> exts(n);
  check(vkEnumerateInstanceExtensionProperties(layer, &n, exts.data()),
        "vkEnumerateInstanceExtensionProperties");
  for (const auto& e : exts) {
    if (std::strcmp(e.extensionName, name) == 0) return true;
  }
  return false;
}

VkDebugUtilsMessengerCreateInfoEXT messenger_info() {
  VkDebugUtilsMessengerCreateInfoEXT mi{VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT};
  mi.messageSeverity = VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT |
                       VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT;
  mi.messageType = VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT |
                   VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT |
                   VK_DEBUG_UTILS_MESSAGE_TYPE_PERFORMANCE_BIT_EXT;
  mi.pfnUserCallback = on_message;
  return mi;
}

const char* no_driver_hint() {
  return "no Vulkan driver found: install one (on Debian: mesa-vulkan-drivers for the lavapipe "
         "CPU driver, or your GPU vendor's driver), and check VK_ICD_FILENAMES/VK_DRIVER_FILES";
}

}  // namespace

Instance Instance::create(bool validation) {
  if (validation && !has_layer(kValidationLayer)) {
    throw VulkanError(std::string("VKCHAT_VK_VALIDATION is on but ") + kValidationLayer +
                      " is not installed (Debian: vulkan-validationlayers)");
  }
  VkApplicationInfo app{VK_STRUCTURE_TYPE_APPLICATION_INFO};
  app.pApplicationName = "vkchat";
  app.pEngineName = "vkchat";
  app.apiVersion = VK_API_VERSION_1_2;

  std::vector<const char*> layers, extensions;
  if (validation) {
    layers.push_back(kValidationLayer);
    extensions.push_back(VK_EXT_DEBUG_UTILS_EXTENSION_NAME);
  }
  VkDebugUtilsMessengerCreateInfoEXT mi = messenger_info();
  VkInstanceCreateInfo ci{VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO};
  ci.pApplicationInfo = &app;
  ci.enabledLayerCount = static_cast<std::uint32_t>(layers.size());
  ci.ppEnabledLayerNames = layers.data();
  ci.enabledExtensionCount = static_cast<std::uint32_t>(extensions.size());
  ci.ppEnabledExtensionNames = extensions.data();
  // Synchronization validation catches missing barriers between dispatches, the bug that
  // otherwise shows only as wrong numbers on some GPUs.
  VkValidationFeatureEnableEXT sync = VK_VALIDATION_FEATURE_ENABLE_SYNCHRONIZATION_VALIDATION_EXT;
  VkValidationFeaturesEXT features{VK_STRUCTURE_TYPE_VALIDATION_FEATURES_EXT};
  features.enabledValidationFeatureCount = 1;
  features.pEnabledValidationFeatures = &sync;
  if (validation) {
    ci.pNext = &mi;  // also catches messages from vkCreateInstance and vkDestroyInstance
    if (layer_has_extension(kValidationLayer, VK_EXT_VALIDATION_FEATURES_EXTENSION_NAME)) {
      extensions.push_back(VK_EXT_VALIDATION_FEATURES_EXTENSION_NAME);
      ci.enabledExtensionCount = static_cast<std::uint32_t>(extensions.size());
      ci.ppEnabledExtensionNames = extensions.data();
      features.pNext = &mi;
      ci.pNext = &features;
    }
  }

  Instance inst;
  VkResult r = vkCreateInstance(&ci, nullptr, &inst.instance_);
  if (r == VK_ERROR_INCOMPATIBLE_DRIVER) throw NoDeviceError(no_driver_hint(), r);
  check(r, "vkCreateInstance");
  if (validation) {
    auto create = reinterpret_cast<PFN_vkCreateDebugUtilsMessengerEXT>(
        vkGetInstanceProcAddr(inst.instance_, "vkCreateDebugUtilsMessengerEXT"));
    if (create == nullptr) throw VulkanError("vkCreateDebugUtilsMessengerEXT is missing");
    check(create(inst.instance_, &mi, nullptr, &inst.messenger_), "vkCreateDebugUtilsMessengerEXT");
  }
  return inst;
}

Instance::Instance(Instance&& o) noexcept
    : instance_(std::exchange(o.instance_, VK_NULL_HANDLE)),
      messenger_(std::exchange(o.messenger_, VK_NULL_HANDLE)) {}

Instance& Instance::operator=(Instance&& o) noexcept {
  if (this != &o) {
    reset();
    instance_ = std::exchange(o.instance_, VK_NULL_HANDLE);
    messenger_ = std::exchange(o.messenger_, VK_NULL_HANDLE);
  }
  return *this;
}

Instance::~Instance() {
  reset();
}

void Instance::reset() {
  if (messenger_ != VK_NULL_HANDLE) {
    auto destroy = reinterpret_cast<PFN_vkDestroyDebugUtilsMessengerEXT>(
        vkGetInstanceProcAddr(instance_, "vkDestroyDebugUtilsMessengerEXT"));
    if (destroy != nullptr) destroy(instance_, messenger_, nullptr);
    messenger_ = VK_NULL_HANDLE;
  }
  if (instance_ != VK_NULL_HANDLE) {
    vkDestroyInstance(instance_, nullptr);
    instance_ = VK_NULL_HANDLE;
  }
}

std::vector<VkPhysicalDevice> Instance::physical_devices() const {
  std::uint32_t n = 0;
  VkResult r = vkEnumeratePhysicalDevices(instance_, &n, nullptr);
  if (r == VK_ERROR_INITIALIZATION_FAILED || (r == VK_SUCCESS && n == 0)) {
    throw NoDeviceError(no_driver_hint(), r);
  }
  check(r, "vkEnumeratePhysicalDevices");
  std::vector<VkPhysicalDevice> out(n);
  check(vkEnumeratePhysicalDevices(instance_, &n, out.data()), "vkEnumeratePhysicalDevices");
  out.resize(n);
  return out;
}

std::uint64_t validation_message_count() {
  ValidationLog& l = log();
  std::lock_guard lock(l.mutex);
  return l.count;
}

std::vector<std::string> validation_messages(std::uint64_t first) {
  ValidationLog& l = log();
  std::lock_guard lock(l.mutex);
  if (first >= l.texts.size()) return {};
  return {l.texts.begin() + static_cast<std::ptrdiff_t>(first), l.texts.end()};
}

}  // namespace vkchat::vk
