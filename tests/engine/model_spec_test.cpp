// Hyperparameters and weight lookup: the facts of every shared model, and clear errors (naming
// the architecture or tensor) for files the engine cannot run, built here in memory.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "gguf/gguf_reader.h"
#include "model/weights.h"
#include "support/test_support.h"

using vkchat::UnsupportedModel;
using vkchat::gguf::GgmlType;
using vkchat::gguf::GgufFile;
using namespace vkchat::model;

namespace {

ModelSpec spec_of(const std::string& name, std::vector<GgufFile>& keep) {
  keep.push_back(GgufFile::open(vkchat::test::shared_path("models/" + name + ".gguf")));
  return read_model_spec(keep.back());
}

// A GGUF v3 file assembled in memory: metadata, then F32 tensors (or any type, given raw bytes).
class GgufBuilder {
 public:
  GgufBuilder& str(const std::string& key, const std::string& v) {
    kv_header(key, 8);
    u64(v.size());
    raw(v.data(), v.size());
    ++n_kv_;
    return *this;
  }
  GgufBuilder& u32(const std::string& key, std::uint32_t v) {
    kv_header(key, 4);
    raw(&v, 4);
    ++n_kv_;
    return *this;
  }
  GgufBuilder& f32(const std::string& key, float v) {
    kv_header(key, 6);
    raw(&v, 4);
    ++n_kv_;
    return *this;
  }
  GgufBuilder& tensor(const std::string& name, std::vector<std::uint64_t> ne,
                      GgmlType type = GgmlType::F32) {
    const auto tr = vkchat::gguf::traits(type);
    tensors_.push_back({name, ne, type, count(ne) / tr.block_size * tr.type_size});
    return *this;
  }
  GgufBuilder& without(const std::string& name) {
    std::erase_if(tensors_, [&](const T& t) { return t.name == name; });
    return *this;
  }
  GgufBuilder& reshape(const std::string& name, std::vector<std::uint64_t> ne) {
    for (T& t : tensors_) {
      if (t.name != name) continue;
      t.bytes = t.bytes / count(t.ne) * count(ne);
      t.ne = ne;
    }
    return *this;
  }

  GgufFile build() const {
    std::vector<std::uint8_t> out;
    const auto put = [&](const void* p, std::size_t n) {
      const auto* b = static_cast<const std::uint8_t*>(p);
      out.insert(out.end(), b, b + n);
    };
    const std::uint32_t version = 3;
    const std::uint64_t n_tensors = tensors_.size();
    put("GGUF", 4);
    put(&version, 4);
    put(&n_tensors, 8);
    put(&n_kv_, 8);
    put(kv_.data(), kv_.size());
    std::uint64_t offset = 0;
    for (const T& t : tensors_) {
      const std::uint64_t len = t.name.size();
      const auto n_dims = static_cast<std::uint32_t>(t.ne.size());
      const auto type = static_cast<std::uint32_t>(t.type);
      put(&len, 8);
      put(t.name.data(), len);
      put(&n_dims, 4);
      for (std::uint64_t d : t.ne) put(&d, 8);
      put(&type, 4);
      put(&offset, 8);
      offset += (t.bytes + 31) / 32 * 32;
    }
    out.resize((out.size() + 31) / 32 * 32);
    out.resize(out.size() + offset);  // zero weights
    return GgufFile::from_memory(std::move(out), "built.gguf");
  }

