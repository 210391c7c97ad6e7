// Models that load but compute garbage, through the CLI on the device: NaN weights are an error
// naming NaN logits (exit 1), never an empty answer with exit 0. And what bench and chat say
// about the file: its weight type, not "unknown", for stories260K (no general.file_type).
#include <gtest/gtest.h>

#include <cstring>
#include <limits>
#include <string>

#include "store/temp_dir.h"
#include "support/gguf_edit.h"
#include "support/test_support.h"
#include "util/json.h"

namespace vkchat::test {
namespace {

std::string quoted(const std::filesystem::path& p) {
  return "'" + p.string() + "'";
}

std::filesystem::path stories() {
  return shared_path("models/stories260K.gguf");
}

TEST(BadModelCli, NanWeightsAreAnErrorNamingNanLogits) {
  TempDir dir;
  const std::filesystem::path p = dir / "nan.gguf";
  GgufEdits e;
  e.tensor_data = [](const gguf::TensorInfo& t, std::vector<std::uint8_t>& bytes) {
    if (t.name != "output_norm.weight") return;
    const float nan = std::numeric_limits<float>::quiet_NaN();
    for (std::size_t i = 0; i + 4 <= bytes.size(); i += 4) std::memcpy(&bytes[i], &nan, 4);
  };
  edit_gguf(stories(), p, e);
  for (const std::string flags : {"", " --greedy"}) {
    const CliRun r =
        run_cli("generate -m " + quoted(p) + " -p 'Once upon a time' -n 8" + flags + " 2>&1");
    EXPECT_EQ(r.exit_code, 1) << r.out;
    EXPECT_NE(r.out.find("the model computed NaN logits at position"), std::string::npos) << r.out;
  }
  const CliRun r = run_cli("score -m " + quoted(p) + " --text 'Once upon a time' 2>&1");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("NaN logits"), std::string::npos) << r.out;
}

TEST(BadModelCli, BenchAndChatNameTheWeightType) {
  CliRun r = run_cli("bench -m " + quoted(stories()) + " -p 4 -n 2 -r 1");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("(llama, F32) on "), std::string::npos) << r.out;
  r = run_cli("bench -m " + quoted(stories()) + " -p 4 -n 2 -r 1 --json");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(json::parse(r.out)["file_type"].as_string(), "F32");
  r = run_cli("chat -m " + quoted(stories()) + " -n 1 < /dev/null 2>&1");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("(llama, F32) on "), std::string::npos) << r.out;
}

}  // namespace
}  // namespace vkchat::test
