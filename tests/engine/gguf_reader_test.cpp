// GGUF reader: every shared file parses, known facts hold, and corrupt input fails cleanly.
#include "gguf/gguf_reader.h"

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <random>
#include <set>

#include "support/test_support.h"

using vkchat::GgufError;
using vkchat::gguf::GgmlType;
using vkchat::gguf::GgufFile;
namespace fs = std::filesystem;

namespace {

std::vector<fs::path> all_ggufs() {
  std::vector<fs::path> out;
  for (const char* dir : {"models", "tokenizer"}) {
    for (const auto& e : fs::directory_iterator(vkchat::test::shared_path(dir))) {
      if (e.path().extension() == ".gguf") out.push_back(e.path());
    }
  }
  return out;
}

std::vector<std::uint8_t> file_bytes(const fs::path& p) {
  std::string s = vkchat::test::read_file(p);
  return {s.begin(), s.end()};
}

}  // namespace

TEST(GgufReader, EverySharedFileParses) {
  auto files = all_ggufs();
  ASSERT_GE(files.size(), 20u);
  for (const auto& p : files) {
    SCOPED_TRACE(p.string());
    GgufFile f = GgufFile::open(p);
    EXPECT_TRUE(f.version() == 2 || f.version() == 3);
    EXPECT_TRUE(f.contains("tokenizer.ggml.model"));
    EXPECT_FALSE(f.get_array<std::string_view>("tokenizer.ggml.tokens").empty());
  }
}

TEST(GgufReader, Stories260KFacts) {
  GgufFile f = GgufFile::open(vkchat::test::shared_path("models/stories260K.gguf"));
  EXPECT_EQ(f.architecture(), "llama");
  EXPECT_EQ(f.get<std::uint32_t>("llama.embedding_length"), 64u);
  EXPECT_EQ(f.get<std::uint32_t>("llama.block_count"), 5u);
  EXPECT_EQ(f.get<std::uint32_t>("llama.attention.head_count"), 8u);
  EXPECT_EQ(f.get<std::uint32_t>("llama.attention.head_count_kv"), 4u);
  EXPECT_EQ(f.get_array<std::string_view>("tokenizer.ggml.tokens").size(), 512u);
  EXPECT_EQ(f.get<std::string>("tokenizer.ggml.model"), "llama");
  EXPECT_EQ(f.tensors().size(), 48u);
  for (const auto& t : f.tensors()) EXPECT_EQ(t.type, GgmlType::F32) << t.name;
  const auto& emb = f.tensor("token_embd.weight");
  EXPECT_EQ(emb.ne[0], 64u);
  EXPECT_EQ(emb.ne[1], 512u);
  EXPECT_EQ(emb.size, 64u * 512u * 4u);
  EXPECT_EQ(f.get_array<float>("tokenizer.ggml.scores").size(), 512u);
  EXPECT_EQ(f.get_array<std::int32_t>("tokenizer.ggml.token_type").size(), 512u);
  EXPECT_THROW(f.tensor("nope.weight"), vkchat::UnsupportedModel);
  EXPECT_THROW(f.get<std::uint32_t>("no.such.key"), vkchat::MetadataError);
  EXPECT_THROW(f.get<std::string>("llama.block_count"), vkchat::MetadataError);
  // 128 (the context length) does not fit in int8.
  EXPECT_THROW((void)f.get<std::int8_t>("llama.context_length"), vkchat::MetadataError);
}

TEST(GgufReader, QuantizedTypesAndSizes) {
  GgufFile f = GgufFile::open(vkchat::test::shared_path("models/synth-llama-q4_k_m.gguf"));
  std::set<GgmlType> types;
  for (const auto& t : f.tensors()) {
    types.insert(t.type);
    auto tr = vkchat::gguf::traits(t.type);
    EXPECT_EQ(t.size, t.n_elements / tr.block_size * tr.type_size);
    EXPECT_EQ(t.data.size(), t.size);
  }
  EXPECT_TRUE(types.count(GgmlType::Q4_K));
  EXPECT_TRUE(types.count(GgmlType::Q6_K));
}