 private:
  struct T {
    std::string name;
    std::vector<std::uint64_t> ne;
    GgmlType type;
    std::uint64_t bytes;
  };
  static std::uint64_t count(const std::vector<std::uint64_t>& ne) {
    std::uint64_t n = 1;
    for (auto d : ne) n *= d;
    return n;
  }
  void kv_header(const std::string& key, std::uint32_t type) {
    u64(key.size());
    raw(key.data(), key.size());
    raw(&type, 4);
  }
  void u64(std::uint64_t v) { raw(&v, 8); }
  void raw(const void* p, std::size_t n) {
    const auto* b = static_cast<const std::uint8_t*>(p);
    kv_.insert(kv_.end(), b, b + n);
  }
  std::vector<std::uint8_t> kv_;
  std::uint64_t n_kv_ = 0;
  std::vector<T> tensors_;
};

// A one-layer model of the architecture: n_embd 32, 2 heads / 1 kv head, n_ff 64, vocab 8.
GgufBuilder tiny(const std::string& arch) {
  GgufBuilder b;
  b.str("general.architecture", arch)
      .u32(arch + ".embedding_length", 32)
      .u32(arch + ".block_count", 1)
      .u32(arch + ".attention.head_count", 2)
      .u32(arch + ".attention.head_count_kv", 1)
      .u32(arch + ".feed_forward_length", 64)
      .u32(arch + ".context_length", 128)
      .f32(arch + ".attention.layer_norm_rms_epsilon", 1e-6f);
  b.tensor("token_embd.weight", {32, 8}).tensor("output_norm.weight", {32});
  b.tensor("blk.0.attn_norm.weight", {32}).tensor("blk.0.ffn_norm.weight", {32});
  b.tensor("blk.0.attn_output.weight", {32, 32}).tensor("blk.0.ffn_down.weight", {64, 32});
  if (arch == "phi3") {
    b.tensor("blk.0.attn_qkv.weight", {32, 64}).tensor("blk.0.ffn_up.weight", {32, 128});
    return b;
  }
  b.tensor("blk.0.attn_q.weight", {32, 32}).tensor("blk.0.attn_k.weight", {32, 16});
  b.tensor("blk.0.attn_v.weight", {32, 16});
  b.tensor("blk.0.ffn_gate.weight", {32, 64}).tensor("blk.0.ffn_up.weight", {32, 64});
  if (arch == "qwen2") {
    b.tensor("blk.0.attn_q.bias", {32}).tensor("blk.0.attn_k.bias", {16});
    b.tensor("blk.0.attn_v.bias", {16});
  }
  if (arch == "qwen3") {
    b.tensor("blk.0.attn_q_norm.weight", {16}).tensor("blk.0.attn_k_norm.weight", {16});
  }
  return b;
}

template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST(ModelSpec, SharedModels) {
  std::vector<GgufFile> keep;
  keep.reserve(8);

  const ModelSpec s = spec_of("stories260K", keep);
  EXPECT_EQ(s.hp.arch, Arch::Llama);
  EXPECT_EQ(s.hp.n_embd, 64);
  EXPECT_EQ(s.hp.n_layer, 5);
  EXPECT_EQ(s.hp.n_head, 8);
  EXPECT_EQ(s.hp.n_head_kv, 4);
  EXPECT_EQ(s.hp.head_dim, 8);
  EXPECT_EQ(s.hp.n_ff, 172);
  EXPECT_EQ(s.hp.n_vocab, 512);
  EXPECT_EQ(s.hp.n_ctx_train, 2048);
  EXPECT_FLOAT_EQ(s.hp.rms_eps, 1e-5f);
  EXPECT_EQ(s.hp.rope.type, RopeType::Normal);
  EXPECT_EQ(s.hp.rope.n_rot, 8);
  EXPECT_EQ(s.hp.rope.freq_base, 10000.f);
  EXPECT_EQ(s.hp.rope.freq_scale, 1.f);
  EXPECT_FALSE(s.w.tied_output);
  EXPECT_EQ(s.w.output->name, "output.weight");
  ASSERT_EQ(s.w.layers.size(), 5u);
  EXPECT_EQ(s.w.layers[4].wk->name, "blk.4.attn_k.weight");
  EXPECT_EQ(s.w.layers[0].bq, nullptr);
  EXPECT_EQ(s.w.layers[0].wqkv, nullptr);

  const ModelSpec tiny_random = spec_of("llama-2-tiny-random", keep);
  EXPECT_FALSE(tiny_random.w.tied_output);
  EXPECT_EQ(tiny_random.w.output->name, "output.weight");
  EXPECT_EQ(tiny_random.hp.n_vocab, 32000);

  const ModelSpec q2 = spec_of("synth-qwen2-q4_0", keep);
  EXPECT_EQ(q2.hp.arch, Arch::Qwen2);
  EXPECT_EQ(q2.hp.rope.type, RopeType::NeoX);
  EXPECT_EQ(q2.hp.rope.freq_base, 1e6f);
  EXPECT_TRUE(q2.w.tied_output);
  EXPECT_EQ(q2.w.output, q2.w.token_embd);
  EXPECT_EQ(q2.hp.n_vocab, 151936);
  EXPECT_NE(q2.w.layers[1].bq, nullptr);
  EXPECT_EQ(q2.w.layers[1].bk->ne[0], 64u);

  const ModelSpec q3 = spec_of("synth-qwen3-f16", keep);
  EXPECT_EQ(q3.hp.arch, Arch::Qwen3);
  EXPECT_EQ(q3.hp.head_dim, 64);  // attention.key_length, not 128 / 4
  EXPECT_EQ(q3.hp.n_embd_q(), 256);
  EXPECT_EQ(q3.hp.rope.n_rot, 64);
  EXPECT_NE(q3.w.layers[0].q_norm, nullptr);
  EXPECT_EQ(q3.w.layers[0].bq, nullptr);

  const ModelSpec p3 = spec_of("synth-phi3-q8_0", keep);
  EXPECT_EQ(p3.hp.arch, Arch::Phi3);
  EXPECT_EQ(p3.hp.rope.type, RopeType::NeoX);
  EXPECT_NE(p3.w.layers[0].wqkv, nullptr);
  EXPECT_EQ(p3.w.layers[0].wq, nullptr);
  EXPECT_EQ(p3.w.layers[0].ffn_gate, nullptr);
  EXPECT_EQ(p3.w.layers[0].ffn_up->ne[1], 2u * 256u);
  EXPECT_FALSE(p3.w.tied_output);
  EXPECT_FLOAT_EQ(p3.hp.rms_eps, 1e-6f);

  const ModelSpec k = spec_of("synth-llama-q4_k_m", keep);
  EXPECT_EQ(k.w.layers[0].wq->type, GgmlType::Q4_K);
  EXPECT_EQ(k.hp.n_embd_k_gqa(), 128);
}

TEST(ModelSpec, EveryArchitectureBuiltInMemory) {
  for (const char* arch : {"llama", "qwen2", "qwen3", "phi3"}) {
    SCOPED_TRACE(arch);
    const GgufFile f = tiny(arch).build();
    const ModelSpec s = read_model_spec(f);
    EXPECT_EQ(arch_name(s.hp.arch), arch);
    EXPECT_EQ(s.hp.head_dim, 16);
    EXPECT_EQ(s.hp.rope.n_rot, 16);
    EXPECT_TRUE(s.w.tied_output);
  }
}

TEST(ModelSpec, UnsupportedArchitectureIsNamed) {
  const GgufFile f = tiny("gpt2").build();
  EXPECT_THROW(read_model_spec(f), UnsupportedModel);
  EXPECT_NE(error_of([&] { read_model_spec(f); }).find("unsupported architecture gpt2"),
            std::string::npos);
}

TEST(ModelSpec, OffendingTensorIsNamed) {
  auto misshapen = tiny("llama").reshape("blk.0.attn_k.weight", {32, 32}).build();
  std::string e = error_of([&] { read_model_spec(misshapen); });
  EXPECT_NE(e.find("blk.0.attn_k.weight"), std::string::npos) << e;
  EXPECT_NE(e.find("[32, 32]"), std::string::npos) << e;
  EXPECT_NE(e.find("[32, 16]"), std::string::npos) << e;
  EXPECT_THROW(read_model_spec(misshapen), UnsupportedModel);

  auto missing = tiny("qwen2").without("blk.0.attn_v.bias").build();
  e = error_of([&] { read_model_spec(missing); });
  EXPECT_NE(e.find("missing tensor blk.0.attn_v.bias"), std::string::npos) << e;

  auto fused = tiny("phi3").reshape("blk.0.ffn_up.weight", {32, 64}).build();
  e = error_of([&] { read_model_spec(fused); });
  EXPECT_NE(e.find("blk.0.ffn_up.weight"), std::string::npos) << e;

  // I8 is a ggml type no weight of a released model uses and no kernel reads.
  auto i8 = tiny("llama")
                .without("token_embd.weight")
                .tensor("token_embd.weight", {32, 8}, GgmlType::I8)
                .build();
  e = error_of([&] { read_model_spec(i8); });
  EXPECT_NE(e.find("token_embd.weight"), std::string::npos) << e;
  EXPECT_NE(e.find("I8"), std::string::npos) << e;
}

// YaRN as gpt-oss's files carry it (factor 32, original context 4096, no beta or log-multiplier
// keys: llama.cpp's defaults): the magnitude nets to 1 + 0.1 ln 32, as llama.cpp's
// yarn_attn_factor times rope_yarn's own factor.
TEST(ModelSpec, YarnKeysAndMagnitude) {
  auto yarn =
      tiny("llama").str("llama.rope.scaling.type", "yarn").f32("llama.rope.scaling.factor", 32.f);
  yarn.u32("llama.rope.scaling.original_context_length", 4096);
  // llama reads no beta keys: these are ignored, as llama.cpp ignores them.
  yarn.f32("llama.rope.scaling.yarn_beta_fast", 8.f);
  const HParams hp = read_hparams(yarn.build());
  EXPECT_EQ(hp.rope.ext_factor, 1.f);
  EXPECT_FLOAT_EQ(hp.rope.freq_scale, 1.f / 32);
  EXPECT_EQ(hp.rope.n_ctx_orig, 4096);
  EXPECT_EQ(hp.rope.beta_fast, 32.f);
  EXPECT_EQ(hp.rope.beta_slow, 1.f);
  EXPECT_NEAR(hp.rope.attn_factor * (1 + 0.1 * std::log(32.0)), 1 + 0.1 * std::log(32.0), 1e-6);
  EXPECT_EQ(hp.attn_temp_scale, 0.f);

  // Without original_context_length the training context is the original one; attn_factor
  // multiplies every kind.
  auto linear = tiny("llama").f32("llama.rope.scaling.factor", 2.f);
  linear.f32("llama.rope.scaling.attn_factor", 0.5f);
  const HParams lin = read_hparams(linear.build());
  EXPECT_EQ(lin.rope.ext_factor, 0.f);
  EXPECT_EQ(lin.rope.n_ctx_orig, 128);
  EXPECT_EQ(lin.rope.attn_factor, 0.5f);
  EXPECT_EQ(lin.rope.freq_scale, 0.5f);

  // "none" ignores the factor.
  auto none =
      tiny("llama").str("llama.rope.scaling.type", "none").f32("llama.rope.scaling.factor", 4.f);
  EXPECT_EQ(read_hparams(none.build()).rope.freq_scale, 1.f);
}

// mistral3's keys (the zoo file): betas, yarn_log_multiplier = mscale_all_dim 1 (the magnitude
// nets to 1), and the attention temperature with the original context as its period.
TEST(ModelSpec, Mistral3YarnAndTemperature) {
  std::vector<GgufFile> keep;
  const ModelSpec s = spec_of("zoo/synth-mistral3-f16", keep);
  EXPECT_EQ(s.hp.arch, Arch::Mistral3);
  EXPECT_EQ(s.hp.rope.type, RopeType::Normal);
  EXPECT_EQ(s.hp.rope.ext_factor, 1.f);
  EXPECT_EQ(s.hp.rope.freq_scale, 1.f / 16);
  EXPECT_EQ(s.hp.rope.n_ctx_orig, 16);
  EXPECT_EQ(s.hp.rope.beta_fast, 32.f);
  EXPECT_EQ(s.hp.rope.beta_slow, 1.f);
  EXPECT_NEAR(s.hp.rope.attn_factor * (1 + 0.1 * std::log(16.0)), 1.0, 1e-6);
  EXPECT_FLOAT_EQ(s.hp.attn_temp_scale, 0.1f);
  EXPECT_EQ(s.hp.attn_temp_period, 16);
  EXPECT_EQ(attn_temperature(s.hp, 15), 1.f);
  EXPECT_FLOAT_EQ(attn_temperature(s.hp, 16), static_cast<float>(1 + 0.1 * std::log(2.0)));
  EXPECT_FLOAT_EQ(attn_temperature(s.hp, 47), static_cast<float>(1 + 0.1 * std::log(3.0)));
}

// smollm3: RoPE on layers 0-2, not on layer 3; granite: its multipliers.
TEST(ModelSpec, SmolLM3AndGranite) {
  std::vector<GgufFile> keep;
  const ModelSpec sm = spec_of("zoo/synth-smollm3-f16", keep);
  EXPECT_EQ(sm.hp.arch, Arch::SmolLM3);
  EXPECT_EQ(sm.hp.rope.type, RopeType::Normal);
  EXPECT_TRUE(sm.w.tied_output);
  for (int il = 0; il < 4; ++il) EXPECT_EQ(sm.hp.has_rope(il), il != 3) << il;
  const ModelSpec g = spec_of("zoo/synth-granite-f16", keep);
  EXPECT_EQ(g.hp.arch, Arch::Granite);
  EXPECT_EQ(g.hp.embd_scale, 12.f);
  EXPECT_FLOAT_EQ(g.hp.residual_scale, 0.22f);
  EXPECT_EQ(g.hp.logit_scale, 8.f);
  EXPECT_EQ(g.hp.attention_scale(), 1.f / 32);
  for (int il = 0; il < 3; ++il) EXPECT_TRUE(g.hp.has_rope(il));
  // logit_scale is required (llama.cpp refuses granite files without it).
  EXPECT_THROW(read_hparams(tiny("granite").build()), vkchat::MetadataError);
  auto minimal = tiny("granite").f32("granite.logit_scale", 2.f);
  const HParams gm = read_hparams(minimal.build());
  EXPECT_TRUE(gm.has_rope(0));
  EXPECT_EQ(gm.residual_scale, 0.f);
  EXPECT_EQ(gm.attention_scale(), 1.f / 4);  // 1 / sqrt(head_dim 16)
}

TEST(ModelSpec, RopeScalingAndDefaults) {
  auto linear =
      tiny("llama").str("llama.rope.scaling.type", "linear").f32("llama.rope.scaling.factor", 4.f);
  linear.u32("llama.rope.dimension_count", 8).f32("llama.rope.freq_base", 500000.f);
  const HParams hp = read_hparams(linear.build());
  EXPECT_FLOAT_EQ(hp.rope.freq_scale, 0.25f);
  EXPECT_EQ(hp.rope.n_rot, 8);
  EXPECT_EQ(hp.rope.freq_base, 500000.f);
  EXPECT_EQ(hp.rope.type, RopeType::Normal);

  auto unknown = tiny("llama").str("llama.rope.scaling.type", "su").build();
  EXPECT_THROW(read_hparams(unknown), UnsupportedModel);

  auto odd_rot = tiny("llama").u32("llama.rope.dimension_count", 17).build();
  EXPECT_THROW(read_hparams(odd_rot), vkchat::MetadataError);

  // 2 heads cannot share 3 kv heads.
  GgufBuilder b;
  b.str("general.architecture", "llama")
      .u32("llama.embedding_length", 32)
      .u32("llama.block_count", 1);
  b.u32("llama.attention.head_count", 2).u32("llama.attention.head_count_kv", 3);
  b.u32("llama.feed_forward_length", 64).u32("llama.context_length", 128);
  b.f32("llama.attention.layer_norm_rms_epsilon", 1e-6f);
  EXPECT_THROW(read_hparams(b.build()), vkchat::MetadataError);
}
