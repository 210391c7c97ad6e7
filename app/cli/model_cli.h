// Shared by the commands that run a model (generate, score, bench): the -m flag and the JSON
// spelling of probabilities, identical to peer.mjs (probabilities rounded to 6 decimals).
#pragma once
#include <span>
#include <string>

#include "cli/cli_common.h"
#include "sampler/sampler.h"

namespace vkchat::cli {

// The model path from -m / --model; a UsageError when absent.
std::string model_flag(Args& args);

// --ctx N: 0 when absent (the model's default), else N from 1 to llm::kMaxContext; anything else
// is a UsageError naming the range.
std::int64_t context_flag(Args& args);

// Help line for --llama-rounding, spliced into each command's help text.
#define VKCHAT_LLAMA_ROUNDING_HELP                                                         \
  "  --llama-rounding    round like llama.cpp's CPU backend (8-bit inputs for quantized\n" \
  "                      weights, fp16 ones for F16 weights, fp16 attention) instead of\n" \
  "                      computing every product in float on the weights as stored (the\n" \
  "                      default); docs/ROUNDING.md\n"

// LoadOptions::llama_cpp_rounding: on when --llama-rounding is given.
bool llama_cpp_rounding_flag(Args& args);

// p rounded to 6 decimals, printed as JavaScript prints Number(p.toFixed(6)): "0.968719", "0",
// "1", "0.00014".
std::string json_prob(double p);

// [[id,p],...]
std::string json_top(std::span<const sampler::TokenProb> top);

}  // namespace vkchat::cli
