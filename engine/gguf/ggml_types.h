// Every ggml tensor type id with its block geometry, so sizes can be checked even for
// types the engine cannot run.
#pragma once
#include <cstdint>
#include <optional>
#include <string_view>

namespace vkchat::gguf {

enum class GgmlType : std::uint32_t {
  F32 = 0,
  F16 = 1,
  Q4_0 = 2,
  Q4_1 = 3,
  Q5_0 = 6,
  Q5_1 = 7,
  Q8_0 = 8,
  Q8_1 = 9,
  Q2_K = 10,
  Q3_K = 11,
  Q4_K = 12,
  Q5_K = 13,
  Q6_K = 14,
  Q8_K = 15,
  IQ2_XXS = 16,
  IQ2_XS = 17,
  IQ3_XXS = 18,
  IQ1_S = 19,
  IQ4_NL = 20,
  IQ3_S = 21,
  IQ2_S = 22,
  IQ4_XS = 23,
  I8 = 24,
  I16 = 25,
  I32 = 26,
  I64 = 27,
  F64 = 28,
  IQ1_M = 29,
  BF16 = 30,
  TQ1_0 = 34,
  TQ2_0 = 35,
  MXFP4 = 39,
  NVFP4 = 40,
  Q1_0 = 41,
  Q2_0 = 42,
};

struct TypeTraits {
  GgmlType type;
  std::string_view name;     // as llama.cpp prints it: "Q4_K", "F16", ...
  std::uint32_t block_size;  // elements per block
  std::uint32_t type_size;   // bytes per block
};

// The traits of a raw type id, or nullopt for ids ggml never had or has removed.
std::optional<TypeTraits> type_traits(std::uint32_t id);

// Traits of a known type (never fails).
TypeTraits traits(GgmlType t);

std::string_view type_name(GgmlType t);

// llama.cpp's general.file_type (LLAMA_FTYPE_*) as its name, e.g. 15 -> "Q4_K_M"; "unknown"
// otherwise.
std::string_view file_type_name(std::uint32_t ftype);

}  // namespace vkchat::gguf
