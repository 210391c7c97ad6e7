// The host-memory budget of CPU devices: /proc/meminfo parsing, the margin, and the budget that
// device_memory_budget gives a CPU device (lavapipe's made-up 2 GiB heap is not the limit).
#include "util/host_memory.h"

#include <gtest/gtest.h>

#include "llm/memory_estimate.h"

namespace vkchat {
namespace {

constexpr std::uint64_t kGiB = std::uint64_t{1} << 30;

TEST(HostMemory, ParsesMeminfo) {
  auto m = parse_meminfo(
      "MemTotal:       24576000 kB\nMemFree:         1000 kB\nMemAvailable:   20480000 kB\n"
      "Buffers:          100 kB\n");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->total, std::uint64_t{24576000} * 1024);
  EXPECT_EQ(m->available, std::uint64_t{20480000} * 1024);
}

TEST(HostMemory, RefusesMissingOrMalformedFields) {
  EXPECT_FALSE(parse_meminfo("MemTotal: 100 kB\n"));                       // no MemAvailable
  EXPECT_FALSE(parse_meminfo("MemTotal: 100 kB\nMemAvailable: x kB\n"));   // not a number
  EXPECT_FALSE(parse_meminfo("MemTotal: 100 kB\nMemAvailable: 5 MB\n"));   // unknown unit
  EXPECT_FALSE(parse_meminfo("MemTotal: 100 kB\nMemAvailableX: 5 kB\n"));  // other key
  EXPECT_FALSE(parse_meminfo("MemTotal: 100 kB\nMemAvailable: 99999999999999999999 kB\n"));
  EXPECT_FALSE(parse_meminfo(""));
}

TEST(HostMemory, BudgetLeavesAMargin) {
  // 1 GiB at least, 1/16 of the total where that is more.
  EXPECT_EQ(cpu_device_budget({8 * kGiB, 6 * kGiB}), 5 * kGiB);
  EXPECT_EQ(cpu_device_budget({64 * kGiB, 40 * kGiB}), 36 * kGiB);
  EXPECT_EQ(cpu_device_budget({8 * kGiB, kGiB / 2}), 0u);
}

TEST(HostMemory, ThisMachineIsReadable) {
  auto m = read_host_memory();
  ASSERT_TRUE(m) << "/proc/meminfo";
  EXPECT_GT(m->total, 0u);
  EXPECT_LE(m->available, m->total);
}

// A CPU device's budget comes from the host, whatever its heap says; a GPU's from its heap.
TEST(HostMemory, CpuDevicesGetTheHostsMemory) {
  vk::DeviceInfo cpu;
  cpu.type = VK_PHYSICAL_DEVICE_TYPE_CPU;
  cpu.heaps.push_back({.size = 2 * kGiB, .device_local = true, .host_visible = true});
  auto m = read_host_memory();
  ASSERT_TRUE(m);
  const std::uint64_t want = cpu_device_budget(*m);
  const std::uint64_t got = llm::device_memory_budget(cpu);
  // MemAvailable moves between the two reads; 512 MiB is far more than it moves.
  EXPECT_LT(got > want ? got - want : want - got, kGiB / 2);

  vk::DeviceInfo gpu = cpu;
  gpu.type = VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU;
  EXPECT_EQ(llm::device_memory_budget(gpu), 2 * kGiB);
}

}  // namespace
}  // namespace vkchat
