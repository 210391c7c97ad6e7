// Recording the llama-family forward pass: named ops, each one kernel dispatch (or two), into
// one command buffer.
//
//   vk::Context ctx = vk::Context::create();
//   ops::Kernels kernels(ctx);               // pipelines, built once each on first use
//   vk::CommandBuffer cmd(ctx);
//   ops::Ops ops(kernels, cmd);
//   ops.rmsnorm(x, attn_norm, xn, eps);      // Tensor views: buffer + offset + type + shape
//   ops.linear(wq, xn, q);                   // any weight type; x and y f32
//   ...
//   cmd.submit_and_wait();
//
// Conventions
// - Activations are f32 and contiguous, one row per token: a [T x n] tensor has ne = {n, T}.
//   Weights are GGUF matrices (ne = {K, N}: N rows of K elements) of any type for which
//   kernel_supports() holds; the kernels read their blocks in place.
// - The KV caches are f16, one row per position of n_head_kv * head_dim values.
// - Every op ends with a full compute barrier, so the next op sees its results. Coarse on
//   purpose: the ops of a forward pass depend on each other in order; finer barriers come only
//   with measurements.
// - Ops that take positions (rope, kv_write, attention) read them from a small device buffer
//   the host writes before each submit (Positions, below), not from push constants: a decode
//   step's recording serves every position, so the session records it once and replays it.
// - Tensors may sit at any offset in buffers of any size: bindings cover the whole buffer (or
//   an aligned window of at most maxStorageBufferRange bytes) and offsets travel in push
//   constants. Weight offsets must be multiples of 4 bytes (GGUF aligns them to 32).
// - Shape mismatches throw std::invalid_argument naming the op.
// - Fused weights (phi3's attn_qkv, its gate|up ffn_up) are split by rows with
//   Tensor::row_range: three linear() calls write contiguous q, k, v, and linear_swiglu takes
//   the two halves of ffn_up. Activations have no strides.
#pragma once
#include <array>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string_view>
#include <vector>

#include "ops/kernels.h"
#include "ops/rope_table.h"
#include "ops/tensor.h"
#include "quant/act_rounding.h"
#include "vk/command.h"

namespace vkchat::ops {

struct AttentionShape {
  int n_head = 0;
  int n_head_kv = 0;  // n_head is a multiple of it (grouped-query attention)
  int head_dim = 0;   // even, at most 4 * KernelConfig::attn_wg
  float scale = 0;    // usually 1 / sqrt(head_dim)
  // Round as ggml's CPU flash attention does (ref::attention_llama_cpp): the query to fp16 and
  // the running output in fp16 after every cache row. Within each cache chunk of
  // KernelConfig::attn_chunk rows; chunks combine in float.
  bool llama_cpp_rounding = false;
  // With llama_cpp_rounding: multiply the query by `scale` before rounding it and take the
  // scores unscaled, as llama.cpp's phi3 and gemma graphs do (they scale Q ahead of attention).
  bool scale_query_first = false;
  // Sliding-window layers: a query at position p sees keys max(0, p - window + 1) .. p
  // (model::window_first_key); 0: every earlier key.
  std::int64_t window = 0;
  float softcap = 0;  // > 0: each score s becomes softcap * tanh(s / softcap) (gemma2)
};

// Where an op's token positions come from. The shaders read the pass's first position from
// `step` (I32 [1], host-visible: the host writes it before each submit); the op's token t sits at
// that position + offset + t. `end` bounds what the recording must serve: one past the last
// position any of the op's tokens may have. A prefill chunk is recorded for its own positions
// (end = its first + its tokens), a replayed decode step for every one up to the context size.
// Work that grows with the position (attention's chunks of keys) is sized for `end` (the
// partials' stride), and dispatched for `end` too unless `grids` holds its counts (StepGrids),
// which a replayed pass does: then only the chunks the position needs run.
class StepGrids;
struct Positions {
  Tensor step;
  std::int64_t offset = 0;
  std::int64_t end = 0;
  // With grids, attention's group counts are read from the step buffer too (indirect
  // dispatches), rewritten by the host with each position: only the chunks that hold keys run.
  StepGrids* grids = nullptr;
  // The tokens first .. first + count - 1 of a pass of n_tok tokens: offset by `first`, and an
  // end that many tokens earlier than the pass's (its last token is n_tok - first - count
  // before the pass's last).
  Positions rows(std::int64_t first, std::int64_t count, std::int64_t n_tok) const {
    return {step, offset + first, end - (n_tok - first - count), grids};
  }
};

// The group counts of a replayed pass's attention dispatches, kept in the host-visible step
// buffer beside the position: one grid per distinct shape (heads x chunks x tokens, window),
// its chunks those of the keys the pass's last query sees. Measured on lavapipe, a grid sized
// for the whole context with early exit cost stories260K 2.5x its decode speed at 4096
// positions (docs/PERFORMANCE.md, issue 17); these cost the host a few words per token.
class StepGrids {
 public:
  static constexpr int kMaxGrids = 16;
  // area: I32 [3 * kMaxGrids] in a mapped buffer.
  explicit StepGrids(const Tensor& area) : area_(area) {}
  // The 12 bytes an attention dispatch of x by (chunks of `chunk` keys) by z groups reads its
  // counts from, for a last query at the pass's first position + last - 1 with `window`.
  vk::BufferSlice slot(vk::Groups g, std::int64_t window, std::uint32_t chunk, std::int64_t last);
  // Writes every grid's counts for a pass whose first position is `first`.
  void write(std::int64_t first) const;

