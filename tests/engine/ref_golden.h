// Teacher forcing of the CPU reference (engine/ref) over a golden of llama.cpp, as the reference
// suites run it.
#pragma once
#include "model/weights.h"
#include "ref/ref_forward.h"
#include "support/golden.h"

namespace vkchat::test {

// g's tokens through a fresh RefForward of the spec in one batch (n_ctx: the tokens), every
// checked step compared under tol. The cache in f16 as llama.cpp keeps it, unless kv says F32.
GoldenReport ref_teacher_force(const model::ModelSpec& spec, const GoldenCase& g, Tolerance tol,
                               ref::Rounding rounding, ref::KvPrecision kv = ref::KvPrecision::F16);

}  // namespace vkchat::test
