// Model files whose metadata is well-formed GGUF but wrong: every case is refused at load with a
// one-line message naming the key and the numbers (exit 1 in the CLI), before anything indexes
// or allocates with the bad value. Crafted here from a synthetic tiny model and the shared
// vocabularies.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "gguf/gguf_reader.h"
#include "llm/kv_cache.h"
#include "llm/scratch.h"
#include "model/weights.h"
#include "store/temp_dir.h"
#include "support/gguf_edit.h"
#include "support/test_support.h"
#include "synth/synth_model.h"
#include "tokenizer/tokenizer.h"
#include "util/checked_math.h"
#include "util/errors.h"

namespace vkchat::test {
namespace {

using gguf::GgufFile;
using gguf::GgufWriter;

std::filesystem::path vocab(const std::string& name) {
  return shared_path("tokenizer/ggml-vocab-" + name + ".gguf");
}

// The synthetic "tiny" llama (2 layers, llama-spm's 32000 tokens), written once per process.
const std::filesystem::path& tiny_model() {
  static TempDir dir;
  static const std::filesystem::path path = [] {
    synth::SynthOptions o;
    o.vocab = vocab("llama-spm");
    o.out = dir / "tiny.gguf";
    o.threads = 2;
    synth::write_synth_model(*synth::find_preset("tiny"), *synth::find_file_type("Q8_0"), o);
    return o.out;
  }();
  return path;
}

std::string quoted(const std::filesystem::path& p) {
  return "'" + p.string() + "'";
}

// The message of the error `f` throws, "" when it throws none.
template <class E, class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  return "";
}

class BadMetadata : public ::testing::Test {
 protected:
  // tiny_model() with `edit` applied to its metadata.
  std::filesystem::path with_metadata(const std::function<void(GgufWriter&)>& edit) {
    const std::filesystem::path out = dir_ / ("crafted" + std::to_string(n_++) + ".gguf");
    GgufEdits e;
    e.metadata = edit;
    edit_gguf(tiny_model(), out, e);
    return out;
  }
  // read_model_spec's MetadataError for the file.
  static std::string spec_error(const std::filesystem::path& p) {
    const GgufFile f = GgufFile::open(p);
    return error_of<MetadataError>([&] { model::read_model_spec(f); });
  }
  // `vkchat-cli generate` on the file: exit 1 and one line naming `key`. Every case fails before
  // a Vulkan device is opened.
  static void expect_cli_refuses(const std::filesystem::path& p, const std::string& key) {
    const CliRun r = run_cli("generate -m " + quoted(p) + " -p hi -n 1 2>&1");
    EXPECT_EQ(r.exit_code, 1) << r.out;
    EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << r.out;
    EXPECT_NE(r.out.find(key), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find("internal error"), std::string::npos) << r.out;
  }

