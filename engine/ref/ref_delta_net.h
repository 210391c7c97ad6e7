// CPU reference of Qwen 3.5's gated delta net (linear attention), piece by piece: the causal
// convolution over a rolling window of inputs, the gates, the per-head recurrent state update
// (token by token and in chunkwise form), and the gated output norm. Every sum accumulates in
// double. Layouts follow llama.cpp (src/models/qwen35.cpp, delta-net-base.cpp, ggml's
// gated_delta_net), so that states written by one can be read by the other:
// - a head's state is head_dim x head_dim floats, row j (value index) of head_dim columns
//   (key index): S[j * head_dim + i];
// - with fewer key heads than value heads, value head h reads key head h % n_k_heads (tiled,
//   as ggml_repeat_4d repeats them, not interleaved).
// Sizes are checked; a mismatch throws std::invalid_argument naming the op.
#pragma once
#include <cstdint>
#include <span>

namespace vkchat::ref {

// Causal depthwise convolution of one token: window holds the previous d_conv - 1 inputs, oldest
// first (channels floats each); out[c] = silu(sum_k w[c][k] * x_{t - d_conv + 1 + k}[c]) with x_t
// = x. weight is channels rows of d_conv taps (ssm_conv1d's layout). The window then drops its
// oldest input and appends x, as the decode step keeps it.
void conv_step(std::span<float> window, std::span<const float> x, std::span<const float> weight,
               std::int64_t d_conv, std::span<float> out);

// The per-head gates of one token: beta = sigmoid(beta_raw), g = softplus(alpha + dt_bias) * a,
// where a is the file's ssm_a (already -exp(A_log)); g is the log of the state's decay.
void delta_gates(std::span<const float> alpha, std::span<const float> beta_raw,
                 std::span<const float> dt_bias, std::span<const float> a, std::span<float> g,
                 std::span<float> beta);

// L2 normalisation of each head_dim-long slice of x in place: x / max(||x||, eps) as ggml_l2_norm
// (q and k before the delta rule).
void head_l2norm(std::span<float> x, std::int64_t head_dim, float eps);

// Shapes of one gated-delta-net layer's recurrence.
struct DeltaShape {
  std::int64_t head_dim = 0;   // ssm.state_size: both key and value head size
  std::int64_t n_k_heads = 0;  // ssm.group_count
  std::int64_t n_v_heads = 0;  // ssm.time_step_rank
  std::int64_t state_floats() const { return n_v_heads * head_dim * head_dim; }
};

// One token of the delta rule for every value head, state updated in place:
//   S <- exp(g) S;  S <- S + beta (v - S k) k^T;  o = S q / sqrt(head_dim).
// q, k: n_k_heads * head_dim (already L2-normed); v, o: n_v_heads * head_dim; g, beta: n_v_heads.
void delta_step(const DeltaShape& sh, std::span<float> state, std::span<const float> q,
                std::span<const float> k, std::span<const float> v, std::span<const float> g,
                std::span<const float> beta, std::span<float> o);

// n_tok tokens at once (rows of the sizes above, token-major) in chunks of `chunk` tokens, in the
// chunkwise (WY) form: within a chunk, with G_t the cumulative decay, the updates u_t solve the
// unit lower-triangular system u_t + beta_t sum_{s<t} (G_t/G_s)(k_s.k_t) u_s
// = beta_t (v_t - G_t S0 k_t); outputs are G_t S0 q_t + sum_{s<=t} (G_t/G_s)(k_s.q_t) u_s and the
// state becomes G_C S0 + sum_s (G_C/G_s) u_s k_s^T. Equal to n_tok delta_step calls up to
// rounding; the state is updated in place.
void delta_chunked(const DeltaShape& sh, std::span<float> state, std::span<const float> q,
                   std::span<const float> k, std::span<const float> v, std::span<const float> g,
                   std::span<const float> beta, std::int64_t n_tok, std::int64_t chunk,
                   std::span<float> o);

// Gated output norm of each head: out = rmsnorm(o_h) * weight * silu(z_h), per head_dim slice
// (weight has head_dim elements, shared by the heads). out may alias o.
void gated_head_rmsnorm(std::span<const float> o, std::span<const float> z,
                        std::span<const float> weight, std::int64_t head_dim, float eps,
                        std::span<float> out);

}  // namespace vkchat::ref
