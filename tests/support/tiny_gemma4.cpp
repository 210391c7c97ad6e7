// The tiny-gemma4 model and golden (tests/data/gemma4).
#include "support/tiny_gemma4.h"

#include "support/test_support.h"
#include "synth/file_types.h"
#include "synth/synth_model.h"

namespace vkchat::test {

std::filesystem::path write_tiny_gemma4(const std::filesystem::path& dir,
                                        const std::string& preset) {
  synth::SynthOptions o;
  o.vocab = shared_path("models/stories260K.gguf");
  o.out = dir / (preset + "-f16.gguf");
  o.seed = 1;
  o.threads = 2;
  synth::write_synth_model(*synth::find_preset(preset), *synth::find_file_type("F16"), o);
  return o.out;
}

std::filesystem::path tiny_gemma4_golden(const std::string& preset) {
  return std::filesystem::path(VKCHAT_TEST_DATA_DIR) / "gemma4" / (preset + "-f16.score.jsonl");
}

}  // namespace vkchat::test
