// `vkchat-cli bench -m MODEL [-p 512] [-n 128] [-r 3] [-d 0] [--alternatives K] [--json]
// [--profile]`: load time, prefill and decode speed on the GPU, and the host's own time per decoded
// token (wall time minus the wait for the device) split into its parts. A benchmark, not a test: it
// prints timings and checks nothing. The prompt is the one `peer.mjs bench` uses, so the two can be
// put side by side.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <span>
#include <string>
#include <vector>

#include "cli/cli_common.h"
#include "cli/model_cli.h"
#include "llm/model.h"
#include "llm/session.h"
#include "ref/ref_ops.h"
#include "sampler/sampler.h"
#include "vk/profiler.h"

namespace vkchat::cli {

extern const std::string_view kBenchHelp;
const std::string_view kBenchHelp =
    "usage: vkchat-cli bench -m MODEL [-p 512] [-n 128] [-r 3] [-d 0] [--json] [--profile]\n"
    "                        [--alternatives K] [--llama-rounding]\n"
    "\n"
    "Loads the model, warms up (pipelines, caches), prefills D tokens of context once (untimed),\n"
    "then per repeat: prefills a P-token prompt after them in one feed and decodes N tokens\n"
    "greedily one by one, each token's logits read back and its argmax taken on the host as a\n"
    "chat loop does. Prints the load time, the median prefill and decode speeds, and the median\n"
    "host time per decoded token: its wall time minus the wait for the device, with its parts\n"
    "(record the pass, submit, read back and check the logits, sample) as medians.\n"
    "  -m, --model MODEL   GGUF file\n"
    "  -p N                prompt tokens (512)\n"
    "  -n N                decoded tokens (128)\n"
    "  -r N                repeats (3)\n"
    "  -d N                depth: context tokens before the prompt (0)\n"
    "  --alternatives K    each token's probability and its K (0..10; default 0: none) most\n"
    "                      probable alternatives, as the app keeps them (Sampler::sample\n"
    "                      with k; greedy: a softmax over the vocabulary); in `sample`;\n"
    "                      then the device's greedy decode beside it with the top K\n"
    "                      (Session::decode_top), as the chat takes them "
    "(`device`)\n" VKCHAT_LLAMA_ROUNDING_HELP
    "  --json              one JSON object instead of text\n"
    "  --profile           GPU timestamps around every kernel (the speeds then include their\n"
    "                      cost), and the GPU time and bytes moved per decoded token of each\n"
    "                      kernel (a mixture of experts counts only the experts it reads)\n";

namespace {

using Clock = std::chrono::steady_clock;

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

std::string json_numbers(const std::vector<double>& v) {
  std::string s = "[";
  char buf[32];
  for (std::size_t i = 0; i < v.size(); ++i) {
    std::snprintf(buf, sizeof buf, "%s%.3f", i ? "," : "", v[i]);
    s += buf;
  }
  return s + "]";
}

std::string text_numbers(const std::vector<double>& v) {
  std::string s;
  char buf[32];
  for (double x : v) {
    std::snprintf(buf, sizeof buf, "%s%.1f", s.empty() ? "" : " ", x);
    s += buf;
  }
  return s;
}

// Per decoded token, in microseconds: the host's time (wall minus the wait for the device) and
// its parts. Reserved before the timed loop so that timing allocates nothing per token.
struct HostTimes {
  std::vector<double> total, record, submit, readback, sample, wait;
  void reserve(std::size_t n) {
    for (std::vector<double>* v : {&total, &record, &submit, &readback, &sample, &wait})
      v->reserve(n);
  }
};

double us_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::micro>(b - a).count();
}

// The next token of a greedy decode: the argmax, and with alternatives > 0 also its probability
// and the top alternatives, as the app's chat collects them.
struct GreedyChoice {
  std::size_t alternatives = 0;
  sampler::Sampler sampler{sampler::SamplerSettings{.temperature = 0}};
  sampler::SampleDetail detail;

