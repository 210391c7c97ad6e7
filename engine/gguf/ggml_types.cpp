// Block geometry of every ggml type id (ggml.c's type_traits table).
#include "gguf/ggml_types.h"

#include <array>

namespace vkchat::gguf {
namespace {

constexpr std::array kTraits = {
    TypeTraits{GgmlType::F32, "F32", 1, 4}, TypeTraits{GgmlType::F16, "F16", 1, 2},
    TypeTraits{GgmlType::Q4_0, "Q4_0", 32, 18}, TypeTraits{GgmlType::Q4_1, "Q4_1", 32, 20},
    TypeTraits{GgmlType::Q5_0, "Q5_0", 32, 22}, TypeTraits{GgmlType::Q5_1, "Q5_1", 32, 24},
    TypeTraits{GgmlType::Q8_0, "Q8_0", 32, 34}, TypeTraits{GgmlType::Q8_1, "Q8_1", 32, 36},
    TypeTraits{GgmlType::Q2_K, "Q2_K", 256, 84}, TypeTraits{GgmlType::Q3_K, "Q3_K", 256, 110},
    TypeTraits{GgmlType::Q4_K, "Q4_K", 256, 144}, TypeTraits{GgmlType::Q5_K, "Q5_K", 256, 176},
    TypeTraits{GgmlType::Q6_K, "Q6_K", 256, 210}, TypeTraits{GgmlType::Q8_K, "Q8_K", 256, 292},
    TypeTraits{GgmlType::IQ2_XXS, "IQ2_XXS", 256, 66},
    TypeTraits{GgmlType::IQ2_XS, "IQ2_XS", 256, 74},
    TypeTraits{GgmlType::IQ3_XXS, "IQ3_XXS", 256, 98},
    TypeTraits{GgmlType::IQ1_S, "IQ1_S", 256, 50}, TypeTraits{GgmlType::IQ4_NL, "IQ4_NL", 32, 18},
    TypeTraits{GgmlType::IQ3_S, "IQ3_S", 256, 110}, TypeTraits{GgmlType::IQ2_S, "IQ2_S", 256, 82},
    TypeTraits{GgmlType::IQ4_XS, "IQ4_XS", 256, 136}, TypeTraits{GgmlType::I8, "I8", 1, 1},
    TypeTraits{GgmlType::I16, "I16", 1, 2}, TypeTraits{GgmlType::I32, "I32", 1, 4},
    TypeTraits{GgmlType::I64, "I64", 1, 8}, TypeTraits{GgmlType::F64, "F64", 1, 8},
    TypeTraits{GgmlType::IQ1_M, "IQ1_M", 256, 56}, TypeTraits{GgmlType::BF16, "BF16", 1, 2},
    TypeTraits{GgmlType::TQ1_0, "TQ1_0", 256, 54}, TypeTraits{GgmlType::TQ2_0, "TQ2_0", 256, 66},
    TypeTraits{GgmlType::MXFP4, "MXFP4", 32, 17},
    // 4 E4M3 scales, one per 16 elements, then 32 bytes of E2M1 pairs.
    TypeTraits{GgmlType::NVFP4, "NVFP4", 64, 36},
    TypeTraits{GgmlType::Q1_0, "Q1_0", 128, 18},  // fp16 scale + 128 sign bits
    TypeTraits{GgmlType::Q2_0, "Q2_0", 64, 18},   // fp16 scale + 64 2-bit values
};

}  // namespace

std::optional<TypeTraits> type_traits(std::uint32_t id) {
  for (const TypeTraits& t : kTraits) {
    if (static_cast<std::uint32_t>(t.type) == id) return t;
  }
  return std::nullopt;
}

TypeTraits traits(GgmlType t) {
  return *type_traits(static_cast<std::uint32_t>(t));
}

std::string_view type_name(GgmlType t) {
  return traits(t).name;
}

std::string_view file_type_name(std::uint32_t ftype) {
  switch (ftype) {
    case 0: return "F32";
    case 1: return "F16";
    case 2: return "Q4_0";
    case 3: return "Q4_1";
    case 7: return "Q8_0";
    case 8: return "Q5_0";
    case 9: return "Q5_1";
    case 10: return "Q2_K";
    case 11: return "Q3_K_S";
    case 12: return "Q3_K_M";
    case 13: return "Q3_K_L";
    case 14: return "Q4_K_S";
    case 15: return "Q4_K_M";
    case 16: return "Q5_K_S";
    case 17: return "Q5_K_M";
    case 18: return "Q6_K";
    case 19: return "IQ2_XXS";
    case 20: return "IQ2_XS";
    case 21: return "Q2_K_S";
    case 22: return "IQ3_XS";
    case 23: return "IQ3_XXS";
    case 24: return "IQ1_S";
    case 25: return "IQ4_NL";
    case 26: return "IQ3_S";
    case 27: return "IQ3_M";
    case 28: return "IQ2_S";
    case 29: return "IQ2_M";
    case 30: return "IQ4_XS";
    case 31: return "IQ1_M";
    case 32: return "BF16";
    case 36: return "TQ1_0";
    case 37: return "TQ2_0";
    case 38: return "MXFP4_MOE";
    case 39: return "NVFP4";
    case 40: return "Q1_0";
    case 41: return "Q2_0";
    default: return "unknown";
  }
}

}  // namespace vkchat::gguf
