// Sampling flags shared by the commands that draw tokens (bench-sampler, generate, chat).
#pragma once
#include "cli/cli_common.h"
#include "sampler/sampler.h"

namespace vkchat::cli {

// Help lines for the flags parse_sampling_flags() reads; a macro so that each command's help text
// can splice it into its own string literal.
#define VKCHAT_SAMPLING_FLAGS_HELP                                                               \
  "sampling (defaults as llama.cpp):\n"                                                          \
  "  --temp F                temperature, 0 = greedy argmax (0.8)\n"                             \
  "  --greedy                same as --temp 0\n"                                                 \
  "  --top-k N               keep the N most likely tokens, 0 = off (40)\n"                      \
  "  --top-p F               nucleus: smallest set with probability mass F, 1 = off (0.95)\n"    \
  "  --min-p F               drop tokens below F times the top probability, 0 = off (0.05)\n"    \
  "  --repeat-penalty F      divide positive / multiply negative repeated logits, 1 = off (1)\n" \
  "  --repeat-last-n N       penalty window in tokens, 0 = off, -1 = unbounded (64)\n"           \
  "  --frequency-penalty F   subtract F per repeat in the window, 0 = off (0)\n"                 \
  "  --presence-penalty F    subtract F once for any repeat in the window, 0 = off (0)\n"        \
  "  --seed N                RNG seed, -1 = random; the same seed and settings give the same\n"  \
  "                          tokens (-1)\n"

// Reads the flags above on top of `base`; out-of-range values are a UsageError naming the flag
// and its range ("--top-p must be from 0 to 1, got 7").
sampler::SamplerSettings parse_sampling_flags(Args& args, sampler::SamplerSettings base = {});

// The ranges parse_sampling_flags enforces, for settings changed elsewhere (chat's /set): throws
// std::invalid_argument naming each setting as `prefix` + its flag's name ("top-p" for "").
void check_sampling_ranges(const sampler::SamplerSettings& s, std::string_view prefix);

}  // namespace vkchat::cli
