// The presets' hyperparameters, as in each model's config.json on its publisher's page.
#include "synth/presets.h"

#include <array>

namespace vkchat::synth {

namespace {

constexpr Llama3RopeScaling kLlama31Scaling{8, 1, 4, 8192};
constexpr Llama3RopeScaling kLlama32Scaling{32, 1, 4, 8192};

// clang-format off
const std::array kPresets = {
    // meta-llama/Llama-3.2-1B: tied embeddings, rope scaling factor 32.
    Preset{"llama-3.2-1b", "llama", "llama-bpe", 2048, 16, 32, 8, 64, 8192, 131072, 500000.f, 1e-5f,
           true, false, false, kLlama32Scaling},
    // meta-llama/Llama-3.1-8B.
    Preset{"llama-3.1-8b", "llama", "llama-bpe", 4096, 32, 32, 8, 128, 14336, 131072, 500000.f,
           1e-5f, false, false, false, kLlama31Scaling},
    // Qwen/Qwen2.5-0.5B: QKV biases, tied embeddings.
    Preset{"qwen2.5-0.5b", "qwen2", "qwen2", 896, 24, 14, 2, 64, 4864, 32768, 1000000.f, 1e-6f,
           true, true, false, std::nullopt},
    // Qwen/Qwen3-0.6B: q/k RMSNorm, head_dim 128 (not n_embd / n_head), tied embeddings.
    Preset{"qwen3-0.6b", "qwen3", "qwen2", 1024, 28, 16, 8, 128, 3072, 40960, 1000000.f, 1e-6f,
           true, false, true, std::nullopt},
    // google/gemma-3-1b-pt: head_dim 256, window 512, no rope scaling. Its vocabulary (262144
    // tokens) is not shared; llama-spm stands in.
    Preset{"gemma-3-1b", "gemma3", "llama-spm", 1152, 26, 4, 1, 256, 6912, 32768, 1000000.f, 1e-6f,
           true, false, true, std::nullopt, GemmaShape{512, 10000.f, 0}},
    // google/gemma-3-4b-pt (text model): window 1024, linear rope scaling x8 on global layers.
    Preset{"gemma-3-4b", "gemma3", "llama-spm", 2560, 34, 8, 4, 256, 10240, 131072, 1000000.f,
           1e-6f, true, false, true, std::nullopt, GemmaShape{1024, 10000.f, 8}},
    // Qwen/Qwen3-30B-A3B: 128 experts of width 768, 8 per token (norm_topk_prob), q/k RMSNorm.
    Preset{"qwen3-30b-a3b", "qwen3moe", "qwen2", 2048, 48, 32, 4, 128, 6144, 40960, 1000000.f,
           1e-6f, false, false, true, std::nullopt, std::nullopt, std::nullopt, 128, 8,
           768},
    // Qwen/Qwen3.5-0.8B (text model): 24 layers, every 4th full attention (8/2 heads of 256, the
    // first 64 dims rotated), 16 delta-net heads of 128, tied embeddings, rope base 1e7.
    Preset{"qwen3.5-0.8b", "qwen35", "qwen35", 1024, 24, 8, 2, 256, 3584, 262144, 10000000.f,
           1e-6f, true, false, true, std::nullopt, std::nullopt, Qwen35Shape{4, 128, 16, 16}},
    // Qwen/Qwen3.5-4B: 32 value heads over 16 key heads, tied embeddings.
    Preset{"qwen3.5-4b", "qwen35", "qwen35", 2560, 32, 16, 4, 256, 9216, 262144, 10000000.f,
           1e-6f, true, false, true, std::nullopt, std::nullopt, Qwen35Shape{4, 128, 16, 32}},
    // Qwen/Qwen3.5-9B: as the 4B, wider, untied.
    Preset{"qwen3.5-9b", "qwen35", "qwen35", 4096, 32, 16, 4, 256, 12288, 262144, 10000000.f,
           1e-6f, false, false, true, std::nullopt, std::nullopt, Qwen35Shape{4, 128, 16, 32}},
    // Small shapes of each architecture for quick checks (any vocab fits them).
    Preset{"tiny", "llama", "llama-spm", 256, 2, 4, 2, 64, 768, 4096, 10000.f, 1e-5f,
           false, false, false, std::nullopt},
    Preset{"tiny-qwen2", "qwen2", "qwen2", 256, 2, 4, 2, 64, 768, 4096, 1000000.f, 1e-6f,
           true, true, false, std::nullopt},
    Preset{"tiny-qwen3", "qwen3", "qwen2", 256, 2, 4, 2, 128, 768, 4096, 1000000.f, 1e-6f,
           true, false, true, std::nullopt},
    Preset{"tiny-qwen3moe", "qwen3moe", "qwen2", 256, 2, 4, 2, 128, 768, 4096, 1000000.f, 1e-6f,
           false, false, true, std::nullopt, std::nullopt, std::nullopt, 8, 2,
           128},
    // 4 layers: 3 delta-net layers (2 key heads, 4 value heads of 64), then full attention.
    Preset{"tiny-qwen35", "qwen35", "qwen35", 256, 4, 4, 2, 64, 768, 4096, 10000000.f, 1e-6f,
           true, false, true, std::nullopt, std::nullopt,
           Qwen35Shape{4, 64, 2, 4, 4, 16, {3, 3, 2, 0}}},
    // Gemma 4's dense block at small shapes: 8 layers, full attention on layers 3 and 7 (head 128,
    // one KV head, K as V, proportional RoPE on a quarter of the pairs), sliding-window layers of
    // head 64 and 2 KV heads with window 32, and the last 4 layers sharing the KV of layers 2
    // (sliding) and 3 (full), as the E2B/E4B models share theirs.
    Preset{"tiny-gemma4", "gemma4", "llama-spm", 256, 8, 4, 2, 64, 1024, 131072, 1000000.f, 1e-6f,
           true, false, true, std::nullopt, GemmaShape{32, 10000.f, 0}, std::nullopt, 0, 0, 0,
           Gemma4Shape{4, 128, 1, true, 0.25, 4, 30.f}},
    // The same with E2B/E4B's per-layer token embeddings (64 per layer).
    Preset{"tiny-gemma4-ple", "gemma4", "llama-spm", 256, 8, 4, 2, 64, 1024, 131072, 1000000.f,
           1e-6f, true, false, true, std::nullopt, GemmaShape{32, 10000.f, 0}, std::nullopt, 0, 0, 0,
           Gemma4Shape{4, 128, 1, true, 0.25, 4, 30.f, 64}},
    // And with E2B/E4B's double-wide feed-forward on the 4 shared-KV layers (2048 there).
    Preset{"tiny-gemma4-e2b", "gemma4", "llama-spm", 256, 8, 4, 2, 64, 1024, 131072, 1000000.f,
           1e-6f, true, false, true, std::nullopt, GemmaShape{32, 10000.f, 0}, std::nullopt, 0, 0, 0,
           Gemma4Shape{4, 128, 1, true, 0.25, 4, 30.f, 64, true}},
};
// clang-format on

}  // namespace

std::span<const Preset> presets() {
  return kPresets;
}

const Preset* find_preset(std::string_view name) {
  for (const Preset& p : kPresets) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

}  // namespace vkchat::synth
