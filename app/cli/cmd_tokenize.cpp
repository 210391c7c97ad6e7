// `vkchat-cli tokenize MODEL [--no-bos] [--special] [--text TEXT | --file PATH]`: token ids.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>

#include "cli/cli_common.h"
#include "gguf/gguf_reader.h"
#include "tokenizer/tokenizer.h"
#include "util/errors.h"

namespace vkchat::cli {

extern const std::string_view kTokenizeHelp;
const std::string_view kTokenizeHelp =
    "usage: vkchat-cli tokenize MODEL [--no-bos] [--special] [--text TEXT | --file PATH]\n"
    "\n"
    "Prints the token ids of a text on one line, separated by single spaces. The text comes\n"
    "from --text, from --file (its bytes exactly, nothing trimmed) or else from standard input.\n"
    "Works on vocab-only GGUF files.\n"
    "  --no-bos    add neither BOS nor EOS, whatever the model's metadata says\n"
    "  --special   turn special tokens written in the text (e.g. <|im_start|>) into their ids\n";

namespace {

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw FileError(path, "cannot open");
  std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw FileError(path, "read failed");
  return s;
}

}  // namespace

int run_tokenize(Args& args) {
  const bool no_bos = args.flag("--no-bos");
  const bool special = args.flag("--special");
  const auto text_arg = args.value("--text");
  const auto file_arg = args.value("--file");
  const auto pos = args.positionals();
  if (pos.size() != 1) throw UsageError("expected exactly one MODEL argument");
  if (text_arg && file_arg) throw UsageError("give either --text or --file, not both");

  std::string text;
  if (text_arg)
    text = *text_arg;
  else if (file_arg)
    text = read_bytes(*file_arg);
  else
    text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());

  const auto file = gguf::GgufFile::open(pos[0]);
  const auto tok = tokenizer::Tokenizer::from_gguf(file);
  const auto ids = tok.encode(text, !no_bos, special);
  std::string line;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (i) line.push_back(' ');
    line += std::to_string(ids[i]);
  }
  line.push_back('\n');
  std::fwrite(line.data(), 1, line.size(), stdout);
  return kExitOk;
}

}  // namespace vkchat::cli
