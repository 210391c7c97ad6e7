// The sampling chain. Selection never sorts the whole vocabulary: top-k keeps a k-entry heap over
// one pass (or a k-th-value threshold for large k); top-p on a large unsorted set buckets the
// weights to find where its cut falls and sorts only that bucket, and otherwise sorts only as long
// a prefix as it needs. Candidates are only ever arranged by the total order (descending logit,
// ascending id) or by id, so no step depends on how the standard library orders elements it
// considers equal.
#include "sampler/sampler.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace vkchat::sampler {

namespace {

constexpr float kNegInf = -std::numeric_limits<float>::infinity();

// Up to this k, top-k keeps a heap during one pass; beyond it a threshold from nth_element is
// cheaper than k log k heap updates.
constexpr std::size_t kHeapTopKLimit = 1024;

// First stretch that top-p sorts when the candidates are unsorted; each next one is 3x the sum.
constexpr std::size_t kTopPFirstPrefix = 64;

// Above this many unsorted candidates, top-p first buckets the weights (16 buckets per octave,
// 64 octaves, the last bucket takes the rest) to find which bucket the cut falls in, and sorts
// only that bucket: O(n) plus a small sort, instead of sorting most of a flat distribution.
constexpr std::size_t kTopPBucketMin = 1024;
constexpr std::size_t kWeightBuckets = 1024;
constexpr int kBucketShift = 23 - 4;

float clean(float x) {
  return std::isnan(x) ? kNegInf : x;
}

std::size_t weight_bucket(float weight) {
  // Positive floats order like their bit patterns, so this is monotone in the weight (in (0, 1]):
  // bucket 0 holds the largest weights.
  constexpr std::uint32_t kOne = 0x3F800000u;  // 1.0f
  const std::uint32_t bits = std::bit_cast<std::uint32_t>(weight);
  return std::min<std::size_t>((kOne - bits) >> kBucketShift, kWeightBuckets - 1);
}

void require(bool ok, const char* what) {
  if (!ok) throw std::invalid_argument(std::string("sampler settings: ") + what);
}

}  // namespace

bool SamplerSettings::greedy() const {
  return !(temperature > 0.0f) || std::isinf(1.0f / temperature);
}

bool SamplerSettings::penalties_active() const {
  return repeat_last_n != 0 &&
         (repeat_penalty != 1.0f || frequency_penalty != 0.0f || presence_penalty != 0.0f);
}

void SamplerSettings::validate() const {
  require(std::isfinite(temperature), "temperature must be finite");
  require(!std::isnan(top_p), "top_p is NaN");
  require(!std::isnan(min_p), "min_p is NaN");
  require(std::isfinite(repeat_penalty) && repeat_penalty > 0.0f,
          "repeat_penalty must be a finite number above 0");
  require(std::isfinite(frequency_penalty), "frequency_penalty must be finite");
  require(std::isfinite(presence_penalty), "presence_penalty must be finite");
  require(repeat_last_n >= -1, "repeat_last_n must be -1 (unbounded), 0 (off) or positive");
}

Sampler::Sampler(SamplerSettings settings) : settings_(settings) {
  settings_.validate();
  reset();
}

void Sampler::set_settings(const SamplerSettings& settings) {
  settings.validate();
  const bool reseed = settings.seed != settings_.seed;
  const std::vector<std::int32_t> kept = history();
  settings_ = settings;
  ring_.clear();
  ring_head_ = 0;
  ring_.reserve(std::min<std::size_t>(window(), 1 << 16));
  const std::size_t keep = std::min(kept.size(), window());
  ring_.assign(kept.end() - static_cast<std::ptrdiff_t>(keep), kept.end());
  if (reseed) set_seed(settings.seed);
}

void Sampler::reset() {
  ring_.clear();
  ring_head_ = 0;
  ring_.reserve(std::min<std::size_t>(window(), 1 << 16));
  set_seed(settings_.seed);
}

