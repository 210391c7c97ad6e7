// BPE merging by rank, the way llama.cpp's llm_tokenizer_bpe_session does it (lowest rank first,
// leftmost among equals), over either of its two symbol alphabets: the GPT-2 byte<->unicode
// encoding of a word (byte-level BPE), or the word's own UTF-8 characters with <0xXX> byte tokens
// for what the vocabulary lacks (SentencePiece-style BPE, Gemma 4's).
#pragma once
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "tokenizer/token_map.h"

namespace vkchat::tokenizer::detail {

class BpeMerges {
 public:
  enum class Symbols {
    Bytes,       // one GPT-2 byte symbol per byte; a leftover looks up its bytes one by one
    Characters,  // one symbol per UTF-8 character; a leftover is spelled with <0xXX> tokens
  };

  // `merges` are "left right" strings in rank order; `vocab` maps token texts to ids. Throws
  // MetadataError (without the file's name) for a merge that is not two tokens of `vocab` whose
  // concatenation is a token too.
  BpeMerges(std::span<const std::string_view> merges, const TokenMap& vocab,
            Symbols symbols = Symbols::Bytes);

  // Appends the tokens of one pre-tokenized word given as raw UTF-8 bytes (valid UTF-8 for
  // Symbols::Characters).
  void encode_word(std::string_view word, bool ignore_merges, const TokenMap& vocab,
                   std::vector<std::int32_t>& out) const;

 private:
  std::int32_t intern(std::string_view s);
  // The tokens of a merged piece that is not itself a token.
  void spell(std::string_view piece, const TokenMap& vocab, std::vector<std::int32_t>& out) const;

  struct Merge {
    std::int32_t rank;
    std::int32_t result;  // symbol id of left+right
  };
  // Every string that takes part in a merge gets a symbol id; merges are keyed by id pairs.
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, std::int32_t, Hash, std::equal_to<>> symbol_ids_;
  std::vector<std::string> symbol_text_;
  std::vector<std::int32_t> symbol_token_;  // vocabulary id of a symbol's text, or -1
  std::unordered_map<std::uint64_t, Merge> merges_;
  Symbols symbols_;
  std::int32_t byte_symbol_[256] = {};  // Bytes: the symbol of each byte
  std::int32_t byte_token_[256] = {};   // Characters: the <0xXX> token of each byte, or -1
};

}  // namespace vkchat::tokenizer::detail
