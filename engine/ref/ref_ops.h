// CPU reference ops: the truth every GPU kernel is compared to. Plain loops over float spans;
// every reduction (dot products, sums of squares, softmax sums) accumulates in double, and
// weights of any supported GGUF type are dequantized exactly (quant/dequantize.h) before use.
// Sizes are checked and a mismatch throws std::invalid_argument naming the op.
#pragma once
#include <cstdint>
#include <span>

#include "model/rope.h"
#include "quant/dequantize.h"

namespace vkchat::ref {

using quant::MatrixView;

// y[r] = sum_c W[r][c] * x[c]: x has w.cols elements, y has w.rows.
void matvec(const MatrixView& w, std::span<const float> x, std::span<float> y);

// Y = X W^T for n_tok tokens: x is n_tok rows of w.cols, y is n_tok rows of w.rows (row-major).
void matmul(const MatrixView& w, std::span<const float> x, std::span<float> y, std::int64_t n_tok);

// out = x / sqrt(mean(x^2) + eps) * weight (llama's RMSNorm; out may alias x).
void rmsnorm(std::span<const float> x, std::span<const float> weight, float eps,
             std::span<float> out);

// RMSNorm of each of n_heads consecutive head_dim-long slices of x, in place, each times the
// same head_dim weight (qwen3's q_norm / k_norm).
void head_rmsnorm(std::span<float> x, int n_heads, std::span<const float> weight, float eps);

// out = a + b, element-wise (out may alias a or b).
void add(std::span<const float> a, std::span<const float> b, std::span<float> out);

// x += bias (bias add of qwen2's Q/K/V projections).
void add_bias(std::span<float> x, std::span<const float> bias);

// out = x * factor, each product in float (granite's multipliers; out may alias x).
void scale(std::span<const float> x, float factor, std::span<float> out);

using model::RopeAngles;
using model::RopeParams;
using model::RopeType;

// Rotates each of n_heads head_dim-long slices of x in place for position pos: pair i turns by
// pos * freq_scale * freq_base^(-2i / n_rot) / freq_factors[i], its cos and sin from
// model::rope_cos_sin (float values, evaluated as `angles` says). freq_factors is empty or holds
// n_rot / 2 divisors (llama 3's rope_freqs tensor).
void rope(std::span<float> x, int n_heads, int head_dim, std::int64_t pos, const RopeParams& p,
          std::span<const float> freq_factors = {}, RopeAngles angles = RopeAngles::Exact);

// What a layer adds to plain causal attention: a sliding window (keys before first_key are
// masked: model::window_first_key) and soft-capping of the scores (gemma2: each scaled score s
// becomes softcap * tanh(s / softcap); 0: none).
struct AttentionOptions {
  std::int64_t first_key = 0;
  float softcap = 0.f;
  // gpt-oss: one logit per query head that joins the softmax's denominator with no value
  // (exp(sink - max) is added to the sum); empty: none.
  std::span<const float> sinks;
};

// Scaled dot-product attention of one query over cached positions first_key..n_kv-1 (the causal
// mask is the caller's choice of n_kv). q: n_head * head_dim; k_cache, v_cache: at least n_kv rows
// of n_head_kv * head_dim; query head h reads kv head h / (n_head / n_head_kv). out: n_head *
// head_dim. scale is usually 1 / sqrt(head_dim).
void attention(std::span<const float> q, std::span<const float> k_cache,
               std::span<const float> v_cache, std::int64_t n_kv, int n_head, int n_head_kv,
               int head_dim, float scale, std::span<float> out, const AttentionOptions& opt = {});

// attention() as ggml's CPU flash attention computes it for a query that walks its cache rows
// one by one (ggml_compute_forward_flash_attn_ext_f16_one_chunk, f16 caches: llama.cpp's decode
// and every batch under 64 tokens): the query rounded to fp16, each score in float, and an online
// softmax whose running output stays in fp16: rescaled (one rounding) when a row brings a new
// maximum, then v * exp(score - max) added with one fused rounding per row, and divided by the
// float sum at the end. The caches must hold fp16 values. A soft-cap is applied as ggml's does:
// scale / softcap multiplies the score, then softcap * tanhf.
void attention_llama_cpp(std::span<const float> q, std::span<const float> k_cache,
                         std::span<const float> v_cache, std::int64_t n_kv, int n_head,
                         int n_head_kv, int head_dim, float scale, std::span<float> out,
                         const AttentionOptions& opt = {});

// In place: x = exp(x - max) / sum.
void softmax(std::span<float> x);

float silu(float x);

// The scalar functions in double, for references that round once at the end: x * sigmoid(x)
// (silu() is this rounded to float), 1 / (1 + e^-x), and log(1 + e^x) as ggml computes it (x
// itself above 20, where the two agree in float).
double silu_exact(double x);
double sigmoid(double x);
double softplus(double x);

// sum a[i] * b[i], accumulated in double; throws std::invalid_argument when the sizes differ.
double dot(std::span<const float> a, std::span<const float> b);

// out = silu(gate) * up (out may alias either).
void swiglu(std::span<const float> gate, std::span<const float> up, std::span<float> out);
// gpt-oss's clamped variant (ggml_swiglu_oai), in double: g = min(gate, limit), u = clamp(up,
// -limit, limit), out = g / (1 + exp(-alpha g)) * (u + 1).
inline constexpr float kSwigluOaiAlpha = 1.702f, kSwigluOaiLimit = 7.0f;
void swiglu_oai(std::span<const float> gate, std::span<const float> up, std::span<float> out);

// GELU, tanh approximation: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), in double.
float gelu_tanh(float x);

// out = gelu_tanh(gate) * up (out may alias either): Gemma's gated feed-forward.
void geglu(std::span<const float> gate, std::span<const float> up, std::span<float> out);

// geglu() as ggml's CPU backend computes it (GGML_GELU_FP16): gelu of the gate rounded to fp16,
// looked up in a table of fp16 results (0 at or below -10, the gate itself at or above 10), times
// up in float.
void geglu_llama_cpp(std::span<const float> gate, std::span<const float> up, std::span<float> out);

// In place: x = cap * tanh(x / cap), as ggml's scale, tanh, scale (gemma2's final logits).
void softcap(std::span<float> x, float cap);

// Index of the largest element (the first of equals); -1 for an empty span.
std::int64_t argmax(std::span<const float> x);

// out = row `token` of the embedding table, dequantized; throws std::out_of_range for a token
// outside the table.
void embedding_row(const MatrixView& table, std::int64_t token, std::span<float> out);

}  // namespace vkchat::ref
