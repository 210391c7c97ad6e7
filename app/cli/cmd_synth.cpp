// `vkchat-cli synth --preset NAME --type T --vocab VOCAB.gguf -o OUT.gguf [--seed S]`: a model file
// at a real model's shapes with random weights, for benchmarks at real sizes without downloads.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>

#include "cli/cli_common.h"
#include "synth/synth_model.h"

namespace vkchat::cli {

extern const std::string_view kSynthHelp;
const std::string_view kSynthHelp =
    "usage: vkchat-cli synth --preset NAME --type T --vocab VOCAB.gguf -o OUT.gguf [--seed S]\n"
    "                        [--threads N]\n"
    "\n"
    "Writes a GGUF with the architecture, shapes and metadata of a real model, the tokenizer of\n"
    "VOCAB.gguf (e.g. ../shared/tokenizer/ggml-vocab-qwen2.gguf; its token count is the model's\n"
    "vocabulary size) and random weights scaled so that next-token distributions are peaked.\n"
    "The same arguments always give the same bytes.\n"
    "  --preset NAME  llama-3.2-1b, llama-3.1-8b (vocab llama-bpe), qwen2.5-0.5b, qwen3-0.6b,\n"
    "                 qwen3-30b-a3b (a mixture of experts) (vocab qwen2), gemma-3-1b, gemma-3-4b\n"
    "                 (vocab llama-spm standing in for Gemma's), qwen3.5-0.8b, qwen3.5-4b,\n"
    "                 qwen3.5-9b (vocab qwen35; no MTP block), or the 2-layer tiny, tiny-qwen2,\n"
    "                 tiny-qwen3, tiny-qwen3moe, the 4-layer tiny-qwen35, or tiny-gemma4 (8\n"
    "                 layers: Gemma 4's per-layer head sizes, K as V, shared-KV layers),\n"
    "                 tiny-gemma4-ple (the same with per-layer token embeddings),\n"
    "                 tiny-gemma4-e2b (and E2B's double-wide feed-forward on the\n"
    "                 shared-KV layers)\n"
    "  --type T       F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q4_K, Q5_K, Q6_K, Q4_K_M, Q5_K_M;\n"
    "                 matrices get the types llama-quantize gives that file type (the logits\n"
    "                 matrix Q6_K in 4- and 5-bit files, Q8_0 where rows are not whole K-quant\n"
    "                 blocks); norms, biases and rope factors are F32;\n"
    "                 IQ2_XXS, IQ2_XS, IQ2_S, IQ3_XXS, IQ3_S, IQ1_S, IQ1_M: random valid\n"
    "                 blocks, since llama.cpp quantizes these only with an importance matrix:\n"
    "                 for speed runs only (the logits matrix Q6_K, every other matrix the type)\n"
    "  --vocab FILE   GGUF whose tokenizer.* metadata is copied\n"
    "  -o, --out FILE the file to write (written as FILE.part, renamed when complete)\n"
    "  --seed S       random seed (default 1)\n"
    "  --threads N    generation threads (default: every core); does not change the output\n";

int run_synth(Args& args) {
  const auto preset_name = args.value("--preset");
  const auto type_name = args.value("--type");
  const auto vocab = args.value("--vocab");
  const auto out = args.value("--out", "-o");
  const auto seed = args.integer("--seed");
  const auto threads = args.integer("--threads");
  if (!args.positionals().empty()) throw UsageError("unexpected argument");
  if (!preset_name || !type_name || !vocab || !out) {
    throw UsageError("--preset, --type, --vocab and -o are required");
  }
  const synth::Preset* preset = synth::find_preset(*preset_name);
  if (!preset) {
    std::string names;
    for (const synth::Preset& p : synth::presets())
      names += (names.empty() ? "" : ", ") + std::string(p.name);
    throw UsageError("unknown preset '" + *preset_name + "' (presets: " + names + ")");
  }
  const synth::FileType* ft = synth::find_file_type(*type_name);
  if (!ft) {
    std::string names;
    for (const synth::FileType& f : synth::file_types())
      names += (names.empty() ? "" : ", ") + std::string(f.name);
    throw UsageError("unknown type '" + *type_name + "' (types: " + names + ")");
  }
  if (seed && *seed < 0) throw UsageError("--seed must not be negative");
  if (threads && *threads < 1) throw UsageError("--threads must be at least 1");

  synth::SynthOptions opt;
  opt.vocab = *vocab;
  opt.out = *out;
  opt.seed = seed ? static_cast<std::uint64_t>(*seed) : 1;
  opt.threads = threads ? static_cast<int>(*threads) : 0;
  if (isatty(STDERR_FILENO)) {
    opt.progress = [last = -1](std::uint64_t done, std::uint64_t total) mutable {
      const int pct = total ? static_cast<int>(100 * done / total) : 100;
      if (pct != last) std::fprintf(stderr, "\r%3d%%", pct);
      last = pct;
      if (done == total) std::fprintf(stderr, "\r");
    };
  }
  const auto t0 = std::chrono::steady_clock::now();
  const synth::SynthSummary s = synth::write_synth_model(*preset, *ft, opt);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::string types;
  for (const auto& [t, n] : s.tensors_by_type) {
    types +=
        (types.empty() ? "" : ", ") + std::to_string(n) + " " + std::string(gguf::type_name(t));
  }
  std::printf("wrote %s: %s %s, %llu parameters, vocab %lld, %s (%s) in %.1f s\n", out->c_str(),
              std::string(preset->name).c_str(), std::string(ft->name).c_str(),
              static_cast<unsigned long long>(s.n_params), static_cast<long long>(s.n_vocab),
              human_bytes(s.file_bytes).c_str(), types.c_str(), secs);
  return kExitOk;
}

}  // namespace vkchat::cli
