// `vkchat-cli score -m MODEL (--text T | --file F) [-n N] [--top-probs K] [--json]`: teacher
// forcing over a text, like llama-perplexity. With --json, the same lines as `peer.mjs score`.
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "cli/cli_common.h"
#include "cli/model_cli.h"
#include "llm/model.h"
#include "llm/probs.h"
#include "llm/session.h"
#include "util/errors.h"

namespace vkchat::cli {

extern const std::string_view kScoreHelp;
const std::string_view kScoreHelp =
    "usage: vkchat-cli score -m MODEL (--text T | --file F) [-n N] [--top-probs K] [--json]\n"
    "                        [--ctx N] [--llama-rounding]\n"
    "\n"
    "Tokenizes the text (BOS as the model's metadata says, special tokens parsed), feeds its\n"
    "first N tokens and, after each, takes the probability of the token that follows. Prints\n"
    "the perplexity exp(-mean(ln p)) over those positions.\n"
    "  -m, --model MODEL   GGUF file\n"
    "  --text T            the text\n"
    "  --file F            the text, from a file\n"
    "  -n N                positions to score (64, as peer.mjs)\n" VKCHAT_LLAMA_ROUNDING_HELP
    "  --top-probs K       with --json: the K most probable next tokens per position (10)\n"
    "  --ctx N             context size (at least N; default min(the model's, 4096))\n"
    "  --json              JSON lines: {\"tokens\":[ids]}, then per position\n"
    "                      {\"pos\":i,\"next\":id,\"p_next\":p,\"top\":[[id,p],...]} (next and "
    "p_next\n"
    "                      null after the last token), then {\"perplexity\":x}\n";

int run_score(Args& args) {
  const std::string path = model_flag(args);
  const auto text_flag = args.value("--text");
  const auto file_flag = args.value("--file");
  const std::int64_t limit = args.integer("-n").value_or(64);
  const std::int64_t n_top = args.integer("--top-probs").value_or(10);
  const std::int64_t n_ctx = context_flag(args);
  const bool json = args.flag("--json");
  const bool llama_cpp_rounding = llama_cpp_rounding_flag(args);
  if (!args.positionals().empty()) throw UsageError("score takes no positional arguments");
  if (text_flag.has_value() == file_flag.has_value()) {
    throw UsageError("give exactly one of --text and --file");
  }
  if (limit < 1) throw UsageError("-n must be positive");
  if (n_top < 0) throw UsageError("--top-probs must not be negative");
  std::string text;
  if (text_flag) {
    text = *text_flag;
  } else {
    std::ifstream in(*file_flag, std::ios::binary);
    if (!in) throw FileError(*file_flag, "cannot open");
    text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }

  llm::LoadOptions options;
  options.n_ctx = n_ctx;
  options.llama_cpp_rounding = llama_cpp_rounding;
  const auto model = llm::Model::load(path, options);
  const std::vector<std::int32_t> tokens = model->tokenizer().encode(text, true, true);
  if (tokens.empty()) throw UsageError("the text has no tokens");
  const std::size_t n_pos = std::min(tokens.size(), static_cast<std::size_t>(limit));
  llm::Session session(*model);
  if (static_cast<std::int64_t>(n_pos) > session.n_ctx()) {
    throw UsageError(std::to_string(n_pos) + " positions do not fit the context of " +
                     std::to_string(session.n_ctx()) + " (--ctx)");
  }
  const std::vector<float> logits = session.feed_all(std::span(tokens).first(n_pos));
  const auto V = static_cast<std::size_t>(session.n_vocab());

  if (json) {
    std::string line = "{\"tokens\":[";
    for (std::size_t i = 0; i < tokens.size(); ++i) {
      line += (i ? "," : "") + std::to_string(tokens[i]);
    }
    std::printf("%s]}\n", line.c_str());
  }
  double nll = 0;
  std::size_t scored = 0;
  for (std::size_t i = 0; i < n_pos; ++i) {
    const std::span<const float> row(logits.data() + i * V, V);
    const bool has_next = i + 1 < tokens.size();
    double p_next = 0;
    if (has_next) {
      p_next = llm::token_prob(row, tokens[i + 1]);
      nll -= std::log(p_next);
      ++scored;
    }
    if (json) {
      const std::string top = json_top(llm::top_probs(row, static_cast<std::size_t>(n_top)));
      if (has_next) {
        std::printf("{\"pos\":%zu,\"next\":%d,\"p_next\":%s,\"top\":%s}\n", i, tokens[i + 1],
                    json_prob(p_next).c_str(), top.c_str());
      } else {
        std::printf("{\"pos\":%zu,\"next\":null,\"p_next\":null,\"top\":%s}\n", i, top.c_str());
      }
    }
  }
  const double ppl = scored ? std::exp(nll / static_cast<double>(scored)) : NAN;
  if (json) {
    std::printf("{\"perplexity\":%s}\n", json_prob(ppl).c_str());
  } else {
    std::printf("perplexity: %.6f\n", ppl);
    std::fprintf(stderr, "%zu positions scored of %zu tokens, %.1f tok/s\n", scored, tokens.size(),
                 session.stats().prefill_tps());
  }
  return kExitOk;
}

}  // namespace vkchat::cli