void Sampler::set_seed(std::uint64_t seed) {
  settings_.seed = seed;
  if (seed == kRandomSeed) {
    std::random_device rd;
    seed_ = (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
  } else {
    seed_ = seed;
  }
  rng_.seed(seed_);
}

std::size_t Sampler::window() const {
  if (settings_.repeat_last_n < 0) return std::numeric_limits<std::size_t>::max();
  return static_cast<std::size_t>(settings_.repeat_last_n);
}

void Sampler::accept(std::int32_t token) {
  if (token < 0) throw std::invalid_argument("sampler: negative token id " + std::to_string(token));
  push_history(token);
}

void Sampler::push_history(std::int32_t token) {
  const std::size_t w = window();
  if (w == 0) return;
  if (ring_.size() < w) {
    ring_.push_back(token);
    return;
  }
  ring_[ring_head_] = token;
  ring_head_ = (ring_head_ + 1) % w;
}

std::vector<std::int32_t> Sampler::history() const {
  std::vector<std::int32_t> out;
  out.reserve(ring_.size());
  const auto head = ring_.begin() + static_cast<std::ptrdiff_t>(ring_head_);
  out.insert(out.end(), head, ring_.end());
  out.insert(out.end(), ring_.begin(), head);
  return out;
}

double Sampler::uniform() {
  // 53 high bits scaled exactly into [0, 1): the same doubles from every standard library.
  return static_cast<double>(rng_() >> 11) * 0x1.0p-53;
}

std::int32_t Sampler::argmax(std::span<const float> logits) {
  // The maximum first, over independent lanes (no loop-carried compare chain), then its first
  // position: ties go to the lowest id, NaN never wins, and no value above -inf gives token 0.
  constexpr std::size_t kLanes = 8;
  float lane[kLanes];
  std::fill(std::begin(lane), std::end(lane), kNegInf);
  const std::size_t n = logits.size();
  const float* data = logits.data();
  std::size_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    for (std::size_t j = 0; j < kLanes; ++j)
      lane[j] = data[i + j] > lane[j] ? data[i + j] : lane[j];
  }
  for (; i < n; ++i) lane[0] = data[i] > lane[0] ? data[i] : lane[0];
  float best = kNegInf;
  for (float x : lane) best = x > best ? x : best;
  if (best == kNegInf) return 0;
  return static_cast<std::int32_t>(std::find(logits.begin(), logits.end(), best) - logits.begin());
}

std::span<const float> Sampler::penalize(std::span<const float> logits) {
  if (!settings_.penalties_active() || ring_.empty()) return logits;
  counts_scratch_.reserve(ring_.capacity());  // grows with the ring, not one token at a time
  counts_scratch_.assign(ring_.begin(), ring_.end());
  std::sort(counts_scratch_.begin(), counts_scratch_.end());
  penalized_.assign(logits.begin(), logits.end());
  for (std::size_t i = 0; i < counts_scratch_.size();) {
    const std::int32_t token = counts_scratch_[i];
    std::size_t j = i;
    while (j < counts_scratch_.size() && counts_scratch_[j] == token) ++j;
    const auto count = static_cast<float>(j - i);
    i = j;
    if (static_cast<std::size_t>(token) >= penalized_.size()) {
      throw std::out_of_range("sampler: history token " + std::to_string(token) +
                              " is outside the vocabulary of " + std::to_string(penalized_.size()));
    }
    float& l = penalized_[static_cast<std::size_t>(token)];
    // Dividing a negative logit would raise it: multiply instead (as llama.cpp does).
    if (l <= 0.0f)
      l *= settings_.repeat_penalty;
    else
      l /= settings_.repeat_penalty;
    l -= count * settings_.frequency_penalty + settings_.presence_penalty;
  }
  return penalized_;
}

namespace {

// Strict total order: higher logit first, then lower id.
struct Better {
  template <class C>
  bool operator()(const C& a, const C& b) const {
    return a.logit > b.logit || (a.logit == b.logit && a.id < b.id);
  }
};

}  // namespace

