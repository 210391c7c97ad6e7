// Token sampler: turns one step's logits into a token id through a fixed chain of transforms.
//
// Contract. The chain, in order, on the logits of one step:
//   1. repetition, frequency and presence penalties over the last `repeat_last_n` accepted tokens
//      (llama.cpp semantics: a positive logit is divided by repeat_penalty, a negative one is
//      multiplied by it; then count * frequency_penalty + (count > 0) * presence_penalty is
//      subtracted);
//   2. temperature (temperature <= 0 means greedy: the exact argmax, ties to the lowest id);
//   3. top-k: keep the k largest logits (top_k <= 0 or >= vocab: off);
//   4. top-p: keep the smallest prefix, by descending probability, whose probability mass
//      (normalised over what top-k kept) reaches top_p, including the token that crosses it
//      (top_p >= 1: off);
//   5. min-p: keep tokens whose probability is at least min_p times the largest one (min_p <= 0:
//      off);
//   6. one draw from a seeded std::mt19937_64 over what is left, renormalised.
// The most probable token always survives steps 3-5. Equal logits are ordered by ascending token id
// everywhere, so the outcome depends only on the settings, the seed, the history and the logits:
// not on the standard library (the RNG and its conversion to [0, 1) are specified exactly). A
// non-greedy sample consumes exactly one RNG output; a greedy one consumes none.
// NaN logits count as -inf. A +inf logit takes all the mass (the lowest such id); when every logit
// is -inf or NaN the result is token 0.
//
// sample() does not record the token: call accept() for every token that enters the context
// (prompt tokens too, if they should be penalised). Buffers are reused across calls, so sampling
// does not allocate once the vocabulary size has been seen.
#pragma once
#include <cstdint>
#include <random>
#include <span>
#include <vector>

namespace vkchat::sampler {

// Seed value that asks for a random seed (from std::random_device) at construction and reset().
inline constexpr std::uint64_t kRandomSeed = 0xFFFFFFFFu;

// Defaults are llama.cpp's (common_params_sampling).
struct SamplerSettings {
  float temperature = 0.8f;         // <= 0: greedy argmax; must be finite
  std::int32_t top_k = 40;          // <= 0: off
  float top_p = 0.95f;              // >= 1: off
  float min_p = 0.05f;              // <= 0: off
  float repeat_penalty = 1.0f;      // 1: off
  std::int32_t repeat_last_n = 64;  // 0: off, -1: every token accepted since reset()
  float frequency_penalty = 0.0f;   // 0: off
  float presence_penalty = 0.0f;    // 0: off
  std::uint64_t seed = kRandomSeed;

  // temperature <= 0, or so small that its reciprocal overflows.
  bool greedy() const;
  bool penalties_active() const;
  // Throws std::invalid_argument naming the first setting that is out of range or NaN.
  void validate() const;
};

// One entry of the final distribution.
struct TokenProb {
  std::int32_t id;
  double p;
};

// The most alternatives one sample reports (sample() with k), so that they stay cheap to collect
// and to keep with every token of an answer.
inline constexpr std::size_t kMaxAlternatives = 10;

// What one sample chose, and what else it could have chosen (sample() with k).
struct SampleDetail {
  double p = 0;                // the chosen token's probability
  std::vector<TokenProb> top;  // the k most probable tokens, descending (ties: ascending id)
};

class Sampler {
 public:
  explicit Sampler(SamplerSettings settings = {});

  const SamplerSettings& settings() const { return settings_; }
  // Changes the settings and keeps the history (trimmed to the new window) and the RNG state;
  // the RNG is re-seeded only when the seed changed.
  void set_settings(const SamplerSettings& settings);

  // A token from the logits of one step. Throws std::invalid_argument on empty logits and
  // std::out_of_range when the history holds a token outside the vocabulary.
  std::int32_t sample(std::span<const float> logits);
  // The same token as sample(logits), drawing the same randomness, and in `detail` its
  // probability and the min(k, kMaxAlternatives) most probable tokens of the distribution it was
  // drawn from (probabilities() without the sort of all of it: O(m) in the surviving tokens, plus
  // k log k). Greedy settings draw from a point mass, which says nothing: there the probabilities
  // are the model's own after the penalties (softmax at temperature 1 over the whole vocabulary,
  // O(vocabulary)), of which the argmax was taken; an infinite or all -inf step reports p = 1.
  std::int32_t sample(std::span<const float> logits, std::size_t k, SampleDetail& detail);

  // The distribution sample() draws from for these logits: every token with a non-zero chance, in
  // descending probability (ties: ascending id), summing to 1. Consumes no randomness. Sorting it
  // costs O(m log m) in the number m of surviving tokens: meant for tests and the UI.
  std::span<const TokenProb> probabilities(std::span<const float> logits);

  // Records a token that entered the context, for the penalties. Throws on a negative id.
  void accept(std::int32_t token);
  // Clears the history and re-seeds from settings().seed (a fresh random seed for kRandomSeed).
  void reset();
  void set_seed(std::uint64_t seed);
  // The seed in use (the drawn one when settings().seed is kRandomSeed).
  std::uint64_t seed() const { return seed_; }
  // Accepted tokens inside the penalty window, oldest first.
  std::vector<std::int32_t> history() const;

 private:
  struct Candidate {
    std::int32_t id;
    float logit;
    float weight;  // exp((logit - max) / temperature), 1 for the best token
  };

  std::span<const float> penalize(std::span<const float> logits);
  // Fills cands_[0, final_) with what survives steps 3-5 and returns their total weight.
  double prepare(std::span<const float> logits);
  void select_top_k(std::span<const float> logits, std::size_t k);
  void select_all(std::span<const float> logits);
  void select_threshold(std::span<const float> logits, std::size_t k);
  void cut_top_p(double total);
  // Keeps whole the weight buckets before the one where top-p's mass reaches `target` (adding
  // their weight to cum), then that bucket's members; returns where they start.
  std::size_t split_at_top_p_bucket(double target, double& cum);
  void cut_min_p();
  static std::int32_t argmax(std::span<const float> logits);
  // One draw from cands_[0, final_) of total weight `total` (prepare()).
  std::int32_t draw(double total);
  // detail for the drawn token `id`: the top k of cands_[0, final_) (reorders them).
  void top_of_final(std::size_t k, double total, std::int32_t id, SampleDetail& detail);
  // detail for greedy's `id`: the top k of softmax(logits) at temperature 1.
  void top_of_softmax(std::span<const float> logits, std::size_t k, std::int32_t id,
                      SampleDetail& detail);
  double uniform();  // [0, 1) with 53 random bits
  std::size_t window() const;
  void push_history(std::int32_t token);

  SamplerSettings settings_;
  std::uint64_t seed_ = 0;
  std::mt19937_64 rng_;

  // Penalty window: a ring of the last window() accepted tokens (a plain list when unbounded).
  std::vector<std::int32_t> ring_;
  std::size_t ring_head_ = 0;  // next slot to overwrite once the ring is full

  // Per-call scratch, reused.
  std::vector<float> penalized_;
  std::vector<std::int32_t> counts_scratch_;
  std::vector<float> values_scratch_;
  std::vector<Candidate> cands_;
  std::size_t final_ = 0;      // cands_[0, final_) survive the chain
  bool cands_sorted_ = false;  // cands_ in descending logit order, else in ascending id order
  std::vector<TokenProb> probs_;
  std::vector<double> bucket_mass_;
  std::vector<Candidate> bucket_scratch_;
};

}  // namespace vkchat::sampler
