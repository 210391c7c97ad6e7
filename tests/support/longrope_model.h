// A phi3 model with LongRoPE, built from ../shared/models/synth-phi3-q8_0.gguf as
// tests/data/longrope/make_phi3_longrope.py builds it (the file llama.cpp's golden
// tests/data/longrope/synth-phi3-q8_0-longrope.score.jsonl was made on).
#pragma once
#include <filesystem>

namespace vkchat::test {

// Writes the model into `dir` and returns its path.
std::filesystem::path write_phi3_longrope_model(const std::filesystem::path& dir);

// tests/data/longrope/synth-phi3-q8_0-longrope.score.jsonl
std::filesystem::path phi3_longrope_golden();

}  // namespace vkchat::test
