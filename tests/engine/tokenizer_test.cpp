// Tokenizer: llama.cpp's vectors for ten vocabularies, and the peer's for Qwen 3.5's, pass exactly;
// decoding round-trips and streams; special tokens, BOS/EOS and bad metadata behave as documented.
#include "tokenizer/tokenizer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "gguf/gguf_reader.h"
#include "support/test_support.h"
#include "util/errors.h"

using vkchat::gguf::GgufFile;
using vkchat::tokenizer::StreamingDecoder;
using vkchat::tokenizer::Tokenizer;

namespace {

const char* const kVocabs[] = {"deepseek-coder", "deepseek-llm", "falcon", "gpt-2",
                               "llama-bpe",      "llama-spm",    "phi-3",  "qwen2",
                               "refact",         "starcoder",    "qwen35", "gemma-4"};

struct Vector {
  std::string text;
  std::vector<std::int32_t> ids;
};

std::string vocab_path(const std::string& name) {
  return vkchat::test::shared_path("tokenizer/ggml-vocab-" + name + ".gguf").string();
}

// Where a vocabulary's vectors are: beside it in ../shared (llama.cpp's), else in
// tests/data/tokenizer (made with the peer's llama.cpp for vocabularies llama.cpp ships without
// vectors, such as Qwen 3.5's and Gemma 4's: scripts/tokenizer-vectors.mjs). Neither there:
// read_file fails the test. `set` picks another set beside the first (".special").
std::string vectors_base(const std::string& name, const std::string& set = "") {
  const std::string shared = vocab_path(name) + set;
  if (std::filesystem::exists(shared + ".inp")) return shared;
  return std::string(VKCHAT_TEST_DATA_DIR) + "/tokenizer/ggml-vocab-" + name + ".gguf" + set;
}

// llama.cpp's test-tokenizer-0 layout: each input is followed by "\n__ggml_vocab_test__\n";
// the .out file has one line of space-separated ids per input.
std::vector<Vector> load_vectors(const std::string& name, const std::string& set = "") {
  const std::string inp = vkchat::test::read_file(vectors_base(name, set) + ".inp");
  const std::string out = vkchat::test::read_file(vectors_base(name, set) + ".out");
  const std::string sep = "\n__ggml_vocab_test__\n";
  std::vector<Vector> v;
  for (std::size_t at = 0;;) {
    const std::size_t end = inp.find(sep, at);
    if (end == std::string::npos) break;
    v.push_back({inp.substr(at, end - at), {}});
    at = end + sep.size();
  }
  if (static_cast<std::size_t>(std::count(out.begin(), out.end(), '\n')) != v.size()) {
    throw std::runtime_error(name + set + ": the .out file does not have one line per input");
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

// One test per vocabulary (loading is the slow part under sanitizers): ids exactly as
// llama.cpp's, decode gives the input back where clean-up allows, and streaming token by token
// gives the same text as decoding the whole sequence.
TEST_P(TokenizerVectors, MatchLlamaCppRoundTripAndStream) {
  const Tokenizer& tok = load(GetParam());
  const auto vectors = load_vectors(GetParam());
  ASSERT_GE(vectors.size(), 46u);  // llama.cpp's inputs, and more for vocabularies we made
  int failures = 0;
  for (const Vector& v : vectors) {
    SCOPED_TRACE("input: '" + v.text + "'");
    const auto ids = tok.encode(v.text, false, false);
    EXPECT_EQ(ids, v.ids) << "\n got:" << ids_string(ids) << "\nwant:" << ids_string(v.ids);
    failures += ids != v.ids;

    const std::string whole = tok.decode(v.ids);
    const bool cleaned =
        tok.kind() == vkchat::tokenizer::VocabKind::Bpe && has_cleanup_pattern(v.text);
    if (!cleaned) {
      // Vocabularies that store spaces as U+2581 give a literal U+2581 back as a space.
      std::string want = v.text;
      if (tok.kind() == vkchat::tokenizer::VocabKind::Spm || tok.model_name() == "gemma4") {
        for (std::size_t at; (at = want.find("\xE2\x96\x81")) != std::string::npos;) {
          want.replace(at, 3, " ");
        }
      }
      EXPECT_EQ(whole, want);
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
  EXPECT_EQ(failures, 0);
}

INSTANTIATE_TEST_SUITE_P(Vocabs, TokenizerVectors, ::testing::ValuesIn(kVocabs),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (char& c : n) {
                             if (c == '-') c = '_';
                           }
                           return n;
                         });

namespace {

// A GGUF's bytes with one string metadata value replaced (vocab-only files have no tensor data
// to move).
std::vector<std::uint8_t> with_metadata_string(const std::string& path, const std::string& key,
                                               const std::string& value) {
  std::string bytes = vkchat::test::read_file(path);
  std::string needle(8, '\0');
  const std::uint64_t klen = key.size();
  std::memcpy(needle.data(), &klen, 8);
  needle += key;
  const std::size_t at = bytes.find(needle);
  if (at == std::string::npos) throw std::runtime_error("no key " + key);
  const std::size_t len_at = at + needle.size() + 4;  // after the u32 type (string)
  std::uint64_t old_len = 0;
  std::memcpy(&old_len, bytes.data() + len_at, 8);
  std::string repl(8, '\0');
  const std::uint64_t vlen = value.size();
  std::memcpy(repl.data(), &vlen, 8);
  repl += value;
  bytes.replace(len_at, 8 + old_len, repl);
  return {bytes.begin(), bytes.end()};
}

Tokenizer with_pre(const std::string& pre) {
  return Tokenizer::from_gguf(GgufFile::from_memory(
      with_metadata_string(vocab_path("gpt-2"), "tokenizer.ggml.pre", pre), "gpt-2-as-" + pre));
}

}  // namespace

TEST(Tokenizer, SpecialTokensParsedOnlyWhenAsked) {
  const Tokenizer& tok = load("qwen2");
  const std::int32_t start = *tok.find_token("<|im_start|>");
  const std::int32_t end = *tok.find_token("<|im_end|>");
  const std::string text = "<|im_start|>user\nHello!<|im_end|>";
  const auto parsed = tok.encode(text, false, true);
  ASSERT_GE(parsed.size(), 3u);
  EXPECT_EQ(parsed.front(), start);
  EXPECT_EQ(parsed.back(), end);
  const auto middle = tok.encode("user\nHello!", false, false);
  EXPECT_EQ(std::vector<std::int32_t>(parsed.begin() + 1, parsed.end() - 1), middle);

  const auto literal = tok.encode(text, false, false);
  EXPECT_EQ(std::count(literal.begin(), literal.end(), start), 0);
  EXPECT_EQ(std::count(literal.begin(), literal.end(), end), 0);
  EXPECT_EQ(tok.decode(literal), text);
  // Control tokens are hidden unless rendered.
  EXPECT_EQ(tok.decode(parsed), "user\nHello!");
  EXPECT_EQ(tok.decode(parsed, true), text);
  EXPECT_TRUE(tok.is_eog(end));
  EXPECT_TRUE(tok.is_hidden(start));
}

TEST(Tokenizer, UserDefinedTokensAlwaysMatch) {
  // deepseek-coder lists single characters such as "õ" as user-defined tokens.
  const Tokenizer& tok = load("deepseek-coder");
  const std::int32_t id = *tok.find_token("õ");
  ASSERT_EQ(tok.token_type(id), vkchat::tokenizer::TokenType::UserDefined);
  const auto ids = tok.encode("abcõdef", false, false);
  EXPECT_EQ(std::count(ids.begin(), ids.end(), id), 1);
  EXPECT_EQ(tok.decode(ids), "abcõdef");
}

TEST(Tokenizer, Phi3SpecialTokensEatFollowingSpace) {
  const Tokenizer& tok = load("phi-3");
  const std::int32_t user = *tok.find_token("<|user|>");
  auto expected = tok.encode("hi there", false, false);  // SPM adds its own leading "▁"
  expected.insert(expected.begin(), user);
  EXPECT_EQ(tok.encode("<|user|>   hi there", false, true), expected);
}

TEST(Tokenizer, BosAndEosFollowMetadata) {
  const Tokenizer& spm = load("llama-spm");
  EXPECT_TRUE(spm.adds_bos());
  EXPECT_FALSE(spm.adds_eos());
  const auto with = spm.encode("Hello", true, false);
  const auto without = spm.encode("Hello", false, false);
  ASSERT_EQ(with.size(), without.size() + 1);
  EXPECT_EQ(with.front(), spm.bos());
  EXPECT_EQ(spm.decode(without), "Hello");
  EXPECT_EQ(spm.decode(with), " Hello");  // as llama_detokenize: only the first piece is stripped
  EXPECT_EQ(spm.decode(with, true), "<s> Hello");

  const Tokenizer& llama3 = load("llama-bpe");  // no add_bos key: llama3's default is on
  EXPECT_TRUE(llama3.adds_bos());
  EXPECT_EQ(llama3.encode("Hi", true, false).front(), llama3.bos());
  EXPECT_EQ(llama3.eot(), *llama3.find_token("<|eot_id|>"));
  EXPECT_TRUE(llama3.is_eog(llama3.eot()));
  EXPECT_TRUE(llama3.is_eog(llama3.eos()));

  const Tokenizer& gpt2 = load("gpt-2");
  EXPECT_FALSE(gpt2.adds_bos());
  EXPECT_EQ(gpt2.encode("Hi", true, false), gpt2.encode("Hi", false, false));
}

// Gemma 4's special tokens in context, parsed, give the peer's ids (its ".special" set) and
// render back as written; BOS is added even where the file says not to, as llama.cpp does; its
// ends of turn end generation.
TEST(Tokenizer, Gemma4SpecialTokensBosAndEog) {
  const Tokenizer& tok = load("gemma-4");
  const auto vectors = load_vectors("gemma-4", ".special");
  ASSERT_GE(vectors.size(), 10u);
  for (const Vector& v : vectors) {
    SCOPED_TRACE("input: '" + v.text + "'");
    const auto ids = tok.encode(v.text, false, true);
    EXPECT_EQ(ids, v.ids) << "\n got:" << ids_string(ids) << "\nwant:" << ids_string(v.ids);
    if (!has_cleanup_pattern(v.text)) {
      EXPECT_EQ(tok.decode(v.ids, true), v.text);
    }
  }
  const std::int32_t turn = *tok.find_token("<|turn>"), end = *tok.find_token("<turn|>");
  EXPECT_EQ(tok.decode(tok.encode("<|turn>user\nHi<turn|>", false, true)), "user\nHi");
  for (const char* t : {"<eos>", "<turn|>", "<|tool_response>"}) {
    EXPECT_TRUE(tok.is_eog(*tok.find_token(t))) << t;
  }
  EXPECT_FALSE(tok.is_eog(turn));
  EXPECT_TRUE(tok.is_hidden(end));
  // Malformed UTF-8 is U+FFFD here too, never an exception.
  EXPECT_EQ(tok.encode("x\xe4\xb8 y", false, false),
            tok.encode("x\xef\xbf\xbd\xef\xbf\xbd y", false, false));

  // The file's tokenizer.ggml.add_bos_token turned off: still on.
  std::string bytes = vkchat::test::read_file(vocab_path("gemma-4"));
  const std::string key = "tokenizer.ggml.add_bos_token";
  std::string needle(8, '\0');
  const std::uint64_t klen = key.size();
  std::memcpy(needle.data(), &klen, 8);
  needle += key;
  const std::size_t at = bytes.find(needle);
  ASSERT_NE(at, std::string::npos);
  ASSERT_EQ(bytes[at + needle.size()], 7);  // GGUF bool
  bytes[at + needle.size() + 4] = 0;
  const Tokenizer off = Tokenizer::from_gguf(GgufFile::from_memory(
      std::vector<std::uint8_t>(bytes.begin(), bytes.end()), "gemma-4-without-add-bos"));
  EXPECT_TRUE(off.adds_bos());
  std::vector<std::int32_t> want{tok.bos()};
  for (std::int32_t id : tok.encode("Hi", false, false)) want.push_back(id);
  EXPECT_EQ(off.encode("Hi", true, false), want);
}

TEST(Tokenizer, MalformedUtf8NeverThrows) {
  const Tokenizer& spm = load("llama-spm");
  // SentencePiece spells bytes it cannot place with <0xXX> tokens.
  const auto ids = spm.encode("a\xff", false, false);
  ASSERT_FALSE(ids.empty());
  EXPECT_EQ(ids.back(), *spm.find_token("<0xFF>"));
  EXPECT_EQ(spm.decode(ids), "a\xff");
  // Byte-level BPE sees U+FFFD, like llama.cpp.
  const Tokenizer& bpe = load("qwen2");
  EXPECT_EQ(bpe.encode("x\xe4\xb8", false, false),
            bpe.encode("x\xef\xbf\xbd\xef\xbf\xbd", false, false));
}

TEST(Tokenizer, StreamingHoldsBackSplitCharacters) {
  const Tokenizer& spm = load("llama-spm");
  // "你" = E4 BD A0, here as three byte tokens.
  const std::vector<std::int32_t> ids = {*spm.find_token("<0xE4>"), *spm.find_token("<0xBD>"),
                                         *spm.find_token("<0xA0>"), *spm.find_token("▁ok")};
  StreamingDecoder dec(spm);
  EXPECT_EQ(dec.push(ids[0]), "");
  EXPECT_EQ(dec.push(ids[1]), "");
  EXPECT_EQ(dec.push(ids[2]), "你");
  EXPECT_EQ(dec.push(ids[3]), " ok");
  EXPECT_EQ(dec.finish(), "");
  // An incomplete tail comes out on finish.
  EXPECT_EQ(dec.push(ids[0]), "");
  EXPECT_EQ(dec.finish(), "\xe4");
}

TEST(Tokenizer, StreamingRendersTheControlTokensItIsGiven) {
  const Tokenizer& tok = load("qwen2");
  const std::int32_t start = *tok.find_token("<|im_start|>");
  const std::int32_t end = *tok.find_token("<|im_end|>");
  ASSERT_TRUE(tok.is_hidden(start) && tok.is_hidden(end));
  const std::vector<std::int32_t> hi = tok.encode("hi", false, false);
  StreamingDecoder plain(tok);
  StreamingDecoder shown(tok);
  shown.render_also({end, start});  // any order
  std::string a, b;
  for (std::int32_t id : {start, hi[0], end}) {
    a += plain.push(id);
    b += shown.push(id);
  }
  EXPECT_EQ(a + plain.finish(), "hi");
  EXPECT_EQ(b + shown.finish(), "<|im_start|>hi<|im_end|>");
}

TEST(Tokenizer, StreamingWaitsForSpaceCleanup) {
  const Tokenizer& tok = load("gpt-2");  // clean_up_tokenization_spaces: " ," becomes ","
  const auto ids = tok.encode("Hello , world 's end .", false, false);
  std::string streamed;
  StreamingDecoder dec(tok);
  for (const std::int32_t id : ids) streamed += dec.push(id);
  streamed += dec.finish();
  EXPECT_EQ(streamed, tok.decode(ids));
  EXPECT_EQ(streamed, "Hello, world's end.");
}

TEST(Tokenizer, UnknownPreTokenizerIsNamed) {
  try {
    (void)with_pre("no-such-pre");
    FAIL() << "expected UnsupportedModel";
  } catch (const vkchat::UnsupportedModel& e) {
    EXPECT_NE(std::string(e.what()).find("'no-such-pre'"), std::string::npos) << e.what();
  }
  const auto bad_model = with_metadata_string(vocab_path("gpt-2"), "tokenizer.ggml.model", "gpt9");
  EXPECT_THROW(Tokenizer::from_gguf(GgufFile::from_memory(bad_model, "gpt9")),
               vkchat::UnsupportedModel);
}

// Other pre-tokenizer families on the gpt-2 vocabulary; ids recorded from llama.cpp (the peer)
// with the same file and `tokenizer.ggml.pre` rewritten.
TEST(Tokenizer, PreTokenizerFamiliesMatchPeer) {
  const std::vector<std::string> samples = {
      "Hello World! HELLO world ÄB éa ÉcoleMAISON don't I'LL",
      "x = a_b+c*3.14 // ~tilde ~~ 12345678\n\n  \tdef f():\n    return [1,2]",
      "机器学习 日本語テキスト 한국어 😀🦙 ½ Ⅷ ٣٣",
      "  leading   spaces\r\n\r\ntrailing  ",
  };
  const std::vector<std::pair<std::string, std::vector<std::vector<std::int32_t>>>> expected = {
      {"tekken",
       {{15496, 2159, 0,   47899, 46,    995, 6184, 226, 33, 38251, 64,
         43052, 1073, 293, 5673,  39960, 836, 470,  314, 6,  3069},
        {87,    796,  257,  62,    65,  10,  66,  9,   18,   13,  16, 19, 3373, 5299, 83,
         44725, 220,  4907, 220,   16,  17,  18,  19,  20,   21,  22, 23, 628,  220,  220,
         197,   4299, 277,  33529, 198, 220, 220, 220, 1441, 685, 16, 11, 17,   60},
        {17312, 118,   161, 247,   101, 27764, 99,    20046, 254,  10545, 245,
         98,    17312, 105, 45739, 252, 24336, 25084, 43302, 220,  47991, 250,
         166,   113,   255, 168,   244, 112,   30325, 222,   8582, 99,    247,
         220,   23141, 220, 158,   227, 100,   220,   149,   96,   149,   96},
        {220, 3756, 220, 220, 9029, 201, 198, 201, 198, 9535, 4386, 220, 220}}},
      {"gpt-4o",
       {{15496, 2159, 0,   47899, 46,    995, 6184, 226, 33, 38251, 64,
         43052, 1073, 293, 5673,  39960, 836, 470,  314, 6,  3069},
        {87,  796,   257, 62,   65,  10,    66,    9,    18,  13,  1415, 3373, 5299,
         83,  44725, 220, 4907, 220, 10163, 29228, 3695, 628, 220, 220,  197,  4299,
         277, 33529, 198, 220,  220, 220,   1441,  685,  16,  11,  17,   60},
        {17312, 118,   161, 247,   101, 27764, 99,    20046, 254,  10545, 245,
         98,    17312, 105, 45739, 252, 24336, 25084, 43302, 220,  47991, 250,
         166,   113,   255, 168,   244, 112,   30325, 222,   8582, 99,    247,
         220,   23141, 220, 158,   227, 100,   220,   149,   96,   149,   96},
        {220, 3756, 220, 220, 9029, 201, 198, 201, 198, 9535, 4386, 220, 220}}},
      {"smollm",
       {{15496, 2159, 0,   47899, 46,    995, 6184, 226, 33, 38251, 64,
         43052, 1073, 293, 5673,  39960, 836, 470,  314, 6,  3069},
        {87,    796,  257,  62,    65,  10,  66,  9,   18,   13,  16, 19, 3373, 5299, 83,
         44725, 220,  4907, 220,   16,  17,  18,  19,  20,   21,  22, 23, 628,  220,  220,
         197,   4299, 277,  33529, 198, 220, 220, 220, 1441, 685, 16, 11, 17,   60},
        {17312, 118,   161, 247,   101, 27764, 99,    20046, 254,  10545, 245,
         98,    17312, 105, 45739, 252, 24336, 25084, 43302, 220,  47991, 250,
         166,   113,   255, 168,   244, 112,   30325, 222,   8582, 99,    247,
         220,   23141, 220, 158,   227, 100,   220,   149,   96,   149,   96},
        {220, 3756, 220, 220, 9029, 201, 198, 201, 198, 9535, 4386, 220, 220}}},
      {"deepseek-v3",
       {{15496, 2159, 0,   47899, 46,    995, 6184, 226, 33, 38251, 64,
         43052, 1073, 293, 5673,  39960, 836, 470,  314, 6,  3069},
        {87,  796,   257, 62,   65,  10,    66,    9,    18,  13,  1415, 3373, 5299,
         83,  44725, 220, 4907, 220, 10163, 29228, 3695, 628, 220, 220,  197,  4299,
         277, 33529, 198, 220,  220, 220,   1441,  685,  16,  11,  17,   60},
        {17312, 118,   161, 247,   101, 27764, 99,    20046, 254,  220,   33768,
         98,    17312, 105, 45739, 252, 24336, 25084, 43302, 220,  47991, 250,
         166,   113,   255, 168,   244, 112,   30325, 222,   8582, 99,    247,
         220,   23141, 220, 158,   227, 100,   220,   149,   96,   149,   96},
        {220, 3756, 220, 220, 9029, 201, 198, 201, 198, 9535, 4386, 220, 220}}},
      {"default",
       {{15496, 2159, 0,   47899, 46,    995, 6184, 226, 33,  38251, 64,
         43052, 1073, 293, 5673,  39960, 836, 6,    83,  314, 6,     3069},
        {87,   220, 28,    257,   62,  65,   10,  66,    9,     18,   13,  1415, 220, 1003,
         220,  93,  83,    44725, 220, 4907, 220, 10163, 29228, 3695, 628, 220,  220, 197,
         4299, 277, 33529, 198,   220, 220,  220, 1441,  220,   58,   16,  11,   17,  60},
        {17312, 118,   161, 247,   101, 27764, 99,    20046, 254,  10545, 245,
         98,    17312, 105, 45739, 252, 24336, 25084, 43302, 220,  47991, 250,
         166,   113,   255, 168,   244, 112,   30325, 222,   8582, 99,    247,
         220,   23141, 220, 158,   227, 100,   220,   149,   96,   149,   96},
        {220, 3756, 220, 220, 9029, 201, 198, 201, 198, 9535, 4386, 220, 220}}},
  };
  for (const auto& [pre, rows] : expected) {
    const Tokenizer tok = with_pre(pre);
    for (std::size_t i = 0; i < samples.size(); ++i) {
      EXPECT_EQ(tok.encode(samples[i], false, false), rows[i]) << pre << ": " << samples[i];
    }
  }
}

namespace {

// stdout of a vkchat-cli run that must succeed.
std::string run_cli(const std::string& args) {
  const vkchat::test::CliRun r = vkchat::test::run_cli(args);
  EXPECT_EQ(r.exit_code, 0) << args;
  return r.out;
}

}  // namespace

TEST(Tokenizer, CliTokenizeAndDetokenize) {
  const std::string model = vocab_path("llama-spm");
  const Tokenizer& tok = load("llama-spm");
  const std::string text = "Hello world\n";  // a trailing newline that --file must keep
  const std::string file = ::testing::TempDir() + "tok_cli_input.txt";
  std::ofstream(file, std::ios::binary) << text;

  std::string want;
  for (const std::int32_t id : tok.encode(text, true, false)) {
    want += (want.empty() ? "" : " ") + std::to_string(id);
  }
  EXPECT_EQ(run_cli("tokenize '" + model + "' --file '" + file + "'"), want + "\n");
  const std::string no_bos = run_cli("tokenize '" + model + "' --no-bos --text 'Hello world'");
  std::string want_no_bos;
  for (const std::int32_t id : tok.encode("Hello world", false, false)) {
    want_no_bos += (want_no_bos.empty() ? "" : " ") + std::to_string(id);
  }
  EXPECT_EQ(no_bos, want_no_bos + "\n");
  EXPECT_EQ(run_cli("detokenize '" + model + "' " + want_no_bos), "Hello world");
}
