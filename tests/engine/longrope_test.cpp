// LongRoPE (Phi-3.5's rope_factors_long/short, rope.scaling.attn_factor): the factors chosen by
// context length as llama.cpp chooses them, and the CPU reference on a phi3 file with LongRoPE
// against llama.cpp's golden for it (tests/data/longrope, made by the peer on the file
// make_phi3_longrope.py writes; original context 16, so the golden's context of 2048 and these
// runs use the long factors).
#include <gtest/gtest.h>

#include "engine/ref_golden.h"
#include "gguf/gguf_reader.h"
#include "model/weights.h"
#include "quant/dequantize.h"
#include "ref/ref_forward.h"
#include "store/temp_dir.h"
#include "support/golden.h"
#include "support/longrope_model.h"
#include "support/test_support.h"

namespace vkchat::test {
namespace {

TEST(LongRope, FactorsChosenByContextLength) {
  TempDir dir;
  const auto f = gguf::GgufFile::open(write_phi3_longrope_model(dir.path()));
  const model::ModelSpec spec = model::read_model_spec(f);
  EXPECT_TRUE(spec.hp.rope.longrope);
  EXPECT_EQ(spec.hp.rope.n_ctx_orig, 16);
  EXPECT_EQ(spec.hp.rope.ext_factor, 0.f);
  EXPECT_FLOAT_EQ(spec.hp.rope.attn_factor, 1.2f);
  EXPECT_EQ(model::rope_factors(spec, 16), spec.w.rope_factors_short);
  EXPECT_EQ(model::rope_factors(spec, 17), spec.w.rope_factors_long);
  EXPECT_EQ(quant::dequantize_tensor(*spec.w.rope_factors_long)[4], 2.f);
}

TEST(LongRope, RefMatchesLlamaCpp) {
  TempDir dir;
  const auto f = gguf::GgufFile::open(write_phi3_longrope_model(dir.path()));
  const model::ModelSpec spec = model::read_model_spec(f);
  const GoldenCase g = read_golden(phi3_longrope_golden());
  const GoldenReport rep =
      ref_teacher_force(spec, g, rounded_golden_tolerance(true), ref::Rounding::LlamaCpp);
  expect_clean(g.name, rep);
  // Most steps reproduced: the factors and the magnitude are llama.cpp's, not just close.
  EXPECT_GE(rep.reproduced * 2, rep.steps);
}

}  // namespace
}  // namespace vkchat::test
