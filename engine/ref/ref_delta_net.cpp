#include "ref/ref_delta_net.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "ref/ref_ops.h"

namespace vkchat::ref {
namespace {

void require(bool ok, const char* op, const char* what) {
  if (!ok) throw std::invalid_argument(std::string(op) + ": " + what);
}

void check_shape(const DeltaShape& sh, const char* op) {
  require(sh.head_dim > 0 && sh.n_k_heads > 0 && sh.n_v_heads > 0, op, "empty shape");
  require(sh.n_v_heads % sh.n_k_heads == 0, op, "value heads not a multiple of key heads");
}

}  // namespace

void conv_step(std::span<float> window, std::span<const float> x, std::span<const float> weight,
               std::int64_t d_conv, std::span<float> out) {
  const auto channels = static_cast<std::int64_t>(x.size());
  require(d_conv >= 1, "conv_step", "d_conv < 1");
  require(static_cast<std::int64_t>(window.size()) == (d_conv - 1) * channels, "conv_step",
          "window is not (d_conv - 1) x channels");
  require(static_cast<std::int64_t>(weight.size()) == d_conv * channels, "conv_step",
          "weight is not channels x d_conv");
  require(out.size() == x.size(), "conv_step", "out size differs from x");
  std::vector<float> y(x.size());
  for (std::int64_t c = 0; c < channels; ++c) {
    double acc = 0.0;
    for (std::int64_t t = 0; t < d_conv; ++t) {
      const float in = t + 1 < d_conv ? window[t * channels + c] : x[c];
      acc += static_cast<double>(weight[c * d_conv + t]) * in;
    }
    y[c] = static_cast<float>(silu_exact(acc));
  }
  // Roll the window: drop the oldest input, append x.
  if (d_conv > 1) {
    std::copy(window.begin() + channels, window.end(), window.begin());
    std::copy(x.begin(), x.end(), window.end() - channels);
  }
  std::copy(y.begin(), y.end(), out.begin());
}

void delta_gates(std::span<const float> alpha, std::span<const float> beta_raw,
                 std::span<const float> dt_bias, std::span<const float> a, std::span<float> g,
                 std::span<float> beta) {
  const std::size_t n = alpha.size();
  require(beta_raw.size() == n && dt_bias.size() == n && a.size() == n && g.size() == n &&
              beta.size() == n,
          "delta_gates", "sizes differ");
  for (std::size_t h = 0; h < n; ++h) {
    g[h] = static_cast<float>(softplus(static_cast<double>(alpha[h]) + dt_bias[h]) * a[h]);
    beta[h] = static_cast<float>(sigmoid(beta_raw[h]));
  }
}

void head_l2norm(std::span<float> x, std::int64_t head_dim, float eps) {
  require(head_dim > 0 && x.size() % static_cast<std::size_t>(head_dim) == 0, "head_l2norm",
          "size not a multiple of head_dim");
  for (std::size_t at = 0; at < x.size(); at += static_cast<std::size_t>(head_dim)) {
    const auto head = x.subspan(at, static_cast<std::size_t>(head_dim));
    const double ss = dot(head, head);
    const double scale = 1.0 / std::max(std::sqrt(ss), static_cast<double>(eps));
    for (std::int64_t i = 0; i < head_dim; ++i) {
      x[at + i] = static_cast<float>(x[at + i] * scale);
    }
  }
}

void delta_step(const DeltaShape& sh, std::span<float> state, std::span<const float> q,
                std::span<const float> k, std::span<const float> v, std::span<const float> g,
                std::span<const float> beta, std::span<float> o) {
  delta_chunked(sh, state, q, k, v, g, beta, 1, 1, o);
}

void delta_chunked(const DeltaShape& sh, std::span<float> state, std::span<const float> q,
                   std::span<const float> k, std::span<const float> v, std::span<const float> g,
                   std::span<const float> beta, std::int64_t n_tok, std::int64_t chunk,
                   std::span<float> o) {
  const char* op = "delta_chunked";
  check_shape(sh, op);
  require(n_tok >= 0 && chunk >= 1, op, "bad token count or chunk size");
  const std::int64_t d = sh.head_dim, hk = sh.n_k_heads, hv = sh.n_v_heads;
  const auto nt = static_cast<std::size_t>(n_tok);
  require(static_cast<std::int64_t>(state.size()) == sh.state_floats(), op, "state size");
  require(q.size() == nt * hk * d && k.size() == q.size(), op, "q/k size");
  require(v.size() == nt * hv * d && o.size() == v.size(), op, "v/o size");
  require(g.size() == nt * hv && beta.size() == g.size(), op, "g/beta size");
  const double scale = 1.0 / std::sqrt(static_cast<double>(d));

  // One head's vectors of token t.
  auto kv = [&](std::span<const float> x, std::int64_t heads, std::int64_t t, std::int64_t h) {
    return x.subspan(static_cast<std::size_t>((t * heads + h) * d), static_cast<std::size_t>(d));
  };

  std::vector<double> s0(static_cast<std::size_t>(d * d));
  for (std::int64_t h = 0; h < hv; ++h) {
    const std::int64_t hk_of = h % hk;
    float* st = state.data() + h * d * d;
    for (std::int64_t c0 = 0; c0 < n_tok; c0 += chunk) {
      const std::int64_t n = std::min(chunk, n_tok - c0);
      std::copy(st, st + d * d, s0.begin());
      // Cumulative log decay within the chunk: G_t = exp(lg[t]).
      std::vector<double> lg(static_cast<std::size_t>(n));
      double acc = 0.0;
      for (std::int64_t t = 0; t < n; ++t) lg[t] = acc += g[(c0 + t) * hv + h];
      // u_t, solved by forward substitution of the unit lower-triangular system.
      std::vector<double> u(static_cast<std::size_t>(n * d));
      for (std::int64_t t = 0; t < n; ++t) {
        const auto kt = kv(k, hk, c0 + t, hk_of);
        const auto vt = kv(v, hv, c0 + t, h);
        const double bt = beta[(c0 + t) * hv + h];
        const double gt = std::exp(lg[t]);
        std::vector<double> coef(static_cast<std::size_t>(t));
        for (std::int64_t s = 0; s < t; ++s) {
          coef[s] = std::exp(lg[t] - lg[s]) * dot(kv(k, hk, c0 + s, hk_of), kt);
        }
        for (std::int64_t j = 0; j < d; ++j) {
          double s0k = 0.0;
          for (std::int64_t i = 0; i < d; ++i) s0k += s0[j * d + i] * kt[i];
          double r = vt[j] - gt * s0k;
          for (std::int64_t s = 0; s < t; ++s) r -= coef[s] * u[s * d + j];
          u[t * d + j] = bt * r;
        }
      }
      // Outputs from the chunk's initial state and the updates up to and including t.
      for (std::int64_t t = 0; t < n; ++t) {
        const auto qt = kv(q, hk, c0 + t, hk_of);
        const double gt = std::exp(lg[t]);
        std::vector<double> coef(static_cast<std::size_t>(t + 1));
        for (std::int64_t s = 0; s <= t; ++s) {
          coef[s] = std::exp(lg[t] - lg[s]) * dot(kv(k, hk, c0 + s, hk_of), qt);
        }
        float* ot = o.data() + ((c0 + t) * hv + h) * d;
        for (std::int64_t j = 0; j < d; ++j) {
          double s0q = 0.0;
          for (std::int64_t i = 0; i < d; ++i) s0q += s0[j * d + i] * qt[i];
          double r = gt * s0q;
          for (std::int64_t s = 0; s <= t; ++s) r += coef[s] * u[s * d + j];
          ot[j] = static_cast<float>(r * scale);
        }
      }
      // The state at the end of the chunk.
      const double gc = std::exp(lg[n - 1]);
      for (std::int64_t j = 0; j < d; ++j) {
        for (std::int64_t i = 0; i < d; ++i) {
          double r = gc * s0[j * d + i];
          for (std::int64_t s = 0; s < n; ++s) {
            r += std::exp(lg[n - 1] - lg[s]) * u[s * d + j] * kv(k, hk, c0 + s, hk_of)[i];
          }
          st[j * d + i] = static_cast<float>(r);
        }
      }
    }
  }
}

void gated_head_rmsnorm(std::span<const float> o, std::span<const float> z,
                        std::span<const float> weight, std::int64_t head_dim, float eps,
                        std::span<float> out) {
  const char* op = "gated_head_rmsnorm";
  require(head_dim > 0 && o.size() % static_cast<std::size_t>(head_dim) == 0, op,
          "size not a multiple of head_dim");
  require(z.size() == o.size() && out.size() == o.size(), op, "z/out size differs from o");
  require(static_cast<std::int64_t>(weight.size()) == head_dim, op, "weight is not head_dim");
  for (std::size_t at = 0; at < o.size(); at += static_cast<std::size_t>(head_dim)) {
    const auto head = o.subspan(at, static_cast<std::size_t>(head_dim));
    const double ss = dot(head, head);
    const double inv = 1.0 / std::sqrt(ss / static_cast<double>(head_dim) + eps);
    for (std::int64_t i = 0; i < head_dim; ++i) {
      out[at + i] = static_cast<float>(o[at + i] * inv * weight[i] * silu_exact(z[at + i]));
    }
  }
}

}  // namespace vkchat::ref
