// Throwaway generator of the committed dequantization goldens (tests/data/quant/*.tsv) from
// llama.cpp's own ggml: it dlopens libggml-base.so and runs each type's to_float (the
// dequantize_row_* of ggml-quants.c). Not part of the build; see README.md here.
//
//   dequant_golden.tsv: file, tensor, type, elements, FNV-1a 64 of the f32 output bytes
//   dequant_blocks.tsv: type, block bytes (hex), f32 output bits (hex, little-endian per float)
//                       for crafted blocks that reach every codebook entry and scale code.
//   quantize_golden.tsv: type, input kind, ggml's quantize_row_*_ref bytes (hex) of the 1024
//                        floats quant_input(kind) (the same generator as tests/engine).
#include <dlfcn.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

// ggml.h's struct ggml_type_traits (v0.4.0 layout).
using ToFloat = void (*)(const void*, float*, std::int64_t);
struct GgmlTypeTraits {
  const char* type_name;
  std::int64_t blck_size;
  std::int64_t blck_size_interleave;
  std::size_t type_size;
  bool is_quantized;
  ToFloat to_float;
  void* from_float_ref;
};
using GetTraits = const GgmlTypeTraits* (*)(int);
using FromFloat = void (*)(const float*, void*, std::int64_t);

std::uint64_t fnv1a64(const void* data, std::size_t n) {
  auto p = static_cast<const std::uint8_t*>(data);
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (std::size_t i = 0; i < n; ++i) {
    h ^= p[i];
    h *= 0x100000001b3ull;
  }
  return h;
}

struct Reader {
  std::vector<std::uint8_t> bytes;
  std::size_t pos = 0;
  template <class T>
  T get() {
    if (pos + sizeof(T) > bytes.size()) throw std::runtime_error("truncated");
    T v;
    std::memcpy(&v, bytes.data() + pos, sizeof(T));
    pos += sizeof(T);
    return v;
  }
  std::string str() {
    const auto n = get<std::uint64_t>();
    std::string s(reinterpret_cast<const char*>(bytes.data() + pos), n);
    pos += n;
    return s;
  }
  void skip_value(std::uint32_t t) {
    static const int sizes[] = {1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8};
    if (t == 8) {
      str();
    } else if (t == 9) {
      const auto et = get<std::uint32_t>();
      const auto n = get<std::uint64_t>();
      for (std::uint64_t i = 0; i < n; ++i) skip_value(et);
    } else {
      pos += sizes[t];
    }
  }
};

struct Tensor {
  std::string name;
  std::uint64_t n = 1;
  int type = 0;
  std::uint64_t offset = 0;
};

std::string hex(const void* data, std::size_t n) {
  static const char* d = "0123456789abcdef";
  auto p = static_cast<const std::uint8_t*>(data);
  std::string s;
  for (std::size_t i = 0; i < n; ++i) {
    s += d[p[i] >> 4];
    s += d[p[i] & 15];
  }
  return s;
}

void golden_file(const std::filesystem::path& path, GetTraits traits, std::FILE* out) {
  Reader r;
  std::ifstream in(path, std::ios::binary);
  r.bytes.assign(std::istreambuf_iterator<char>(in), {});
  if (r.get<std::uint32_t>() != 0x46554747u) throw std::runtime_error("not GGUF");
  r.get<std::uint32_t>();
  const auto n_tensors = r.get<std::uint64_t>();
  const auto n_kv = r.get<std::uint64_t>();
  std::uint64_t alignment = 32;
  for (std::uint64_t i = 0; i < n_kv; ++i) {
    const std::string key = r.str();
    const auto t = r.get<std::uint32_t>();
    if (key == "general.alignment" && t == 4) {
      alignment = r.get<std::uint32_t>();
    } else {
      r.skip_value(t);
    }
  }
  std::vector<Tensor> tensors(n_tensors);
  for (Tensor& t : tensors) {
    t.name = r.str();
    const auto dims = r.get<std::uint32_t>();
    for (std::uint32_t d = 0; d < dims; ++d) t.n *= r.get<std::uint64_t>();
    t.type = static_cast<int>(r.get<std::uint32_t>());
    t.offset = r.get<std::uint64_t>();
  }
  const std::uint64_t data = (r.pos + alignment - 1) / alignment * alignment;
  for (const Tensor& t : tensors) {
    const GgmlTypeTraits* tr = traits(t.type);
    std::vector<float> y(t.n);
    const std::uint8_t* src = r.bytes.data() + data + t.offset;
    if (t.type == 0) {  // F32 has no to_float in ggml's base traits: its bytes are the output
      std::memcpy(y.data(), src, t.n * sizeof(float));
    } else if (tr->to_float) {
      tr->to_float(src, y.data(), static_cast<std::int64_t>(t.n));
    } else {
      throw std::runtime_error("ggml has no to_float for " + t.name);
    }
    std::fprintf(out, "%s\t%s\t%s\t%llu\t%016llx\n", path.filename().c_str(), t.name.c_str(),
                 tr->type_name, static_cast<unsigned long long>(t.n),
                 static_cast<unsigned long long>(fnv1a64(y.data(), y.size() * sizeof(float))));
  }
}

// One crafted block per line: the type's to_float output for exactly one block.
void emit_block(GetTraits traits, int type, const std::vector<std::uint8_t>& block, std::FILE* out) {
  const GgmlTypeTraits* tr = traits(type);
  if (block.size() != tr->type_size) throw std::runtime_error("bad crafted block size");
  std::vector<float> y(static_cast<std::size_t>(tr->blck_size));
  tr->to_float(block.data(), y.data(), tr->blck_size);
  std::fprintf(out, "%s\t%s\t%s\n", tr->type_name, hex(block.data(), block.size()).c_str(),
               hex(y.data(), y.size() * sizeof(float)).c_str());
}

