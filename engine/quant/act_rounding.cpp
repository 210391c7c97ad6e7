// llama.cpp's activation rounding, operation for operation in float: quantize_row_q8_0 /
// quantize_row_q8_1 (ggml-cpu/arch/x86/quants.c, the AVX2 form the shared goldens were made
// with), quantize_row_q8_K_ref (ggml-quants.c) and the fp16 / bf16 conversions.
#include "quant/act_rounding.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "quant/blocks.h"
#include "quant/half.h"

namespace vkchat::quant {

using gguf::GgmlType;

ActGrid act_grid_for(GgmlType weight) {
  switch (weight) {
    case GgmlType::F16: return ActGrid::F16;
    case GgmlType::BF16: return ActGrid::BF16;
    case GgmlType::Q4_0:
    case GgmlType::Q5_0:
    case GgmlType::Q8_0:
    // ggml-cpu's vec_dot_type for each type
    case GgmlType::IQ4_NL:
    case GgmlType::MXFP4:
    case GgmlType::NVFP4:
    case GgmlType::Q1_0:
    case GgmlType::Q2_0: return ActGrid::Q8_0;
    case GgmlType::Q4_1:
    case GgmlType::Q5_1: return ActGrid::Q8_1;
    case GgmlType::Q2_K:
    case GgmlType::Q3_K:
    case GgmlType::Q4_K:
    case GgmlType::Q5_K:
    case GgmlType::Q6_K:
    case GgmlType::IQ4_XS:
    case GgmlType::TQ1_0:
    case GgmlType::TQ2_0:
    // Codebook-grid IQ types: ggml-cpu's vec_dot_type is Q8_K for all seven.
    case GgmlType::IQ2_XXS:
    case GgmlType::IQ2_XS:
    case GgmlType::IQ2_S:
    case GgmlType::IQ3_XXS:
    case GgmlType::IQ3_S:
    case GgmlType::IQ1_S:
    case GgmlType::IQ1_M: return ActGrid::Q8_K;
    default: return ActGrid::Exact;
  }
}

int act_grid_block(ActGrid grid) {
  switch (grid) {
    case ActGrid::Q8_0:
    case ActGrid::Q8_1: return kQK;
    case ActGrid::Q8_K: return kQK_K;
    default: return 1;
  }
}

std::string_view act_grid_name(ActGrid grid) {
  switch (grid) {
    case ActGrid::Exact: return "exact";
    case ActGrid::F16: return "f16";
    case ActGrid::BF16: return "bf16";
    case ActGrid::Q8_0: return "q8_0";
    case ActGrid::Q8_1: return "q8_1";
    case ActGrid::Q8_K: return "q8_k";
  }
  return "?";
}

namespace {

// _mm256_round_ps(_MM_ROUND_NEAREST) and ggml's nearest_int: round half to even.
float round_even(float v) {
  return std::nearbyint(v);
}

// quantize_row_q8_0 / q8_1 (AVX2): the multiplier is 127 / amax, not 1 / d.
void round_q8_0(float* x) {
  float amax = 0.f;
  for (int j = 0; j < kQK; ++j) amax = std::max(amax, std::fabs(x[j]));
  const float d = fp16_to_f32(f32_to_fp16(amax / 127.f));
  const float id = amax != 0.f ? 127.f / amax : 0.f;
  for (int j = 0; j < kQK; ++j) {
    const float q = std::clamp(round_even(x[j] * id), -128.f, 127.f);
    x[j] = q * d;
  }
}

// quantize_row_q8_K_ref.
void round_q8_k(float* x) {
  float amax = 0.f, max = 0.f;
  for (int j = 0; j < kQK_K; ++j) {
    if (std::fabs(x[j]) > amax) {
      amax = std::fabs(x[j]);
      max = x[j];
    }
  }
  if (amax == 0.f) {
    std::fill(x, x + kQK_K, 0.f);
    return;
  }
  const float iscale = -127.f / max;
  const float d = 1.f / iscale;
  for (int j = 0; j < kQK_K; ++j) {
    const float q = std::min(127.f, round_even(iscale * x[j]));
    x[j] = q * d;
  }
}

}  // namespace

void round_to_grid(ActGrid grid, std::span<float> x) {
  const auto block = static_cast<std::size_t>(act_grid_block(grid));
  if (x.size() % block != 0) {
    throw std::invalid_argument("round_to_grid: " + std::to_string(x.size()) +
                                " elements are not whole " + std::string(act_grid_name(grid)) +
                                " blocks of " + std::to_string(block));
  }
  switch (grid) {
    case ActGrid::Exact: return;
    case ActGrid::F16:
      for (float& v : x) v = fp16_to_f32(f32_to_fp16(v));
      return;
    case ActGrid::BF16:
      for (float& v : x) v = bf16_to_f32(f32_to_bf16(v));
      return;
    case ActGrid::Q8_0:
    case ActGrid::Q8_1:
      for (std::size_t i = 0; i < x.size(); i += block) round_q8_0(x.data() + i);
      return;
    case ActGrid::Q8_K:
      for (std::size_t i = 0; i < x.size(); i += block) round_q8_k(x.data() + i);
      return;
  }
}

}  // namespace vkchat::quant
