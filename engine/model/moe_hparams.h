// Mixture-of-experts hyperparameters (qwen3moe, gpt-oss): how many experts a layer has, how many
// each token uses, their feed-forward width, how the chosen experts' weights are formed and the
// experts' activation.
#pragma once
#include <cstdint>

namespace vkchat::model {

// Upper bound of expert_count accepted from metadata (real models: up to 512).
inline constexpr std::int64_t kMaxExperts = std::int64_t{1} << 12;

// How a token's router logits become the chosen experts and their weights.
enum class MoeGating {
  Softmax,        // qwen3moe: p = softmax(logits); the top k of p, weights p (norm_top_k)
  SoftmaxOfTopK,  // gpt-oss: the top k logits; weights softmax over those k
};

struct MoeParams {
  std::int64_t n_expert = 0;       // experts per layer; 0: a dense model
  std::int64_t n_expert_used = 0;  // experts each token is routed to (top-k)
  std::int64_t n_ff_exp = 0;       // each expert's feed-forward width
  bool norm_top_k = false;         // chosen weights divided by their sum
  MoeGating gating = MoeGating::Softmax;
  // gpt-oss's expert activation (ggml_swiglu_oai, alpha 1.702, limit 7): with g = min(gate, 7)
  // and u = clamp(up, -7, 7), g * sigmoid(1.702 g) * (u + 1). false: silu(gate) * up.
  bool swiglu_oai = false;
  // qwen35moe: the shared expert's feed-forward width (0: none), its output scaled by
  // sigmoid(ffn_gate_inp_shexp . x) and added to the routed experts'.
  std::int64_t n_ff_shexp = 0;
};

}  // namespace vkchat::model
