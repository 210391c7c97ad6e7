// Sampling flags: one parser so every command spells and checks them the same way.
#include "cli/sampling_flags.h"

#include <cmath>
#include <cstdio>
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

// "1", "0.5", "1e+09", "nan": what the user typed, near enough.
std::string number_text(double v) {
  char buf[32];
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    std::snprintf(buf, sizeof buf, "%.0f", v);
  } else {
    std::snprintf(buf, sizeof buf, "%g", v);
  }
  return buf;
}

// lo <= v <= hi (above lo when lo is open); false for NaN.
void require_range(std::string_view prefix, std::string_view name, double v, double lo, double hi,
                   bool lo_open = false) {
  if ((lo_open ? v > lo : v >= lo) && v <= hi) return;
  throw std::invalid_argument(std::string(prefix) + std::string(name) + " must be " +
                              (lo_open ? "above " : "from ") + number_text(lo) +
                              (lo_open ? " and at most " : " to ") + number_text(hi) + ", got " +
                              number_text(v));
}

}  // namespace

void check_sampling_ranges(const sampler::SamplerSettings& s, std::string_view prefix) {
  require_range(prefix, "temp", s.temperature, 0, 100);
  require_range(prefix, "top-k", s.top_k, 0, std::numeric_limits<std::int32_t>::max());
  require_range(prefix, "top-p", s.top_p, 0, 1);
  require_range(prefix, "min-p", s.min_p, 0, 1);
  require_range(prefix, "repeat-penalty", s.repeat_penalty, 0, 100, true);
  require_range(prefix, "repeat-last-n", s.repeat_last_n, -1,
                std::numeric_limits<std::int32_t>::max());
  // OpenAI's range for both penalties.
  require_range(prefix, "frequency-penalty", s.frequency_penalty, -2, 2);
  require_range(prefix, "presence-penalty", s.presence_penalty, -2, 2);
}

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
    check_sampling_ranges(s, "--");
    s.validate();
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
  return s;
}

}  // namespace vkchat::cli
