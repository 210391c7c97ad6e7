// tiny-gemma4 (vkchat-cli synth --preset tiny-gemma4, F16, stories260K's vocabulary, seed 1)
// and llama.cpp's score golden for it (tests/data/gemma4/README.md): the check of Gemma 4's
// shared-KV layers and (tiny-gemma4-ple) per-layer embeddings, which the zoo file does not have.
#pragma once
#include <filesystem>
#include <string>

namespace vkchat::test {

// Writes the model of preset tiny-gemma4 (or tiny-gemma4-ple, with per-layer embeddings) into
// dir (deterministic bytes, a fraction of a second) and returns its path.
std::filesystem::path write_tiny_gemma4(const std::filesystem::path& dir,
                                        const std::string& preset = "tiny-gemma4");
std::filesystem::path tiny_gemma4_golden(const std::string& preset = "tiny-gemma4");

}  // namespace vkchat::test