 private:
  struct Grid {
    vk::Groups g;
    std::int64_t window, last;
    std::uint32_t chunk;
  };
  Tensor area_;
  std::vector<Grid> grids_;
};

class Ops {
 public:
  Ops(Kernels& kernels, vk::CommandBuffer& cmd);

  // y = x W^T for T = x.rows() tokens: x [T x K], y [T x N]. Picks matvec for few tokens and
  // the tiled matmul for many (KernelConfig::matmul_min_tokens).
  void linear(const Tensor& w, const Tensor& x, const Tensor& y);
  // The two kernels behind linear(), callable directly: one pass over W per token, and
  // shared-memory tiles of 32 rows x 32 tokens.
  void matvec(const Tensor& w, const Tensor& x, const Tensor& y);
  void matmul(const Tensor& w, const Tensor& x, const Tensor& y);
  // y = silu(x W_gate^T) * (x W_up^T) in one pass over x (gate and up: same type and shape).
  // For many tokens (KernelConfig::matmul_min_tokens), two matmuls and a swiglu, which need
  // `tmp`: [T x N] f32 scratch (unused, may be empty, for fewer tokens).
  void linear_swiglu(const Tensor& gate, const Tensor& up, const Tensor& x, const Tensor& y,
                     const Tensor& tmp);

  // Mixture of experts (ops_moe.cpp). A token's k chosen experts are its k "slots": slot
  // s = t * k + j is token t's j-th expert, ids[s] (I32) which expert that is.
  //
  // logits [T x n_expert] -> ids I32 [T x k], weights f32 [T x k]: softmax, the k best experts in
  // llama.cpp's order (ref::route_softmax_top_k, ties included), their probabilities, divided by
  // their sum when `normalize`. k = ids.cols().
  void moe_route(const Tensor& logits, const Tensor& ids, const Tensor& weights, bool normalize);
  // Matrix x vector by id: w holds n_expert stacked [K x N] matrices (ne = {K, N, n_expert});
  // y [S x N] row s = x_s W[ids[s]]^T for the S = ids.elements() slots, reading only the chosen
  // experts' rows. x has S rows (one input per slot) or S / k rows (each shared by its token's k
  // slots, k = S / x.rows()). Prefill uses it too: one pass over an expert per slot.
  void matvec_id(const Tensor& w, const Tensor& ids, const Tensor& x, const Tensor& y);
  // y = silu(x W_gate[id]^T) * (x W_up[id]^T) per slot, as matvec_id (gate and up alike).
  void matvec_id_swiglu(const Tensor& gate, const Tensor& up, const Tensor& ids, const Tensor& x,
                        const Tensor& y);
  // out [T x n] row t = sum_j weights[t][j] * y[t * k + j] (y [T * k x n], weights [T x k]).
  void moe_combine(const Tensor& y, const Tensor& weights, const Tensor& out);
  // x [T x n] += sigmoid(gate[t]) * y[t] (y [T x n], gate [T x 1]): a gated shared expert
  // joining the mixture's output (qwen35moe).
  void moe_shared_add(const Tensor& x, const Tensor& y, const Tensor& gate);

