// The Tokenizer's state, shared by the loader, the encoder/decoder and the streaming decoder.
#pragma once
#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tokenizer/bpe.h"
#include "tokenizer/pretokenizer.h"
#include "tokenizer/special_tokens.h"
#include "tokenizer/token_map.h"
#include "tokenizer/tokenizer.h"

namespace vkchat::tokenizer {

// llama.cpp's token attributes (a bit set, unlike the GGUF token type).
enum Attr : std::uint32_t {
  kAttrUnknown = 1u << 0,
  kAttrUnused = 1u << 1,
  kAttrNormal = 1u << 2,
  kAttrControl = 1u << 3,
  kAttrUserDefined = 1u << 4,
  kAttrByte = 1u << 5,
  kAttrLstrip = 1u << 7,
  kAttrRstrip = 1u << 8,
};

struct Tokenizer::Impl {
  VocabKind kind = VocabKind::Spm;
  std::string model, pre;

  std::vector<std::string> text;  // vocabulary entries; token_to_id views into these
  std::vector<float> score;
  std::vector<TokenType> type;
  std::vector<std::uint32_t> attr;
  detail::TokenMap token_to_id;

  std::int32_t bos = kNoToken, eos = kNoToken, eot = kNoToken, eom = kNoToken, unk = kNoToken,
               pad = kNoToken, sep = kNoToken;
  std::vector<std::int32_t> eog;  // sorted

  bool add_bos = false, add_eos = false;
  bool add_space_prefix = false;  // SPM: "▁" before the text and after each special token
  bool clean_spaces = false;      // decode tidies spaces before punctuation
  bool ignore_merges = false;

  std::vector<std::string> pieces;  // decoded bytes of each token, special tokens as text
  detail::SpecialMatcher specials;
  std::array<std::int32_t, 256> byte_tokens{};  // SPM byte fallback

  std::optional<detail::PreTokenizer> pretokenizer;  // BPE
  std::unique_ptr<detail::BpeMerges> merges;         // BPE

  void check_id(std::int32_t id) const;
  bool hidden(std::int32_t id) const {
    return (attr[static_cast<std::size_t>(id)] & (kAttrControl | kAttrUnknown)) != 0;
  }
  // Appends a token's text as llama_detokenize does, minus the final clean-up.
  void append_piece(std::string& out, std::int32_t id, bool render_special, bool strip_space) const;
};

// llama.cpp's clean_up_tokenization_spaces passes, in place.
void clean_up_spaces(std::string& text);

}  // namespace vkchat::tokenizer
