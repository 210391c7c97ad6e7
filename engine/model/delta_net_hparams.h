// Gated-delta-net hyperparameters (qwen35: Qwen 3.5's linear-attention layers), from the
// `{arch}.ssm.*` keys as llama.cpp reads them (src/models/qwen35.cpp), and the sizes of the
// per-layer recurrent state they imply.
#pragma once
#include <cstdint>

namespace vkchat::model {

struct DeltaNetParams {
  std::int64_t d_conv = 0;     // ssm.conv_kernel: taps of the causal convolution
  std::int64_t d_inner = 0;    // ssm.inner_size: value width, n_v_heads * head_dim
  std::int64_t head_dim = 0;   // ssm.state_size: key and value head size
  std::int64_t n_k_heads = 0;  // ssm.group_count
  std::int64_t n_v_heads = 0;  // ssm.time_step_rank; a multiple of n_k_heads

  std::int64_t key_dim() const { return n_k_heads * head_dim; }
  std::int64_t value_dim() const { return n_v_heads * head_dim; }
  // The convolution runs over Q, K and V side by side (attn_qkv's rows).
  std::int64_t conv_channels() const { return 2 * key_dim() + value_dim(); }
  // Floats a recurrent layer keeps between tokens: the convolution's last d_conv - 1 inputs and
  // one head_dim x head_dim state per value head.
  std::int64_t conv_state_floats() const { return (d_conv - 1) * conv_channels(); }
  std::int64_t ssm_state_floats() const { return n_v_heads * head_dim * head_dim; }
};

}  // namespace vkchat::model
