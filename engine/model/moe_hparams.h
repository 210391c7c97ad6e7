// Mixture-of-experts hyperparameters (qwen3moe): how many experts a layer has, how many each
// token uses, their feed-forward width and how the chosen experts' weights are formed.
#pragma once
#include <cstdint>

namespace vkchat::model {

// Upper bound of expert_count accepted from metadata (real models: up to 512).
inline constexpr std::int64_t kMaxExperts = std::int64_t{1} << 12;

struct MoeParams {
  std::int64_t n_expert = 0;       // experts per layer; 0: a dense model
  std::int64_t n_expert_used = 0;  // experts each token is routed to (top-k)
  std::int64_t n_ff_exp = 0;       // each expert's feed-forward width
  bool norm_top_k = false;         // chosen weights divided by their sum
  // qwen35moe: the shared expert's feed-forward width (0: none), its output scaled by
  // sigmoid(ffn_gate_inp_shexp . x) and added to the routed experts'.
  std::int64_t n_ff_shexp = 0;
};

}  // namespace vkchat::model
