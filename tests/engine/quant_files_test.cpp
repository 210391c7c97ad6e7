// Every tensor of every file in ../shared/models/quant dequantizes to exactly what llama.cpp's
// ggml computes (hashes in tests/data/quant/dequant_golden.tsv), and crafted blocks reaching every
// codebook entry and scale code match ggml float for float (tests/data/quant/dequant_blocks.tsv).
// Both files come from tools/dequant_goldens.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cctype>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "gguf/file_type.h"
#include "gguf/gguf_reader.h"
#include "quant/dequantize.h"
#include "quant/quantize.h"
#include "support/test_support.h"

using vkchat::gguf::GgmlType;
using vkchat::gguf::GgufFile;

namespace {

const std::filesystem::path kData = std::filesystem::path(VKCHAT_TEST_DATA_DIR) / "quant";

// 64-bit FNV-1a over the floats' bytes, as tools/dequant_goldens hashes ggml's output.
std::uint64_t fnv1a64(const std::vector<float>& v) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (float f : v) {
    const auto bits = std::bit_cast<std::uint32_t>(f);
    for (int k = 0; k < 4; ++k) {
      h ^= (bits >> (8 * k)) & 0xFFu;
      h *= 0x100000001b3ull;
    }
  }
  return h;
}

std::vector<std::vector<std::string>> read_tsv(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  std::vector<std::vector<std::string>> rows;
  for (std::string line; std::getline(in, line);) {
    std::vector<std::string> fields;
    std::istringstream ls(line);
    for (std::string f; std::getline(ls, f, '\t');) fields.push_back(f);
    rows.push_back(std::move(fields));
  }
  return rows;
}

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

std::vector<std::uint8_t> from_hex(const std::string& s) {
  std::vector<std::uint8_t> out(s.size() / 2);
  for (std::size_t i = 0; i < out.size(); ++i) {
    out[i] = static_cast<std::uint8_t>(std::stoi(s.substr(2 * i, 2), nullptr, 16));
  }
  return out;
}

std::optional<GgmlType> type_by_name(const std::string& name) {
  for (std::uint32_t id = 0; id < 64; ++id) {
    const auto tr = vkchat::gguf::type_traits(id);
    if (tr && upper(std::string(tr->name)) == upper(name)) return tr->type;
  }
  return std::nullopt;
}

}  // namespace

TEST(QuantFiles, EveryTensorDequantizesBitExactly) {
  const auto golden = read_tsv(kData / "dequant_golden.tsv");
  // file -> tensor -> hash
  std::map<std::string, std::map<std::string, std::string>> want;
  for (const auto& row : golden) {
    ASSERT_EQ(row.size(), 5u);
    want[row[0]][row[1]] = row[4];
  }
  const auto dir = vkchat::test::shared_path("models/quant");
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().extension() == ".gguf") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  ASSERT_EQ(files.size(), want.size()) << "a quant file without goldens, or goldens without a file";

  std::set<std::string> unsupported;
  int checked = 0;
  for (const auto& path : files) {
    SCOPED_TRACE(path.filename().string());
    const auto file = GgufFile::open(path);
    const auto& tensors = want[path.filename().string()];
    ASSERT_EQ(file.tensors().size(), tensors.size());
    for (const auto& t : file.tensors()) {
      if (!vkchat::quant::dequant_supported(t.type)) {
        unsupported.insert(std::string(vkchat::gguf::type_name(t.type)));
        continue;
      }
      const auto it = tensors.find(std::string(t.name));
      ASSERT_NE(it, tensors.end()) << t.name;
      char hash[17];
      std::snprintf(hash, sizeof hash, "%016llx",
                    static_cast<unsigned long long>(fnv1a64(vkchat::quant::dequantize_tensor(t))));
      EXPECT_EQ(hash, it->second) << t.name << " (" << vkchat::gguf::type_name(t.type) << ")";
      ++checked;
    }
  }
  std::string list;
  for (const auto& u : unsupported) list += " " + u;
  EXPECT_TRUE(unsupported.empty()) << "types without a CPU dequantizer:" << list;
  EXPECT_GT(checked, 0);
}

TEST(QuantFiles, CraftedBlocksMatchLlamaCpp) {
  const auto rows = read_tsv(kData / "dequant_blocks.tsv");
  std::set<std::string> types;
  for (const auto& row : rows) {
    ASSERT_EQ(row.size(), 3u);
    const auto type = type_by_name(row[0]);
    ASSERT_TRUE(type) << row[0];
    types.insert(row[0]);
    const auto block = from_hex(row[1]);
    const auto want = from_hex(row[2]);
    const auto n = static_cast<std::int64_t>(vkchat::gguf::traits(*type).block_size);
    ASSERT_EQ(want.size(), static_cast<std::size_t>(n) * 4) << row[0];
    ASSERT_EQ(block.size(), vkchat::gguf::traits(*type).type_size) << row[0];
    std::vector<float> got(static_cast<std::size_t>(n));
    vkchat::quant::dequantize_row(*type, block.data(), got.data(), n);
    for (std::int64_t j = 0; j < n; ++j) {
      std::uint32_t w = 0;
      for (int k = 0; k < 4; ++k) w |= static_cast<std::uint32_t>(want[4 * j + k]) << (8 * k);
      ASSERT_EQ(std::bit_cast<std::uint32_t>(got[j]), w)
          << row[0] << " block " << row[1] << " element " << j << ": " << got[j] << " vs "
          << std::bit_cast<float>(w);
    }
  }
  // Every codebook type is covered.
  for (const char* t : {"iq4_nl", "iq4_xs", "mxfp4", "nvfp4"}) EXPECT_TRUE(types.count(t)) << t;
}

