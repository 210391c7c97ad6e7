// Rotary position embedding settings, shared by the model's hyperparameters, the CPU reference
// and the GPU kernels, and the angles both rotate by.
#pragma once
#include <array>
#include <cstdint>
#include <span>

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
  // Interleaved M-RoPE (qwen35: rope.dimension_sections; all zero elsewhere). For text every token
  // has the same temporal, height and width position and a 4th position of 0, so pair i turns by
  // its usual angle when ggml gives it one of the first three (sector s = i % sum(sections): s % 3
  // == 0, 1, 2 with s < 3 * sections[0], [1], [2]) and stays unrotated otherwise.
  std::array<int, 4> mrope_sections{};
  bool mrope() const {
    return mrope_sections[0] + mrope_sections[1] + mrope_sections[2] + mrope_sections[3] > 0;
  }
  // Whether pair i rotates with the text position (always true without M-RoPE).
  bool pair_rotates(int i) const;
};

// How the angles are evaluated: in double, or as ggml's CPU backend evaluates them
// (ggml_rope_cache_init): theta_scale = powf(freq_base, -2 / n_rot), the angle multiplied by it
// pair after pair in float starting from the position, divided by the pair's factor, times
// freq_scale, then cosf / sinf. The two differ by a few float ulps, which matters only to
// comparisons that should see llama.cpp's rounding.
enum class RopeAngles { Exact, LlamaCpp };

// cs[2i], cs[2i + 1] = cos and sin of pair i's angle at position pos, for i < n_rot / 2: pos *
// freq_scale * freq_base^(-2i / n_rot) / freq_factors[i]. freq_factors is empty or holds n_rot / 2
// divisors (llama 3's rope_freqs tensor); cs holds n_rot floats. The caller checks the sizes.
void rope_cos_sin(const RopeParams& p, std::int64_t pos, std::span<const float> freq_factors,
                  RopeAngles angles, std::span<float> cs);

}  // namespace vkchat::model
