// `vkchat-cli bench-sampler [--vocab N] [--iters N] [sampling flags] [--json]`: the sampler's cost
// per token on random logits. A benchmark, not a test: it prints timings and checks nothing.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "cli/cli_common.h"
#include "cli/sampling_flags.h"
#include "sampler/sampler.h"

namespace vkchat::cli {

extern const std::string_view kBenchSamplerHelp;
const std::string_view kBenchSamplerHelp =
    "usage: vkchat-cli bench-sampler [--vocab N] [--iters N] [sampling flags] [--json]\n"
    "\n"
    "Times Sampler::sample() plus accept() on random logits (normal, sd 3) and prints the\n"
    "milliseconds per token: mean, median and 99th percentile.\n"
    "  --vocab N   vocabulary size (151936, Qwen2's)\n"
    "  --iters N   timed tokens (2000), after 20 untimed ones\n"
    "  --json      one JSON object instead of text\n"
    "\n" VKCHAT_SAMPLING_FLAGS_HELP "Here --seed defaults to 1 so runs are repeatable.\n";

namespace {

// Distinct logit vectors cycled through, so the timed loop does not run out of a warm cache the
// way one vector reused every step would.
constexpr std::size_t kLogitSets = 8;
constexpr std::size_t kWarmup = 20;

}  // namespace

int run_bench_sampler(Args& args) {
  const std::int64_t vocab = args.integer("--vocab").value_or(151936);
  const std::int64_t iters = args.integer("--iters").value_or(2000);
  const bool json = args.flag("--json");
  sampler::SamplerSettings defaults;
  defaults.seed = 1;
  const sampler::SamplerSettings settings = parse_sampling_flags(args, defaults);
  if (!args.positionals().empty()) throw UsageError("bench-sampler takes no positional arguments");
  if (vocab < 1 || vocab > (1 << 24)) throw UsageError("--vocab must be in 1..16777216");
  if (iters < 1) throw UsageError("--iters must be positive");

  std::mt19937_64 rng(12345);
  std::normal_distribution<float> normal(0.0f, 3.0f);
  std::vector<std::vector<float>> logits(kLogitSets,
                                         std::vector<float>(static_cast<std::size_t>(vocab)));
  for (auto& set : logits) {
    for (float& x : set) x = normal(rng);
  }

  sampler::Sampler s(settings);
  std::vector<double> ms;
  ms.reserve(static_cast<std::size_t>(iters));
  std::size_t checksum = 0;  // keeps the calls observable
  const auto total_iters = static_cast<std::size_t>(iters) + kWarmup;
  for (std::size_t i = 0; i < total_iters; ++i) {
    const auto& l = logits[i % kLogitSets];
    const auto t0 = std::chrono::steady_clock::now();
    const std::int32_t token = s.sample(l);
    s.accept(token);
    const auto t1 = std::chrono::steady_clock::now();
    checksum += static_cast<std::size_t>(token);
    if (i >= kWarmup) ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
  }

  double mean = 0;
  for (double x : ms) mean += x;
  mean /= static_cast<double>(ms.size());
  std::sort(ms.begin(), ms.end());
  const double median = ms[ms.size() / 2];
  const double p99 = ms[std::min(ms.size() - 1, ms.size() * 99 / 100)];

  char buf[512];
  if (json) {
    std::snprintf(buf, sizeof buf,
                  "{\"vocab\":%lld,\"iters\":%lld,\"temperature\":%g,\"top_k\":%d,\"top_p\":%g,"
                  "\"min_p\":%g,\"repeat_penalty\":%g,\"ms_per_token_mean\":%.5f,"
                  "\"ms_per_token_median\":%.5f,\"ms_per_token_p99\":%.5f,\"checksum\":%zu}\n",
                  static_cast<long long>(vocab), static_cast<long long>(iters),
                  settings.temperature, settings.top_k, settings.top_p, settings.min_p,
                  settings.repeat_penalty, mean, median, p99, checksum);
  } else {
    std::snprintf(buf, sizeof buf,
                  "sampler: vocab %lld, %lld tokens, temp %g top-k %d top-p %g min-p %g "
                  "repeat-penalty %g\n"
                  "ms per token: mean %.4f  median %.4f  p99 %.4f  (checksum %zu)\n",
                  static_cast<long long>(vocab), static_cast<long long>(iters),
                  settings.temperature, settings.top_k, settings.top_p, settings.min_p,
                  settings.repeat_penalty, mean, median, p99, checksum);
  }
  std::fputs(buf, stdout);
  return kExitOk;
}

}  // namespace vkchat::cli
