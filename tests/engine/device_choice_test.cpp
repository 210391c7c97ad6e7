// Device choice without a device: ranking by type, the VKCHAT_DEVICE override, and errors.
#include <gtest/gtest.h>

#include "vk/device_info.h"
#include "vk/vk_error.h"

namespace vkchat::vk {
namespace {

DeviceInfo dev(std::uint32_t index, const char* name, VkPhysicalDeviceType type,
               std::uint64_t vram = 1 << 30, const char* unsupported = "") {
  DeviceInfo d;
  d.index = index;
  d.name = name;
  d.type = type;
  d.heaps.push_back({.size = vram, .device_local = true});
  d.unsupported_reason = unsupported;
  return d;
}

TEST(DeviceChoice, PrefersDiscreteThenIntegratedThenVirtualThenCpu) {
  std::vector<DeviceInfo> d = {dev(0, "llvmpipe", VK_PHYSICAL_DEVICE_TYPE_CPU),
                               dev(1, "virgl", VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU),
                               dev(2, "Intel UHD", VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU),
                               dev(3, "NVIDIA RTX", VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU)};
  EXPECT_EQ(choose_device(d, std::nullopt), 3u);
  d.pop_back();
  EXPECT_EQ(choose_device(d, std::nullopt), 2u);
  d.pop_back();
  EXPECT_EQ(choose_device(d, std::nullopt), 1u);
  d.pop_back();
  EXPECT_EQ(choose_device(d, std::nullopt), 0u);
}

TEST(DeviceChoice, TwoOfAKindTakesTheLargerMemoryAndSkipsUnsupported) {
  std::vector<DeviceInfo> d = {
      dev(0, "small", VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU, 4ull << 30),
      dev(1, "big", VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU, 24ull << 30),
      dev(2, "old", VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU, 48ull << 30, "Vulkan 1.1.0 < 1.2")};
  EXPECT_EQ(choose_device(d, std::nullopt), 1u);
}

TEST(DeviceChoice, OverrideByIndexOrNameSubstring) {
  std::vector<DeviceInfo> d = {dev(0, "llvmpipe (LLVM 15)", VK_PHYSICAL_DEVICE_TYPE_CPU),
                               dev(1, "NVIDIA GeForce", VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU)};
  EXPECT_EQ(choose_device(d, std::string("0")), 0u);
  EXPECT_EQ(choose_device(d, std::string("1")), 1u);
  EXPECT_EQ(choose_device(d, std::string("LLVMPIPE")), 0u);
  EXPECT_EQ(choose_device(d, std::string("geforce")), 1u);
}

TEST(DeviceChoice, NothingUsableIsANoDeviceErrorNamingTheCandidates) {
  std::vector<DeviceInfo> d = {
      dev(0, "old", VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU, 1 << 30, "no compute queue")};
  try {
    choose_device(d, std::nullopt);
    FAIL() << "expected NoDeviceError";
  } catch (const NoDeviceError& e) {
    EXPECT_NE(std::string(e.what()).find("no compute queue"), std::string::npos) << e.what();
  }
  EXPECT_THROW(choose_device(d, std::string("0")), NoDeviceError);
  d.push_back(dev(1, "llvmpipe", VK_PHYSICAL_DEVICE_TYPE_CPU));
  EXPECT_THROW(choose_device(d, std::string("radeon")), NoDeviceError);
  EXPECT_THROW(choose_device(d, std::string("7")), NoDeviceError);
  EXPECT_THROW(choose_device({}, std::nullopt), NoDeviceError);
}

}  // namespace
}  // namespace vkchat::vk