  TempDir dir_;
  int n_ = 0;
};

TEST_F(BadMetadata, TheUneditedModelLoads) {
  const GgufFile f = GgufFile::open(tiny_model());
  const model::ModelSpec s = model::read_model_spec(f);
  EXPECT_EQ(s.hp.n_vocab, 32000);
  EXPECT_EQ(tokenizer::Tokenizer::from_gguf(f).vocab_size(), 32000);
}

TEST_F(BadMetadata, VocabularyShorterThanTheEmbeddingsIsRefusedWithBothNumbers) {
  const GgufFile base = GgufFile::open(tiny_model());
  const auto tokens = base.get_array<std::string_view>("tokenizer.ggml.tokens");
  const auto scores = base.get_array<float>("tokenizer.ggml.scores");
  const auto types = base.get_array<std::int32_t>("tokenizer.ggml.token_type");
  const auto p = with_metadata([&](GgufWriter& w) {
    w.set_array("tokenizer.ggml.tokens",
                std::vector<std::string_view>(tokens.begin(), tokens.begin() + 300));
    w.set_array("tokenizer.ggml.scores", std::vector<float>(scores.begin(), scores.begin() + 300));
    w.set_array("tokenizer.ggml.token_type",
                std::vector<std::int32_t>(types.begin(), types.begin() + 300));
  });
  const CliRun r = run_cli("generate -m " + quoted(p) + " -p 'hello world' -n 4 2>&1");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("300 tokens"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("32000 rows"), std::string::npos) << r.out;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << r.out;
}

TEST_F(BadMetadata, RopeDimensionCountIsRangeCheckedBeforeNarrowing) {
  // 2^32 used to become 0 ("internal error: n_rot 0 must be even"), 2^33 + 2 silently 2.
  for (const std::uint64_t v : {std::uint64_t{1} << 32, (std::uint64_t{1} << 33) + 2}) {
    const auto p = with_metadata([&](GgufWriter& w) { w.set("llama.rope.dimension_count", v); });
    const std::string e = spec_error(p);
    EXPECT_NE(e.find("'llama.rope.dimension_count' is " + std::to_string(v)), std::string::npos)
        << e;
    expect_cli_refuses(p, "llama.rope.dimension_count");
  }
  // Odd, or above the head dimension (64).
  for (const std::uint32_t v : {33u, 66u}) {
    const auto p = with_metadata([&](GgufWriter& w) { w.set("llama.rope.dimension_count", v); });
    const std::string e = spec_error(p);
    EXPECT_NE(e.find("even count of at most the head dimension 64"), std::string::npos) << e;
  }
}

TEST_F(BadMetadata, CountsAreBoundedSoThatProductsCannotOverflow) {
  // head_count x key_length overflowed int64 (UBSan at hparams.h:32).
  const std::pair<const char*, std::uint64_t> cases[] = {
      {"llama.attention.key_length", std::uint64_t{1} << 62},
      {"llama.attention.head_count", std::uint64_t{1} << 40},
      {"llama.attention.head_count_kv", std::uint64_t{1} << 40},
      {"llama.embedding_length", std::uint64_t{1} << 50},
      {"llama.feed_forward_length", std::uint64_t{1} << 50},
      {"llama.block_count", 1000000},
      {"llama.context_length", std::uint64_t{1} << 40},
      {"llama.block_count", 0},
  };
  for (const auto& [key, v] : cases) {
    const auto p = with_metadata([&](GgufWriter& w) { w.set(key, v); });
    const std::string e = spec_error(p);
    EXPECT_NE(e.find(std::string("'") + key + "' is " + std::to_string(v) +
                     ", expected a count from 1 to "),
              std::string::npos)
        << key << ": " << e;
  }
  const auto p = with_metadata(
      [&](GgufWriter& w) { w.set("llama.attention.key_length", std::uint64_t{1} << 62); });
  expect_cli_refuses(p, "llama.attention.key_length");
}

TEST_F(BadMetadata, HeadCountsThatDoNotDivideAreNamed) {
  const auto p = with_metadata([&](GgufWriter& w) { w.set("llama.attention.head_count_kv", 3u); });
  const std::string e = spec_error(p);
  EXPECT_NE(e.find("llama.attention.head_count 4 is not a multiple of "
                   "llama.attention.head_count_kv 3"),
            std::string::npos)
      << e;
  expect_cli_refuses(p, "head_count_kv");
}

TEST_F(BadMetadata, NonFiniteFloatsAreNamedAsSuch) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  const std::pair<const char*, float> cases[] = {
      {"llama.attention.layer_norm_rms_epsilon", nan},
      {"llama.attention.layer_norm_rms_epsilon", -1.f},
      {"llama.rope.freq_base", nan},
      {"llama.rope.freq_base", inf},
      {"llama.rope.freq_base", 0.f},
      {"llama.rope.scaling.factor", nan},
  };
  for (const auto& [key, v] : cases) {
    const auto p = with_metadata([&](GgufWriter& w) { w.set(key, v); });
    const std::string e = spec_error(p);
    EXPECT_NE(e.find(std::string("'") + key + "' is "), std::string::npos) << e;
    EXPECT_NE(e.find("expected a finite number"), std::string::npos) << e;
    EXPECT_EQ(e.find("must not be negative"), std::string::npos) << e;
    if (std::isnan(v)) {
      EXPECT_NE(e.find("nan"), std::string::npos) << e;
    }
  }
  const auto p = with_metadata([&](GgufWriter& w) { w.set("llama.rope.freq_base", nan); });
  expect_cli_refuses(p, "llama.rope.freq_base");
}