void Sampler::select_top_k(std::span<const float> logits, std::size_t k) {
  cands_.resize(k);
  for (std::size_t i = 0; i < k; ++i) {
    cands_[i] = {static_cast<std::int32_t>(i), clean(logits[i]), 0.0f};
  }
  // A heap whose front is the worst kept candidate. A later token with an equal logit has a
  // higher id, so only a strictly greater logit displaces it (NaN never does).
  std::make_heap(cands_.begin(), cands_.end(), Better{});
  float threshold = cands_.front().logit;
  const float* data = logits.data();
  for (std::size_t i = k; i < logits.size(); ++i) {
    if (data[i] > threshold) [[unlikely]] {
      std::pop_heap(cands_.begin(), cands_.end(), Better{});
      cands_.back() = {static_cast<std::int32_t>(i), data[i], 0.0f};
      std::push_heap(cands_.begin(), cands_.end(), Better{});
      threshold = cands_.front().logit;
    }
  }
  std::sort(cands_.begin(), cands_.end(), Better{});
  cands_sorted_ = true;
}

void Sampler::select_all(std::span<const float> logits) {
  cands_.resize(logits.size());
  for (std::size_t i = 0; i < logits.size(); ++i) {
    cands_[i] = {static_cast<std::int32_t>(i), clean(logits[i]), 0.0f};
  }
  cands_sorted_ = false;
}

void Sampler::select_threshold(std::span<const float> logits, std::size_t k) {
  // The k-th largest value is the same whatever nth_element's internal order; then keep, in id
  // order, everything above it and the lowest-id tokens equal to it.
  values_scratch_.resize(logits.size());
  std::transform(logits.begin(), logits.end(), values_scratch_.begin(), clean);
  const auto kth = values_scratch_.begin() + static_cast<std::ptrdiff_t>(k - 1);
  std::nth_element(values_scratch_.begin(), kth, values_scratch_.end(), std::greater<float>{});
  const float v = *kth;
  std::size_t above = 0;
  for (float x : values_scratch_) above += x > v ? 1 : 0;
  std::size_t equal_left = k - above;
  cands_.clear();
  for (std::size_t i = 0; i < logits.size(); ++i) {
    const float x = clean(logits[i]);
    if (x > v || (x == v && equal_left > 0)) {
      if (x == v) --equal_left;
      cands_.push_back({static_cast<std::int32_t>(i), x, 0.0f});
    }
  }
  cands_sorted_ = false;
}

void Sampler::cut_min_p() {
  if (!(settings_.min_p > 0.0f)) return;
  // The best token has weight exactly 1, so it always passes.
  const float threshold = std::min(settings_.min_p, 1.0f);
  if (cands_sorted_) {
    std::size_t n = 1;
    while (n < final_ && cands_[n].weight >= threshold) ++n;
    final_ = n;
    return;
  }
  std::size_t kept = 0;
  for (std::size_t i = 0; i < final_; ++i) {
    if (cands_[i].weight >= threshold) cands_[kept++] = cands_[i];
  }
  final_ = kept;
}

std::size_t Sampler::split_at_top_p_bucket(double target, double& cum) {
  bucket_mass_.assign(kWeightBuckets, 0.0);
  for (std::size_t i = 0; i < final_; ++i) {
    bucket_mass_[weight_bucket(cands_[i].weight)] += cands_[i].weight;
  }
  std::size_t crossing = 0;
  double below = 0.0;
  while (crossing < kWeightBuckets && below + bucket_mass_[crossing] < target) {
    below += bucket_mass_[crossing++];
  }
  if (crossing == kWeightBuckets) return final_;  // rounding kept the mass short: keep all
  // Earlier buckets hold strictly larger weights: they are all kept. Move them to the front, then
  // the crossing bucket, both in id order; everything after is dropped.
  bucket_scratch_.clear();
  std::size_t kept = 0;
  for (std::size_t i = 0; i < final_; ++i) {
    const std::size_t b = weight_bucket(cands_[i].weight);
    if (b < crossing) {
      cum += cands_[i].weight;
      cands_[kept++] = cands_[i];
    } else if (b == crossing) {
      bucket_scratch_.push_back(cands_[i]);
    }
  }
  std::copy(bucket_scratch_.begin(), bucket_scratch_.end(),
            cands_.begin() + static_cast<std::ptrdiff_t>(kept));
  final_ = kept + bucket_scratch_.size();
  return kept;
}

