// Sliding-window attention (gemma2, gemma3): which layers attend only to the most recent
// `window` positions, and the RoPE those layers use. Plain data shared by the CPU reference and
// the GPU forward pass.
#pragma once
#include <algorithm>
#include <cstdint>
#include <vector>

#include "model/rope.h"

namespace vkchat::model {

struct SwaParams {
  // A query at position p attends to keys p - window + 1 .. p (llama.cpp's
  // LLAMA_SWA_TYPE_STANDARD masks key p0 when p - p0 >= window). 0: no sliding-window layers.
  std::int64_t window = 0;
  std::vector<bool> layers;  // per layer: true where the layer is a sliding-window layer
  RopeParams rope;           // RoPE of the sliding-window layers (their own base and scale)

  bool is_swa(std::int64_t il) const {
    return window > 0 && il >= 0 && il < static_cast<std::int64_t>(layers.size()) &&
           layers[static_cast<std::size_t>(il)];
  }
};

// The first key position a query at `pos` attends to under a window (0 for no window).
inline std::int64_t window_first_key(std::int64_t pos, std::int64_t window) {
  return window > 0 ? std::max<std::int64_t>(0, pos - window + 1) : 0;
}

// llama.cpp's set_swa_pattern(period) without dense_first: layer il is a sliding-window layer
// iff il % period < period - 1 (the last layer of each period is global); period 0 makes every
// layer a sliding-window layer.
std::vector<bool> swa_layer_pattern(std::int64_t n_layer, std::int64_t period);

}  // namespace vkchat::model
