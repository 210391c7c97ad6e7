// general.file_type, else the dominant tensor type.
#include "gguf/file_type.h"

#include <algorithm>
#include <map>

namespace vkchat::gguf {

std::string file_type_label(const GgufFile& f) {
  const auto ft = f.get_optional<std::uint32_t>("general.file_type");
  const std::string named = ft ? std::string(file_type_name(*ft)) : "";
  if (!named.empty() && named != "unknown") return named;
  std::map<GgmlType, std::uint64_t> bytes;
  for (const TensorInfo& t : f.tensors()) bytes[t.type] += t.size;
  const auto most = std::max_element(
      bytes.begin(), bytes.end(), [](const auto& a, const auto& b) { return a.second < b.second; });
  return most == bytes.end() ? named : std::string(type_name(most->first));
}

}  // namespace vkchat::gguf
