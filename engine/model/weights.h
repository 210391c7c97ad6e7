// Where each weight of a llama-family model is, as GGUF tensor infos, found and shape-checked
// against the hyperparameters. Nothing here owns or copies weight bytes: the CPU reference reads
// them from the map, the GPU forward pass uploads them. Shapes are in ggml order, [ne0, ne1]:
// ne0 is the contiguous row length (a matrix's input width), ne1 the number of rows (its output
// width). The pointers live as long as the GgufFile.
#pragma once
#include <vector>

#include "gguf/gguf_reader.h"
#include "model/hparams.h"

namespace vkchat::model {

using TensorRef = const gguf::TensorInfo*;  // nullptr where the architecture has no such tensor

struct LayerWeights {
  TensorRef attn_norm = nullptr;  // [n_embd]
  // Separate projections (llama, qwen2, qwen3):
  // [n_embd, n_head * head_dim]; qwen35's full-attention layers: [n_embd, 2 * n_head * head_dim],
  // each head's Q rows followed by its output gate's rows.
  TensorRef wq = nullptr;
  TensorRef wk = nullptr;  // [n_embd, n_head_kv * head_dim]
  // [n_embd, n_head_kv * head_dim_v]; gemma4 may leave it out, V then being K's projection.
  TensorRef wv = nullptr;
  // Fused projection (phi3): rows are Q, then K, then V.
  // [n_embd, n_head * head_dim + 2 * n_head_kv * head_dim]; qwen35's recurrent layers: the
  // delta net's Q, K, V before the convolution, [n_embd, delta.conv_channels()].
  TensorRef wqkv = nullptr;
  // Q/K/V biases: qwen2 (always), llama (when present).
  TensorRef bq = nullptr;  // [n_head * head_dim]
  TensorRef bk = nullptr;  // [n_head_kv * head_dim]
  TensorRef bv = nullptr;  // [n_head_kv * head_dim_v]
  // qwen3's and gemma3's per-head RMSNorm of Q and K (before RoPE).
  TensorRef q_norm = nullptr;  // [head_dim]
  TensorRef k_norm = nullptr;  // [head_dim]
  TensorRef wo = nullptr;      // [n_head * head_dim_v, n_embd]
  // gpt-oss: the output projection's bias, and each query head's attention sink (a logit that
  // joins the softmax's denominator with no value).
  TensorRef bo = nullptr;          // [n_embd]
  TensorRef attn_sinks = nullptr;  // [n_head]
  // Gated delta net (qwen35's recurrent layers), llama.cpp's names after blk.N.:
  TensorRef attn_gate = nullptr;   // attn_gate: z, [n_embd, delta.value_dim()]
  TensorRef ssm_conv1d = nullptr;  // [d_conv, delta.conv_channels()]: each channel's taps
  TensorRef ssm_dt = nullptr;      // ssm_dt.bias: [n_v_heads], added to alpha before softplus
  TensorRef ssm_a = nullptr;       // [n_v_heads]: -exp(A_log), the decay's rate
  TensorRef ssm_beta = nullptr;    // [n_embd, n_v_heads]
  TensorRef ssm_alpha = nullptr;   // [n_embd, n_v_heads]
  TensorRef ssm_norm = nullptr;    // [head_dim]: the gated output norm's weight
  TensorRef ssm_out = nullptr;     // [delta.value_dim(), n_embd]
  // gemma2/gemma3/gemma4: RMSNorm of the attention's and the feed-forward's outputs before each
  // residual add.
  TensorRef attn_post_norm = nullptr;  // [n_embd]
  TensorRef ffn_post_norm = nullptr;   // [n_embd]
  // gemma4's layer_output_scale: the layer's output (the residual stream after it) times this
  // one value; absent: 1.
  TensorRef out_scale = nullptr;  // [1]
  // gemma4's per-layer embeddings (E2B/E4B, HParams::n_embd_per_layer = P): the gate from the
  // stream, the projection back and its norm.
  TensorRef pl_inp_gate = nullptr;   // inp_gate: [n_embd, P]
  TensorRef pl_proj = nullptr;       // proj: [P, n_embd]
  TensorRef pl_post_norm = nullptr;  // post_norm: [n_embd]
  // [n_embd]; qwen35: post_attention_norm, which is the same step (the FFN's input norm, the
  // residual taken before it).
  TensorRef ffn_norm = nullptr;
  TensorRef ffn_gate = nullptr;  // [n_embd, n_ff]; absent in phi3
  // [n_embd, n_ff]; phi3: [n_embd, 2 * n_ff], the gate's rows first, then up's.
  TensorRef ffn_up = nullptr;
  TensorRef ffn_down = nullptr;  // [n_ff, n_embd]
  // Mixture of experts (qwen3moe) instead of ffn_gate/up/down: the router and 3-D expert
  // tensors, expert e's matrix being slice e of the last dimension.
  TensorRef ffn_gate_inp = nullptr;   // [n_embd, n_expert]
  TensorRef ffn_gate_exps = nullptr;  // [n_embd, n_ff_exp, n_expert]
  TensorRef ffn_up_exps = nullptr;    // [n_embd, n_ff_exp, n_expert]
  TensorRef ffn_down_exps = nullptr;  // [n_ff_exp, n_embd, n_expert]
  // gpt-oss's biases: the router's, and each expert's (row e of the 2-D tensor for expert e).
  TensorRef ffn_gate_inp_b = nullptr;   // [n_expert]
  TensorRef ffn_gate_exps_b = nullptr;  // [n_ff_exp, n_expert]
  TensorRef ffn_up_exps_b = nullptr;    // [n_ff_exp, n_expert]
  TensorRef ffn_down_exps_b = nullptr;  // [n_embd, n_expert]
  // qwen35moe's shared expert: its gate's weights (one output), and its SwiGLU feed-forward.
  TensorRef ffn_gate_inp_shexp = nullptr;  // [n_embd]
  TensorRef ffn_gate_shexp = nullptr;      // [n_embd, n_ff_shexp]
  TensorRef ffn_up_shexp = nullptr;        // [n_embd, n_ff_shexp]
  TensorRef ffn_down_shexp = nullptr;      // [n_ff_shexp, n_embd]
};

struct Weights {
  TensorRef token_embd = nullptr;   // [n_embd, n_vocab]
  TensorRef output_norm = nullptr;  // [n_embd]
  TensorRef output = nullptr;       // [n_embd, n_vocab]; token_embd itself when tied
  bool tied_output = false;         // output.weight absent: logits reuse token_embd
  TensorRef rope_freqs = nullptr;   // optional [n_rot / 2]: divisors of each pair's frequency
  // LongRoPE (phi3, rope.scaling.type "longrope"): divisors for contexts beyond the original
  // one, and for the rest. rope_factors() picks.
  TensorRef rope_factors_long = nullptr;   // [n_rot / 2]
  TensorRef rope_factors_short = nullptr;  // [n_rot / 2]
  // gemma4's per-layer token embeddings (P = HParams::n_embd_per_layer, L = n_layer): each
  // token's row holds L slices of P; the stream's projection to the same slices, and its norm.
  TensorRef per_layer_tok_embd = nullptr;    // [P * L, n_vocab]
  TensorRef per_layer_model_proj = nullptr;  // [n_embd, P * L]
  TensorRef per_layer_proj_norm = nullptr;   // [P]
  std::vector<LayerWeights> layers;
};

// Finds every tensor the architecture needs and checks its shape and type. Throws
// UnsupportedModel naming the tensor that is missing, misshapen or of an unsupported type.
Weights find_weights(const gguf::GgufFile& f, const HParams& hp);

// A loaded model description: hyperparameters and where the weights are.
struct ModelSpec {
  HParams hp;
  Weights w;
};
ModelSpec read_model_spec(const gguf::GgufFile& f);

// The frequency divisors a context of n_ctx positions rotates with, as llama.cpp's
// get_rope_factors chooses them: rope_freqs when the file has it, else LongRoPE's long factors
// when n_ctx exceeds rope.n_ctx_orig and its short ones otherwise; nullptr for none.
TensorRef rope_factors(const ModelSpec& spec, std::int64_t n_ctx);

}  // namespace vkchat::model
