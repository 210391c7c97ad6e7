// Chooses each architecture's forward pass (forward_<family>.cpp) and records the output
// projection they all end with.
#include "llm/forward.h"

#include "llm/forward_family.h"

namespace vkchat::llm {

void record_forward(ops::Ops& ops, const model::HParams& hp, const DeviceWeights& w,
                    const KvCache& kv, const Scratch& s, const ops::Positions& pos,
                    std::int64_t n_tok, ForwardRounding rounding) {
  switch (hp.arch) {
    case model::Arch::Llama:
    case model::Arch::Qwen2:
    case model::Arch::Qwen3:
    case model::Arch::Phi3: return record_forward_llama(ops, hp, w, kv, s, pos, n_tok, rounding);
    case model::Arch::Gemma2:
    case model::Arch::Gemma3: return record_forward_gemma(ops, hp, w, kv, s, pos, n_tok, rounding);
    case model::Arch::Mistral3:
      return record_forward_mistral3(ops, hp, w, kv, s, pos, n_tok, rounding);
    case model::Arch::SmolLM3:
      return record_forward_smollm3(ops, hp, w, kv, s, pos, n_tok, rounding);
    case model::Arch::Granite:
      return record_forward_granite(ops, hp, w, kv, s, pos, n_tok, rounding);
    case model::Arch::Gemma4: return record_forward_gemma4(ops, hp, w, kv, s, pos, n_tok, rounding);
    case model::Arch::Qwen3Moe:
      return record_forward_qwen3moe(ops, hp, w, kv, s, pos, n_tok, rounding);
    case model::Arch::Qwen35: return record_forward_qwen35(ops, hp, w, kv, s, pos, n_tok, rounding);
    case model::Arch::Qwen35Moe:
      return record_forward_qwen35moe(ops, hp, w, kv, s, pos, n_tok, rounding);
    case model::Arch::GptOss: break;  // refused when the model is loaded (llm/model.cpp)
  }
}

void record_logits(ops::Ops& ops, const model::HParams& hp, const DeviceWeights& w,
                   const Scratch& s, std::int64_t first, std::int64_t n, ForwardRounding rounding) {
  ops::RoundedInput in(ops, s.xn.row_range(first, n), s.xq, rounding.llama_cpp);
  const ops::Tensor logits = s.logits.row_range(0, n);
  ops.linear(w.output, in.for_weight(w.output), logits);
  if (hp.final_softcap > 0) ops.softcap(logits, hp.final_softcap);  // gemma2, gemma4
}

}  // namespace vkchat::llm
