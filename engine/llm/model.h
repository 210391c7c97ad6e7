// A language model loaded onto the GPU: the GGUF file (memory-mapped), its hyperparameters and
// tokenizer, a Vulkan context, and every weight uploaded once into device-local memory. Sessions
// (session.h) run it. No Qt here: the CLI uses it directly, the GUI from its worker thread.
//
//   llm::LoadOptions opt;                    // context size, device, cancellation flag
//   auto model = llm::Model::load(path, opt, [](std::uint64_t done, std::uint64_t total) {...});
//   llm::Session s(*model);                  // KV cache for opt.n_ctx positions
//
// Contract:
// - load() reads and checks everything it can before it allocates: the architecture ("unsupported
//   architecture X"), the tensors and their types, then the memory estimate (weights + KV cache
//   for the chosen context + scratch) against the device heap's budget. A model that does not fit
//   throws InsufficientMemory giving both numbers; nothing falls back silently.
// - Weights are uploaded tensor by tensor from the map (a memcpy into mapped device-local memory
//   on lavapipe and unified-memory GPUs, a staged copy elsewhere); the host keeps no copy of them
//   beyond the map. Progress is reported as bytes done of the total after each piece; setting
//   *cancel stops the upload with Cancelled.
// - A Model and its Sessions belong to one thread at a time (the Vulkan context is not
//   thread-safe). The Model must outlive its Sessions.
#pragma once
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "gguf/gguf_reader.h"
#include "llm/device_weights.h"
#include "llm/memory_estimate.h"
#include "model/weights.h"
#include "ops/kernels.h"
#include "tokenizer/tokenizer.h"
#include "vk/context.h"

namespace vkchat::llm {

// The context size when none is asked for: min(the model's context length, this).
inline constexpr std::int64_t kDefaultMaxContext = 4096;
// The largest context a model or session accepts (2^30 positions, far beyond any model's
// training), so that every size computed from it is exact.
inline constexpr std::int64_t kMaxContext = std::int64_t{1} << 30;

// Throws InputError unless 0 <= n_ctx <= kMaxContext (0: the default), naming `what`.
void check_context_size(std::int64_t n_ctx);

struct LoadOptions {
  // Positions of the KV cache a session gets by default (0: min(context_length, 4096)). The
  // memory estimate is made for it.
  std::int64_t n_ctx = 0;
  // Which device, validation, profiling (default: from VKCHAT_DEVICE, VKCHAT_VK_VALIDATION,
  // VKCHAT_PROFILE).
  vk::ContextOptions device = vk::ContextOptions::from_env();
  // The device memory the model may use; default: the device heap's budget. For tests and for
  // users who want to leave room for other programs.
  std::optional<std::uint64_t> memory_budget;
  // Checked between uploaded pieces; when it becomes true load() throws Cancelled.
  const std::atomic<bool>* cancel = nullptr;
  // llama.cpp-compatible rounding: round what llama.cpp's CPU backend rounds, so that the
  // probabilities follow llama.cpp's on quantized models as closely as on float ones. Every
  // matrix product's input goes to its weight type's grid first (8-bit blocks for quantized
  // weights, fp16 / bf16 for F16 / BF16 ones; quant/act_rounding.h), attention rounds the query
  // and its running output to fp16 as ggml's flash attention does, and the RoPE angles are
  // evaluated as ggml evaluates them. Off: every product in float on the weights as stored
  // (dequantized exactly), which is closer to the model's own arithmetic. Off by default: it
  // costs about a tenth of decode speed on lavapipe (an extra dispatch per product input and a
  // row-by-row attention), and on the shared goldens it brings most positions closer to
  // llama.cpp but the worst ones no closer (docs/ROUNDING.md).
  bool llama_cpp_rounding = false;
};

// Called after each uploaded piece (and once with done == 0 before the first).
using LoadProgress = std::function<void(std::uint64_t done, std::uint64_t total)>;

// What a user sees about a loaded model.
struct ModelSummary {
  std::string path;
  std::string name;       // general.name, or the file's stem
  std::string arch;       // "llama", "qwen2", ...
  std::string file_type;  // gguf::file_type_label: "Q4_K_M", or "F32" for a file without the key
  std::uint64_t n_params = 0;
  std::int64_t n_ctx_train = 0;  // the model's context length
  std::int64_t n_ctx = 0;        // the context a session gets by default
  std::int64_t n_vocab = 0, n_layer = 0, n_embd = 0;
  std::string device;               // the Vulkan device's name
  bool llama_cpp_rounding = false;  // LoadOptions::llama_cpp_rounding
  MemoryEstimate memory;            // for n_ctx
  std::uint64_t budget = 0;         // what the estimate was checked against
};

class Model {
 public:
  // Throws FileError, GgufError, UnsupportedModel, MetadataError (also when the tokenizer's
  // token count differs from token_embd's rows), InsufficientMemory, Cancelled, InputError (a
  // context above kMaxContext), vk::NoDeviceError or vk::VulkanError; each message names the
  // file or the numbers involved.
  static std::unique_ptr<Model> load(const std::filesystem::path& path,
                                     const LoadOptions& options = {},
                                     const LoadProgress& progress = {});

  // Only load() can make the key: construction goes through it.
  class Key {
    friend class Model;
    Key() = default;
  };
  Model(Key, gguf::GgufFile file);
  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;
  ~Model();

  const ModelSummary& summary() const { return summary_; }
  const model::HParams& hparams() const { return spec_.hp; }
  const tokenizer::Tokenizer& tokenizer() const { return tokenizer_; }
  const gguf::GgufFile& gguf() const { return file_; }  // metadata (chat template, ...)

  // For sessions and benchmarks.
  const model::ModelSpec& spec() const { return spec_; }
  const DeviceWeights& weights() const { return weights_; }
  vk::Context& context() { return *context_; }
  ops::Kernels& kernels() { return *kernels_; }
  std::uint64_t memory_budget() const { return summary_.budget; }

 private:
  gguf::GgufFile file_;
  model::ModelSpec spec_;
  tokenizer::Tokenizer tokenizer_;
  ModelSummary summary_;
  // Declared in destruction order: weights and kernels before the context they were made on.
  std::unique_ptr<vk::Context> context_;
  std::unique_ptr<ops::Kernels> kernels_;
  DeviceWeights weights_;
};

}  // namespace vkchat::llm
