// SentencePiece BPE as llama.cpp runs it: start from UTF-8 characters, repeatedly merge the
// adjacent pair whose concatenation is the highest-scoring vocabulary token (leftmost among
// equals), and spell whatever is left outside the vocabulary with <0xXX> byte tokens.
#pragma once
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "tokenizer/token_map.h"

namespace vkchat::tokenizer::detail {

// `text` has already had its spaces replaced by U+2581. `byte_tokens[b]` is the token for byte
// b (<0xXX>, else the one-byte token, else the unknown token, else -1).
void spm_encode(std::string_view text, const TokenMap& vocab, std::span<const float> scores,
                std::span<const std::int32_t, 256> byte_tokens, std::vector<std::int32_t>& out);

}  // namespace vkchat::tokenizer::detail
