// The GPU forward pass checked the two ways the forward suites share: teacher forcing over a
// golden of llama.cpp, and logit for logit against the CPU reference (engine/ref) through the
// prefill and through token-by-token decoding.
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "llm/model.h"
#include "llm/session.h"
#include "support/golden.h"

namespace vkchat::test {

// Teacher forcing: g's tokens from position 0 through feed_all (the prefill kernels), each
// checked step compared under tol.
GoldenReport teacher_force(llm::Session& s, const GoldenCase& g, Tolerance tol);

// The CPU reference's logits for tokens from position 0: its KV cache in f16 like the GPU's, and
// rounding as the model was loaded to (LoadOptions::llama_cpp_rounding); n_ctx tokens.size().
std::vector<float> cpu_reference_logits(const llm::Model& model,
                                        std::span<const std::int32_t> tokens);

// Relative L2 distances of all of the GPU's logits from the CPU reference's.
struct ReferenceErrors {
  double prefill = 0;  // Session::feed_all in one fresh session
  double decode = 0;   // the same tokens one at a time (the first fed, the rest decoded)
};

// tokens through a fresh session of the model both ways, against cpu_reference_logits; prints
// both errors after `label`. max_chunk: the session's most tokens per pass (a smaller one makes
// the sliding-window layers' rings smaller, so that short token lists wrap them).
ReferenceErrors compare_with_cpu_reference(llm::Model& model, std::span<const std::int32_t> tokens,
                                           const std::string& label,
                                           std::int64_t max_chunk = llm::kMaxChunk);

}  // namespace vkchat::test
