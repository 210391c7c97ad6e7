// Regenerates tests/data/quant/iq_file_golden.tsv: for every tensor of a codebook-grid IQ type
// (IQ2_XXS, IQ2_XS, IQ2_S, IQ3_XXS, IQ3_S, IQ1_S, IQ1_M) in the given GGUF files, the FNV-1a hash
// of llama.cpp's dequantization of it (dequantize_row_iq* of libggml-base.so, row by row). The
// test IqDequantize.QuantFilesMatchLlamaCpp checks vkchat::quant::dequantize_tensor against it.
// A developer tool, not a build step (links the engine's GGUF reader from a build tree):
//   g++ -std=c++20 -O2 -Iengine scripts/iq-file-golden.cpp build/engine/libengine.a \
//       -o /tmp/iq-file-golden -ldl
//   /tmp/iq-file-golden .../libggml-base.so ../shared/models/quant/*.gguf \
//       > tests/data/quant/iq_file_golden.tsv
// Line format: FILE NAME <tab> TENSOR <tab> TYPE <tab> hash of the floats' bits (16 hex digits).
#include <dlfcn.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "gguf/gguf_reader.h"

using vkchat::gguf::GgmlType;

namespace {

using DequantFn = void (*)(const void*, float*, std::int64_t);

const char* symbol(GgmlType t) {
  switch (t) {
    case GgmlType::IQ2_XXS: return "dequantize_row_iq2_xxs";
    case GgmlType::IQ2_XS: return "dequantize_row_iq2_xs";
    case GgmlType::IQ2_S: return "dequantize_row_iq2_s";
    case GgmlType::IQ3_XXS: return "dequantize_row_iq3_xxs";
    case GgmlType::IQ3_S: return "dequantize_row_iq3_s";
    case GgmlType::IQ1_S: return "dequantize_row_iq1_s";
    case GgmlType::IQ1_M: return "dequantize_row_iq1_m";
    default: return nullptr;
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s libggml-base.so FILE.gguf...\n", argv[0]);
    return 2;
  }
  void* lib = dlopen(argv[1], RTLD_NOW);
  if (!lib) {
    std::fprintf(stderr, "%s\n", dlerror());
    return 1;
  }
  for (int a = 2; a < argc; ++a) {
    auto f = vkchat::gguf::GgufFile::open(argv[a]);
    for (const auto& t : f.tensors()) {
      const char* sym = symbol(t.type);
      if (!sym) continue;
      auto fn = reinterpret_cast<DequantFn>(dlsym(lib, sym));
      const auto n = static_cast<std::int64_t>(t.ne[0]);
      const std::uint64_t rb = t.data.size() / t.rows();
      std::vector<float> y(static_cast<std::size_t>(n));
      std::uint64_t h = 0xcbf29ce484222325ull;
      for (std::uint64_t r = 0; r < t.rows(); ++r) {
        fn(t.data.data() + r * rb, y.data(), n);
        for (float v : y) {
          std::uint32_t u;
          std::memcpy(&u, &v, 4);
          for (int k = 0; k < 4; ++k) {
            h ^= (u >> (8 * k)) & 0xFF;
            h *= 0x100000001b3ull;
          }
        }
      }
      std::printf("%s\t%s\t%s\t%016llx\n", std::filesystem::path(argv[a]).filename().c_str(),
                  std::string(t.name).c_str(), std::string(vkchat::gguf::type_name(t.type)).c_str(),
                  static_cast<unsigned long long>(h));
    }
  }
  return 0;
}