// Every file of models/quant (one per llama-quantize file type) and models/zoo (the newer
// families) parses, including the newest type ids (NVFP4 40, Q1_0 41, Q2_0 42), and each
// tensor's size is its block count times its type's bytes per block.
TEST(GgufReader, EveryTypeOfTheQuantAndZooFilesParsesWithCheckedSizes) {
  std::set<GgmlType> seen;
  for (const char* dir : {"models/quant", "models/zoo"}) {
    for (const auto& e : fs::directory_iterator(vkchat::test::shared_path(dir))) {
      if (e.path().extension() != ".gguf") continue;
      SCOPED_TRACE(e.path().string());
      GgufFile f = GgufFile::open(e.path());
      for (const auto& t : f.tensors()) {
        seen.insert(t.type);
        auto tr = vkchat::gguf::traits(t.type);
        EXPECT_EQ(t.n_elements % tr.block_size, 0);
        EXPECT_EQ(t.size, t.n_elements / tr.block_size * tr.type_size);
      }
    }
  }
  for (GgmlType want : {GgmlType::NVFP4, GgmlType::Q1_0, GgmlType::Q2_0, GgmlType::MXFP4,
                        GgmlType::IQ1_M, GgmlType::TQ1_0}) {
    EXPECT_TRUE(seen.count(want)) << vkchat::gguf::type_name(want);
  }
}

// ggml.h's block geometry of the newest types, and llama.cpp's file type ids for them.
TEST(GgufReader, NewestTypeTraitsAndFileTypes) {
  auto nv = vkchat::gguf::type_traits(40), q1 = vkchat::gguf::type_traits(41),
       q2 = vkchat::gguf::type_traits(42);
  ASSERT_TRUE(nv && q1 && q2);
  EXPECT_EQ(nv->name, "NVFP4");
  EXPECT_EQ(nv->block_size, 64u);
  EXPECT_EQ(nv->type_size, 36u);
  EXPECT_EQ(q1->name, "Q1_0");
  EXPECT_EQ(q1->block_size, 128u);
  EXPECT_EQ(q1->type_size, 18u);
  EXPECT_EQ(q2->name, "Q2_0");
  EXPECT_EQ(q2->block_size, 64u);
  EXPECT_EQ(q2->type_size, 18u);
  EXPECT_FALSE(vkchat::gguf::type_traits(43));
  EXPECT_EQ(vkchat::gguf::file_type_name(39), "NVFP4");
  EXPECT_EQ(vkchat::gguf::file_type_name(40), "Q1_0");
  EXPECT_EQ(vkchat::gguf::file_type_name(41), "Q2_0");
}

TEST(GgufReader, MissingFileIsFileError) {
  EXPECT_THROW(GgufFile::open("/nonexistent/model.gguf"), vkchat::FileError);
}

TEST(GgufReader, TruncationAtManyOffsetsFailsWithMessage) {
  auto bytes = file_bytes(vkchat::test::shared_path("models/stories260K.gguf"));
  // Dense over the header and metadata, then sparse through the tensor data.
  std::vector<std::size_t> cuts;
  for (std::size_t i = 0; i < 4096 && i < bytes.size(); i += 7) cuts.push_back(i);
  for (std::size_t i = 4096; i < bytes.size(); i += bytes.size() / 97) cuts.push_back(i);
  cuts.push_back(bytes.size() - 1);
  for (std::size_t cut : cuts) {
    std::vector<std::uint8_t> part(bytes.begin(), bytes.begin() + static_cast<long>(cut));
    try {
      GgufFile::from_memory(std::move(part), "cut");
      ADD_FAILURE() << "truncation at " << cut << " parsed";
    } catch (const GgufError& e) {
      EXPECT_FALSE(std::string(e.what()).empty());
      EXPECT_LE(e.offset(), cut);
    }
  }
}

