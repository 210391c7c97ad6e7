// gemma4's hyperparameters beyond the zoo file's: the shared-KV mapping llama.cpp uses, and the
// zoo file with its metadata changed the ways a bad or an unsupported file would be (per-layer
// arrays of the wrong length, a missing pattern, shared KV across layer kinds, per-layer token
// embeddings without their tensors, experts), each refused with the key or tensor named.
#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "engine/ref_golden.h"
#include "gguf/gguf_reader.h"
#include "gguf/gguf_writer.h"
#include "model/weights.h"
#include "ref/ref_forward.h"
#include "store/temp_dir.h"
#include "support/gguf_edit.h"
#include "support/golden.h"
#include "support/test_support.h"
#include "support/tiny_gemma4.h"
#include "util/errors.h"

namespace vkchat::test {
namespace {

// llama.cpp's reuse callback: a layer from n_layer_kv on reads layer n_layer_kv - 2 when it is a
// sliding-window layer, n_layer_kv - 1 otherwise.
TEST(Gemma4HParams, SharedKvLayersReadTheLastLayerOfTheirKind) {
  model::HParams hp;
  hp.n_layer = 6;
  hp.swa.window = 16;
  hp.swa.layers = {true, true, true, false, true, false};
  hp.n_kv_shared = 2;
  EXPECT_EQ(hp.n_layer_kv(), 4);
  for (int il = 0; il < 4; ++il) EXPECT_EQ(hp.kv_layer(il), il);
  EXPECT_EQ(hp.kv_layer(4), 2);  // sliding-window: layer 2
  EXPECT_EQ(hp.kv_layer(5), 3);  // full: layer 3
}

class Gemma4Metadata : public ::testing::Test {
 protected:
  std::filesystem::path edited(const std::function<void(gguf::GgufWriter&)>& edit,
                               std::set<std::string> drop = {}) {
    const std::filesystem::path out = dir_ / ("g4-" + std::to_string(n_++) + ".gguf");
    GgufEdits e;
    e.metadata = edit;
    e.drop_keys = std::move(drop);
    edit_gguf(shared_path("models/zoo/synth-gemma4-f16.gguf"), out, e);
    return out;
  }
  // The message of the exception E that read_model_spec throws for the file.
  template <class E>
  static std::string refusal(const std::filesystem::path& p) {
    const gguf::GgufFile f = gguf::GgufFile::open(p);
    try {
      model::read_model_spec(f);
    } catch (const E& e) {
      return e.what();
    }
    ADD_FAILURE() << p << " was not refused";
    return {};
  }

