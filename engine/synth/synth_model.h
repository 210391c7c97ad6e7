// Synthetic models: a GGUF with a preset's architecture, shapes and metadata, the tokenizer of a
// vocab GGUF, and seeded random weights scaled so that the next-token distribution is peaked.
// Weights are generated, quantized and streamed to disk row batch by row batch on several threads;
// the bytes depend only on the preset, type, vocab and seed, never on the thread count.
#pragma once
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "gguf/ggml_types.h"
#include "synth/file_types.h"
#include "synth/presets.h"

namespace vkchat::synth {

// How a tensor's values are made.
enum class Fill {
  Normal,     // independent draws of mean 0 and the given standard deviation
  Ones,       // RMSNorm weights
  RopeFreqs,  // per-pair frequency divisors: llama 3's rope scaling, gemma4's proportional RoPE
  Constant,   // every value TensorSpec::value (qwen35's ssm_a, ssm_dt.bias)
};

struct TensorSpec {
  std::string name;
  std::vector<std::uint64_t> ne;  // ggml order
  gguf::GgmlType type = gguf::GgmlType::F32;
  Fill fill = Fill::Normal;
  float stddev = 0;  // Fill::Normal
  float value = 0;   // Fill::Constant
};

// Every tensor of the model, in file order, with llama.cpp's names, shapes and types.
std::vector<TensorSpec> plan_tensors(const Preset& p, const FileType& ft, std::int64_t n_vocab);

// llama 3's rope_freqs values for a preset with rope scaling (head_dim / 2 of them).
std::vector<float> llama3_rope_freqs(const Preset& p);
// gemma4's proportional-RoPE divisors for its full layers (head_dim_full / 2 of them).
std::vector<float> gemma4_rope_freqs(const Preset& p);

struct SynthOptions {
  std::filesystem::path vocab;  // a GGUF with tokenizer.* metadata (tensors are ignored)
  std::filesystem::path out;
  std::uint64_t seed = 1;
  int threads = 0;  // 0: every hardware thread
  // Called after each batch of rows is written: bytes of tensor data done and in all.
  std::function<void(std::uint64_t done, std::uint64_t total)> progress;
};

struct SynthSummary {
  std::int64_t n_vocab = 0;
  std::uint64_t n_params = 0;
  std::uint64_t file_bytes = 0;
  std::map<gguf::GgmlType, int> tensors_by_type;
};

// Writes the model. Throws FileError / GgufError for an unreadable vocab, MetadataError when it
// has no tokenizer.ggml.tokens, FileError when the output cannot be written (no partial file is
// left behind).
SynthSummary write_synth_model(const Preset& p, const FileType& ft, const SynthOptions& opt);

}  // namespace vkchat::synth
