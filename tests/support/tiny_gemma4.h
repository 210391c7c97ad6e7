// tiny-gemma4 (vkchat-cli synth --preset tiny-gemma4, F16, stories260K's vocabulary, seed 1)
// and llama.cpp's score golden for it (tests/data/gemma4/README.md): the check of Gemma 4's
// shared-KV layers, which the zoo file does not have.
#pragma once
#include <filesystem>

namespace vkchat::test {

// Writes the model into dir (deterministic bytes, a fraction of a second) and returns its path.
std::filesystem::path write_tiny_gemma4(const std::filesystem::path& dir);
std::filesystem::path tiny_gemma4_golden();

}  // namespace vkchat::test