TEST_F(BadMetadata, SpecialTokenIdsOutsideTheVocabularyAreIgnoredAsLlamaCppDoes) {
  const auto p = with_metadata([&](GgufWriter& w) {
    w.set("tokenizer.ggml.eos_token_id", std::uint64_t{1} << 40);
    w.set("tokenizer.ggml.padding_token_id", std::int32_t{-5});
    w.set("tokenizer.ggml.add_bos_token", false);
  });
  const GgufFile f = GgufFile::open(p);
  const tokenizer::Tokenizer t = tokenizer::Tokenizer::from_gguf(f);
  // The default (llama's 2) stays; nothing indexes with 2^40.
  EXPECT_GE(t.eos(), 0);
  EXPECT_LT(t.eos(), t.vocab_size());
  const std::vector<std::int32_t> ids = t.encode("hello", true, true);
  EXPECT_FALSE(ids.empty());
  // An out-of-range BOS id leaves llama's default (1), which encode() adds.
  const auto q = with_metadata([&](GgufWriter& w) {
    w.set("tokenizer.ggml.bos_token_id", std::uint32_t{99999});
    w.set("tokenizer.ggml.add_bos_token", true);
  });
  const GgufFile g = GgufFile::open(q);
  const tokenizer::Tokenizer u = tokenizer::Tokenizer::from_gguf(g);
  EXPECT_EQ(u.encode("hello", true, true).front(), 1);
}

TEST_F(BadMetadata, TokenTypesOutsideTheEnumAreUndefinedNotIndexes) {
  const GgufFile base = GgufFile::open(tiny_model());
  const auto types = base.get_array<std::int32_t>("tokenizer.ggml.token_type");
  std::vector<std::int32_t> bad(types.begin(), types.end());
  for (std::size_t i = 0; i < bad.size(); i += 7) bad[i] = i % 2 ? 1000000 : -3;
  const auto p =
      with_metadata([&](GgufWriter& w) { w.set_array("tokenizer.ggml.token_type", bad); });
  const GgufFile f = GgufFile::open(p);
  const tokenizer::Tokenizer t = tokenizer::Tokenizer::from_gguf(f);
  const std::vector<std::int32_t> ids = t.encode("Once upon a time", true, true);
  EXPECT_FALSE(ids.empty());
  (void)t.decode(ids, true);
}

// A copy of a vocabulary-only GGUF with `edit` applied.
std::filesystem::path edited_vocab(const TempDir& dir, const std::string& name,
                                   const std::function<void(const GgufFile&, GgufWriter&)>& edit) {
  const GgufFile base = GgufFile::open(vocab(name));
  const std::filesystem::path out = dir / (name + "-edited.gguf");
  GgufEdits e;
  e.metadata = [&](GgufWriter& w) { edit(base, w); };
  edit_gguf(vocab(name), out, e);
  return out;
}

// The vocabulary with `extra` tokens appended (normal tokens, score 0).
void append_tokens(const GgufFile& base, GgufWriter& w, const std::vector<std::string>& extra) {
  const auto tokens = base.get_array<std::string_view>("tokenizer.ggml.tokens");
  std::vector<std::string> all(tokens.begin(), tokens.end());
  all.insert(all.end(), extra.begin(), extra.end());
  w.set_array("tokenizer.ggml.tokens", all);
  if (base.find_array("tokenizer.ggml.token_type")) {
    const auto types = base.get_array<std::int32_t>("tokenizer.ggml.token_type");
    std::vector<std::int32_t> t(types.begin(), types.end());
    t.resize(all.size(), 1);
    w.set_array("tokenizer.ggml.token_type", t);
  }
  if (base.find_array("tokenizer.ggml.scores")) {
    const auto scores = base.get_array<float>("tokenizer.ggml.scores");
    std::vector<float> s(scores.begin(), scores.end());
    s.resize(all.size(), 0.f);
    w.set_array("tokenizer.ggml.scores", s);
  }
}

