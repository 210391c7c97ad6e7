// The reference ops: clarity over speed, double accumulation everywhere a sum is formed.
#include "ref/ref_ops.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "quant/half.h"

namespace vkchat::ref {

namespace {

void require(bool ok, const char* op, const std::string& what) {
  if (!ok) throw std::invalid_argument(std::string(op) + ": " + what);
}

std::string sizes(std::size_t got, std::size_t want) {
  return std::to_string(got) + " elements where " + std::to_string(want) + " are needed";
}

double dot(const float* a, const float* b, std::int64_t n) {
  double s = 0;
  for (std::int64_t i = 0; i < n; ++i) s += static_cast<double>(a[i]) * static_cast<double>(b[i]);
  return s;
}

void rmsnorm_slice(float* x, const float* w, std::int64_t n, float eps, float* out) {
  const double mean = dot(x, x, n) / static_cast<double>(n);
  const double inv = 1.0 / std::sqrt(mean + static_cast<double>(eps));
  for (std::int64_t i = 0; i < n; ++i) out[i] = static_cast<float>(x[i] * inv * w[i]);
}

}  // namespace

void matmul(const MatrixView& w, std::span<const float> x, std::span<float> y, std::int64_t n_tok) {
  const auto n_in = static_cast<std::size_t>(w.cols * n_tok);
  const auto n_out = static_cast<std::size_t>(w.rows * n_tok);
  require(x.size() == n_in, "matmul input", sizes(x.size(), n_in));
  require(y.size() == n_out, "matmul output", sizes(y.size(), n_out));
  std::vector<float> row(static_cast<std::size_t>(w.cols));
  for (std::int64_t r = 0; r < w.rows; ++r) {
    w.dequantize_row(r, row.data());
    for (std::int64_t t = 0; t < n_tok; ++t) {
      y[t * w.rows + r] = static_cast<float>(dot(row.data(), x.data() + t * w.cols, w.cols));
    }
  }
}

void matvec(const MatrixView& w, std::span<const float> x, std::span<float> y) {
  matmul(w, x, y, 1);
}

void rmsnorm(std::span<const float> x, std::span<const float> weight, float eps,
             std::span<float> out) {
  require(weight.size() == x.size(), "rmsnorm weight", sizes(weight.size(), x.size()));
  require(out.size() == x.size(), "rmsnorm output", sizes(out.size(), x.size()));
  // A copy, so that out may alias x.
  std::vector<float> in(x.begin(), x.end());
  rmsnorm_slice(in.data(), weight.data(), static_cast<std::int64_t>(in.size()), eps, out.data());
}

void head_rmsnorm(std::span<float> x, int n_heads, std::span<const float> weight, float eps) {
  const std::size_t hd = weight.size();
  require(x.size() == hd * static_cast<std::size_t>(n_heads), "head_rmsnorm",
          sizes(x.size(), hd * static_cast<std::size_t>(n_heads)));
  for (int h = 0; h < n_heads; ++h) {
    float* head = x.data() + h * hd;
    std::vector<float> in(head, head + hd);
    rmsnorm_slice(in.data(), weight.data(), static_cast<std::int64_t>(hd), eps, head);
  }
}

void add(std::span<const float> a, std::span<const float> b, std::span<float> out) {
  require(b.size() == a.size(), "add", sizes(b.size(), a.size()));
  require(out.size() == a.size(), "add output", sizes(out.size(), a.size()));
  for (std::size_t i = 0; i < a.size(); ++i) out[i] = a[i] + b[i];
}

void add_bias(std::span<float> x, std::span<const float> bias) {
  add(x, bias, x);
}

void scale(std::span<const float> x, float factor, std::span<float> out) {
  require(out.size() == x.size(), "scale", sizes(out.size(), x.size()));
  for (std::size_t i = 0; i < x.size(); ++i) out[i] = x[i] * factor;
}

void rope(std::span<float> x, int n_heads, int head_dim, std::int64_t pos, const RopeParams& p,
          std::span<const float> freq_factors, RopeAngles angles) {
  require(x.size() == static_cast<std::size_t>(n_heads) * static_cast<std::size_t>(head_dim),
          "rope", sizes(x.size(), static_cast<std::size_t>(n_heads * head_dim)));
  require(p.n_rot > 0 && p.n_rot % 2 == 0 && p.n_rot <= head_dim, "rope",
          "n_rot " + std::to_string(p.n_rot) + " must be even and in 2..head_dim " +
              std::to_string(head_dim));
  const int half = p.n_rot / 2;
  require(freq_factors.empty() || freq_factors.size() == static_cast<std::size_t>(half),
          "rope freq_factors", sizes(freq_factors.size(), static_cast<std::size_t>(half)));
  std::vector<float> cs(static_cast<std::size_t>(p.n_rot));
  model::rope_cos_sin(p, pos, freq_factors, angles, cs);
  for (int h = 0; h < n_heads; ++h) {
    float* v = x.data() + static_cast<std::size_t>(h) * head_dim;
    for (int i = 0; i < half; ++i) {
      const double c = cs[2 * i], s = cs[2 * i + 1];
      // Normal pairs neighbours; NeoX pairs element i with its partner half a rotation away.
      const int i0 = p.type == RopeType::Normal ? 2 * i : i;
      const int i1 = p.type == RopeType::Normal ? 2 * i + 1 : i + half;
      const double x0 = v[i0], x1 = v[i1];
      v[i0] = static_cast<float>(x0 * c - x1 * s);
      v[i1] = static_cast<float>(x0 * s + x1 * c);
    }
  }
}

namespace {

// The shapes both attention references check; returns the length of one cache row.
std::size_t check_attention(std::span<const float> q, std::span<const float> k_cache,
                            std::span<const float> v_cache, std::int64_t n_kv, int n_head,
                            int n_head_kv, int head_dim, std::span<float> out) {
  require(n_head > 0 && n_head_kv > 0 && n_head % n_head_kv == 0, "attention",
          "n_head " + std::to_string(n_head) + " is not a multiple of n_head_kv " +
              std::to_string(n_head_kv));
  const auto q_len = static_cast<std::size_t>(n_head) * head_dim;
  const auto kv_row = static_cast<std::size_t>(n_head_kv) * head_dim;
  require(q.size() == q_len, "attention query", sizes(q.size(), q_len));
  require(out.size() == q_len, "attention output", sizes(out.size(), q_len));
  require(n_kv > 0 && k_cache.size() >= n_kv * kv_row && v_cache.size() >= n_kv * kv_row,
          "attention cache", "fewer than n_kv = " + std::to_string(n_kv) + " cached rows");
  return kv_row;
}

void check_first_key(const AttentionOptions& opt, std::int64_t n_kv) {
  require(opt.first_key >= 0 && opt.first_key < n_kv, "attention window",
          "first key " + std::to_string(opt.first_key) + " outside 0.." + std::to_string(n_kv - 1));
  require(std::isfinite(opt.softcap) && opt.softcap >= 0.f, "attention softcap",
          "must be finite and at least 0");
}

void check_sinks(const AttentionOptions& opt, int n_head) {
  require(opt.sinks.empty() || opt.sinks.size() == static_cast<std::size_t>(n_head),
          "attention sinks", sizes(opt.sinks.size(), static_cast<std::size_t>(n_head)));
}

}  // namespace

void attention(std::span<const float> q, std::span<const float> k_cache,
               std::span<const float> v_cache, std::int64_t n_kv, int n_head, int n_head_kv,
               int head_dim, float scale, std::span<float> out, const AttentionOptions& opt) {
  const std::size_t kv_row =
      check_attention(q, k_cache, v_cache, n_kv, n_head, n_head_kv, head_dim, out);
  check_first_key(opt, n_kv);
  check_sinks(opt, n_head);
  const int group = n_head / n_head_kv;
  const std::int64_t t0 = opt.first_key;
  std::vector<double> score(static_cast<std::size_t>(n_kv - t0));
  for (int h = 0; h < n_head; ++h) {
    const float* qh = q.data() + static_cast<std::size_t>(h) * head_dim;
    const std::size_t kv_off = static_cast<std::size_t>(h / group) * head_dim;
    double max = -INFINITY;
    for (std::int64_t t = t0; t < n_kv; ++t) {
      double sc = scale * dot(qh, k_cache.data() + t * kv_row + kv_off, head_dim);
      if (opt.softcap != 0.f) sc = opt.softcap * std::tanh(sc / opt.softcap);
      score[t - t0] = sc;
      max = std::max(max, sc);
    }
    // A sink takes part in the max and the sum only.
    const bool sink = !opt.sinks.empty();
    if (sink) max = std::max(max, double{opt.sinks[h]});
    double sum = sink ? std::exp(opt.sinks[h] - max) : 0;
    for (double& s : score) sum += (s = std::exp(s - max));
    for (int d = 0; d < head_dim; ++d) {
      double acc = 0;
      for (std::int64_t t = t0; t < n_kv; ++t)
        acc += score[t - t0] * v_cache[t * kv_row + kv_off + d];
      out[static_cast<std::size_t>(h) * head_dim + d] = static_cast<float>(acc / sum);
    }
  }
}

void attention_llama_cpp(std::span<const float> q, std::span<const float> k_cache,
                         std::span<const float> v_cache, std::int64_t n_kv, int n_head,
                         int n_head_kv, int head_dim, float scale, std::span<float> out,
                         const AttentionOptions& opt) {
  const std::size_t kv_row =
      check_attention(q, k_cache, v_cache, n_kv, n_head, n_head_kv, head_dim, out);
  check_first_key(opt, n_kv);
  check_sinks(opt, n_head);
  if (opt.softcap != 0.f) scale /= opt.softcap;
  const auto f16 = [](float v) { return quant::fp16_to_f32(quant::f32_to_fp16(v)); };
  const int group = n_head / n_head_kv;
  std::vector<float> qh(static_cast<std::size_t>(head_dim)), acc(qh.size());
  for (int h = 0; h < n_head; ++h) {
    for (int d = 0; d < head_dim; ++d) qh[d] = f16(q[static_cast<std::size_t>(h) * head_dim + d]);
    const std::size_t kv_off = static_cast<std::size_t>(h / group) * head_dim;
    std::fill(acc.begin(), acc.end(), 0.f);
    float max = -INFINITY, sum = 0.f;
    // Masked keys are skipped, as ggml skips a -inf mask entry.
    for (std::int64_t t = opt.first_key; t < n_kv; ++t) {
      // ggml sums the fp16 products in float lanes; the double sum rounds once, the difference
      // is a float rounding error.
      float s = static_cast<float>(dot(qh.data(), k_cache.data() + t * kv_row + kv_off, head_dim)) *
                scale;
      if (opt.softcap != 0.f) s = opt.softcap * std::tanh(s);
      float ms = 1.f, vs = 1.f;
      if (s > max) {
        ms = std::exp(max - s);
        max = s;
        for (float& a : acc) a = f16(a * ms);
      } else {
        vs = std::exp(s - max);
      }
      const float* v = v_cache.data() + t * kv_row + kv_off;
      for (int d = 0; d < head_dim; ++d) acc[d] = f16(std::fma(v[d], vs, acc[d]));
      sum = sum * ms + vs;
    }
    // ggml's flash attention folds the sink in after the keys, on the float accumulator.
    if (!opt.sinks.empty()) {
      const float s = opt.sinks[h];
      float ms = 1.f, vs = 1.f;
      if (s > max) {
        ms = std::exp(max - s);
        for (float& a : acc) a *= ms;
      } else {
        vs = std::exp(s - max);
      }
      sum = sum * ms + vs;
    }
    const float inv = 1.f / sum;
    for (int d = 0; d < head_dim; ++d)
      out[static_cast<std::size_t>(h) * head_dim + d] = acc[d] * inv;
  }
}

void softmax(std::span<float> x) {
  if (x.empty()) return;
  double max = x[0];
  for (float v : x) max = std::max(max, static_cast<double>(v));
  std::vector<double> e(x.size());
  double sum = 0;
  for (std::size_t i = 0; i < x.size(); ++i) sum += (e[i] = std::exp(x[i] - max));
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(e[i] / sum);
}

float silu(float x) {
  return static_cast<float>(silu_exact(x));
}

double silu_exact(double x) {
  return x / (1.0 + std::exp(-x));
}

double sigmoid(double x) {
  return 1.0 / (1.0 + std::exp(-x));
}

double softplus(double x) {
  return x > 20.0 ? x : std::log1p(std::exp(x));
}

double dot(std::span<const float> a, std::span<const float> b) {
  require(b.size() == a.size(), "dot", sizes(b.size(), a.size()));
  return dot(a.data(), b.data(), static_cast<std::int64_t>(a.size()));
}

void swiglu(std::span<const float> gate, std::span<const float> up, std::span<float> out) {
  require(up.size() == gate.size(), "swiglu", sizes(up.size(), gate.size()));
  require(out.size() == gate.size(), "swiglu output", sizes(out.size(), gate.size()));
  for (std::size_t i = 0; i < gate.size(); ++i) {
    const double g = gate[i];
    out[i] = static_cast<float>(g / (1.0 + std::exp(-g)) * up[i]);
  }
}

void swiglu_oai(std::span<const float> gate, std::span<const float> up, std::span<float> out) {
  require(up.size() == gate.size(), "swiglu_oai", sizes(up.size(), gate.size()));
  require(out.size() == gate.size(), "swiglu_oai output", sizes(out.size(), gate.size()));
  for (std::size_t i = 0; i < gate.size(); ++i) {
    const double g = std::min(gate[i], kSwigluOaiLimit);
    const double u = std::clamp(up[i], -kSwigluOaiLimit, kSwigluOaiLimit);
    out[i] = static_cast<float>(g / (1.0 + std::exp(-double{kSwigluOaiAlpha} * g)) * (u + 1.0));
  }
}

float gelu_tanh(float x) {
  const double v = x;
  constexpr double kSqrt2OverPi = 0.79788456080286535587989211986876;
  return static_cast<float>(0.5 * v *
                            (1.0 + std::tanh(kSqrt2OverPi * v * (1.0 + 0.044715 * v * v))));
}

void geglu(std::span<const float> gate, std::span<const float> up, std::span<float> out) {
  require(up.size() == gate.size(), "geglu", sizes(up.size(), gate.size()));
  require(out.size() == gate.size(), "geglu output", sizes(out.size(), gate.size()));
  for (std::size_t i = 0; i < gate.size(); ++i) {
    out[i] = static_cast<float>(static_cast<double>(gelu_tanh(gate[i])) * up[i]);
  }
}

void geglu_llama_cpp(std::span<const float> gate, std::span<const float> up, std::span<float> out) {
  require(up.size() == gate.size(), "geglu", sizes(up.size(), gate.size()));
  require(out.size() == gate.size(), "geglu output", sizes(out.size(), gate.size()));
  const auto f16 = [](float v) { return quant::fp16_to_f32(quant::f32_to_fp16(v)); };
  // ggml's table entry: ggml_gelu_f32 (float arithmetic, tanhf) of the fp16 input, in fp16.
  const auto gelu_f32 = [](float x) {
    return 0.5f * x *
           (1.0f + std::tanh(0.79788456080286535587989211986876f * x * (1.0f + 0.044715f * x * x)));
  };
  for (std::size_t i = 0; i < gate.size(); ++i) {
    const float g = gate[i];
    const float act = g <= -10.f ? 0.f : g >= 10.f ? g : f16(gelu_f32(f16(g)));
    out[i] = act * up[i];
  }
}

void softcap(std::span<float> x, float cap) {
  require(std::isfinite(cap) && cap > 0.f, "softcap", "cap must be finite and above 0");
  const float inv = 1.f / cap;
  for (float& v : x) v = std::tanh(v * inv) * cap;
}

std::int64_t argmax(std::span<const float> x) {
  std::int64_t best = -1;
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (best < 0 || x[i] > x[static_cast<std::size_t>(best)]) best = static_cast<std::int64_t>(i);
  }
  return best;
}

void embedding_row(const MatrixView& table, std::int64_t token, std::span<float> out) {
  if (token < 0 || token >= table.rows) {
    throw std::out_of_range("token " + std::to_string(token) + " outside the " +
                            std::to_string(table.rows) + "-row embedding table");
  }
  require(out.size() == static_cast<std::size_t>(table.cols), "embedding_row",
          sizes(out.size(), static_cast<std::size_t>(table.cols)));
  table.dequantize_row(token, out.data());
}

}  // namespace vkchat::ref