void Sampler::cut_top_p(double total) {
  if (!(settings_.top_p < 1.0f)) return;
  const double target = static_cast<double>(settings_.top_p) * total;
  double cum = 0.0;
  std::size_t begin = 0;  // [0, begin) is kept whole, its weight already in cum
  if (!cands_sorted_ && final_ > kTopPBucketMin) {
    begin = split_at_top_p_bucket(target, cum);
    if (begin == final_) return;
  }
  std::size_t sorted = cands_sorted_ ? final_ : begin;  // [begin, sorted) is in order
  const bool all_sorted = cands_sorted_ || begin == 0;
  for (std::size_t i = begin;;) {
    for (; i < sorted; ++i) {
      cum += cands_[i].weight;
      if (cum >= target) {
        final_ = i + 1;
        cands_sorted_ = all_sorted;
        return;
      }
    }
    if (sorted == final_) break;
    // Sort only the next stretch: the tail past `sorted` holds everything smaller.
    const std::size_t next =
        std::min(final_, sorted + std::max(kTopPFirstPrefix, 3 * (sorted - begin)));
    const auto base = cands_.begin();
    std::partial_sort(base + static_cast<std::ptrdiff_t>(sorted),
                      base + static_cast<std::ptrdiff_t>(next),
                      base + static_cast<std::ptrdiff_t>(final_), Better{});
    sorted = next;
  }
  cands_sorted_ = all_sorted;
}

double Sampler::prepare(std::span<const float> logits) {
  const std::size_t n = logits.size();
  const std::size_t k = settings_.top_k > 0 ? static_cast<std::size_t>(settings_.top_k) : 0;
  float max_logit = kNegInf;
  if (k > 0 && k < n && k <= kHeapTopKLimit) {
    select_top_k(logits, k);
    max_logit = cands_.front().logit;
  } else {
    if (k > 0 && k < n)
      select_threshold(logits, k);
    else
      select_all(logits);
    for (const Candidate& c : cands_) max_logit = std::max(max_logit, c.logit);
  }
  final_ = cands_.size();
  if (!std::isfinite(max_logit)) {
    // Nothing finite to normalise against: +inf wins outright, all -inf falls back to token 0.
    cands_.assign(1, {argmax(logits), max_logit, 1.0f});
    cands_sorted_ = true;
    final_ = 1;
    return 1.0;
  }

  const float inv_t = 1.0f / settings_.temperature;
  double total = 0.0;
  for (Candidate& c : cands_) {
    c.weight = std::exp((c.logit - max_logit) * inv_t);
    total += c.weight;
  }
  // min-p and top-p each keep a prefix of the sorted order, so applying min-p first (cheap, no
  // sorting) leaves the same result and less for top-p to sort. top-p normalises over what top-k
  // kept, hence `total` from before min-p.
  cut_min_p();
  cut_top_p(total);

  double kept = 0.0;
  for (std::size_t i = 0; i < final_; ++i) kept += cands_[i].weight;
  return kept;
}

std::int32_t Sampler::sample(std::span<const float> logits) {
  if (logits.empty()) throw std::invalid_argument("sampler: empty logits");
  const std::span<const float> l = penalize(logits);
  if (settings_.greedy()) return argmax(l);
  return draw(prepare(l));
}

