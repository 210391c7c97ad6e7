#include "ref/ref_moe.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <string>

#include "gguf/gguf_reader.h"

namespace vkchat::ref {

namespace {

// The k experts of highest logit, best first (softmax keeps the order, so qwen3moe's sort of
// probabilities picks the same ones).
std::vector<std::int32_t> top_k(std::span<const float> logits, std::int64_t k, const char* op) {
  const auto n = static_cast<std::int64_t>(logits.size());
  if (k <= 0 || k > n) {
    throw std::invalid_argument(std::string(op) + ": k " + std::to_string(k) + " of " +
                                std::to_string(n) + " experts");
  }
  std::vector<std::int32_t> order(logits.size());
  std::iota(order.begin(), order.end(), 0);
  // llama.cpp picks the experts with ggml_argsort_top_k, whose CPU kernel is std::sort over the
  // ids with "greater score" as the comparator (ggml-cpu ops.cpp, cmp_argsort): not stable, so
  // equal scores come out in the order libstdc++'s introsort leaves them. The same call here
  // gives the same order; the device's routing kernel (shaders/moe_route.comp) replays that
  // algorithm step by step. Up to 16 experts it is an insertion sort: the lower id first.
  std::sort(order.begin(), order.end(),
            [&](std::int32_t a, std::int32_t b) { return logits[a] > logits[b]; });
  order.resize(static_cast<std::size_t>(k));
  return order;
}

}  // namespace

Route route_softmax_top_k(std::span<const float> logits, std::int64_t k, bool normalize) {
  Route r;
  r.ids = top_k(logits, k, "route_softmax_top_k");
  const float max = *std::max_element(logits.begin(), logits.end());
  std::vector<double> p(logits.size());
  double sum = 0;
  for (std::size_t i = 0; i < p.size(); ++i) sum += p[i] = std::exp(double{logits[i]} - max);
  for (double& v : p) v /= sum;
  double chosen = 0;
  for (std::int32_t id : r.ids) chosen += p[id];
  const double div = normalize ? std::max(chosen, 6.103515625e-5) : 1.0;
  for (std::int32_t id : r.ids) r.weights.push_back(static_cast<float>(p[id] / div));
  return r;
}

Route route_top_k_softmax(std::span<const float> logits, std::int64_t k) {
  Route r;
  r.ids = top_k(logits, k, "route_top_k_softmax");
  const double max = logits[r.ids[0]];
  double sum = 0;
  std::vector<double> e;
  for (std::int32_t id : r.ids) sum += e.emplace_back(std::exp(double{logits[id]} - max));
  for (double v : e) r.weights.push_back(static_cast<float>(v / sum));
  return r;
}

quant::MatrixView expert_matrix(const gguf::TensorInfo& t, std::int64_t e) {
  const auto cols = static_cast<std::int64_t>(t.ne[0]);
  const auto rows = static_cast<std::int64_t>(t.ne[1]);
  const auto n_expert = static_cast<std::int64_t>(t.ne[2]);
  if (e < 0 || e >= n_expert) {
    throw std::out_of_range("expert " + std::to_string(e) + " of " + std::to_string(n_expert) +
                            " in " + std::string(t.name));
  }
  const std::uint64_t bytes = quant::row_bytes(t.type, cols) * static_cast<std::uint64_t>(rows);
  return quant::MatrixView::of(t.type, cols, rows, t.data.subspan(e * bytes, bytes));
}

}  // namespace vkchat::ref