TEST(BadVocabulary, MergesReferringToUnknownTokensAreRefused) {
  TempDir dir;
  const char* const bad_merges[] = {"Ġt hisisnotatoken", "nospace", "Ġt he"};
  for (const char* bad : bad_merges) {
    const auto p = edited_vocab(dir, "qwen2", [&](const GgufFile& base, GgufWriter& w) {
      const auto merges = base.get_array<std::string_view>("tokenizer.ggml.merges");
      std::vector<std::string_view> m(merges.begin(), merges.begin() + 10);
      m.push_back(bad);
      m.insert(m.end(), merges.begin() + 10, merges.end());
      w.set_array("tokenizer.ggml.merges", m);
    });
    const GgufFile f = GgufFile::open(p);
    const std::string e = error_of<MetadataError>([&] { tokenizer::Tokenizer::from_gguf(f); });
    if (std::string(bad) == "Ġt he") {  // both tokens exist, but "Ġthe" does as well: valid
      EXPECT_EQ(e, "");
      continue;
    }
    EXPECT_NE(e.find("tokenizer.ggml.merges: merge 10 '" + std::string(bad) + "'"),
              std::string::npos)
        << e;
    const CliRun r = run_cli("tokenize " + quoted(p) + " --text hi 2>&1");
    EXPECT_EQ(r.exit_code, 1) << r.out;
    EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << r.out;
  }
}

TEST(BadVocabulary, AbsurdlyLongTokensAreRefusedAndLongOnesLoadInLinearSpace) {
  TempDir dir;
  // 30,000 characters outside the byte map: 22 s and 2.9 GB before (the piece repeated the
  // whole token for each character).
  std::string absurd;
  for (int i = 0; i < 30000; ++i) absurd += "中";
  auto p = edited_vocab(
      dir, "qwen2", [&](const GgufFile& base, GgufWriter& w) { append_tokens(base, w, {absurd}); });
  const CliRun r = run_cli("tokenize " + quoted(p) + " --text hi 2>&1");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("tokenizer.ggml.tokens[151936] is 90000 bytes long, more than the 16384"),
            std::string::npos)
      << r.out;

  // Just under the limit: it loads, and its piece is a few bytes per character.
  std::string long_token;
  for (int i = 0; i < 5000; ++i) long_token += "中";
  p = edited_vocab(dir, "qwen2", [&](const GgufFile& base, GgufWriter& w) {
    append_tokens(base, w, {long_token});
  });
  const GgufFile f = GgufFile::open(p);
  const tokenizer::Tokenizer t = tokenizer::Tokenizer::from_gguf(f);
  const std::vector<std::int32_t> id = {151936};
  const std::string piece = t.decode(id, true);
  EXPECT_EQ(piece.rfind("[UNK_BYTE_0xe4b8ad]", 0), 0u) << piece.substr(0, 80);
  EXPECT_EQ(piece.size(), 5000u * std::strlen("[UNK_BYTE_0xe4b8ad]"));
}

TEST(BadFiles, AFifoIsRefusedWithoutBlocking) {
  TempDir dir;
  const std::filesystem::path fifo = dir / "model.gguf";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const std::string e = error_of<FileError>([&] { GgufFile::open(fifo); });
  EXPECT_NE(e.find("is not a regular file"), std::string::npos) << e;
  const CliRun r = run_cli("info " + quoted(fifo) + " 2>&1");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("is not a regular file"), std::string::npos) << r.out;
}

TEST(BadSizes, KvCacheEstimateSaturatesInsteadOfWrapping) {
  model::HParams hp;
  hp.n_layer = model::kMaxLayers;
  hp.n_head = hp.n_head_kv = model::kMaxHeads;
  hp.head_dim = hp.head_dim_v = model::kMaxWidth;
  EXPECT_EQ(llm::KvCache::bytes(hp, std::int64_t{1} << 30, llm::kMaxChunk), kSaturated);
  hp.n_layer = 2;
  hp.n_head = hp.n_head_kv = 2;
  hp.head_dim = hp.head_dim_v = 64;
  EXPECT_EQ(llm::KvCache::bytes(hp, 4096, llm::kMaxChunk), 2u * 2 * (4096u * 128 * 2));
}

