// The keys gemma4 (dense) reads beyond the llama family's, as llama.cpp reads them
// (src/llama-model.cpp's common keys and src/models/gemma4.cpp load_arch_hparams): head counts
// given per layer, the sliding-window layers' own head size and rotated dimensions, the
// sliding-window pattern as one flag per layer, layers sharing another's KV cache, and the
// final soft-cap.
#pragma once

#include "model/hparams.h"

namespace vkchat::model {

// Reads attention.head_count and head_count_kv (a count, or an array with one per layer),
// attention.key_length / value_length and their _swa forms, and the sliding-window pattern, and
// fills hp's head sizes (n_head, n_head_kv, head_dim, head_dim_v: the largest of any layer) and
// hp.layer_attn, hp.swa.layers. Called in place of the scalar head counts; hp.n_layer and
// hp.n_embd are read. Throws MetadataError naming a bad key, UnsupportedModel for what the
// engine does not run.
void read_gemma4_heads(const gguf::GgufFile& f, HParams& hp);

// feed_forward_length: a width, or an array with one per layer (the real E2B/E4B double the
// width of the layers that share another's KV, use_double_wide_mlp); hp.n_ff is the largest and
// hp.layer_ff each layer's where they differ. hp.n_layer is read.
void read_gemma4_ffn(const gguf::GgufFile& f, HParams& hp);

// The rest, once hp's rope is read: the sliding-window layers' window and RoPE (their base,
// rotated dimensions, no rope_freqs), shared KV layers, the per-layer embeddings' width, the
// embedding scale, attention scale 1, final soft-cap. Refuses experts (the 26B-A4B).
void read_gemma4_hparams(const gguf::GgufFile& f, HParams& hp);

}  // namespace vkchat::model
