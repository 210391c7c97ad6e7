// CPU reference of a mixture-of-experts feed-forward's routing: the truth the device's routing
// kernel is compared to. Softmax in double, top-k by score, ties as llama.cpp orders them.
#pragma once
#include <cstdint>
#include <span>
#include <vector>

#include "quant/dequantize.h"

namespace vkchat::ref {

// The experts a token is routed to, best first, and the weights their outputs are summed with.
struct Route {
  std::vector<std::int32_t> ids;
  std::vector<float> weights;
};

// qwen3moe's routing: p = softmax(router logits); the k experts of highest p, equal scores in
// the order llama.cpp's CPU argsort (libstdc++'s std::sort) leaves them: the lower id first for
// up to 16 experts, an order of introsort's making beyond; weights p of those, divided by their sum
// when `normalize` (the sum clamped below at 6.1e-5 as llama.cpp's build_moe_ffn does). Throws
// std::invalid_argument unless 0 < k <= logits.size().
Route route_softmax_top_k(std::span<const float> logits, std::int64_t k, bool normalize);

// gpt-oss's routing (LLAMA_EXPERT_GATING_FUNC_TYPE_SOFTMAX_WEIGHT): the k experts of highest
// logit (ties as above), weights the softmax of those k logits. Throws std::invalid_argument
// unless 0 < k <= logits.size().
Route route_top_k_softmax(std::span<const float> logits, std::int64_t k);

// Expert e's matrix of a 3-D expert tensor [cols, rows, n_expert]: slice e.
quant::MatrixView expert_matrix(const gguf::TensorInfo& t, std::int64_t e);

}  // namespace vkchat::ref
