// Rotary position embedding settings, shared by the model's hyperparameters, the CPU reference
// and the GPU kernels.
#pragma once

namespace vkchat::model {

enum class RopeType {
  Normal,  // llama: rotates adjacent pairs (x[2i], x[2i+1])
  NeoX,    // qwen2/qwen3/phi3: rotates halves (x[i], x[i + n_rot/2])
};

struct RopeParams {
  RopeType type = RopeType::Normal;
  int n_rot = 0;  // dimensions rotated per head (<= head_dim); the rest pass through
  float freq_base = 10000.f;
  float freq_scale = 1.f;  // linear scaling: position * freq_scale
};

}  // namespace vkchat::model
