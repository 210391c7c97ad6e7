// Softmax in double: exp(l - max) / sum, so large logits neither overflow nor lose the tail.
#include "llm/probs.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace vkchat::llm {

namespace {

struct Softmax {
  double max = -INFINITY;
  double sum = 0;
  explicit Softmax(std::span<const float> logits) {
    if (logits.empty()) throw std::invalid_argument("softmax of no logits");
    for (float l : logits) max = std::max(max, static_cast<double>(l));
    for (float l : logits) sum += std::exp(static_cast<double>(l) - max);
  }
  double p(float l) const { return std::exp(static_cast<double>(l) - max) / sum; }
};

}  // namespace

std::vector<sampler::TokenProb> top_probs(std::span<const float> logits, std::size_t k) {
  const Softmax sm(logits);
  std::vector<std::int32_t> ids(logits.size());
  for (std::size_t i = 0; i < ids.size(); ++i) ids[i] = static_cast<std::int32_t>(i);
  k = std::min(k, ids.size());
  std::partial_sort(ids.begin(), ids.begin() + static_cast<std::ptrdiff_t>(k), ids.end(),
                    [&](std::int32_t a, std::int32_t b) {
                      return logits[a] != logits[b] ? logits[a] > logits[b] : a < b;
                    });
  std::vector<sampler::TokenProb> out;
  out.reserve(k);
  for (std::size_t i = 0; i < k; ++i) out.push_back({ids[i], sm.p(logits[ids[i]])});
  return out;
}

double token_prob(std::span<const float> logits, std::int32_t id) {
  if (id < 0 || static_cast<std::size_t>(id) >= logits.size()) {
    throw std::out_of_range("token id " + std::to_string(id) + " outside the logits");
  }
  return Softmax(logits).p(logits[id]);
}

}  // namespace vkchat::llm
