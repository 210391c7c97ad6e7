// Sampling flags: one parser so every command spells and checks them the same way.
#include "cli/sampling_flags.h"

#include <limits>
#include <stdexcept>
#include <string>

namespace vkchat::cli {

namespace {

std::int32_t to_int32(std::int64_t v, std::string_view flag) {
  if (v < std::numeric_limits<std::int32_t>::min() ||
      v > std::numeric_limits<std::int32_t>::max()) {
    throw UsageError(std::string(flag) + " is out of range");
  }
  return static_cast<std::int32_t>(v);
}

}  // namespace

sampler::SamplerSettings parse_sampling_flags(Args& args, sampler::SamplerSettings s) {
  if (auto v = args.number("--temp")) s.temperature = static_cast<float>(*v);
  if (args.flag("--greedy")) s.temperature = 0.0f;
  if (auto v = args.integer("--top-k")) s.top_k = to_int32(*v, "--top-k");
  if (auto v = args.number("--top-p")) s.top_p = static_cast<float>(*v);
  if (auto v = args.number("--min-p")) s.min_p = static_cast<float>(*v);
  if (auto v = args.number("--repeat-penalty")) s.repeat_penalty = static_cast<float>(*v);
  if (auto v = args.integer("--repeat-last-n")) s.repeat_last_n = to_int32(*v, "--repeat-last-n");
  if (auto v = args.number("--frequency-penalty")) s.frequency_penalty = static_cast<float>(*v);
  if (auto v = args.number("--presence-penalty")) s.presence_penalty = static_cast<float>(*v);
  if (auto v = args.integer("--seed")) {
    if (*v < -1) throw UsageError("--seed must be -1 (random) or a non-negative integer");
    s.seed = *v == -1 ? sampler::kRandomSeed : static_cast<std::uint64_t>(*v);
  }
  try {
    s.validate();
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
  return s;
}

}  // namespace vkchat::cli