namespace {

// Byte offsets of structural fields in a GGUF, found by walking it the way the reader does.
struct Layout {
  std::size_t n_tensors = 8, n_kv = 16;
  std::vector<std::size_t> key_lens, value_types, string_lens, array_counts, array_types;
  std::vector<std::size_t> tensor_name_lens, tensor_ndims, tensor_dims, tensor_types,
      tensor_offsets;
};

std::uint64_t rd64(const std::vector<std::uint8_t>& b, std::size_t at) {
  std::uint64_t v;
  std::memcpy(&v, b.data() + at, 8);
  return v;
}
std::uint32_t rd32(const std::vector<std::uint8_t>& b, std::size_t at) {
  std::uint32_t v;
  std::memcpy(&v, b.data() + at, 4);
  return v;
}

Layout walk(const std::vector<std::uint8_t>& b) {
  Layout l;
  std::size_t p = 24;
  std::uint64_t nt = rd64(b, 8), nkv = rd64(b, 16);
  static const std::size_t sz[] = {1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8};
  for (std::uint64_t i = 0; i < nkv; ++i) {
    l.key_lens.push_back(p);
    p += 8 + rd64(b, p);
    l.value_types.push_back(p);
    std::uint32_t t = rd32(b, p);
    p += 4;
    if (t == 8) {
      l.string_lens.push_back(p);
      p += 8 + rd64(b, p);
    } else if (t == 9) {
      l.array_types.push_back(p);
      std::uint32_t et = rd32(b, p);
      l.array_counts.push_back(p + 4);
      std::uint64_t n = rd64(b, p + 4);
      p += 12;
      if (et == 8) {
        for (std::uint64_t k = 0; k < n; ++k) {
          if (k < 4) l.string_lens.push_back(p);
          p += 8 + rd64(b, p);
        }
      } else {
        p += n * sz[et];
      }
    } else {
      p += sz[t];
    }
  }
  for (std::uint64_t i = 0; i < nt; ++i) {
    l.tensor_name_lens.push_back(p);
    p += 8 + rd64(b, p);
    l.tensor_ndims.push_back(p);
    std::uint32_t nd = rd32(b, p);
    p += 4;
    for (std::uint32_t d = 0; d < nd; ++d) {
      l.tensor_dims.push_back(p);
      p += 8;
    }
    l.tensor_types.push_back(p);
    p += 4;
    l.tensor_offsets.push_back(p);
    p += 8;
  }
  return l;
}

void expect_rejected(std::vector<std::uint8_t> b, const std::string& what) {
  try {
    GgufFile::from_memory(std::move(b), "mutated");
    ADD_FAILURE() << what << ": parsed";
  } catch (const GgufError& e) {
    EXPECT_NE(std::string(e.what()).find("mutated: at byte"), std::string::npos) << e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << what << ": wrong exception type: " << e.what();
  }
}

template <class T>
void put(std::vector<std::uint8_t>& b, std::size_t at, T v) {
  std::memcpy(b.data() + at, &v, sizeof v);
}

}  // namespace

