// The reference suites' teacher forcing (ref_golden.h).
#include "engine/ref_golden.h"

#include <vector>

namespace vkchat::test {

GoldenReport ref_teacher_force(const model::ModelSpec& spec, const GoldenCase& g, Tolerance tol,
                               ref::Rounding rounding, ref::KvPrecision kv) {
  ref::RefForward fwd(spec, static_cast<std::int64_t>(g.tokens.size()), kv, rounding);
  const std::vector<float> logits = fwd.feed(g.tokens);
  return compare_golden(g, logits, static_cast<std::size_t>(spec.hp.n_vocab), tol);
}

}  // namespace vkchat::test
