// Next-token probabilities from raw logits, as the CLI reports them and llama.cpp's peer prints
// them: softmax at temperature 1 with no filtering, computed in double.
#pragma once
#include <cstdint>
#include <span>
#include <vector>

#include "sampler/sampler.h"

namespace vkchat::llm {

// The k most probable tokens, by descending probability (equal ones by ascending id).
std::vector<sampler::TokenProb> top_probs(std::span<const float> logits, std::size_t k);

// The probability of one token.
double token_prob(std::span<const float> logits, std::int32_t id);

}  // namespace vkchat::llm
