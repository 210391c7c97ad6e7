// Synthetic models: the plans of the real presets (shapes, parameter counts, llama-quantize's
// type choices), and a written tiny model: loadable, its tokenizer copied, its weights as planned,
// deterministic for a seed whatever the thread count, and with peaked next-token distributions.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>
#include <string>

#include "gguf/gguf_reader.h"
#include "model/weights.h"
#include "quant/dequantize.h"
#include "ref/ref_forward.h"
#include "store/temp_dir.h"
#include "support/test_support.h"
#include "synth/synth_model.h"

using namespace vkchat::synth;
using vkchat::gguf::GgmlType;
using vkchat::gguf::GgufFile;
using vkchat::test::TempDir;

namespace {

const FileType& type(std::string_view name) {
  const FileType* ft = find_file_type(name);
  EXPECT_NE(ft, nullptr) << name;
  return *ft;
}

const Preset& preset(std::string_view name) {
  const Preset* p = find_preset(name);
  EXPECT_NE(p, nullptr) << name;
  return *p;
}

std::uint64_t count_params(const std::vector<TensorSpec>& specs) {
  std::uint64_t n = 0;
  for (const TensorSpec& t : specs) {
    std::uint64_t e = 1;
    for (std::uint64_t d : t.ne) e *= d;
    n += e;
  }
  return n;
}

const TensorSpec& spec(const std::vector<TensorSpec>& specs, std::string_view name) {
  for (const TensorSpec& t : specs) {
    if (t.name == name) return t;
  }
  throw std::runtime_error("no tensor " + std::string(name));
}

std::filesystem::path vocab(const std::string& name) {
  return vkchat::test::shared_path("tokenizer/ggml-vocab-" + name + ".gguf");
}

}  // namespace

TEST(Synth, PresetsHaveTheRealModelsParameterCounts) {
  // The published parameter counts (embeddings included once when tied), plus llama 3's
  // rope_freqs (head_dim / 2 values) that llama.cpp's converter adds.
  EXPECT_EQ(count_params(plan_tensors(preset("qwen2.5-0.5b"), type("Q8_0"), 151936)), 494032768u);
  EXPECT_EQ(count_params(plan_tensors(preset("qwen3-0.6b"), type("Q8_0"), 151936)), 596049920u);
  EXPECT_EQ(count_params(plan_tensors(preset("llama-3.2-1b"), type("Q8_0"), 128256)),
            1235814400u + 32);
  EXPECT_EQ(count_params(plan_tensors(preset("llama-3.1-8b"), type("Q8_0"), 128256)),
            8030261248u + 64);
  EXPECT_EQ(count_params(plan_tensors(preset("qwen3-30b-a3b"), type("Q8_0"), 151936)),
            30532122624u);
  EXPECT_EQ(count_params(plan_tensors(preset("gemma-3-1b"), type("Q8_0"), 262144)), 999885952u);
}

TEST(Synth, Gemma3PresetHasPostNormsAndItsKeys) {
  const auto g = plan_tensors(preset("gemma-3-4b"), type("Q8_0"), 32000);
  EXPECT_EQ(spec(g, "blk.33.post_attention_norm.weight").ne, (std::vector<std::uint64_t>{2560}));
  // Random post-norm weights of RMS 2 * 10 * sqrt(2560 / 68): the blocks outweigh the embedding.
  EXPECT_EQ(spec(g, "blk.0.post_ffw_norm.weight").fill, Fill::Normal);
  EXPECT_NEAR(spec(g, "blk.0.post_ffw_norm.weight").stddev, 20 * std::sqrt(2560.0 / 68), 1e-3);
  EXPECT_EQ(spec(g, "blk.0.attn_q_norm.weight").ne, (std::vector<std::uint64_t>{256}));
  EXPECT_THROW(spec(g, "output.weight"), std::runtime_error);  // tied
}