  // out = row ids[t] of the table for each token t, dequantized bit-exactly: ids I32 [T],
  // out [T x K]. Rows for ids outside the table are left unwritten.
  void embedding(const Tensor& table, const Tensor& ids, const Tensor& out);
  // A table of r rows per id (gemma4's per-layer token embeddings, viewed as r = n_layer rows of
  // P per token): out [r * T x K], its row z * T + t = table row ids[t] * r + z. z-major, so the
  // rows of each z are one contiguous [T x K] tensor.
  void embedding(const Tensor& table, const Tensor& ids, std::int64_t rows_per_id,
                 const Tensor& out);

  // Each row: out = x / sqrt(mean(x^2) + eps) * w (out may be x).
  void rmsnorm(const Tensor& x, const Tensor& w, const Tensor& out, float eps);
  // sum = a + b (the new residual stream), out = rmsnorm(sum) * w, in one pass.
  void add_rmsnorm(const Tensor& a, const Tensor& b, const Tensor& sum, const Tensor& w,
                   const Tensor& out, float eps);
  // RMSNorm of each head_dim slice of x in place, times w (head_dim values): qwen3's q/k norm.
  void head_rmsnorm(const Tensor& x, int n_heads, const Tensor& w, float eps);

  // RoPE in place on x [T x n_heads * head_dim], token t at position pos0 + t (pos0: `pos`'s
  // first, read on the device; pos.end <= the table's positions).
  void rope(const Tensor& x, int n_heads, int head_dim, const Positions& pos,
            const RopeTable& table);

  // The f16 caches' rows of positions pos0 .. pos0 + T - 1 = k and v [T x n_head_kv *
  // head_dim]. Position p is row p % rows (a sliding-window ring wraps; T <= rows).
  void kv_write(const Tensor& k, const Tensor& v, const Tensor& k_cache, const Tensor& v_cache,
                const Positions& pos);

  // Causal attention of q [T x n_head * head_dim] (token t at position pos0 + t, seeing the
  // keys of positions 0 .. pos0 + t, or its window of them) into out (same shape). Position p
  // is cache row p % rows: a ring must hold every key from the first query's first to the last
  // query's own. Long contexts are split over workgroups (as many as pos.end needs) and
  // combined by a second pass, which needs `scratch`: an f32 tensor of at least
  // attention_scratch_floats() elements (below).
  void attention(const Tensor& q, const Tensor& k_cache, const Tensor& v_cache, const Tensor& out,
                 const AttentionShape& shape, const Positions& pos, const Tensor& scratch);