  std::int32_t operator()(std::span<const float> logits) {
    if (alternatives == 0) return static_cast<std::int32_t>(ref::argmax(logits));
    return sampler.sample(logits, alternatives, detail);
  }
};

// Greedy decoding of n tokens from the session's current logits; with `times`, each token's
// host time and its parts are appended.
void decode_greedy(llm::Session& s, std::int64_t n, GreedyChoice& choose,
                   HostTimes* times = nullptr) {
  auto token = choose(s.logits());
  for (std::int64_t i = 0; i < n; ++i) {
    const Clock::time_point t0 = Clock::now();
    const std::span<const float> logits = s.decode(token);
    const Clock::time_point t1 = Clock::now();
    token = choose(logits);
    const Clock::time_point t2 = Clock::now();
    if (!times) continue;
    const llm::SessionStats& st = s.stats();
    times->total.push_back(us_between(t0, t2) - st.last_wait_us);
    times->record.push_back(st.last_record_us);
    times->submit.push_back(st.last_submit_us);
    times->readback.push_back(st.last_readback_us);
    times->sample.push_back(us_between(t1, t2));
    times->wait.push_back(st.last_wait_us);
  }
}

// The profiler's kernels as text lines or JSON objects, per token of `per` tokens: calls, GPU
// time and the bytes each kernel's calls declare they move (weights read plus activations).
std::string format_profile(const vk::Profiler& p, double per, bool json) {
  std::string out;
  double total_us = 0, total_mb = 0;
  for (const vk::KernelStats& k : p.stats()) {
    total_us += k.total_us / per;
    total_mb += static_cast<double>(k.bytes) / per / 1e6;
  }
  char buf[256];
  for (const vk::KernelStats& k : p.stats()) {
    const double mb = static_cast<double>(k.bytes) / per / 1e6;
    if (json) {
      std::snprintf(buf, sizeof buf,
                    "%s{\"kernel\":%s,\"calls_per_token\":%.2f,"
                    "\"us_per_token\":%.2f,\"mb_per_token\":%.4f}",
                    out.empty() ? "" : ",", json_quote(k.name).c_str(),
                    static_cast<double>(k.count) / per, k.total_us / per, mb);
    } else {
      std::snprintf(buf, sizeof buf, "  %-28s %6.2f calls %10.2f us  %5.1f%% %10.3f MB\n",
                    k.name.c_str(), static_cast<double>(k.count) / per, k.total_us / per,
                    total_us > 0 ? 100 * k.total_us / per / total_us : 0.0, mb);
    }
    out += buf;
  }
  if (!json) {
    std::snprintf(buf, sizeof buf, "  %-28s %17.2f us  %16.3f MB\n", "total per token", total_us,
                  total_mb);
    out += buf;
  }
  return out;
}

}  // namespace

