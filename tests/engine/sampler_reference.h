// A direct, unoptimised rendering of the sampling chain in double precision, to check the
// sampler's distributions against: full sorts, no buckets, no heaps.
#pragma once
#include <cstdint>
#include <span>
#include <vector>

#include "sampler/sampler.h"

namespace vkchat::sampler {

struct Reference {
  std::vector<double> p;  // per token id; 0 for excluded tokens
  // Smallest distance between a cumulative mass and top_p at the cut, or between a probability
  // ratio and min_p: how far the case is from a rounding-sensitive boundary (inf when none).
  double margin;
};

// The distribution after penalties (history: accepted tokens, oldest first), temperature, top-k,
// top-p and min-p. Greedy settings give all the mass to the argmax.
Reference reference(std::span<const float> logits, const SamplerSettings& s,
                    std::span<const std::int32_t> history);

}  // namespace vkchat::sampler