// A mixture of experts: the router F32, the experts 3-D ([cols, rows, n_expert]) and quantized,
// no dense feed-forward; written, the file reads back with its expert counts and weights found.
TEST(Synth, MixtureOfExpertsPlansAndLoads) {
  const auto plan = plan_tensors(preset("qwen3-30b-a3b"), type("Q4_0"), 151936);
  EXPECT_EQ(spec(plan, "blk.0.ffn_gate_inp.weight").type, GgmlType::F32);
  EXPECT_EQ(spec(plan, "blk.0.ffn_gate_exps.weight").ne,
            (std::vector<std::uint64_t>{2048, 768, 128}));
  EXPECT_EQ(spec(plan, "blk.0.ffn_down_exps.weight").ne,
            (std::vector<std::uint64_t>{768, 2048, 128}));
  EXPECT_EQ(spec(plan, "blk.47.ffn_up_exps.weight").type, GgmlType::Q4_0);
  EXPECT_THROW(spec(plan, "blk.0.ffn_gate.weight"), std::runtime_error);

  TempDir dir;
  SynthOptions opt;
  opt.vocab = vocab("llama-spm");
  opt.out = dir / "tiny-qwen3moe.gguf";
  write_synth_model(preset("tiny-qwen3moe"), type("Q8_0"), opt);
  const GgufFile f = GgufFile::open(opt.out);
  const auto m = vkchat::model::read_model_spec(f);
  EXPECT_EQ(m.hp.moe.n_expert, 8);
  EXPECT_EQ(m.hp.moe.n_expert_used, 2);
  EXPECT_EQ(m.hp.moe.n_ff_exp, 128);
  ASSERT_NE(m.w.layers[1].ffn_down_exps, nullptr);
  EXPECT_EQ(m.w.layers[1].ffn_down_exps->ne[2], 8u);
}

TEST(Synth, PlansFollowTheArchitectures) {
  const auto qwen2 = plan_tensors(preset("qwen2.5-0.5b"), type("Q4_0"), 151936);
  EXPECT_EQ(spec(qwen2, "blk.23.attn_k.bias").ne, (std::vector<std::uint64_t>{128}));
  EXPECT_EQ(spec(qwen2, "blk.0.attn_q.weight").ne, (std::vector<std::uint64_t>{896, 896}));
  EXPECT_EQ(spec(qwen2, "token_embd.weight").ne, (std::vector<std::uint64_t>{896, 151936}));
  EXPECT_THROW(spec(qwen2, "output.weight"), std::runtime_error);  // tied
  EXPECT_THROW(spec(qwen2, "rope_freqs.weight"), std::runtime_error);

  const auto qwen3 = plan_tensors(preset("qwen3-0.6b"), type("F16"), 151936);
  EXPECT_EQ(spec(qwen3, "blk.0.attn_q.weight").ne, (std::vector<std::uint64_t>{1024, 2048}));
  EXPECT_EQ(spec(qwen3, "blk.0.attn_output.weight").ne, (std::vector<std::uint64_t>{2048, 1024}));
  EXPECT_EQ(spec(qwen3, "blk.27.attn_k_norm.weight").fill, Fill::Ones);
  EXPECT_THROW(spec(qwen3, "blk.0.attn_q.bias"), std::runtime_error);

  const auto l8 = plan_tensors(preset("llama-3.1-8b"), type("Q4_0"), 128256);
  EXPECT_EQ(spec(l8, "output.weight").ne, (std::vector<std::uint64_t>{4096, 128256}));
  EXPECT_EQ(spec(l8, "blk.31.ffn_down.weight").ne, (std::vector<std::uint64_t>{14336, 4096}));
  EXPECT_EQ(spec(l8, "rope_freqs.weight").ne, (std::vector<std::uint64_t>{64}));
  EXPECT_EQ(spec(l8, "blk.0.attn_norm.weight").type, GgmlType::F32);

  // gemma4: the full layers (3, 7) have their own head size and K as V; the shared-KV layers
  // (4-7) no K or V; rope_freqs rotate a quarter of the full layers' pairs.
  const auto g4 = plan_tensors(preset("tiny-gemma4"), type("F16"), 512);
  EXPECT_EQ(spec(g4, "blk.0.attn_k.weight").ne, (std::vector<std::uint64_t>{256, 128}));
  EXPECT_EQ(spec(g4, "blk.3.attn_q.weight").ne, (std::vector<std::uint64_t>{256, 512}));
  EXPECT_EQ(spec(g4, "blk.3.attn_k.weight").ne, (std::vector<std::uint64_t>{256, 128}));
  EXPECT_THROW(spec(g4, "blk.3.attn_v.weight"), std::runtime_error);
  EXPECT_THROW(spec(g4, "blk.4.attn_k.weight"), std::runtime_error);
  EXPECT_THROW(spec(g4, "blk.7.attn_k_norm.weight"), std::runtime_error);
  EXPECT_EQ(spec(g4, "blk.7.attn_q_norm.weight").ne, (std::vector<std::uint64_t>{128}));
  EXPECT_EQ(spec(g4, "rope_freqs.weight").ne, (std::vector<std::uint64_t>{64}));
  const std::vector<float> freqs = gemma4_rope_freqs(preset("tiny-gemma4"));
  ASSERT_EQ(freqs.size(), 64u);
  EXPECT_EQ(std::count(freqs.begin(), freqs.end(), 1.f), 16);
  EXPECT_EQ(freqs[16], 1e30f);
}

