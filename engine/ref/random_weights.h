// Random inputs for kernel tests and benchmarks: GGUF weight rows of any supported type whose
// values stay O(1), and uniform floats. Deterministic for a seed.
#pragma once
#include <cstdint>
#include <vector>

#include "gguf/ggml_types.h"

namespace vkchat::ref {

// `rows` rows of `cols` elements of `type` (cols a whole number of blocks): random quants and
// packed scales, fp16 scales drawn from +-[0.002, 0.05) with about one block in 16 given a
// subnormal scale, so the kernels' fp16 conversion is exercised there too.
std::vector<std::uint8_t> random_weights(gguf::GgmlType type, std::int64_t rows, std::int64_t cols,
                                         std::uint64_t seed);

// n floats uniform in [lo, hi).
std::vector<float> random_floats(std::size_t n, std::uint64_t seed, float lo = -1.f,
                                 float hi = 1.f);

}  // namespace vkchat::ref