// general.file_type named as LLAMA_FTYPE_MOSTLY_* (short form), the way info and the window show
// it. The MXFP4 and NVFP4 files were made with --tensor-type overrides on a Q8_0 file type, so
// they say Q8_0, as llama.cpp reports them too.
TEST(QuantFiles, FileTypeNamedAsLlamaCpp) {
  const std::pair<const char*, const char*> want[] = {
      {"synth-llama-iq2_m", "IQ2_M"},        {"synth-llama-iq3_m", "IQ3_M"},
      {"synth-llama-iq4_xs", "IQ4_XS"},      {"synth-llama-pure-iq1_m", "IQ1_M"},
      {"synth-llama-pure-iq1_s", "IQ1_S"},   {"synth-llama-pure-iq2_s", "IQ2_M"},
      {"synth-llama-pure-iq2_xs", "IQ2_XS"}, {"synth-llama-pure-iq2_xxs", "IQ2_XXS"},
      {"synth-llama-pure-iq3_s", "IQ3_S"},   {"synth-llama-pure-iq3_xxs", "IQ3_XXS"},
      {"synth-llama-pure-iq4_nl", "IQ4_NL"}, {"synth-llama-pure-iq4_xs", "IQ4_XS"},
      {"synth-llama-pure-mxfp4", "Q8_0"},    {"synth-llama-pure-nvfp4", "Q8_0"},
      {"synth-llama-pure-q1_0", "Q1_0"},     {"synth-llama-pure-q2_0", "Q2_0"},
      {"synth-llama-pure-q2_k", "Q2_K"},     {"synth-llama-pure-q3_k", "Q3_K_M"},
      {"synth-llama-pure-tq1_0", "TQ1_0"},   {"synth-llama-pure-tq2_0", "TQ2_0"},
      {"synth-llama-q2_k", "Q2_K"},          {"synth-llama-q3_k_l", "Q3_K_L"},
      {"synth-llama-q3_k_m", "Q3_K_M"},      {"synth-llama-q4_k_m", "Q4_K_M"},
  };
  for (const auto& [name, type] : want) {
    const auto file =
        GgufFile::open(vkchat::test::shared_path(std::string("models/quant/") + name + ".gguf"));
    EXPECT_EQ(vkchat::gguf::file_type_label(file), type) << name;
  }
}

// quantize_row against ggml's quantize_row_*_ref bytes (tests/data/quant/quantize_golden.tsv,
// from tools/dequant_goldens) for every type there that quantize_supported. Inputs as the tool
// makes them (quant_input there).
namespace {
std::vector<float> quant_input(int kind) {
  std::vector<float> x(1024);
  std::uint64_t s = 42;
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (kind == 0) {
      s = s * 6364136223846793005ull + 1442695040888963407ull;
      x[i] = static_cast<float>(static_cast<int>((s >> 33) % 20001) - 10000) / 8192.0f;
    } else {
      x[i] = i >= 256 && i < 512 ? 0.0f : static_cast<float>(static_cast<int>(i % 17) - 8) * 0.25f;
    }
  }
  return x;
}
}  // namespace

TEST(QuantFiles, QuantizersMatchLlamaCppReference) {
  std::set<std::string> checked;
  for (const auto& row : read_tsv(kData / "quantize_golden.tsv")) {
    ASSERT_EQ(row.size(), 3u);
    const auto type = type_by_name(row[0]);
    ASSERT_TRUE(type) << row[0];
    if (!vkchat::quant::quantize_supported(*type)) continue;
    const std::vector<std::uint8_t> got =
        vkchat::quant::quantize(*type, quant_input(std::stoi(row[1])));
    const std::vector<std::uint8_t> want = from_hex(row[2]);
    ASSERT_EQ(got.size(), want.size()) << row[0];
    const std::size_t block = vkchat::gguf::traits(*type).type_size;
    for (std::size_t i = 0; i < got.size(); ++i) {
      ASSERT_EQ(got[i], want[i]) << row[0] << " input " << row[1] << ": byte " << i % block
                                 << " of block " << i / block;
    }
    checked.insert(upper(row[0]));
  }
  for (const char* t : {"Q1_0", "Q2_0", "TQ1_0", "TQ2_0", "MXFP4", "NVFP4"}) {
    EXPECT_TRUE(checked.count(t)) << t << " has no quantizer";
  }
}