TEST(Synth, TypesFollowLlamaQuantize) {
  // Q4_0: every matrix Q4_0 but the logits matrix, Q6_K where its rows are whole super-blocks.
  const auto l8 = plan_tensors(preset("llama-3.1-8b"), type("Q4_0"), 128256);
  EXPECT_EQ(spec(l8, "output.weight").type, GgmlType::Q6_K);
  EXPECT_EQ(spec(l8, "token_embd.weight").type, GgmlType::Q4_0);
  EXPECT_EQ(spec(l8, "blk.5.ffn_up.weight").type, GgmlType::Q4_0);
  // Tied qwen2.5: token_embd is the logits matrix, and 896 is not a multiple of 256.
  const auto q4 = plan_tensors(preset("qwen2.5-0.5b"), type("Q4_0"), 151936);
  EXPECT_EQ(spec(q4, "token_embd.weight").type, GgmlType::Q8_0);
  // K-quants fall back where rows are not whole super-blocks (896 wide inputs), not for
  // ffn_down (4864 = 19 * 256).
  const auto qk = plan_tensors(preset("qwen2.5-0.5b"), type("Q4_K"), 151936);
  EXPECT_EQ(spec(qk, "blk.0.attn_q.weight").type, GgmlType::Q5_0);
  EXPECT_EQ(spec(qk, "blk.0.ffn_down.weight").type, GgmlType::Q4_K);
  const auto q6 = plan_tensors(preset("qwen2.5-0.5b"), type("Q6_K"), 151936);
  EXPECT_EQ(spec(q6, "blk.0.attn_k.weight").type, GgmlType::Q8_0);
  EXPECT_EQ(spec(q6, "blk.0.ffn_down.weight").type, GgmlType::Q6_K);
  // Q4_K_M: attn_v and ffn_down in Q6_K for the first and last eighth and every third between.
  const auto km = plan_tensors(preset("llama-3.2-1b"), type("Q4_K_M"), 128256);
  std::set<int> six;
  for (int il = 0; il < 16; ++il) {
    const std::string b = "blk." + std::to_string(il) + ".";
    const GgmlType v = spec(km, b + "attn_v.weight").type;
    EXPECT_EQ(spec(km, b + "ffn_down.weight").type, v) << il;
    EXPECT_EQ(spec(km, b + "attn_q.weight").type, GgmlType::Q4_K) << il;
    if (v == GgmlType::Q6_K) six.insert(il);
  }
  EXPECT_EQ(six, (std::set<int>{0, 1, 4, 7, 10, 13, 14, 15}));
  EXPECT_EQ(spec(km, "token_embd.weight").type, GgmlType::Q6_K);  // tied
  // Float files keep every matrix in that type.
  const auto f16 = plan_tensors(preset("llama-3.1-8b"), type("F16"), 128256);
  EXPECT_EQ(spec(f16, "output.weight").type, GgmlType::F16);
  EXPECT_EQ(spec(f16, "blk.0.attn_norm.weight").type, GgmlType::F32);
}

