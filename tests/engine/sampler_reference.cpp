// The sampling chain spelt out step by step from its definition, in double precision.
#include "sampler_reference.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>

namespace vkchat::sampler {

Reference reference(std::span<const float> logits, const SamplerSettings& s,
                    std::span<const std::int32_t> history) {
  const std::size_t n = logits.size();
  std::vector<double> l(logits.begin(), logits.end());
  double margin = std::numeric_limits<double>::infinity();

  // 1. Penalties over the last repeat_last_n tokens.
  if (s.repeat_last_n != 0) {
    std::size_t first = 0;
    if (s.repeat_last_n > 0 && history.size() > static_cast<std::size_t>(s.repeat_last_n)) {
      first = history.size() - static_cast<std::size_t>(s.repeat_last_n);
    }
    std::map<std::int32_t, int> counts;
    for (std::size_t i = first; i < history.size(); ++i) ++counts[history[i]];
    for (const auto& [token, count] : counts) {
      double& x = l[static_cast<std::size_t>(token)];
      x = x <= 0 ? x * s.repeat_penalty : x / s.repeat_penalty;
      x -= count * static_cast<double>(s.frequency_penalty) + s.presence_penalty;
    }
  }

  // Descending logit, ties by ascending id.
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(),
            [&](std::size_t a, std::size_t b) { return l[a] > l[b] || (l[a] == l[b] && a < b); });

  std::vector<double> p(n, 0.0);
  if (s.greedy()) {
    p[order[0]] = 1.0;
    return {p, margin};
  }

  // 2. Temperature, 3. top-k.
  std::size_t kept = n;
  if (s.top_k > 0 && static_cast<std::size_t>(s.top_k) < n)
    kept = static_cast<std::size_t>(s.top_k);
  double z = 0.0;
  for (std::size_t i = 0; i < kept; ++i) z += std::exp((l[order[i]] - l[order[0]]) / s.temperature);
  std::vector<double> q(kept);
  for (std::size_t i = 0; i < kept; ++i) {
    q[i] = std::exp((l[order[i]] - l[order[0]]) / s.temperature) / z;
  }

  // 4. top-p: the shortest prefix whose mass reaches top_p.
  if (s.top_p < 1.0f) {
    double cum = 0.0;
    for (std::size_t i = 0; i < kept; ++i) {
      const double before = cum;
      cum += q[i];
      if (cum >= s.top_p) {
        margin = std::min({margin, cum - s.top_p, s.top_p - before});
        kept = i + 1;
        break;
      }
    }
  }

  // 5. min-p: at least min_p times the largest probability.
  if (s.min_p > 0.0f) {
    std::size_t cut = kept;
    for (std::size_t i = 0; i < kept; ++i) {
      const double ratio = q[i] / q[0];
      margin = std::min(margin, std::fabs(ratio - s.min_p));
      if (ratio < s.min_p && cut == kept) cut = i;
    }
    kept = std::max<std::size_t>(cut, 1);
  }

  // 6. Renormalise what is left.
  double total = 0.0;
  for (std::size_t i = 0; i < kept; ++i) total += q[i];
  for (std::size_t i = 0; i < kept; ++i) p[order[i]] = q[i] / total;
  return {p, margin};
}

}  // namespace vkchat::sampler
