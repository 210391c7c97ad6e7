// `vkchat-cli detokenize MODEL [--special] ID...`: the text of token ids.
#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <string>

#include "cli/cli_common.h"
#include "gguf/gguf_reader.h"
#include "tokenizer/tokenizer.h"

namespace vkchat::cli {

extern const std::string_view kDetokenizeHelp;
const std::string_view kDetokenizeHelp =
    "usage: vkchat-cli detokenize MODEL [--special] ID...\n"
    "\n"
    "Prints the text of the token ids exactly as decoded (a newline is added only when\n"
    "standard output is a terminal). Works on vocab-only GGUF files.\n"
    "  --special   render control tokens (BOS, <|im_end|>, ...) as their text\n";

int run_detokenize(Args& args) {
  const bool special = args.flag("--special");
  const auto pos = args.positionals();
  if (pos.empty()) throw UsageError("expected MODEL and token ids");

  const auto file = gguf::GgufFile::open(pos[0]);
  const auto tok = tokenizer::Tokenizer::from_gguf(file);
  std::vector<std::int32_t> ids;
  for (std::size_t i = 1; i < pos.size(); ++i) {
    std::int32_t id = 0;
    const std::string& s = pos[i];
    const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), id);
    if (ec != std::errc() || p != s.data() + s.size()) {
      throw UsageError("token id '" + s + "' is not an integer");
    }
    if (id < 0 || id >= tok.vocab_size()) {
      throw UsageError("token id " + s + " is outside the vocabulary (" +
                       std::to_string(tok.vocab_size()) + " tokens)");
    }
    ids.push_back(id);
  }
  std::string text = tok.decode(ids, special);
  if (isatty(STDOUT_FILENO) && (text.empty() || text.back() != '\n')) text.push_back('\n');
  std::fwrite(text.data(), 1, text.size(), stdout);
  return kExitOk;
}

}  // namespace vkchat::cli
