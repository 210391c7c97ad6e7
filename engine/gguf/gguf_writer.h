// GGUF v3 writer that streams tensor data to disk: metadata and tensor infos are declared first
// (their sizes fix every offset), then the header is written and each tensor's bytes are appended
// in declaration order, in as many pieces as the caller likes, so a multi-GB model never has to be
// held in memory. The file is written under a temporary name and renamed into place by finish();
// a writer destroyed before that removes its partial file.
#pragma once
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "gguf/ggml_types.h"
#include "gguf/gguf_reader.h"

namespace vkchat::gguf {

class GgufWriter {
 public:
  // Creates `path`.part for writing. Throws FileError when it cannot be created.
  explicit GgufWriter(std::filesystem::path path);
  ~GgufWriter();
  GgufWriter(const GgufWriter&) = delete;
  GgufWriter& operator=(const GgufWriter&) = delete;

  // ---- metadata (before write_header) ----
  // A scalar: the GGUF value type follows the C++ type (std::uint8_t is U8, float F32, bool BOOL,
  // std::string_view STRING, ...). Setting a key again replaces its value in place.
  template <class T>
  void set(std::string_view key, T value) {
    if constexpr (std::is_convertible_v<T, std::string_view>) {
      set_string(key, std::string_view(value));
    } else {
      set_scalar(key, kind_of<T>(), &value, sizeof(T));
    }
  }
  void set_string(std::string_view key, std::string_view value);
  // An array of scalars (std::uint8_t .. double, bool) or of strings (std::string_view or
  // std::string elements).
  template <class T>
  void set_array(std::string_view key, std::span<const T> items);
  template <class T>
  void set_array(std::string_view key, const std::vector<T>& items) {
    if constexpr (std::is_same_v<T, bool>) {  // std::vector<bool> has no span
      const std::vector<std::uint8_t> bytes(items.begin(), items.end());
      set_scalar_array(key, ValueType::BOOL, bytes.data(), bytes.size(), 1);
    } else {
      set_array(key, std::span<const T>(items));
    }
  }
  // Any value read from another file, arrays of arrays included (copying tokenizer metadata).
  void set_value(std::string_view key, const Value& value);
  // Sets general.alignment (a power of two) and aligns the data section and each tensor to it.
  void set_alignment(std::uint32_t alignment);
  bool contains(std::string_view key) const { return kv_index_.contains(std::string(key)); }

  // ---- tensors (before write_header) ----
  // Declares a tensor of shape ne (ggml order, 1..4 dimensions); returns its index. Throws
  // std::invalid_argument for a duplicate name, a bad shape or a row length that is not a whole
  // number of blocks.
  std::size_t add_tensor(std::string_view name, std::span<const std::uint64_t> ne, GgmlType type);
  std::size_t add_tensor(std::string_view name, std::initializer_list<std::uint64_t> ne,
                         GgmlType type) {
    return add_tensor(name, std::span<const std::uint64_t>(ne.begin(), ne.size()), type);
  }
  std::size_t tensor_count() const { return tensors_.size(); }
  std::uint64_t tensor_bytes(std::size_t i) const { return tensors_[i].size; }

  // ---- writing ----
  // Writes magic, version, metadata and tensor infos, and pads to the data section.
  void write_header();
  // Appends bytes of the current tensor (the first not yet complete, in declaration order);
  // padding between tensors is written automatically. Throws std::logic_error when the bytes run
  // past the last tensor.
  void write_tensor_data(std::span<const std::uint8_t> bytes);
  // Index of the tensor the next write_tensor_data goes to (tensor_count() when all are done).
  std::size_t current_tensor() const { return cur_; }
  // Checks that every tensor was written in full, flushes, and renames the file into place.
  void finish();

  // Total file size once finished (known from the declarations).
  std::uint64_t file_size() const;

 private:
  struct Tensor {
    std::string name;
    std::vector<std::uint64_t> ne;
    GgmlType type;
    std::uint64_t size = 0;
    std::uint64_t offset = 0;  // in the data section
  };

  template <class T>
  static constexpr ValueType kind_of() {
    if constexpr (std::is_same_v<T, bool>)
      return ValueType::BOOL;
    else if constexpr (std::is_same_v<T, std::uint8_t>)
      return ValueType::U8;
    else if constexpr (std::is_same_v<T, std::int8_t>)
      return ValueType::I8;
    else if constexpr (std::is_same_v<T, std::uint16_t>)
      return ValueType::U16;
    else if constexpr (std::is_same_v<T, std::int16_t>)
      return ValueType::I16;
    else if constexpr (std::is_same_v<T, std::uint32_t>)
      return ValueType::U32;
    else if constexpr (std::is_same_v<T, std::int32_t>)
      return ValueType::I32;
    else if constexpr (std::is_same_v<T, std::uint64_t>)
      return ValueType::U64;
    else if constexpr (std::is_same_v<T, std::int64_t>)
      return ValueType::I64;
    else if constexpr (std::is_same_v<T, float>)
      return ValueType::F32;
    else if constexpr (std::is_same_v<T, double>)
      return ValueType::F64;
    else
      static_assert(sizeof(T) == 0, "no GGUF value type for this C++ type");
  }

  void set_scalar(std::string_view key, ValueType type, const void* value, std::size_t size);
  void set_scalar_array(std::string_view key, ValueType elem, const void* items, std::size_t n,
                        std::size_t elem_size);
  void set_string_array(std::string_view key, std::span<const std::string_view> items);
  // The serialized value (type id + payload) for `key`, replacing an earlier one.
  std::vector<std::uint8_t>& slot(std::string_view key);
  void require_declaring(const char* what) const;
  void put(const void* p, std::size_t n);
  void pad_to(std::uint64_t pos);
  void layout();

  std::filesystem::path path_;
  std::filesystem::path part_path_;
  std::FILE* file_ = nullptr;
  std::uint64_t pos_ = 0;  // bytes written so far
  std::uint32_t alignment_ = 32;
  std::vector<std::pair<std::string, std::vector<std::uint8_t>>> kv_;
  std::unordered_map<std::string, std::size_t> kv_index_;
  std::vector<Tensor> tensors_;
  std::unordered_map<std::string, std::size_t> tensor_index_;
  bool header_written_ = false;
  bool finished_ = false;
  std::uint64_t data_start_ = 0;   // file offset of the data section
  std::size_t cur_ = 0;            // tensor being written
  std::uint64_t cur_written_ = 0;  // bytes of it written
};

template <class T>
void GgufWriter::set_array(std::string_view key, std::span<const T> items) {
  if constexpr (std::is_same_v<T, std::string_view>) {
    set_string_array(key, items);
  } else if constexpr (std::is_same_v<T, std::string>) {
    std::vector<std::string_view> views(items.begin(), items.end());
    set_string_array(key, views);
  } else if constexpr (std::is_same_v<T, bool>) {
    std::vector<std::uint8_t> bytes(items.begin(), items.end());
    set_scalar_array(key, ValueType::BOOL, bytes.data(), bytes.size(), 1);
  } else {
    set_scalar_array(key, kind_of<T>(), items.data(), items.size(), sizeof(T));
  }
}

}  // namespace vkchat::gguf
