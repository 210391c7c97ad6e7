// GGUF (v2 and v3) reader over a memory map: metadata, tensor infos and zero-copy tensor data.
// Every count, length, offset and size is validated against the file before use; a malformed
// file throws vkchat::GgufError with the file, the byte offset and expected-vs-found.
#pragma once
#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>

#include "gguf/ggml_types.h"
#include "util/errors.h"
#include "util/mapped_file.h"

namespace vkchat::gguf {

enum class ValueType : std::uint32_t {
  U8 = 0,
  I8 = 1,
  U16 = 2,
  I16 = 3,
  U32 = 4,
  I32 = 5,
  F32 = 6,
  BOOL = 7,
  STRING = 8,
  ARRAY = 9,
  U64 = 10,
  I64 = 11,
  F64 = 12,
};
std::string_view value_type_name(ValueType t);

struct Value;

// An array value. Scalars are copied out of the file (it is unaligned there); strings are views
// into the map. BOOL arrays are stored as bytes.
struct Array {
  ValueType elem_type = ValueType::U8;
  std::variant<std::vector<std::uint8_t>, std::vector<std::int8_t>, std::vector<std::uint16_t>,
               std::vector<std::int16_t>, std::vector<std::uint32_t>, std::vector<std::int32_t>,
               std::vector<float>, std::vector<std::uint64_t>, std::vector<std::int64_t>,
               std::vector<double>, std::vector<std::string_view>, std::vector<Value>>
      items;
  std::size_t size() const;
};

struct Value {
  ValueType type = ValueType::U8;
  std::variant<std::uint8_t, std::int8_t, std::uint16_t, std::int16_t, std::uint32_t, std::int32_t,
               float, bool, std::string_view, Array, std::uint64_t, std::int64_t, double>
      data;

  // Any integer type whose value fits in int64/uint64 (throws MetadataError otherwise).
  std::optional<std::int64_t> as_int() const;
  std::optional<double> as_float() const;                  // F32, F64 or any integer
  std::string to_string(std::size_t max_items = 8) const;  // human-readable, arrays abridged
};

struct TensorInfo {
  std::string_view name;
  std::uint32_t n_dims = 0;
  std::array<std::uint64_t, 4> ne{1, 1, 1, 1};  // ggml order: ne[0] is contiguous (row length)
  GgmlType type = GgmlType::F32;
  std::uint64_t offset = 0;  // relative to the data section
  std::uint64_t size = 0;    // bytes
  std::uint64_t n_elements = 0;
  std::uint64_t info_offset = 0;       // where this tensor's info starts in the file (for messages)
  std::span<const std::uint8_t> data;  // the bytes in the map

  std::uint64_t rows() const { return n_elements / ne[0]; }
  std::string shape_string() const;  // "[64, 512]"
};

class GgufFile {
 public:
  // Maps and parses a file. Throws FileError (cannot open) or GgufError (malformed).
  static GgufFile open(const std::filesystem::path& path);
  // Parses bytes held in memory (fuzzing, corruption tests); `name` stands in for the path.
  static GgufFile from_memory(std::vector<std::uint8_t> bytes, std::string name);

  GgufFile(GgufFile&&) noexcept = default;
  GgufFile& operator=(GgufFile&&) noexcept = default;
  GgufFile(const GgufFile&) = delete;
  GgufFile& operator=(const GgufFile&) = delete;

  const std::string& path() const { return path_; }
  std::uint32_t version() const { return version_; }
  std::uint64_t file_size() const { return bytes_.size(); }
  std::uint64_t alignment() const { return alignment_; }
  std::uint64_t data_offset() const { return data_offset_; }

  // Metadata in file order.
  const std::vector<std::pair<std::string_view, Value>>& metadata() const { return kv_; }
  const Value* find(std::string_view key) const;
  bool contains(std::string_view key) const { return find(key) != nullptr; }

  // Typed access. Integer targets accept any integer type whose value fits; float targets
  // accept F32/F64; strings accept STRING. Missing or mistyped keys throw MetadataError.
  template <class T>
  T get(std::string_view key) const;
  template <class T>
  std::optional<T> get_optional(std::string_view key) const;
  // Arrays as spans: T must be the element type exactly (std::string_view for strings;
  // std::uint8_t for BOOL).
  template <class T>
  std::span<const T> get_array(std::string_view key) const;
  const Array* find_array(std::string_view key) const;

  // general.architecture, or "" when absent.
  std::string_view architecture() const;

  const std::vector<TensorInfo>& tensors() const { return tensors_; }
  const TensorInfo* find_tensor(std::string_view name) const;
  // Throws UnsupportedModel naming the tensor and file when absent.
  const TensorInfo& tensor(std::string_view name) const;

 private:
  GgufFile() = default;
  void parse();

  std::string path_;
  std::variant<std::monostate, MappedFile, std::vector<std::uint8_t>> storage_;
  std::span<const std::uint8_t> bytes_;
  std::uint32_t version_ = 0;
  std::uint64_t alignment_ = 32;
  std::uint64_t data_offset_ = 0;
  std::vector<std::pair<std::string_view, Value>> kv_;
  std::unordered_map<std::string_view, std::size_t> kv_index_;
  std::vector<TensorInfo> tensors_;
  std::unordered_map<std::string_view, std::size_t> tensor_index_;
};

}  // namespace vkchat::gguf
