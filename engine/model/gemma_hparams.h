// The keys gemma2 and gemma3 add to the llama family's: sliding-window layers and their RoPE,
// the attention scale, soft-capping and the embedding scale, with llama.cpp's defaults
// (src/models/gemma2.cpp, gemma3.cpp load_arch_hparams); and gpt-oss's sliding-window keys, read
// by the same rules (src/models/openai-moe.cpp).
#pragma once

#include <string>

#include "model/hparams.h"

namespace vkchat::model {

// f's float at key, fallback where absent; MetadataError unless it is finite and above 0 (a
// base, scale or soft-cap; also read by gemma4_hparams.cpp).
float read_positive(const gguf::GgufFile& f, const std::string& key, float fallback);

// Fills hp's sliding-window, scale and soft-cap fields for Arch::Gemma2 / Arch::Gemma3; hp's
// common fields (head sizes, rope) are already read. Throws MetadataError for a bad value.
void read_gemma_hparams(const gguf::GgufFile& f, HParams& hp);

// gpt-oss: attention.sliding_window (required), the period (default 2: even layers slide) and
// rope.freq_base_swa (default the global base); its sliding layers keep the global scaling
// (YaRN). Call after hp.rope is read.
void read_gpt_oss_swa(const gguf::GgufFile& f, HParams& hp);

}  // namespace vkchat::model