  TempDir dir_;
  int n_ = 0;
};

TEST_F(Gemma4Metadata, PerLayerArrayOfTheWrongLength) {
  const auto p = edited([](gguf::GgufWriter& w) {
    w.set_array("gemma4.attention.head_count_kv", std::vector<std::int32_t>{2, 2, 2, 2, 1});
  });
  EXPECT_NE(
      refusal<MetadataError>(p).find("'gemma4.attention.head_count_kv' has 5 entries for 6 layers"),
      std::string::npos);
}

TEST_F(Gemma4Metadata, HeadCountNotAMultipleOfTheLayersKvHeads) {
  const auto p = edited([](gguf::GgufWriter& w) {
    w.set_array("gemma4.attention.head_count_kv", std::vector<std::int32_t>{2, 2, 3, 2, 2, 1});
  });
  EXPECT_NE(refusal<MetadataError>(p).find("layer 2's head count 4"), std::string::npos);
}

TEST_F(Gemma4Metadata, MissingSlidingWindowPattern) {
  const auto p = edited({}, {"gemma4.attention.sliding_window_pattern"});
  EXPECT_NE(refusal<MetadataError>(p).find("'gemma4.attention.sliding_window_pattern'"),
            std::string::npos);
}

// One shared layer: layer 5 (full attention) would read layer 4's cache, a sliding-window one.
TEST_F(Gemma4Metadata, SharedKvAcrossLayerKindsIsRefused) {
  const auto p =
      edited([](gguf::GgufWriter& w) { w.set("gemma4.attention.shared_kv_layers", 1u); });
  EXPECT_NE(refusal<UnsupportedModel>(p).find("shared-KV layer 5 would read layer 4's cache"),
            std::string::npos);
  const auto q =
      edited([](gguf::GgufWriter& w) { w.set("gemma4.attention.shared_kv_layers", 5u); });
  EXPECT_NE(refusal<MetadataError>(q).find("'gemma4.attention.shared_kv_layers' is 5"),
            std::string::npos);
}

TEST_F(Gemma4Metadata, PerLayerEmbeddingsNeedTheirTensorsAndExpertsAreRefused) {
  const auto p =
      edited([](gguf::GgufWriter& w) { w.set("gemma4.embedding_length_per_layer_input", 256u); });
  EXPECT_NE(refusal<UnsupportedModel>(p).find("missing tensor per_layer_token_embd.weight"),
            std::string::npos);
  const auto q = edited([](gguf::GgufWriter& w) { w.set("gemma4.expert_count", 8u); });
  EXPECT_NE(refusal<UnsupportedModel>(q).find("mixture of experts"), std::string::npos);
}

// E2B/E4B's double-wide feed-forward layers give feed_forward_length per layer; each layer's
// tensors are checked against its own width.
TEST_F(Gemma4Metadata, FeedForwardWidthPerLayer) {
  const auto r = edited([](gguf::GgufWriter& w) {
    w.set_array("gemma4.feed_forward_length",
                std::vector<std::uint32_t>{512, 512, 512, 512, 1024, 1024});
  });
  const model::HParams hp = model::read_hparams(gguf::GgufFile::open(r));
  EXPECT_EQ(hp.n_ff, 1024);
  EXPECT_EQ(hp.layer_n_ff(3), 512);
  EXPECT_EQ(hp.layer_n_ff(4), 1024);
  // The zoo file's layers are all 512 wide.
  EXPECT_NE(refusal<UnsupportedModel>(r).find("tensor blk.4.ffn_gate.weight has shape"),
            std::string::npos);
  const auto wrong = edited([](gguf::GgufWriter& w) {
    w.set_array("gemma4.feed_forward_length", std::vector<std::uint32_t>{512, 512});
  });
  EXPECT_NE(refusal<MetadataError>(wrong).find("'gemma4.feed_forward_length' has 2 entries"),
            std::string::npos);
  const model::HParams same =
      model::read_hparams(gguf::GgufFile::open(edited([](gguf::GgufWriter& w) {
        w.set_array("gemma4.feed_forward_length", std::vector<std::uint32_t>(6, 512));
      })));
  EXPECT_TRUE(same.layer_ff.empty());  // one width for all: no per-layer list
  EXPECT_EQ(same.n_ff, 512);
}

// Shared-KV layers against llama.cpp: tiny-gemma4's last 4 layers read the caches of layers 2
// and 3 (tests/data/gemma4), through the CPU reference rounding like llama.cpp.
TEST(Gemma4SharedKv, CpuReferenceMatchesLlamaCpp) {
  TempDir dir;
  const gguf::GgufFile f = gguf::GgufFile::open(write_tiny_gemma4(dir.path()));
  const model::ModelSpec spec = model::read_model_spec(f);
  ASSERT_EQ(spec.hp.n_layer_kv(), 4);
  EXPECT_EQ(spec.hp.kv_layer(6), 2);
  EXPECT_EQ(spec.hp.kv_layer(7), 3);
  EXPECT_EQ(spec.w.layers[5].wk, nullptr);
  EXPECT_EQ(spec.w.layers[3].wv, nullptr);  // K as V
  const GoldenCase g = read_golden(tiny_gemma4_golden());
  expect_clean(g.name, ref_teacher_force(spec, g, gemma4_zoo_tolerance(), ref::Rounding::LlamaCpp));
}

// Per-layer token embeddings (E2B/E4B) against llama.cpp: tiny-gemma4-ple (tests/data/gemma4),
// CPU reference rounding like llama.cpp (the GPU's pass: vk_tests Gemma4PerLayerEmbeddingsGpu).
TEST(Gemma4PerLayerEmbeddings, CpuReferenceMatchesLlamaCpp) {
  TempDir dir;
  const gguf::GgufFile f = gguf::GgufFile::open(write_tiny_gemma4(dir.path(), "tiny-gemma4-ple"));
  const model::ModelSpec spec = model::read_model_spec(f);
  ASSERT_EQ(spec.hp.n_embd_per_layer, 64);
  ASSERT_NE(spec.w.per_layer_tok_embd, nullptr);
  ASSERT_NE(spec.w.layers[7].pl_inp_gate, nullptr);
  const GoldenCase g = read_golden(tiny_gemma4_golden("tiny-gemma4-ple"));
  expect_clean(g.name, ref_teacher_force(spec, g, gemma4_zoo_tolerance(), ref::Rounding::LlamaCpp));
}

// E2B's double-wide feed-forward (tiny-gemma4-e2b: feed_forward_length per layer, 2048 on the
// shared-KV layers) against llama.cpp, CPU reference rounding like llama.cpp.
TEST(Gemma4DoubleWideMlp, CpuReferenceMatchesLlamaCpp) {
  TempDir dir;
  const gguf::GgufFile f = gguf::GgufFile::open(write_tiny_gemma4(dir.path(), "tiny-gemma4-e2b"));
  const model::ModelSpec spec = model::read_model_spec(f);
  ASSERT_EQ(spec.hp.n_ff, 2048);
  EXPECT_EQ(spec.hp.layer_n_ff(3), 1024);
  EXPECT_EQ(spec.hp.layer_n_ff(4), 2048);
  const GoldenCase g = read_golden(tiny_gemma4_golden("tiny-gemma4-e2b"));
  expect_clean(g.name, ref_teacher_force(spec, g, gemma4_zoo_tolerance(), ref::Rounding::LlamaCpp));
}

}  // namespace
}  // namespace vkchat::test
