// Loading: parse and check, estimate and check memory, then allocate and upload.
#include "llm/model.h"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "gguf/file_type.h"
#include "llm/session.h"
#include "util/errors.h"

namespace vkchat::llm {

// The spec before the tokenizer: an unsupported architecture is reported as such.
Model::Model(Key, gguf::GgufFile file)
    : file_(std::move(file)),
      spec_(model::read_model_spec(file_)),
      tokenizer_(tokenizer::Tokenizer::from_gguf(file_)) {
  // Every id the tokenizer makes must have an embedding row and a logit, and every logit a token.
  // (output.weight's rows were checked against token_embd's by read_model_spec.)
  const std::int64_t n_tokens = tokenizer_.vocab_size();
  if (n_tokens != spec_.hp.n_vocab) {
    throw MetadataError(file_.path() + ": the vocabulary has " + std::to_string(n_tokens) +
                        " tokens (tokenizer.ggml.tokens), but token_embd.weight has " +
                        std::to_string(spec_.hp.n_vocab) + " rows");
  }
}

void check_context_size(std::int64_t n_ctx) {
  if (n_ctx < 0) throw std::invalid_argument("n_ctx must not be negative");
  if (n_ctx > kMaxContext) {
    throw InputError("a context of " + std::to_string(n_ctx) + " positions is above the limit of " +
                     std::to_string(kMaxContext));
  }
}

Model::~Model() = default;

std::unique_ptr<Model> Model::load(const std::filesystem::path& path, const LoadOptions& options,
                                   const LoadProgress& progress) {
  // Everything that can be checked on the host first: a bad file or an unsupported
  // architecture never touches the device.
  auto m = std::make_unique<Model>(Key(), gguf::GgufFile::open(path));
  const model::HParams& hp = m->spec_.hp;
  check_context_size(options.n_ctx);
  // The CPU reference runs gpt-oss; the device lacks its attention sinks, biased experts and
  // clamped SwiGLU.
  if (hp.arch == model::Arch::GptOss) {
    throw UnsupportedModel(path.string() + ": architecture " + hp.arch_name +
                           " does not run on the GPU yet");
  }

  m->context_ = std::make_unique<vk::Context>(vk::Context::create(options.device));
  const vk::DeviceInfo& info = m->context_->info();
  // The attention kernel holds a head in its workgroup's registers (ops.h: AttentionShape): a
  // wider workgroup for heads beyond the default's (gemma4's full layers), where the device
  // allows one.
  ops::KernelConfig config = ops::KernelConfig::for_device(*m->context_);
  const bool head_fits = config.fit_attention_head(info, hp.head_dim);
  m->kernels_ = std::make_unique<ops::Kernels>(*m->context_, config);
  const std::int64_t max_head_dim = 4 * std::int64_t{config.attn_wg};
  if (hp.head_dim % 2 != 0 || !head_fits) {
    throw UnsupportedModel(path.string() + ": head dimension " + std::to_string(hp.head_dim) +
                           " (" + hp.arch_name +
                           ".attention.key_length) must be even and at most " +
                           std::to_string(max_head_dim) + " on " + info.name);
  }
  const WeightPlan plan = plan_weights(m->spec_, info);

  ModelSummary& s = m->summary_;
  s.path = path.string();
  s.name = m->file_.get_optional<std::string>("general.name").value_or(path.stem().string());
  s.arch = hp.arch_name;
  s.file_type = gguf::file_type_label(m->file_);
  for (const gguf::TensorInfo& t : m->file_.tensors()) s.n_params += t.n_elements;
  s.n_ctx_train = hp.n_ctx_train;
  s.n_ctx = options.n_ctx > 0 ? options.n_ctx : std::min(hp.n_ctx_train, kDefaultMaxContext);
  s.n_vocab = hp.n_vocab;
  s.n_layer = hp.n_layer;
  s.n_embd = hp.n_embd;
  s.device = info.name;
  s.llama_cpp_rounding = options.llama_cpp_rounding;
  s.memory.n_ctx = s.n_ctx;
  s.memory.weights = plan.device_bytes();
  s.memory.kv_cache = Session::kv_bytes(hp, s.n_ctx);
  s.memory.window_rows = KvCache::window_rows(hp, s.n_ctx, std::min(kMaxChunk, s.n_ctx));
  s.memory.scratch = Session::scratch_bytes(hp, s.n_ctx, *m->kernels_);
  s.budget = options.memory_budget.value_or(device_memory_budget(info));
  check_fits(s.memory, s.budget, path.string(), info.name);

  m->weights_ = upload_weights(*m->context_, m->spec_, plan, progress, options.cancel);
  return m;
}

}  // namespace vkchat::llm
