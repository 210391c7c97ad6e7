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
  // YaRN (ggml's rope_yarn): with ext_factor != 0, pair i's angle mixes the scaled angle
  // (freq_scale * theta) with the unscaled one, by ramp(i) * ext_factor where the ramp is 1 below
  // the correction dimensions (yarn_corr_dims), 0 above them and linear between; the magnitude
  // is attn_factor * (1 + 0.1 ln(1 / freq_scale)). Without YaRN the magnitude is attn_factor.
  // ext_factor is 1 for yarn files and 0 otherwise; attn_factor is llama.cpp's
  // cparams.yarn_attn_factor, which model::read_hparams derives from the file's keys.
  float ext_factor = 0.f;
  float attn_factor = 1.f;      // cos and sin are multiplied by it (and by YaRN's factor)
  float beta_fast = 32.f;       // YaRN: rotations over n_ctx_orig below which pairs interpolate
  float beta_slow = 1.f;        // ... and above which they keep their angle
  std::int64_t n_ctx_orig = 0;  // YaRN: the context the model was trained for before scaling
  // LongRoPE (phi3): frequency divisors from rope_factors_long/short (model::rope_factors), with
  // attn_factor from rope.scaling.attn_factor; no change to the angles here.
  bool longrope = false;
};

// How the angles are evaluated: in double, or as ggml's CPU backend evaluates them
// (ggml_rope_cache_init): theta_scale = powf(freq_base, -2 / n_rot), the angle multiplied by it
// pair after pair in float starting from the position, divided by the pair's factor, then
// rope_yarn in float (freq_scale, the YaRN mix, cosf / sinf times the magnitude). The two differ
// by a few float ulps, which matters only to comparisons that should see llama.cpp's rounding.
enum class RopeAngles { Exact, LlamaCpp };

// YaRN's correction dimensions as ggml_rope_yarn_corr_dims computes them: the pair indices at
// which a pair turns beta_fast (low) and beta_slow (high) times over n_ctx_orig positions,
// n_rot * ln(n_ctx_orig / (beta * 2 pi)) / (2 ln freq_base), the low one floored and the high one
// ceiled, clamped to [0, n_rot - 1]. In double for Exact, in float as ggml for LlamaCpp.
struct YarnCorrDims {
  double low = 0, high = 0;
};
YarnCorrDims yarn_corr_dims(const RopeParams& p, RopeAngles angles);

// cs[2i], cs[2i + 1] = cos and sin of pair i's angle at position pos, for i < n_rot / 2, times
// the magnitude (RopeParams): the angle is pos * freq_scale * freq_base^(-2i / n_rot) /
// freq_factors[i], or with YaRN its mix with the angle without freq_scale. freq_factors is empty
// or holds n_rot / 2 divisors (llama 3's rope_freqs tensor); cs holds n_rot floats. The caller
// checks the sizes.
void rope_cos_sin(const RopeParams& p, std::int64_t pos, std::span<const float> freq_factors,
                  RopeAngles angles, std::span<float> cs);

}  // namespace vkchat::model