int run_bench(Args& args) {
  const std::string path = model_flag(args);
  const std::int64_t n_prompt = args.integer("-p").value_or(512);
  const std::int64_t n_gen = args.integer("-n").value_or(128);
  const std::int64_t repeats = args.integer("-r").value_or(3);
  const std::int64_t depth = args.integer("-d").value_or(0);
  const std::int64_t alternatives = args.integer("--alternatives").value_or(0);
  const bool json = args.flag("--json");
  const bool profile = args.flag("--profile");
  const bool llama_cpp_rounding = llama_cpp_rounding_flag(args);
  if (!args.positionals().empty()) throw UsageError("bench takes no positional arguments");
  if (n_prompt < 1 || n_gen < 1 || repeats < 1) throw UsageError("-p, -n and -r must be positive");
  if (depth < 0) throw UsageError("-d must not be negative");
  if (alternatives < 0 || alternatives > static_cast<std::int64_t>(sampler::kMaxAlternatives)) {
    throw UsageError("--alternatives must be 0 to " + std::to_string(sampler::kMaxAlternatives));
  }
  GreedyChoice choose;
  choose.alternatives = static_cast<std::size_t>(alternatives);
  if (depth + n_prompt + n_gen > llm::kMaxContext || repeats > 1000) {
    throw UsageError("-d + -p + -n must be at most " + std::to_string(llm::kMaxContext) +
                     ", -r at most 1000");
  }

  llm::LoadOptions options;
  options.n_ctx = depth + n_prompt + n_gen + 16;
  options.device.profile = profile;
  options.llama_cpp_rounding = llama_cpp_rounding;
  const Clock::time_point t0 = Clock::now();
  const auto model = llm::Model::load(path, options);
  const double load_ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
  llm::Session session(*model);

  const std::int64_t vocab = model->hparams().n_vocab;
  std::vector<std::int32_t> prompt(static_cast<std::size_t>(n_prompt));
  for (std::int64_t i = 0; i < n_prompt; ++i) {
    prompt[i] = static_cast<std::int32_t>(1 + (i * 7919) % (vocab - 1));
  }
  // Warm-up: first use builds pipelines and descriptor sets.
  session.feed(prompt);
  decode_greedy(session, 4, choose);
  // The depth: fed once, in chunks of the prompt's ids, and kept (a recurrent model's state at
  // the depth is a checkpoint) so that each repeat goes back to it.
  session.truncate(0);
  for (std::int64_t off = 0; off < depth; off += n_prompt) {
    session.feed(std::span<const std::int32_t>(prompt).first(
        static_cast<std::size_t>(std::min(n_prompt, depth - off))));
  }
  session.checkpoint();

  std::vector<double> prefill_tps, decode_tps;
  HostTimes host;
  host.reserve(static_cast<std::size_t>(n_gen * repeats));
  vk::Profiler& profiler = model->context().profiler();
  std::string prof, prefill_prof;  // the last repeat's, per token
  for (std::int64_t r = 0; r < repeats; ++r) {
    session.truncate(depth);
    session.reset_stats();
    profiler.clear();
    session.feed(prompt);
    if (profile) prefill_prof = format_profile(profiler, static_cast<double>(n_prompt), json);
    profiler.clear();
    decode_greedy(session, n_gen, choose, &host);
    if (profile) prof = format_profile(profiler, static_cast<double>(n_gen), json);
    prefill_tps.push_back(session.stats().prefill_tps());
    decode_tps.push_back(session.stats().decode_tps());
  }
  // The chat's greedy paths, repeat by repeat side by side: the device's argmax alone, and the
  // argmax with the top k and the softmax sum (Session::decode_top), neither reading logits.
  std::vector<double> argmax_tps, top_tps;
  if (alternatives > 0) {
    llm::TopLogits top;
    for (std::int64_t r = 0; r < repeats; ++r) {
      for (const bool with_top : {false, true}) {
        session.truncate(depth);
        session.feed(prompt);
        session.reset_stats();
        auto token = static_cast<std::int32_t>(ref::argmax(session.logits()));
        for (std::int64_t i = 0; i < n_gen; ++i) {
          if (with_top) {
            session.decode_top(token, static_cast<std::uint32_t>(alternatives), top);
            token = top.ids[0];
          } else {
            token = session.decode_argmax(token);
          }
        }
        (with_top ? top_tps : argmax_tps).push_back(session.stats().decode_tps());
      }
    }
  }
  profiler.clear();  // reported here, not again when the context closes

  const llm::ModelSummary& m = model->summary();

  // What taking the alternatives costs: the sampling step's share of a decoded token's time.
  const double sample_share =
      100 * median(host.sample) / (1e6 / median(decode_tps) + median(host.sample));
  std::string alternatives_json;
  if (alternatives > 0) {
    char buf[192];
    std::snprintf(buf, sizeof buf,
                  ",\"alternatives\":%lld,\"sample_share_pct\":%.3f,\"device_argmax_tps\":%.3f,"
                  "\"device_top_tps\":%.3f",
                  static_cast<long long>(alternatives), sample_share, median(argmax_tps),
                  median(top_tps));
    alternatives_json = buf;
  }
  if (json) {
    std::printf(
        "{\"model\":%s,\"arch\":%s,\"file_type\":%s,\"device\":%s,\"load_ms\":%.3f,"
        "\"prompt_tokens\":%lld,\"prefill_tps\":%.3f,\"decode_tokens\":%lld,\"decode_tps\":%.3f,"
        "\"repeats\":%lld,\"depth\":%lld,\"prefill_tps_runs\":%s,\"decode_tps_runs\":%s,"
        "\"host_us_per_token\":%.3f,\"host_us\":{\"record\":%.3f,\"submit\":%.3f,"
        "\"readback\":%.3f,\"sample\":%.3f},\"device_wait_us_per_token\":%.3f%s%s%s%s%s%s%s}\n",
        json_quote(m.path).c_str(), json_quote(m.arch).c_str(), json_quote(m.file_type).c_str(),
        json_quote(m.device).c_str(), load_ms, static_cast<long long>(n_prompt),
        median(prefill_tps), static_cast<long long>(n_gen), median(decode_tps),
        static_cast<long long>(repeats), static_cast<long long>(depth),
        json_numbers(prefill_tps).c_str(), json_numbers(decode_tps).c_str(), median(host.total),
        median(host.record), median(host.submit), median(host.readback), median(host.sample),
        median(host.wait), profile ? ",\"profile\":[" : "", prof.c_str(), profile ? "]" : "",
        profile ? ",\"prefill_profile\":[" : "", prefill_prof.c_str(), profile ? "]" : "",
        alternatives_json.c_str());
  } else {
    std::printf("model:   %s (%s, %s) on %s\n", m.path.c_str(), m.arch.c_str(), m.file_type.c_str(),
                m.device.c_str());
    std::printf("load:    %.1f ms\n", load_ms);
    std::printf("prefill: %lld tokens, %.1f tok/s (median of %lld: %s)\n",
                static_cast<long long>(n_prompt), median(prefill_tps),
                static_cast<long long>(repeats), text_numbers(prefill_tps).c_str());
    std::printf("decode:  %lld tokens, %.1f tok/s (median of %lld: %s)\n",
                static_cast<long long>(n_gen), median(decode_tps), static_cast<long long>(repeats),
                text_numbers(decode_tps).c_str());
    if (depth > 0)
      std::printf("depth:   %lld tokens before the prompt\n", static_cast<long long>(depth));
    std::printf(
        "host:    %.1f us per decoded token besides the wait for the device (median; record %.1f,"
        " submit %.1f, readback %.1f, sample %.1f; device wait %.1f)\n",
        median(host.total), median(host.record), median(host.submit), median(host.readback),
        median(host.sample), median(host.wait));
    if (alternatives > 0) {
      std::printf("sample:  %lld alternatives per token, %.1f us = %.2f%% of a decoded token\n",
                  static_cast<long long>(alternatives), median(host.sample), sample_share);
      std::printf("device:  argmax %.1f tok/s, with the top %lld %.1f tok/s (%+.2f%%; medians)\n",
                  median(argmax_tps), static_cast<long long>(alternatives), median(top_tps),
                  100 * (median(top_tps) / median(argmax_tps) - 1));
    }
    if (profile) {
      std::printf("GPU time per decoded token, by kernel:\n%s", prof.c_str());
      std::printf("GPU time per prefilled token, by kernel:\n%s", prefill_prof.c_str());
    }
  }
  return kExitOk;
}

}  // namespace vkchat::cli
