// KernelConfig::apply: the "name=value,..." overrides that VKCHAT_KERNELS feeds to for_device.
#include <gtest/gtest.h>

#include <stdexcept>

#include "ops/kernels.h"

namespace vkchat::ops {
namespace {

TEST(KernelConfigApply, SetsNamedSizesAndLeavesTheRest) {
  KernelConfig c;
  c.apply("matvec_wg=8,matvec_rows=32,attn_chunk=64");
  EXPECT_EQ(c.matvec_wg, 8u);
  EXPECT_EQ(c.matvec_rows, 32u);
  EXPECT_EQ(c.attn_chunk, 64u);
  KernelConfig d;
  EXPECT_EQ(c.norm_wg, d.norm_wg);
  EXPECT_EQ(c.matmul_min_tokens, d.matmul_min_tokens);
  EXPECT_EQ(c.subgroups, d.subgroups);
  // The CPU-device kernel choices can be switched off (0) for A/B runs; sizes cannot be 0.
  c.apply("matmul_rows=0,matvec_stream_rows=0,matmul_tokens=4");
  EXPECT_EQ(c.matmul_rows, 0u);
  EXPECT_EQ(c.matvec_stream_rows, 0u);
  EXPECT_EQ(c.matmul_tokens, 4u);
  EXPECT_THROW(c.apply("matmul_tokens=0"), std::invalid_argument);
  EXPECT_THROW(c.apply("matvec_stream_max_units=0"), std::invalid_argument);
  c.apply("");
  EXPECT_EQ(c.matvec_wg, 8u);
}

// The streaming matvec's UPL (one pipeline per value) covers the row in one pass of the
// workgroup, up to its bound; wider rows and devices without it take the plain matvec (0).
TEST(KernelConfigStream, UnitsPerInvocationCoverTheRowUpToTheBound) {
  KernelConfig gpu;
  EXPECT_EQ(gpu.matvec_stream_units(4096), 0u);
  KernelConfig cpu;
  cpu.apply("matvec_wg=8,matvec_stream_rows=32,matvec_stream_max_units=64");
  EXPECT_EQ(cpu.matvec_stream_units(1), 1u);
  EXPECT_EQ(cpu.matvec_stream_units(256), 1u);
  EXPECT_EQ(cpu.matvec_stream_units(257), 2u);
  EXPECT_EQ(cpu.matvec_stream_units(4096), 16u);
  EXPECT_EQ(cpu.matvec_stream_units(4096 + 32), 17u);
  EXPECT_EQ(cpu.matvec_stream_units(64 * 8 * 32), 64u);
  EXPECT_EQ(cpu.matvec_stream_units(64 * 8 * 32 + 1), 0u);
}

TEST(KernelConfigApply, RejectsUnknownNamesAndBadValues) {
  for (const char* spec : {"matvec_wg", "matvec_wg=", "matvec_wg=0", "matvec_wg=-1", "matvec_wg=8x",
                           "nope=4", "matvec_wg=8,,matvec_rows=2", "=3"}) {
    SCOPED_TRACE(spec);
    KernelConfig c;
    EXPECT_THROW(c.apply(spec), std::invalid_argument);
  }
}

}  // namespace
}  // namespace vkchat::ops