  void add(const Tensor& a, const Tensor& b, const Tensor& out);         // out = a + b
  void add_bias(const Tensor& x, const Tensor& bias);                    // each row of x += bias
  void swiglu(const Tensor& gate, const Tensor& up, const Tensor& out);  // silu(gate) * up
  // out = gelu_tanh(gate) * up (Gemma's feed-forward); llama_cpp: as ref::geglu_llama_cpp.
  void geglu(const Tensor& gate, const Tensor& up, const Tensor& out, bool llama_cpp);
  // In place: x = a * x (Gemma's embedding scale).
  void scale(const Tensor& x, float a);
  // In place: x = cap * tanh(x / cap) (Gemma 2's final logit soft-cap; cap > 0).
  void softcap(const Tensor& x, float cap);
  // out (I32, one per row of x) = index of the row's largest value, the first of equals.
  void argmax(const Tensor& x, const Tensor& out);
  // x one row: out (I32, at least topk_words(k) words) = its k (1..kTopkMax) largest values'
  // indices (descending, ties to the lower index; 0xFFFFFFFF past the last finite one), their
  // values, the maximum and sum(exp(x - max)) (shaders/topk.comp). NaN and -inf never count.
  void topk(const Tensor& x, const Tensor& out, std::uint32_t k);
  // dst = src, as raw bytes (sizes multiple of 16 bytes, offsets of 16).
  void copy(const Tensor& src, const Tensor& dst);

  // out = x rounded row by row to `grid` (quant/act_rounding.h: how llama.cpp's CPU backend
  // converts a matrix product's input), bit for bit as quant::round_to_grid; out has x's shape
  // and may be x. Rows must be whole blocks of the grid; Exact is a copy.
  void round_activations(const Tensor& x, const Tensor& out, quant::ActGrid grid);

  // ---- qwen35's gated delta net (CPU references: ref/ref_delta_net.h) ----
  // The causal convolution of x [T x channels], token by token, over the rolling window (f32,
  // (d_conv - 1) x channels, oldest input first; updated in place), with silu: out [T x
  // channels]. w: f32 [d_conv x channels] (ssm_conv1d), d_conv at most kMaxConvTaps.
  void delta_conv(const Tensor& x, const Tensor& w, const Tensor& window, const Tensor& out);
  // g = softplus(alpha + dt_bias) * a and beta = sigmoid(beta_raw): alpha, beta_raw, g, beta
  // [T x n_heads]; dt_bias, a: n_heads values.
  void delta_gates(const Tensor& alpha, const Tensor& beta_raw, const Tensor& dt_bias,
                   const Tensor& a, const Tensor& g, const Tensor& beta);
  // The delta rule for T = conv.rows() tokens, token by token, the state (f32, n_v_heads x
  // head_dim x head_dim) updated in place: conv [T x (2 * n_k_heads + n_v_heads) * head_dim]
  // holds q, k (L2-normed here with eps) and v side by side; g, beta [T x n_v_heads]; out [T x
  // n_v_heads * head_dim]. head_dim: a power of two, at most kMaxDeltaHeadDim.
  struct DeltaShape {
    int head_dim = 0;
    int n_k_heads = 0;
    int n_v_heads = 0;  // a multiple of n_k_heads; value head h reads key head h % n_k_heads
    float eps = 0;
  };
  static constexpr int kMaxDeltaHeadDim = 256;
  void delta_step(const Tensor& conv, const DeltaShape& shape, const Tensor& g, const Tensor& beta,
                  const Tensor& state, const Tensor& out);
  void mul_silu(const Tensor& a, const Tensor& z, const Tensor& out);        // a * silu(z)
  void mul_sigmoid(const Tensor& a, const Tensor& gate, const Tensor& out);  // a * sigmoid(gate)

  Kernels& kernels() const { return *kernels_; }
  vk::CommandBuffer& command_buffer() const { return *cmd_; }

