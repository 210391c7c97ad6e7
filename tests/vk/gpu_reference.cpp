// The forward suites' shared checks (vk/gpu_reference.h).
#include "vk/gpu_reference.h"

#include <cstdio>

#include "ref/ref_forward.h"
#include "vk/kernel_rig.h"

namespace vkchat::test {

GoldenReport teacher_force(llm::Session& s, const GoldenCase& g, Tolerance tol) {
  s.truncate(0);
  return compare_golden(g, s.feed_all(g.tokens), static_cast<std::size_t>(s.n_vocab()), tol);
}

std::vector<float> cpu_reference_logits(const llm::Model& model,
                                        std::span<const std::int32_t> tokens) {
  const ref::Rounding rounding =
      model.summary().llama_cpp_rounding ? ref::Rounding::LlamaCpp : ref::Rounding::Exact;
  ref::RefForward cpu(model.spec(), static_cast<std::int64_t>(tokens.size()), ref::KvPrecision::F16,
                      rounding);
  return cpu.feed(tokens);
}

ReferenceErrors compare_with_cpu_reference(llm::Model& model, std::span<const std::int32_t> tokens,
                                           const std::string& label, std::int64_t max_chunk) {
  const std::vector<float> want = cpu_reference_logits(model, tokens);
  llm::Session s(model, static_cast<std::int64_t>(tokens.size()), max_chunk);
  const std::vector<float> prefill = s.feed_all(tokens);
  std::vector<float> decode;
  s.truncate(0);
  for (std::int32_t t : tokens) {
    const std::span<const float> row =
        s.position() == 0 ? (s.feed(std::span(&t, 1)), s.logits()) : s.decode(t);
    decode.insert(decode.end(), row.begin(), row.end());
  }
  const ReferenceErrors e{rel_l2(prefill, want), rel_l2(decode, want)};
  std::printf("%s: relative L2 of %zu x %lld logits: prefill %.3g, decode %.3g\n", label.c_str(),
              tokens.size(), static_cast<long long>(s.n_vocab()), e.prefill, e.decode);
  return e;
}

}  // namespace vkchat::test
