// The tokenizer of a GGUF model, read entirely from its tokenizer.ggml.* metadata (so vocab-only
// files work): SentencePiece BPE (`llama`), byte-level BPE (`gpt2`) with llama.cpp's
// pre-tokenizer for each `tokenizer.ggml.pre`, and Gemma 4's SentencePiece-style BPE (`gemma4`:
// merges over UTF-8 characters with spaces as U+2581, <0xXX> byte fallback, BOS always added).
// Token ids match llama.cpp's llama_tokenize and text matches llama_detokenize for the same input.
//
// Contract:
// - encode(text, add_special, parse_special): add_special adds BOS/EOS as the model's metadata
//   asks (tokenizer.ggml.add_bos_token / add_eos_token, else llama.cpp's default for the model
//   type). parse_special turns control tokens written in the text (e.g. "<|im_start|>") into
//   their ids; without it they are tokenized as literal text. User-defined tokens are always
//   matched, as in llama.cpp. Invalid UTF-8 never throws: SPM falls back to byte tokens, BPE
//   sees U+FFFD, as llama.cpp does.
// - decode(ids, render_special): the text of a sequence. Control/unknown tokens render as their
//   text only when render_special is set. SPM's leading space is dropped from the first token
//   and BPE models with clean_up_tokenization_spaces tidy " ," " ." " 's" and the like, as
//   llama_detokenize does. Ids outside the vocabulary throw std::out_of_range.
// - StreamingDecoder gives the same text token by token: it holds back an incomplete UTF-8
//   sequence (and, where spaces get cleaned up, the few bytes that the next token could still
//   change), so the concatenation of its outputs plus finish() equals decode() of all ids.
// A Tokenizer is immutable after from_gguf and safe to use from several threads.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace vkchat::gguf {
class GgufFile;
}

namespace vkchat::tokenizer {

inline constexpr std::int32_t kNoToken = -1;

// tokenizer.ggml.token_type values.
enum class TokenType : std::uint8_t {
  Undefined = 0,
  Normal = 1,
  Unknown = 2,
  Control = 3,
  UserDefined = 4,
  Unused = 5,
  Byte = 6,
};

enum class VocabKind { Spm, Bpe };

// The longest vocabulary entry from_gguf accepts, in bytes: real vocabularies stay under 1 KiB.
inline constexpr std::size_t kMaxTokenBytes = 16384;

class Tokenizer {
 public:
  // Throws UnsupportedModel (unknown tokenizer model or pre-tokenizer, named in the message) or
  // MetadataError (missing or malformed tokenizer keys, a token longer than kMaxTokenBytes, a
  // merge that is not two of the vocabulary's tokens making a third). Loading is linear in the
  // size of the metadata.
  static Tokenizer from_gguf(const gguf::GgufFile& file);

  Tokenizer(Tokenizer&&) noexcept;
  Tokenizer& operator=(Tokenizer&&) noexcept;
  ~Tokenizer();

  std::vector<std::int32_t> encode(std::string_view text, bool add_special,
                                   bool parse_special) const;
  std::string decode(std::span<const std::int32_t> ids, bool render_special = false) const;
  // One token's bytes as decode would produce them mid-sequence (no leading-space removal, no
  // clean-up); empty for control/unknown tokens unless render_special.
  std::string piece(std::int32_t id, bool render_special = true) const;

  VocabKind kind() const;
  std::string_view model_name() const;  // tokenizer.ggml.model
  std::string_view pre_name() const;    // tokenizer.ggml.pre ("" for SPM)
  std::int32_t vocab_size() const;
  TokenType token_type(std::int32_t id) const;
  std::string_view token_text(std::int32_t id) const;  // the vocabulary entry, unprocessed
  std::optional<std::int32_t> find_token(std::string_view text) const;

  // Special ids, kNoToken when the model has none.
  std::int32_t bos() const;
  std::int32_t eos() const;
  std::int32_t eot() const;
  std::int32_t eom() const;
  std::int32_t unk() const;
  std::int32_t pad() const;
  std::int32_t sep() const;
  bool adds_bos() const;  // what encode(add_special=true) does
  bool adds_eos() const;
  // End of generation: EOS, EOT, EOM and the other tokens llama.cpp treats as ending a turn.
  bool is_eog(std::int32_t id) const;
  std::span<const std::int32_t> eog_ids() const;
  // Control or unknown: hidden in decoded text unless render_special.
  bool is_hidden(std::int32_t id) const;

  struct Impl;

 private:
  explicit Tokenizer(std::unique_ptr<Impl> impl);
  friend class StreamingDecoder;
  std::unique_ptr<Impl> impl_;
};

// Turns a stream of generated ids into text as they arrive; see the contract above.
class StreamingDecoder {
 public:
  explicit StreamingDecoder(const Tokenizer& tokenizer, bool render_special = false);
  // These control tokens render as their text even without render_special (a chat format's
  // structural tokens that its parser reads, as llama.cpp's preserved tokens).
  void render_also(std::vector<std::int32_t> ids);
  // The text that became final with this token (possibly empty).
  std::string push(std::int32_t id);
  // Everything held back, including an incomplete UTF-8 tail; the decoder then starts afresh.
  std::string finish();
  void reset();

 private:
  const Tokenizer* tok_;
  bool render_special_;
  std::vector<std::int32_t> render_also_;  // sorted
  bool first_ = true;
  std::string pending_;  // decoded bytes not yet handed out
};

}  // namespace vkchat::tokenizer