TEST(Synth, Llama3RopeFreqsRiseFromOneToTheFactor) {
  const Preset& p = preset("llama-3.1-8b");
  const std::vector<float> f = llama3_rope_freqs(p);
  ASSERT_EQ(f.size(), 64u);
  EXPECT_EQ(f.front(), 1.f);  // short wavelengths are not rescaled
  EXPECT_FLOAT_EQ(f.back(), 8.f);
  for (std::size_t i = 1; i < f.size(); ++i) EXPECT_GE(f[i], f[i - 1]) << i;
}

TEST(Synth, TinyModelLoadsWithItsTokenizerAndPlannedWeights) {
  TempDir dir;
  SynthOptions opt;
  opt.vocab = vocab("llama-spm");
  opt.out = dir / "tiny.gguf";
  opt.seed = 7;
  const Preset& p = preset("tiny");
  const SynthSummary s = write_synth_model(p, type("Q8_0"), opt);
  EXPECT_EQ(s.n_vocab, 32000);
  EXPECT_EQ(s.file_bytes, std::filesystem::file_size(opt.out));

  const GgufFile f = GgufFile::open(opt.out);
  const GgufFile v = GgufFile::open(opt.vocab);
  const vkchat::model::ModelSpec m = vkchat::model::read_model_spec(f);
  EXPECT_EQ(m.hp.n_embd, p.n_embd);
  EXPECT_EQ(m.hp.n_layer, p.n_layer);
  EXPECT_EQ(m.hp.n_head, p.n_head);
  EXPECT_EQ(m.hp.n_head_kv, p.n_head_kv);
  EXPECT_EQ(m.hp.head_dim, p.head_dim);
  EXPECT_EQ(m.hp.n_ff, p.n_ff);
  EXPECT_EQ(m.hp.n_vocab, 32000);
  EXPECT_EQ(m.hp.n_ctx_train, p.n_ctx);
  EXPECT_FALSE(m.w.tied_output);
  EXPECT_EQ(f.get<std::uint32_t>("general.file_type"), 7u);
  // Every tokenizer key copied value for value.
  int copied = 0;
  for (const auto& [key, value] : v.metadata()) {
    if (!key.starts_with("tokenizer.")) continue;
    ++copied;
    const vkchat::gguf::Value* got = f.find(key);
    ASSERT_NE(got, nullptr) << key;
    EXPECT_EQ(got->to_string(1u << 20), value.to_string(1u << 20)) << key;
  }
  EXPECT_GE(copied, 5);

  const auto plan = plan_tensors(p, type("Q8_0"), 32000);
  ASSERT_EQ(f.tensors().size(), plan.size());
  for (const TensorSpec& t : plan) {
    SCOPED_TRACE(t.name);
    const vkchat::gguf::TensorInfo& info = f.tensor(t.name);
    EXPECT_EQ(info.type, t.type);
    const std::vector<float> x = vkchat::quant::dequantize_tensor(info);
    if (t.fill == Fill::Ones) {
      for (float e : x) ASSERT_EQ(e, 1.f);
      continue;
    }
    double sum = 0, sum2 = 0;
    for (float e : x) {
      sum += e;
      sum2 += double(e) * e;
    }
    const double mean = sum / x.size(), sd = std::sqrt(sum2 / x.size() - mean * mean);
    EXPECT_NEAR(sd, t.stddev, 0.03 * t.stddev);
    EXPECT_LT(std::fabs(mean), 0.05 * t.stddev);
  }
}

