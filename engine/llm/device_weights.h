// The model's weights on the device: where each tensor goes (a plan made before anything is
// allocated, so its size enters the memory estimate), the upload from the GGUF map, and the
// tensor views the forward pass reads.
#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "model/weights.h"
#include "ops/tensor.h"
#include "vk/buffer.h"
#include "vk/device_info.h"

namespace vkchat::vk {
class Context;
}

namespace vkchat::llm {

// One layer's weights as the forward pass uses them. phi3's fused tensors appear here as row
// ranges: wq/wk/wv are the Q, K and V rows of attn_qkv, ffn_gate/ffn_up the two halves of
// ffn_up, so one forward function serves every architecture.
struct LayerTensors {
  ops::Tensor attn_norm;  // f32 [n_embd]
  // [n_embd] -> n_embd_q / n_embd_k_gqa / n_embd_v_gqa. gemma4: wv is wk where the layer has no
  // attn_v (V is K's projection); both empty on a layer sharing another's cache.
  ops::Tensor wq, wk, wv;
  std::optional<ops::Tensor> bq, bk, bv;      // f32 biases (qwen2)
  std::optional<ops::Tensor> q_norm, k_norm;  // f32 [head_dim] (qwen3, gemma3)
  ops::Tensor wo;                             // [n_embd_attn_out] -> n_embd
  // f32 [n_embd] (gemma2, gemma3): the attention's and the feed-forward's outputs are normed
  // before their residual adds.
  std::optional<ops::Tensor> attn_post_norm, ffn_post_norm;
  // gemma4's layer_output_scale, read on the host (one value); 1 where the layer has none.
  float out_scale = 1.f;
  ops::Tensor ffn_norm;          // f32 [n_embd]
  ops::Tensor ffn_gate, ffn_up;  // [n_embd] -> n_ff (dense models)
  ops::Tensor ffn_down;          // [n_ff] -> n_embd (dense models)
  // Mixture of experts (qwen3moe) in place of the dense feed-forward: the router and the
  // experts, each n_expert stacked matrices (ne = {K, N, n_expert}) that the by-id kernels
  // index (ops.h: matvec_id).
  std::optional<ops::Tensor> ffn_gate_inp;   // [n_embd] -> n_expert
  std::optional<ops::Tensor> ffn_gate_exps;  // [n_embd] -> n_ff_exp, per expert
  std::optional<ops::Tensor> ffn_up_exps;    // [n_embd] -> n_ff_exp, per expert
  std::optional<ops::Tensor> ffn_down_exps;  // [n_ff_exp] -> n_embd, per expert
  // qwen35moe's shared expert beside them, its output times sigmoid(gate_inp . x).
  struct SharedExpert {
    ops::Tensor gate_inp;  // f32 [n_embd] -> 1
    ops::Tensor gate, up;  // [n_embd] -> n_ff_shexp
    ops::Tensor down;      // [n_ff_shexp] -> n_embd
  };
  std::optional<SharedExpert> shared_expert;
  // qwen35's full-attention layers: wq holds the queries only and q_gate the output gate, each
  // head's rows regrouped on upload (attn_q interleaves them per head; see WeightPlan::Entry).
  std::optional<ops::Tensor> q_gate;  // [n_embd] -> n_embd_q
  // qwen35's gated delta net (recurrent layers; wq/wk/wv/wo unused there).
  struct DeltaNet {
    ops::Tensor wqkv;     // [n_embd] -> conv_channels: Q, K, V before the convolution
    ops::Tensor z;        // attn_gate: [n_embd] -> value_dim
    ops::Tensor conv;     // f32 [d_conv x conv_channels] taps (widened on upload)
    ops::Tensor dt_bias;  // f32 [n_v_heads]
    ops::Tensor a;        // f32 [n_v_heads]
    ops::Tensor beta;     // [n_embd] -> n_v_heads
    ops::Tensor alpha;    // [n_embd] -> n_v_heads
    ops::Tensor norm;     // f32 [head_dim]
    ops::Tensor out;      // [value_dim] -> n_embd
  };
  std::optional<DeltaNet> delta;
  // gemma4's per-layer embeddings (E2B/E4B, P = HParams::n_embd_per_layer), after the
  // feed-forward: x += post_norm(proj(gelu(inp_gate(x)) * the layer's per-layer input)).
  struct PerLayerGate {
    ops::Tensor inp_gate;   // [n_embd] -> P
    ops::Tensor proj;       // [P] -> n_embd
    ops::Tensor post_norm;  // f32 [n_embd]
  };
  std::optional<PerLayerGate> per_layer;
};

struct DeviceWeights {
  std::vector<vk::Buffer> buffers;  // every tensor lives in one of these
  ops::Tensor token_embd;           // [n_embd x n_vocab], read by the embedding gather
  ops::Tensor output_norm;          // f32 [n_embd]
  ops::Tensor output;               // [n_embd] -> n_vocab; token_embd itself when tied
  std::vector<LayerTensors> layers;
  // f32 [head_dim] of 1.0 (gemma4): the weight of its weightless per-head V norm (its first
  // values for a layer with smaller heads).
  std::optional<ops::Tensor> ones;
  // gemma4's per-layer inputs (E2B/E4B): the token table uploaded as n_layer rows of P per
  // token ([P x n_vocab * n_layer], for Ops::embedding with n_layer rows per id; the GGUF rows
  // of n_layer * P are those rows back to back), the projection of the scaled embeddings
  // [n_embd] -> n_layer * P, and the norm of each layer's slice of it, f32 [P].
  struct PerLayerInputs {
    ops::Tensor tok_embd, model_proj, proj_norm;
  };
  std::optional<PerLayerInputs> per_layer;
};

// Where every tensor of the model goes.
struct WeightPlan {
  struct Entry {
    model::TensorRef tensor;
    bool to_f32 = false;  // a vector (or conv taps) stored as f16/bf16/quantized, widened to f32
    // Rows regrouped on upload: each group of 2 * split_head_rows rows (a head's queries, then
    // its gate) goes to the first half (queries) and the second half (gates). 0: as stored.
    std::int64_t split_head_rows = 0;
    std::uint32_t buffer = 0;
    std::uint64_t offset = 0;
    std::uint64_t bytes = 0;  // on the device
  };
  std::vector<Entry> entries;
  std::vector<std::uint64_t> buffer_sizes;
  std::uint64_t upload_bytes() const;  // sum of the entries' bytes: progress's total
  std::uint64_t device_bytes() const;  // sum of the buffers: the memory estimate's weights
};

// Lays the spec's tensors out in buffers the device can allocate. Throws UnsupportedModel for a
// weight type no GPU kernel reads, a tensor larger than the device's largest allocation, or a
// stack of experts larger than one storage-buffer binding.
WeightPlan plan_weights(const model::ModelSpec& spec, const vk::DeviceInfo& info);

using UploadProgress = std::function<void(std::uint64_t done, std::uint64_t total)>;

// Allocates the plan's buffers and uploads every tensor from the map, in pieces of at most
// 64 MiB; after each, reports progress and checks `cancel` (Cancelled when set).
DeviceWeights upload_weights(vk::Context& ctx, const model::ModelSpec& spec, const WeightPlan& plan,
                             const UploadProgress& progress, const std::atomic<bool>* cancel);

}  // namespace vkchat::llm
