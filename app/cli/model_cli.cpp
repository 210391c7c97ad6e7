// Flag and number spelling shared by generate, score and bench.
#include "cli/model_cli.h"

#include <cmath>
#include <cstdio>
#include <string>

#include "llm/model.h"

namespace vkchat::cli {

std::string model_flag(Args& args) {
  auto m = args.value("-m", "--model");
  if (!m) throw UsageError("-m MODEL is required");
  return *m;
}

std::int64_t context_flag(Args& args) {
  const std::optional<std::int64_t> n = args.integer("--ctx");
  if (!n) return 0;
  if (*n < 1 || *n > llm::kMaxContext) {
    throw UsageError("--ctx must be from 1 to " + std::to_string(llm::kMaxContext) + ", got " +
                     std::to_string(*n));
  }
  return *n;
}

bool llama_cpp_rounding_flag(Args& args) {
  return args.flag("--llama-rounding");
}

std::string json_prob(double p) {
  if (!std::isfinite(p)) return "null";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.6f", p);
  std::string s = buf;
  s.erase(s.find_last_not_of('0') + 1);
  if (s.back() == '.') s.pop_back();
  if (s == "-0") s = "0";
  return s;
}

std::string json_top(std::span<const sampler::TokenProb> top) {
  std::string s = "[";
  for (std::size_t i = 0; i < top.size(); ++i) {
    if (i) s += ",";
    s += "[" + std::to_string(top[i].id) + "," + json_prob(top[i].p) + "]";
  }
  return s + "]";
}

}  // namespace vkchat::cli