TEST(GgufReader, TargetedMutationsAreRejected) {
  const auto orig = file_bytes(vkchat::test::shared_path("models/stories260K.gguf"));
  Layout l = walk(orig);
  ASSERT_FALSE(l.tensor_dims.empty());
  ASSERT_FALSE(l.array_counts.empty());
  auto mutate = [&](auto fn) {
    auto b = orig;
    fn(b);
    return b;
  };
  expect_rejected(mutate([](auto& b) { b[0] = 'X'; }), "magic");
  expect_rejected(mutate([](auto& b) { put<std::uint32_t>(b, 4, 1); }), "version 1");
  expect_rejected(mutate([](auto& b) { put<std::uint32_t>(b, 4, 0x03000000); }), "big endian");
  expect_rejected(mutate([](auto& b) { put<std::uint64_t>(b, 8, ~0ull); }), "tensor count");
  expect_rejected(mutate([](auto& b) { put<std::uint64_t>(b, 16, ~0ull / 2); }), "kv count");
  for (std::size_t at : l.key_lens) {
    expect_rejected(mutate([&](auto& b) { put<std::uint64_t>(b, at, ~0ull); }), "key length");
  }
  for (std::size_t at : l.value_types) {
    expect_rejected(mutate([&](auto& b) { put<std::uint32_t>(b, at, 13); }), "value type");
  }
  for (std::size_t at : l.string_lens) {
    expect_rejected(mutate([&](auto& b) { put<std::uint64_t>(b, at, 1ull << 40); }),
                    "string length");
  }
  for (std::size_t at : l.array_counts) {
    expect_rejected(mutate([&](auto& b) { put<std::uint64_t>(b, at, 1ull << 61); }), "array count");
  }
  for (std::size_t at : l.array_types) {
    expect_rejected(mutate([&](auto& b) { put<std::uint32_t>(b, at, 99); }), "array type");
  }
  for (std::size_t at : l.tensor_ndims) {
    expect_rejected(mutate([&](auto& b) { put<std::uint32_t>(b, at, 5); }), "n_dims 5");
    expect_rejected(mutate([&](auto& b) { put<std::uint32_t>(b, at, 0); }), "n_dims 0");
  }
  for (std::size_t at : l.tensor_dims) {
    expect_rejected(mutate([&](auto& b) { put<std::uint64_t>(b, at, 0); }), "zero dim");
    expect_rejected(mutate([&](auto& b) { put<std::uint64_t>(b, at, 1ull << 62); }), "huge dim");
  }
  for (std::size_t at : l.tensor_types) {
    expect_rejected(mutate([&](auto& b) { put<std::uint32_t>(b, at, 4); }), "removed type id");
    expect_rejected(mutate([&](auto& b) { put<std::uint32_t>(b, at, 1000); }), "type id");
  }
  for (std::size_t at : l.tensor_offsets) {
    expect_rejected(mutate([&](auto& b) { put<std::uint64_t>(b, at, rd64(b, at) + 4); }),
                    "misaligned");
    expect_rejected(mutate([&](auto& b) { put<std::uint64_t>(b, at, 1ull << 50); }),
                    "out of range");
  }
  // Two tensors at the same offset overlap.
  expect_rejected(mutate([&](auto& b) {
                    put<std::uint64_t>(b, l.tensor_offsets[1], rd64(b, l.tensor_offsets[0]));
                  }),
                  "overlap");
  // Duplicate tensor name: copy the first tensor's name over the second's (same length needed).
  expect_rejected(mutate([&](auto& b) {
                    std::size_t a = l.tensor_name_lens[0], c = l.tensor_name_lens[1];
                    std::uint64_t la = rd64(b, a), lc = rd64(b, c);
                    if (la == lc)
                      std::memcpy(b.data() + c + 8, b.data() + a + 8, la);
                    else
                      b[0] = 'X';  // keeps the expectation meaningful if lengths differ
                  }),
                  "duplicate tensor");
}

TEST(GgufReader, RandomByteFlipsNeverCrash) {
  const auto orig = file_bytes(vkchat::test::shared_path("models/stories260K.gguf"));
  std::random_device rd;
  unsigned seed = rd();
  std::mt19937 rng(seed);
  std::size_t header_end = walk(orig).tensor_offsets.back() + 8;
  for (int i = 0; i < 3000; ++i) {
    auto b = orig;
    int flips = 1 + static_cast<int>(rng() % 4);
    for (int k = 0; k < flips; ++k)
      b[rng() % header_end] ^= static_cast<std::uint8_t>(1 + rng() % 255);
    try {
      GgufFile f = GgufFile::from_memory(std::move(b), "flip");
      for (const auto& [k, v] : f.metadata()) (void)v.to_string();
    } catch (const GgufError&) {
    } catch (const std::exception& e) {
      ADD_FAILURE() << "seed " << seed << ": unexpected " << e.what();
    }
  }
}
