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

// Help line for --exact-activations, spliced into each command's help text.
#define VKCHAT_EXACT_ACTIVATIONS_HELP                                                       \
  "  --exact-activations compute every matrix product in float on the weights as stored,\n" \
  "                      instead of rounding like llama.cpp's CPU backend (the default:\n"  \
  "                      8-bit inputs for quantized weights, fp16 ones for F16 weights,\n"  \
  "                      fp16 attention), which its probabilities follow more closely\n"

// LoadOptions::llama_cpp_rounding: on unless --exact-activations is given.
bool llama_cpp_rounding_flag(Args& args);

// p rounded to 6 decimals, printed as JavaScript prints Number(p.toFixed(6)): "0.968719", "0",
// "1", "0.00014".
std::string json_prob(double p);

// [[id,p],...]
std::string json_top(std::span<const sampler::TokenProb> top);

}  // namespace vkchat::cli
