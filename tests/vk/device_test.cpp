// The Vulkan device layer on the real device (lavapipe in CI) with validation on: context,
// buffers, the y = a*x + b kernel end to end, dispatch checks, descriptor reuse, profiling,
// and a clean error when there is no driver at all.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>

#include "llm/memory_estimate.h"
#include "support/test_support.h"
#include "vk/command.h"
#include "vk/device_core.h"
#include "vk/instance.h"
#include "vk/pipeline.h"
#include "vk/vk_error.h"
#include "vk/vk_test_support.h"

namespace vkchat::vk {
namespace {

using test::vk_context;

// Mirrors the push block of shaders/axpb.comp.
struct AxpbPush {
  std::uint32_t n;
  float a;
  float b;
};
static_assert(sizeof(AxpbPush) == 12);

constexpr std::uint32_t kGroup = 64;

Pipeline axpb_pipeline(Context& ctx) {
  return Pipeline(
      ctx, {.shader = "axpb", .bindings = 2, .push_size = sizeof(AxpbPush), .spec = {kGroup}});
}

std::vector<float> random_floats(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> d(-4.f, 4.f);
  std::vector<float> v(n);
  for (float& x : v) x = d(rng);
  return v;
}

TEST(VkDevice, ContextHasAComputeQueueAndValidation) {
  Context& ctx = vk_context();
  const DeviceInfo& info = ctx.info();
  EXPECT_FALSE(info.name.empty());
  EXPECT_TRUE(info.unsupported_reason.empty());
  EXPECT_TRUE(info.compute_queue_family.has_value());
  EXPECT_GE(info.subgroup_size, 1u);
  EXPECT_TRUE(info.subgroup_ops & VK_SUBGROUP_FEATURE_BASIC_BIT);
  EXPECT_GE(info.max_shared_memory, 16384u);  // the Vulkan minimum
  EXPECT_GE(info.max_workgroup_invocations, 128u);
  EXPECT_FALSE(info.heaps.empty());
  EXPECT_GT(info.device_local_bytes(), 0u);
  EXPECT_TRUE(ctx.core().instance.validation());
}

TEST(VkDevice, AxpbRunsEndToEnd) {
  Context& ctx = vk_context();
  std::uint64_t seed = test::test_seed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  const std::uint32_t n = 1000;  // not a multiple of the workgroup size
  std::vector<float> x = random_floats(n, seed);
  Buffer xb = test::device_buffer<float>(ctx, x, "x");
  Buffer yb(ctx, (n + 7) * sizeof(float), BufferKind::Device, "y");
  Pipeline p = axpb_pipeline(ctx);

  CommandBuffer cmd(ctx);
  cmd.fill(yb.whole(), 0x7fc00001u);  // NaN: an unwritten element fails the comparison
  cmd.barrier();                      // the fill is written before the kernel writes y
  AxpbPush push{n, 1.5f, -0.25f};
  cmd.dispatch(p, {xb.whole(), yb.whole()}, push, {(n + kGroup - 1) / kGroup});
  cmd.submit_and_wait();

  std::vector<float> y = test::read_buffer<float>(ctx, yb, n + 7);
  for (std::uint32_t i = 0; i < n; ++i) {
    float want = std::fma(1.5f, x[i], -0.25f);
    ASSERT_NEAR(y[i], want, 1e-6f * (1 + std::fabs(want))) << "element " << i;
  }
  for (std::uint32_t i = n; i < n + 7; ++i)
    EXPECT_TRUE(std::isnan(y[i])) << "wrote past n at " << i;
}

TEST(VkDevice, StagingUploadReadbackAndCopy) {
  Context& ctx = vk_context();
  std::vector<float> x = random_floats(4097, test::test_seed());
  std::span<const std::byte> bytes = std::as_bytes(std::span<const float>(x));
  Buffer up(ctx, bytes.size(), BufferKind::Upload, "upload");
  Buffer dev(ctx, bytes.size(), BufferKind::Device, "device");
  Buffer back(ctx, bytes.size(), BufferKind::Readback, "readback");
  ASSERT_NE(up.mapped(), nullptr);
  ASSERT_NE(back.mapped(), nullptr);
  std::memcpy(up.mapped(), bytes.data(), bytes.size());
  CommandBuffer cmd(ctx);
  cmd.copy(up.whole(), dev.whole());
  cmd.barrier();  // the first copy lands before the second reads
  cmd.copy(dev.whole(), back.whole());
  cmd.submit_and_wait();
  EXPECT_EQ(std::memcmp(back.mapped(), bytes.data(), bytes.size()), 0);

  // Context::upload/download at an offset, whether or not the buffer is mapped.
  std::vector<float> part(100, 3.0f);
  ctx.upload(dev, 40, std::as_bytes(std::span<const float>(part)));
  std::vector<float> got = test::read_buffer<float>(ctx, dev, 102, 36);
  EXPECT_EQ(got[0], x[9]);
  for (int i = 1; i <= 100; ++i) EXPECT_EQ(got[i], 3.0f);
  EXPECT_EQ(got[101], x[110]);
  EXPECT_THROW(ctx.upload(dev, bytes.size() - 4, std::as_bytes(std::span<const float>(part))),
               std::out_of_range);
}

TEST(VkDevice, DispatchChecksBindingsAndPushSize) {
  Context& ctx = vk_context();
  Buffer a(ctx, 256, BufferKind::Device, "a");
  Pipeline p = axpb_pipeline(ctx);
  CommandBuffer cmd(ctx);
  AxpbPush push{64, 1, 0};
  EXPECT_THROW(cmd.dispatch(p, {a.whole()}, push, {1}), std::logic_error);
  EXPECT_THROW(cmd.dispatch(p, {a.whole(), a.whole(), a.whole()}, push, {1}), std::logic_error);
  struct Wrong {
    std::uint32_t n;
    float a;
  } wrong{64, 1};
  EXPECT_THROW(cmd.dispatch(p, {a.whole(), a.whole()}, wrong, {1}), std::logic_error);
  EXPECT_THROW(cmd.dispatch(p, {a.whole(), a.slice(1, 64)}, push, {1}), std::logic_error);
  EXPECT_THROW(cmd.dispatch(p, {a.whole(), a.whole()}, push, {0}), std::logic_error);
  EXPECT_EQ(cmd.dispatch_count(), 0u);
}

TEST(VkDevice, DescriptorSetsAreMadeOnceAndFreedWithTheirBuffers) {
  Context& ctx = vk_context();
  Pipeline p = axpb_pipeline(ctx);
  Buffer x(ctx, 1024, BufferKind::Device, "x");
  std::size_t before = ctx.core().descriptors.size();
  {
    Buffer y(ctx, 1024, BufferKind::Device, "y");
    CommandBuffer cmd(ctx);
    AxpbPush push{256, 2, 1};
    for (int i = 0; i < 5; ++i) {
      cmd.dispatch(p, {x.whole(), y.whole()}, push, {4});
      cmd.barrier();  // each dispatch rewrites y
    }
    cmd.dispatch(p, {x.slice(0, 512), y.whole()}, AxpbPush{128, 2, 1}, {2});
    cmd.submit_and_wait();
    EXPECT_EQ(ctx.core().descriptors.size(), before + 2);
  }
  EXPECT_EQ(ctx.core().descriptors.size(), before);
}

TEST(VkDevice, ProfilingAggregatesPerKernel) {
  ContextOptions o = ContextOptions::from_env();
  o.validation = true;
  o.profile = true;
  Context ctx = Context::create(o);
  ASSERT_GT(ctx.info().timestamp_bits, 0u);
  Pipeline p = axpb_pipeline(ctx);
  const std::uint32_t n = 1 << 16;
  Buffer x(ctx, n * 4, BufferKind::Device, "x");
  Buffer y(ctx, n * 4, BufferKind::Device, "y");
  CommandBuffer cmd(ctx);
  cmd.fill(x.whole(), 0);
  cmd.barrier();  // x is zeroed before it is read
  for (int i = 0; i < 3; ++i) {
    cmd.dispatch(p, {x.whole(), y.whole()}, AxpbPush{n, 1, 2}, {n / kGroup}, 2ull * n * 4);
    cmd.barrier();  // each dispatch rewrites y
  }
  cmd.submit_and_wait();
  auto stats = ctx.profiler().stats();
  ASSERT_EQ(stats.size(), 1u);
  EXPECT_EQ(stats[0].name, "axpb");
  EXPECT_EQ(stats[0].count, 3u);
  EXPECT_EQ(stats[0].bytes, 3ull * 2 * n * 4);
  EXPECT_GT(stats[0].total_us, 0.0);
  EXPECT_GT(stats[0].gb_per_s(), 0.0);
  EXPECT_NE(ctx.profiler().report().find("axpb"), std::string::npos);
  ctx.profiler().clear();  // keep the test's output free of the exit report
}

TEST(VkDevice, ValidationLayerReportsMisuse) {
  Context& ctx = vk_context();
  std::uint64_t before = validation_message_count();
  VkBufferCreateInfo bi{VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO};
  bi.size = 0;  // invalid: VUID-VkBufferCreateInfo-size-00912
  bi.usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT;
  VkBuffer b = VK_NULL_HANDLE;
  VkResult r = vkCreateBuffer(ctx.device(), &bi, nullptr, &b);
  if (r == VK_SUCCESS && b != VK_NULL_HANDLE) vkDestroyBuffer(ctx.device(), b, nullptr);
  EXPECT_GT(validation_message_count(), before);
  test::acknowledge_validation_messages();
}

TEST(VkDevice, NoDriverIsAClearErrorNotACrash) {
  std::string cli = test::cli_path().string();
  std::string cmd = std::string("VK_ICD_FILENAMES=/nonexistent/icd.json ") +
                    "VK_DRIVER_FILES=/nonexistent/icd.json '" + cli + "' devices 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string out;
  char buf[512];
  while (std::fgets(buf, sizeof buf, p)) out += buf;
  int status = pclose(p);
  ASSERT_TRUE(WIFEXITED(status)) << out;  // not killed by a signal
  EXPECT_EQ(WEXITSTATUS(status), 2) << out;
  EXPECT_NE(out.find("no Vulkan driver found"), std::string::npos) << out;
}

TEST(VkDevice, CliListsTheDeviceInUse) {
  std::string cli = test::cli_path().string();
  FILE* p = popen(("'" + cli + "' devices --json").c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string out;
  char buf[512];
  while (std::fgets(buf, sizeof buf, p)) out += buf;
  EXPECT_EQ(pclose(p), 0);
  Context& ctx = vk_context();
  EXPECT_NE(out.find("\"name\":\"" + ctx.info().name + "\""), std::string::npos) << out;
  EXPECT_NE(out.find("\"selected\":" + std::to_string(ctx.info().index) + "}"), std::string::npos)
      << out;
  EXPECT_NE(out.find("\"subgroup_size\":"), std::string::npos);
  EXPECT_NE(out.find("\"max_compute_shared_memory\":"), std::string::npos);
}

// What the memory check promises a CPU device (the host's free memory, util/host_memory.h), the
// device must deliver: buffers past lavapipe's reported 2 GiB heap allocate, map and keep their
// bytes. Chunks respect maxMemoryAllocationSize, as the weight upload does.
TEST(VkDevice, CpuDeviceAllocatesPastItsHeapUpToTheBudget) {
  Context& ctx = vk_context();
  const DeviceInfo& info = ctx.info();
  ASSERT_EQ(info.type, VK_PHYSICAL_DEVICE_TYPE_CPU) << "the test devices are lavapipe";
  const std::uint64_t heap = info.device_local_bytes();
  const std::uint64_t budget = llm::device_memory_budget(info);
  ASSERT_GT(budget, heap + (std::uint64_t{1} << 29))
      << "this machine has too little free memory to show the CPU budget";
  const std::uint64_t chunk = std::min<std::uint64_t>(
      info.max_allocation_size ? info.max_allocation_size : heap, std::uint64_t{1} << 30);
  const std::uint64_t total = heap + (std::uint64_t{1} << 29);
  std::vector<Buffer> buffers;
  for (std::uint64_t done = 0; done < total; done += chunk) {
    buffers.emplace_back(ctx, std::min(chunk, total - done), BufferKind::Device, "beyond heap");
    ASSERT_NE(buffers.back().mapped(), nullptr);
    // Only the ends are touched: the pages in between are never faulted in.
    buffers.back().mapped()[0] = std::byte{0x5a};
    buffers.back().mapped()[buffers.back().size() - 1] = std::byte{0xa5};
  }
  for (const Buffer& b : buffers) {
    EXPECT_EQ(b.mapped()[0], std::byte{0x5a});
    EXPECT_EQ(b.mapped()[b.size() - 1], std::byte{0xa5});
  }
}

}  // namespace
}  // namespace vkchat::vk
