// The LongRoPE phi3 test model (see longrope_model.h).
#include "support/longrope_model.h"

#include <string>
#include <vector>

#include "support/gguf_edit.h"
#include "support/test_support.h"

namespace vkchat::test {

std::filesystem::path write_phi3_longrope_model(const std::filesystem::path& dir) {
  const std::filesystem::path out = dir / "synth-phi3-q8_0-longrope.gguf";
  GgufEdits e;
  e.metadata = [](gguf::GgufWriter& w) {
    w.set_string("phi3.rope.scaling.type", "longrope");
    w.set("phi3.rope.scaling.original_context_length", std::uint32_t{16});
    w.set("phi3.rope.scaling.attn_factor", 1.2f);
  };
  std::vector<float> long_factors(16), short_factors(16);
  for (int i = 0; i < 16; ++i) {
    long_factors[i] = 1.f + static_cast<float>(i) / 4;
    short_factors[i] = 1.f + static_cast<float>(i) / 16;
  }
  e.add_f32 = {{"rope_factors_long.weight", long_factors},
               {"rope_factors_short.weight", short_factors}};
  edit_gguf(shared_path("models/synth-phi3-q8_0.gguf"), out, e);
  return out;
}

std::filesystem::path phi3_longrope_golden() {
  return std::filesystem::path(VKCHAT_TEST_DATA_DIR) / "longrope" /
         "synth-phi3-q8_0-longrope.score.jsonl";
}

}  // namespace vkchat::test