TEST(Synth, SameSeedSameBytesWhateverTheThreads) {
  TempDir dir;
  SynthOptions opt;
  opt.vocab = vocab("llama-spm");
  const Preset& p = preset("tiny-qwen3");  // q/k norms, tied, head_dim != n_embd / n_head
  opt.out = dir / "a.gguf";
  opt.threads = 1;
  write_synth_model(p, type("Q8_0"), opt);
  opt.out = dir / "b.gguf";
  opt.threads = 3;
  write_synth_model(p, type("Q8_0"), opt);
  opt.out = dir / "c.gguf";
  opt.seed = 2;
  write_synth_model(p, type("Q8_0"), opt);
  const std::string a = vkchat::test::read_file(dir / "a.gguf");
  EXPECT_TRUE(a == vkchat::test::read_file(dir / "b.gguf"));
  const std::string c = vkchat::test::read_file(dir / "c.gguf");
  ASSERT_EQ(a.size(), c.size());
  EXPECT_FALSE(a == c);
  const GgufFile f = GgufFile::open(dir / "a.gguf");
  const auto m = vkchat::model::read_model_spec(f);
  EXPECT_TRUE(m.w.tied_output);
  EXPECT_EQ(m.hp.head_dim, 128);
  EXPECT_NE(m.w.layers[1].k_norm, nullptr);
}

// The codebook-grid IQ types have no quantizer without an importance matrix: random valid
// blocks (finite values, not the planned distribution), still the same bytes for a seed.
TEST(Synth, IqTypesWriteRandomValidBlocks) {
  TempDir dir;
  SynthOptions opt;
  opt.vocab = vocab("llama-spm");
  const Preset& p = preset("tiny");
  opt.out = dir / "a.gguf";
  opt.threads = 1;
  write_synth_model(p, type("IQ2_XXS"), opt);
  opt.out = dir / "b.gguf";
  opt.threads = 3;
  write_synth_model(p, type("IQ2_XXS"), opt);
  EXPECT_TRUE(vkchat::test::read_file(dir / "a.gguf") == vkchat::test::read_file(dir / "b.gguf"));
  const GgufFile f = GgufFile::open(dir / "a.gguf");
  EXPECT_EQ(f.get<std::uint32_t>("general.file_type"), 19u);
  EXPECT_EQ(f.tensor("output.weight").type, GgmlType::Q6_K);
  const vkchat::gguf::TensorInfo& up = f.tensor("blk.0.ffn_up.weight");
  ASSERT_EQ(up.type, GgmlType::IQ2_XXS);
  for (float e : vkchat::quant::dequantize_tensor(up)) ASSERT_TRUE(std::isfinite(e));
}

TEST(Synth, NextTokenDistributionsArePeakedAndGreedyTextMoves) {
  // The CPU reference decodes the tiny qwen2 model greedily: each step's top probability is far
  // above uniform (1 / 32000) and the text does not lock onto one token.
  TempDir dir;
  SynthOptions opt;
  opt.vocab = vocab("llama-spm");
  opt.out = dir / "tiny-qwen2.gguf";
  write_synth_model(preset("tiny-qwen2"), type("Q8_0"), opt);
  const GgufFile f = GgufFile::open(opt.out);
  const auto m = vkchat::model::read_model_spec(f);
  vkchat::ref::RefForward fw(m, 32);
  std::int32_t token = 15043;  // "Hello"
  std::set<std::int32_t> seen;
  double sum_top = 0;
  const int steps = 12;
  for (int step = 0; step < steps; ++step) {
    const std::vector<float> logits = fw.feed(std::span(&token, 1));
    const auto best = std::max_element(logits.begin(), logits.end());
    double z = 0;
    for (float l : logits) z += std::exp(double(l) - *best);
    const double p_top = 1 / z;
    EXPECT_GT(p_top, 0.05) << "step " << step;
    sum_top += p_top;
    token = static_cast<std::int32_t>(best - logits.begin());
    seen.insert(token);
  }
  std::printf("mean top probability %.3f, %zu distinct tokens in %d steps\n", sum_top / steps,
              seen.size(), steps);
  EXPECT_GT(sum_top / steps, 0.3);
  EXPECT_GE(seen.size(), 8u);
}