 private:
  struct Bound {
    vk::BufferSlice slice;
    std::uint64_t offset;  // bytes from the slice's start
  };
  // `texel`: for a storage texel binding (a slice of whole 16-byte texels at a texel-aligned
  // offset).
  Bound bind(const Tensor& t, const char* op, bool texel = false) const;
  std::uint32_t elements(const Bound& b, std::uint32_t unit, const char* op) const;
  // The step word of `pos` for an op of n_tok tokens (checks that pos.end covers them).
  Bound bind_step(const Positions& pos, std::int64_t n_tok, const char* op) const;
  // Defined here: ops.cpp and ops_moe.cpp record with their own push-constant structs.
  template <class Push>
  void record(const vk::Pipeline& p, std::span<const vk::BufferSlice> bindings, const Push& push,
              vk::Groups groups, std::uint64_t bytes) {
    static_assert(std::is_trivially_copyable_v<Push>);
    cmd_->dispatch(p, bindings, std::as_bytes(std::span<const Push, 1>(&push, 1)), groups, bytes);
    // The next op reads what this one wrote (see the header: coarse on purpose).
    cmd_->barrier();
  }
  template <class Push>
  void record_indirect(const vk::Pipeline& p, std::span<const vk::BufferSlice> bindings,
                       const Push& push, const vk::BufferSlice& groups, std::uint64_t bytes) {
    static_assert(std::is_trivially_copyable_v<Push>);
    cmd_->dispatch_indirect(p, bindings, std::as_bytes(std::span<const Push, 1>(&push, 1)), groups,
                            bytes);
    cmd_->barrier();
  }
  template <class Push>
  void record(const vk::Pipeline& p, std::initializer_list<vk::BufferSlice> bindings,
              const Push& push, vk::Groups groups, std::uint64_t bytes) {
    record(p, std::span<const vk::BufferSlice>(bindings.begin(), bindings.size()), push, groups,
           bytes);
  }
  // A weight kernel's bindings: `slices` (texel bindings as the mask `texels`), then for the
  // codebook-grid IQ types their codebook table (Kernels::iq_grids) as one more texel binding.
  struct WeightBindings {
    std::array<vk::BufferSlice, 6> slices{};
    std::uint32_t count = 0;
    std::uint32_t texels = 0;  // vk::PipelineDesc::texel_bindings
    std::span<const vk::BufferSlice> span() const { return {slices.data(), count}; }
  };
  WeightBindings weight_bindings(gguf::GgmlType type, std::initializer_list<vk::BufferSlice> slices,
                                 std::uint32_t texels) const;
  vk::Groups spread(std::uint64_t groups) const;  // 1-D group count over x (and y)
  LinearPush linear_push(const Bound& bw, const Bound& bx, const Bound& by, const Tensor& w,
                         const Tensor& x, const Tensor& y, std::int64_t row0, const char* op) const;
  void matvec_rows(const Tensor& w, const Tensor* w2, const Tensor& x, const Tensor& y,
                   std::int64_t row0);
  void matvec_id_rows(const Tensor& w, const Tensor* w2, const Tensor& ids, const Tensor& x,
                      const Tensor& y);
  // out = f(a, b) element-wise by elementwise.comp's `pipeline` (a, b, out: f32, same size).
  void binary(std::string_view pipeline, const char* op, const Tensor& a, const Tensor& b,
              const Tensor& out);

  Kernels* kernels_;
  vk::CommandBuffer* cmd_;
};

// A matrix product's input as llama.cpp's CPU backend feeds it to each weight: x itself, or x
// rounded to the weight type's grid (Ops::round_activations) into `scratch`. The rounding is
// recorded on the first product of each grid and reused by the products after it that share the
// grid (Q, K and V from one normalized row), so one object serves one value of x: make a new one
// once x is overwritten. scratch: f32 with at least x.elements() elements.
class RoundedInput {
 public:
  RoundedInput(Ops& ops, const Tensor& x, const Tensor& scratch, bool enabled);
  // The input for a product with weight w (only w's type matters).
  const Tensor& for_weight(const Tensor& w);

 private:
  Ops* ops_;
  Tensor x_, rounded_;
  bool enabled_;
  bool have_ = false;
  quant::ActGrid grid_ = quant::ActGrid::Exact;
};

// Floats of scratch that attention() needs for n_tok queries over a cache of n_ctx rows.
std::uint64_t attention_scratch_floats(const Kernels& kernels, std::int64_t n_tok,
                                       const AttentionShape& shape, std::int64_t n_ctx);

}  // namespace vkchat::ops