std::int32_t Sampler::sample(std::span<const float> logits, std::size_t k, SampleDetail& detail) {
  if (logits.empty()) throw std::invalid_argument("sampler: empty logits");
  k = std::min(k, kMaxAlternatives);
  const std::span<const float> l = penalize(logits);
  if (settings_.greedy()) {
    const std::int32_t id = argmax(l);
    top_of_softmax(l, k, id, detail);
    return id;
  }
  const double total = prepare(l);
  const std::int32_t id = draw(total);
  top_of_final(k, total, id, detail);
  return id;
}

std::int32_t Sampler::draw(double total) {
  const double u = uniform() * total;
  double cum = 0.0;
  std::int32_t last_possible = cands_[0].id;
  for (std::size_t i = 0; i < final_; ++i) {
    if (cands_[i].weight <= 0.0f) continue;
    cum += cands_[i].weight;
    last_possible = cands_[i].id;
    if (cum > u) return cands_[i].id;
  }
  return last_possible;  // u rounded up to the total
}

void Sampler::top_of_final(std::size_t k, double total, std::int32_t id, SampleDetail& detail) {
  detail.top.clear();
  detail.p = 0;
  for (std::size_t i = 0; i < final_; ++i) {
    if (cands_[i].id == id) detail.p = cands_[i].weight / total;
  }
  const std::size_t n = std::min(k, final_);
  if (!cands_sorted_) {
    // Weight follows the logit, so the total order by logit is the order by probability.
    const auto base = cands_.begin();
    std::partial_sort(base, base + static_cast<std::ptrdiff_t>(n),
                      base + static_cast<std::ptrdiff_t>(final_), Better{});
  }
  for (std::size_t i = 0; i < n && cands_[i].weight > 0.0f; ++i) {
    detail.top.push_back({cands_[i].id, cands_[i].weight / total});
  }
}

void Sampler::top_of_softmax(std::span<const float> logits, std::size_t k, std::int32_t id,
                             SampleDetail& detail) {
  detail.top.clear();
  const float best = clean(logits[static_cast<std::size_t>(id)]);
  if (!std::isfinite(best)) {
    detail.p = 1.0;
    detail.top.push_back({id, 1.0});
    return;
  }
  // Terms below exp(-kNegligible) change the sum by less than the vocabulary times e^-40 (1e-12
  // for 150 K tokens, far below what is kept: 1/65534), so they are skipped, and the rest is
  // summed from float exponentials: this runs once per token of a greedy answer.
  constexpr float kNegligible = 40.0f;
  double sum = 0.0;
  for (float x : logits) {
    const float d = x - best;  // NaN compares false: skipped
    if (d > -kNegligible) sum += std::exp(d);
  }
  detail.p = 1.0 / sum;
  if (k == 0) return;
  if (k < logits.size()) {
    select_top_k(logits, k);
  } else {
    select_all(logits);
    std::sort(cands_.begin(), cands_.end(), Better{});
  }
  for (const Candidate& c : cands_) {
    const double p = std::exp(static_cast<double>(c.logit) - best) / sum;
    if (p > 0.0) detail.top.push_back({c.id, p});
  }
}

std::span<const TokenProb> Sampler::probabilities(std::span<const float> logits) {
  if (logits.empty()) throw std::invalid_argument("sampler: empty logits");
  const std::span<const float> l = penalize(logits);
  probs_.clear();
  if (settings_.greedy()) {
    probs_.push_back({argmax(l), 1.0});
    return probs_;
  }
  const double total = prepare(l);
  for (std::size_t i = 0; i < final_; ++i) {
    if (cands_[i].weight > 0.0f) probs_.push_back({cands_[i].id, cands_[i].weight / total});
  }
  std::sort(probs_.begin(), probs_.end(), [](const TokenProb& a, const TokenProb& b) {
    return a.p > b.p || (a.p == b.p && a.id < b.id);
  });
  return probs_;
}

}  // namespace vkchat::sampler