TEST(Synth, CliRejectsBadArgumentsClearly) {
  TempDir dir;
  const auto run = [&](const std::string& args) {
    const vkchat::test::CliRun r = vkchat::test::run_cli("synth " + args + " 2>&1");
    return std::make_pair(r.exit_code, r.out);
  };
  const std::string out = " -o '" + (dir / "x.gguf").string() + "'";
  const std::string spm = " --vocab '" + vocab("llama-spm").string() + "'";
  auto [rc, text] = run("--preset nope --type Q8_0" + spm + out);
  EXPECT_EQ(rc, 1);
  EXPECT_NE(text.find("unknown preset 'nope'"), std::string::npos) << text;
  EXPECT_NE(text.find("qwen2.5-0.5b"), std::string::npos) << text;
  std::tie(rc, text) = run("--preset tiny --type Q3_K" + spm + out);
  EXPECT_EQ(rc, 1);
  EXPECT_NE(text.find("unknown type 'Q3_K'"), std::string::npos) << text;
  std::tie(rc, text) = run("--preset tiny --type Q8_0 --vocab /no/such.gguf" + out);
  EXPECT_EQ(rc, 1);
  EXPECT_NE(text.find("/no/such.gguf"), std::string::npos) << text;
  std::tie(rc, text) = run("--preset tiny --type Q8_0" + spm);
  EXPECT_EQ(rc, 1);
  EXPECT_FALSE(std::filesystem::exists(dir / "x.gguf"));
  std::tie(rc, text) = run("--preset tiny --type Q8_0" + spm + out + " --seed 3");
  EXPECT_EQ(rc, 0) << text;
  EXPECT_NE(text.find("tiny Q8_0"), std::string::npos) << text;
  EXPECT_TRUE(std::filesystem::exists(dir / "x.gguf"));
}

TEST(Synth, Qwen35PresetsHaveTheShapesLlamaCppLoads) {
  // src/models/qwen35.cpp's load_block_trunk shapes at the real sizes, from the plans alone:
  // q/k/v of the delta net in one projection (2 key_dim + value_dim rows), the gate z, the
  // convolution over those channels, per-value-head gates; every 4th layer full attention with
  // [q, gate] rows. 0.8b: 16 key and 16 value heads of 128; 9b: 32 value heads, untied.
  const auto s = plan_tensors(preset("qwen3.5-0.8b"), type("Q8_0"), 151936);
  using Ne = std::vector<std::uint64_t>;
  EXPECT_EQ(spec(s, "blk.0.attn_qkv.weight").ne, (Ne{1024, 6144}));
  EXPECT_EQ(spec(s, "blk.0.attn_gate.weight").ne, (Ne{1024, 2048}));
  EXPECT_EQ(spec(s, "blk.0.ssm_conv1d.weight").ne, (Ne{4, 6144}));
  EXPECT_EQ(spec(s, "blk.0.ssm_conv1d.weight").type, GgmlType::F32);
  EXPECT_EQ(spec(s, "blk.2.ssm_a").ne, (Ne{16}));
  EXPECT_LT(spec(s, "blk.2.ssm_a").value, 0.f);  // -exp(A_log): a decay, never growth
  EXPECT_EQ(spec(s, "blk.2.ssm_alpha.weight").ne, (Ne{1024, 16}));
  EXPECT_EQ(spec(s, "blk.2.ssm_norm.weight").ne, (Ne{128}));
  EXPECT_EQ(spec(s, "blk.2.ssm_out.weight").ne, (Ne{2048, 1024}));
  EXPECT_EQ(spec(s, "blk.3.attn_q.weight").ne, (Ne{1024, 4096}));
  EXPECT_EQ(spec(s, "blk.3.attn_k.weight").ne, (Ne{1024, 512}));
  EXPECT_EQ(spec(s, "blk.23.attn_output.weight").ne, (Ne{2048, 1024}));
  EXPECT_EQ(spec(s, "blk.23.post_attention_norm.weight").ne, (Ne{1024}));
  EXPECT_THROW(spec(s, "blk.3.attn_qkv.weight"), std::runtime_error);
  EXPECT_THROW(spec(s, "output.weight"), std::runtime_error);  // tied
  // 18 delta-net layers of 14 tensors, 6 attention layers of 11, embeddings, output norm.
  EXPECT_EQ(s.size(), 18u * 14 + 6 * 11 + 2);

  const auto n9 = plan_tensors(preset("qwen3.5-9b"), type("Q4_0"), 151936);
  EXPECT_EQ(spec(n9, "blk.0.attn_qkv.weight").ne, (Ne{4096, 8192}));
  EXPECT_EQ(spec(n9, "blk.0.attn_gate.weight").ne, (Ne{4096, 4096}));
  EXPECT_EQ(spec(n9, "blk.31.attn_q.weight").ne, (Ne{4096, 8192}));
  EXPECT_EQ(spec(n9, "output.weight").type, GgmlType::Q6_K);
  EXPECT_EQ(
      spec(plan_tensors(preset("qwen3.5-4b"), type("F16"), 151936), "blk.1.ssm_beta.weight").ne,
      (Ne{2560, 32}));
}