constexpr int kIQ4_NL = 20, kIQ4_XS = 23, kMXFP4 = 39, kNVFP4 = 40;

// Nibble pairs 0x10*hi + lo covering all 16 codes in both the low and the high nibble.
void fill_nibbles(std::uint8_t* qs, int n) {
  for (int j = 0; j < n; ++j) qs[j] = static_cast<std::uint8_t>((j % 16) | ((15 - j % 16) << 4));
}

void crafted_blocks(GetTraits traits, std::FILE* out) {
  // IQ4_NL: d = 1.0 (fp16 0x3c00) and d = -0.5 (0xb800): every kvalues_iq4nl entry times d.
  for (std::uint16_t d : {std::uint16_t{0x3c00}, std::uint16_t{0xb800}}) {
    std::vector<std::uint8_t> b(18);
    std::memcpy(b.data(), &d, 2);
    fill_nibbles(b.data() + 2, 16);
    emit_block(traits, kIQ4_NL, b, out);
  }
  // IQ4_XS: d = 1.0, the 6-bit sub-block scales 0, 31, 32, 63 and others, every nibble.
  for (int s = 0; s < 64; s += 8) {
    std::vector<std::uint8_t> b(136);
    const std::uint16_t d = 0x3c00;
    std::memcpy(b.data(), &d, 2);
    std::uint16_t scales_h = 0;
    for (int ib = 0; ib < 8; ++ib) {
      const int ls = (s + ib * 9) % 64;
      b[4 + ib / 2] |= static_cast<std::uint8_t>((ls & 15) << (4 * (ib % 2)));
      scales_h |= static_cast<std::uint16_t>((ls >> 4) << (2 * ib));
    }
    std::memcpy(b.data() + 2, &scales_h, 2);
    fill_nibbles(b.data() + 8, 128);
    emit_block(traits, kIQ4_XS, b, out);
  }
  // MXFP4: every E8M0 exponent byte, every E2M1 code.
  for (int e = 0; e < 256; ++e) {
    std::vector<std::uint8_t> b(17);
    b[0] = static_cast<std::uint8_t>(e);
    fill_nibbles(b.data() + 1, 16);
    emit_block(traits, kMXFP4, b, out);
  }
  // NVFP4: every UE4M3 scale byte (4 per block), every E2M1 code in each sub-block.
  for (int s = 0; s < 256; s += 4) {
    std::vector<std::uint8_t> b(36);
    for (int k = 0; k < 4; ++k) b[k] = static_cast<std::uint8_t>(s + k);
    fill_nibbles(b.data() + 4, 32);
    emit_block(traits, kNVFP4, b, out);
  }
}

// Kind 0: integers of a 64-bit LCG over 8192 (exact floats in -1.22 .. 1.22); kind 1: multiples
// of 0.25 in -2 .. 2 (rounding ties) with elements 256..511 zero (all-zero blocks).
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

void quantize_goldens(GetTraits traits, std::FILE* out) {
  // Q1_0, Q2_0, TQ1_0, TQ2_0, MXFP4, NVFP4, Q2_K, Q3_K, IQ4_NL, IQ4_XS
  for (int type : {41, 42, 34, 35, 39, 40, 10, 11, 20, 23}) {
    const GgmlTypeTraits* tr = traits(type);
    auto from = reinterpret_cast<FromFloat>(tr->from_float_ref);
    if (!from) throw std::runtime_error(std::string("no quantize_row_ref for ") + tr->type_name);
    for (int kind : {0, 1}) {
      const std::vector<float> x = quant_input(kind);
      std::vector<std::uint8_t> q(x.size() / static_cast<std::size_t>(tr->blck_size) *
                                  tr->type_size);
      from(x.data(), q.data(), static_cast<std::int64_t>(x.size()));
      std::fprintf(out, "%s\t%d\t%s\n", tr->type_name, kind, hex(q.data(), q.size()).c_str());
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s LIBGGML_BASE_SO MODELS_DIR OUT_DIR\n", argv[0]);
    return 2;
  }
  void* lib = dlopen(argv[1], RTLD_NOW);
  if (!lib) {
    std::fprintf(stderr, "%s\n", dlerror());
    return 1;
  }
  auto traits = reinterpret_cast<GetTraits>(dlsym(lib, "ggml_get_type_traits"));
  if (!traits) {
    std::fprintf(stderr, "no ggml_get_type_traits\n");
    return 1;
  }
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(argv[2])) {
    if (e.path().extension() == ".gguf") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  const std::filesystem::path out_dir = argv[3];
  std::FILE* golden = std::fopen((out_dir / "dequant_golden.tsv").c_str(), "w");
  std::FILE* blocks = std::fopen((out_dir / "dequant_blocks.tsv").c_str(), "w");
  std::FILE* quants = std::fopen((out_dir / "quantize_golden.tsv").c_str(), "w");
  if (!golden || !blocks || !quants) {
    std::fprintf(stderr, "cannot write to %s\n", argv[3]);
    return 1;
  }
  for (const auto& f : files) golden_file(f, traits, golden);
  crafted_blocks(traits, blocks);
  quantize_goldens(traits, quants);
  std::fclose(quants);
  std::fclose(golden);
  std::fclose(blocks);
  return 0;
}