// Flags out of range are usage errors naming the range; none of these reaches the model.
TEST(CliRanges, OutOfRangeValuesAreUsageErrorsNamingTheRange) {
  const std::string model = quoted(shared_path("models/stories260K.gguf"));
  const std::pair<std::string, std::string> cases[] = {
      {"generate -m " + model + " -p hi --temp -1", "--temp must be from 0 to 100, got -1"},
      {"generate -m " + model + " -p hi --top-p 7", "--top-p must be from 0 to 1, got 7"},
      {"generate -m " + model + " -p hi --min-p 1.5", "--min-p must be from 0 to 1, got 1.5"},
      {"generate -m " + model + " -p hi --repeat-penalty 0",
       "--repeat-penalty must be above 0 and at most 100, got 0"},
      {"generate -m " + model + " -p hi --presence-penalty 9",
       "--presence-penalty must be from -2 to 2, got 9"},
      {"generate -m " + model + " -p hi --frequency-penalty nan",
       "--frequency-penalty must be from -2 to 2, got nan"},
      {"generate -m " + model + " -p hi --top-k -2",
       "--top-k must be from 0 to 2147483647, got -2"},
      {"generate -m " + model + " -p hi --ctx 0", "--ctx must be from 1 to 1073741824, got 0"},
      {"generate -m " + model + " -p hi --ctx 4611686018427387904",
       "--ctx must be from 1 to 1073741824, got 4611686018427387904"},
      {"chat -m " + model + " --top-p 7", "--top-p must be from 0 to 1, got 7"},
      {"chat -m " + model + " --ctx -5", "--ctx must be from 1 to 1073741824, got -5"},
      {"score -m " + model + " --text hi --ctx 0", "--ctx must be from 1 to 1073741824, got 0"},
      {"bench -m " + model + " -p 4611686018427387904", "-d + -p + -n must be at most 1073741824"},
      {"bench-sampler --temp -1", "--temp must be from 0 to 100, got -1"},
      {"bench-kernels --shapes 100000000x100000000", "--shapes: 100000000x100000000 is too large"},
      {"bench-kernels --iters 100000000000", "--iters must be from 1 to 1000000"},
  };
  for (const auto& [args, message] : cases) {
    const CliRun r = run_cli(args + " 2>&1");
    EXPECT_EQ(r.exit_code, 1) << args << "\n" << r.out;
    EXPECT_NE(r.out.find(message), std::string::npos) << args << "\n" << r.out;
    EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << args << "\n" << r.out;
  }
}

// Gemma 4 gives head_count_kv per layer (an array): info lists it layer by layer, in JSON as an
// array, instead of refusing the file.
TEST(CliInfo, PerLayerHyperparametersAreListed) {
  const std::filesystem::path p = shared_path("models/zoo/synth-gemma4-f16.gguf");
  const GgufFile f = GgufFile::open(p);
  const auto kv = f.get_array<std::int32_t>("gemma4.attention.head_count_kv");
  ASSERT_GT(kv.size(), 1u);
  ASSERT_FALSE(std::all_of(kv.begin(), kv.end(), [&](std::int32_t x) { return x == kv[0]; }));
  std::string text, json;
  for (const std::int32_t x : kv) {
    text += (text.empty() ? "" : " ") + std::to_string(x);
    json += (json.empty() ? "" : ",") + std::to_string(x);
  }
  CliRun r = run_cli("info " + quoted(p));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("\nkv heads:        " + text + " (per layer)\n"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("\nheads:           " +
                       std::to_string(f.get<std::uint32_t>("gemma4.attention.head_count")) + "\n"),
            std::string::npos)
      << r.out;
  r = run_cli("info --json " + quoted(p));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("\"head_count_kv\":[" + json + "]"), std::string::npos) << r.out;
}

TEST_F(BadMetadata, InfoNamesAPerLayerArrayOfTheWrongType) {
  const auto p = with_metadata([&](GgufWriter& w) {
    w.set_array("llama.attention.head_count_kv", std::vector<float>{4.f, 2.5f});
  });
  const CliRun r = run_cli("info " + quoted(p) + " 2>&1");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << r.out;
  EXPECT_NE(r.out.find("'llama.attention.head_count_kv'"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("array of counts per layer"), std::string::npos) << r.out;
}

TEST(CliInfo, FileTypeFallsBackToTheDominantTensorType) {
  // stories260K has no general.file_type; its tensors are F32.
  CliRun r = run_cli("info " + quoted(shared_path("models/stories260K.gguf")));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("\nfile type:       F32\n"), std::string::npos) << r.out;
  // A file that says: its general.file_type.
  r = run_cli("info " + quoted(tiny_model()));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("\nfile type:       Q8_0\n"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace vkchat::test
