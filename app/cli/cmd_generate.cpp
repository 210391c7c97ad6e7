// `vkchat-cli generate -m MODEL -p PROMPT [-n N] [sampling flags] [--ctx N] [--json]
// [--top-probs K]`: a continuation of the prompt, streamed as it is produced. With --json, the
// same lines as `peer.mjs greedy`, so the two engines can be compared line by line.
#include <cstdio>
#include <string>
#include <vector>

#include "cli/cli_common.h"
#include "cli/model_cli.h"
#include "cli/sampling_flags.h"
#include "llm/model.h"
#include "llm/probs.h"
#include "llm/session.h"
#include "sampler/sampler.h"

namespace vkchat::cli {

extern const std::string_view kGenerateHelp;
const std::string_view kGenerateHelp =
    "usage: vkchat-cli generate -m MODEL -p PROMPT [-n N] [--greedy] [--temp T --top-p P\n"
    "                           --top-k K --min-p M --repeat-penalty R --seed S] [--ctx N]\n"
    "                           [--json] [--top-probs K] [--llama-rounding]\n"
    "\n"
    "Tokenizes PROMPT (BOS as the model's metadata says, special tokens parsed), runs it on the\n"
    "GPU and streams the continuation to stdout; speeds go to stderr. Stops after N tokens, at an\n"
    "end-of-generation token or when the context is full.\n"
    "  -m, --model MODEL   GGUF file\n"
    "  -p, --prompt TEXT   the prompt\n"
    "  -n N                tokens to generate (128)\n"
    "  --ctx N             context size (min(the model's, 4096))\n"
    "  --json              JSON lines instead of text: {\"prompt\":[ids]}, then per step\n"
    "                      {\"step\":i,\"token\":id,\"piece\":\"...\",\"top\":[[id,p],...]},\n"
    "                      then "
    "{\"stats\":{\"prefill_tps\":...,\"decode_tps\":...,\"ttft_ms\":...}}\n"
    "  --top-probs K       the K most probable next tokens per step under softmax of the raw\n"
    "                      logits (temperature 1, no filtering); default 10 with --json; in\n"
    "                      text mode they go to stderr\n" VKCHAT_LLAMA_ROUNDING_HELP
    "\n" VKCHAT_SAMPLING_FLAGS_HELP;

int run_generate(Args& args) {
  const std::string path = model_flag(args);
  const auto prompt = args.value("-p", "--prompt");
  const std::int64_t n_predict = args.integer("-n", "--n-predict").value_or(128);
  const std::int64_t n_ctx = context_flag(args);
  const bool json = args.flag("--json");
  const auto top_k_flag = args.integer("--top-probs");
  const bool llama_cpp_rounding = llama_cpp_rounding_flag(args);
  const sampler::SamplerSettings settings = parse_sampling_flags(args);
  if (!args.positionals().empty()) throw UsageError("generate takes no positional arguments");
  if (!prompt) throw UsageError("-p PROMPT is required");
  if (n_predict < 0) throw UsageError("-n must not be negative");
  if (top_k_flag && *top_k_flag < 0) throw UsageError("--top-probs must not be negative");
  const auto n_top = static_cast<std::size_t>(top_k_flag.value_or(json ? 10 : 0));

  llm::LoadOptions options;
  options.n_ctx = n_ctx;
  options.llama_cpp_rounding = llama_cpp_rounding;
  const auto model = llm::Model::load(path, options);
  const tokenizer::Tokenizer& tok = model->tokenizer();
  const std::vector<std::int32_t> ids = tok.encode(*prompt, true, true);
  if (ids.empty()) throw UsageError("the prompt has no tokens");
  llm::Session session(*model);
  if (static_cast<std::int64_t>(ids.size()) >= session.n_ctx()) {
    throw UsageError("the prompt's " + std::to_string(ids.size()) +
                     " tokens do not fit the context of " + std::to_string(session.n_ctx()));
  }
  if (json) {
    std::string line = "{\"prompt\":[";
    for (std::size_t i = 0; i < ids.size(); ++i) line += (i ? "," : "") + std::to_string(ids[i]);
    std::printf("%s]}\n", line.c_str());
    std::fflush(stdout);
  }

  sampler::Sampler sampler(settings);
  for (std::int32_t t : ids) sampler.accept(t);
  // Greedy without penalties needs no logits on the host, only the argmax the GPU finds.
  const bool argmax_only = settings.greedy() && !settings.penalties_active() && n_top == 0;
  tokenizer::StreamingDecoder stream(tok);

  session.feed(ids);
  std::int64_t generated = 0;
  std::int32_t token = sampler.sample(session.logits());
  for (std::int64_t step = 0; step < n_predict; ++step) {
    if (step > 0) {
      if (argmax_only) {
        token = session.decode_argmax(token);
      } else {
        token = sampler.sample(session.decode(token));
      }
    }
    sampler.accept(token);
    ++generated;
    if (json) {
      const std::string top = n_top ? json_top(llm::top_probs(session.logits(), n_top)) : "[]";
      std::printf("{\"step\":%lld,\"token\":%d,\"piece\":%s,\"top\":%s}\n",
                  static_cast<long long>(step), token,
                  json_quote(tok.decode(std::span(&token, 1), true)).c_str(), top.c_str());
    } else {
      std::fputs(stream.push(token).c_str(), stdout);
      if (n_top) {
        std::fprintf(stderr, "[%d] %s\n", token,
                     json_top(llm::top_probs(session.logits(), n_top)).c_str());
      }
    }
    std::fflush(stdout);
    if (tok.is_eog(token) || session.position() >= session.n_ctx()) break;
  }

  const llm::SessionStats& st = session.stats();
  if (json) {
    std::printf("{\"stats\":{\"prefill_tps\":%.3f,\"decode_tps\":%.3f,\"ttft_ms\":%.3f}}\n",
                st.prefill_tps(), st.decode_tps(), st.ttft_ms);
  } else {
    std::fputs(stream.finish().c_str(), stdout);
    std::fputs("\n", stdout);
    std::fflush(stdout);
    std::fprintf(stderr,
                 "prompt %lld tokens, %.1f tok/s; generated %lld tokens, %.1f tok/s; time to first "
                 "token %.1f ms\n",
                 static_cast<long long>(st.prefill_tokens), st.prefill_tps(),
                 static_cast<long long>(generated), st.decode_tps(), st.ttft_ms);
  }
  return kExitOk;
}

}  // namespace vkchat::cli
