// The sliding-window layer pattern, as llama.cpp's llama_hparams::set_swa_pattern.
#include "model/swa_hparams.h"

namespace vkchat::model {

std::vector<bool> swa_layer_pattern(std::int64_t n_layer, std::int64_t period) {
  std::vector<bool> layers(static_cast<std::size_t>(std::max<std::int64_t>(n_layer, 0)));
  for (std::size_t il = 0; il < layers.size(); ++il) {
    const auto i = static_cast<std::int64_t>(il);
    layers[il] = period == 0 || i % period < period - 1;
  }
  return layers;
}

}  // namespace vkchat::model
