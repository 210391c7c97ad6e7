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
  c.apply("");
  EXPECT_EQ(c.matvec_wg, 8u);
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