TEST(Synth, Qwen35FileCarriesTheKeysLlamaCppNeeds) {
  // The 0.8b at 4 of its 24 layers and a 32000-token vocab (seconds to write): our loader reads
  // the ssm.* keys, the M-RoPE sections and the layer pattern as llama.cpp's load_arch_hparams
  // does and finds every tensor at its shape; the CPU reference gives a peaked distribution.
  Preset p = preset("qwen3.5-0.8b");
  p.n_layer = 4;
  TempDir dir;
  SynthOptions opt;
  opt.vocab = vocab("llama-spm");
  opt.out = dir / "q35.gguf";
  write_synth_model(p, type("Q8_0"), opt);
  const GgufFile f = GgufFile::open(opt.out);
  EXPECT_EQ(f.get<std::uint32_t>("qwen35.ssm.inner_size"), 2048u);
  EXPECT_EQ(f.get<std::uint32_t>("qwen35.full_attention_interval"), 4u);
  const auto m = vkchat::model::read_model_spec(f);
  EXPECT_EQ(m.hp.delta.d_conv, 4);
  EXPECT_EQ(m.hp.delta.head_dim, 128);
  EXPECT_EQ(m.hp.delta.n_k_heads, 16);
  EXPECT_EQ(m.hp.delta.n_v_heads, 16);
  EXPECT_EQ(m.hp.rope.n_rot, 64);
  EXPECT_EQ(m.hp.rope.mrope_sections, (std::array<int, 4>{11, 11, 10, 0}));
  EXPECT_EQ(m.hp.rope.freq_base, 1e7f);
  EXPECT_EQ(m.hp.n_layer, 4);
  EXPECT_TRUE(m.hp.is_recurrent(0) && m.hp.is_recurrent(2) && !m.hp.is_recurrent(3));
  EXPECT_TRUE(m.w.tied_output);
  EXPECT_EQ(f.tensor("blk.0.attn_qkv.weight").type, GgmlType::Q8_0);
  for (float e : vkchat::quant::dequantize_tensor(f.tensor("blk.1.ssm_a"))) ASSERT_EQ(e, -1.f);

  vkchat::ref::RefForward fw(m, 8);
  const std::int32_t tokens[] = {15043, 3186};  // "Hello world"
  const std::vector<float> logits = fw.feed(tokens);
  const auto last = logits.begin() + 32000;
  const auto best = std::max_element(last, logits.end());
  double z = 0;
  for (auto it = last; it != logits.end(); ++it) z += std::exp(double(*it) - *best);
  EXPECT_GT(1 / z, 0.05);
}
