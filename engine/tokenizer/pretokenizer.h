// Pre-tokenizers for byte-level BPE: llama.cpp's split rules for each `tokenizer.ggml.pre`
// value, and the flags that come with them (merge skipping, BOS default, space clean-up).
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace vkchat::tokenizer::detail {

struct PreTokenizerInfo {
  std::string family;          // the llama.cpp family the name maps to, e.g. "llama3"
  bool ignore_merges = false;  // a whole word that is a token is taken as is
  bool add_bos = false;        // default for tokenizer.ggml.add_bos_token
  bool clean_spaces =
      true;  // detokenizer removes " ," " ." " 's" ... (clean_up_tokenization_spaces)
  // SentencePiece-style BPE (llama.cpp's gemma4): spaces become U+2581 before splitting, merges
  // run over UTF-8 characters rather than GPT-2 byte symbols, what the vocabulary lacks is spelled
  // with <0xXX> byte tokens, a run of newlines that is a token is taken whole, and BOS is always
  // added. Decoding turns U+2581 back into spaces.
  bool spm_style = false;
};

class PreTokenizer {
 public:
  // Throws UnsupportedModel naming `pre` when it is not a known pre-tokenizer. An empty name
  // means llama.cpp's "default".
  explicit PreTokenizer(std::string_view pre);
  ~PreTokenizer();
  PreTokenizer(PreTokenizer&&) noexcept;
  PreTokenizer& operator=(PreTokenizer&&) noexcept;

  const PreTokenizerInfo& info() const { return info_; }

  // Splits codepoints into words; returns each word's length in codepoints, in order.
  std::vector<std::size_t> split(const std::vector<std::uint32_t>& cps) const;

  // Every name this build knows (for messages and tests).
  static std::vector<std::string_view> known_names();

 private:
  struct Rules;
  PreTokenizerInfo info_;
  std::unique_ptr<Rules> rules_;
};

}  // namespace vkchat::tokenizer::detail
