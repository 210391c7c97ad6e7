// GGUF v3 serialization: little-endian fields, strings as u64 length + bytes, tensor data aligned.
#include "gguf/gguf_writer.h"

#include <bit>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <variant>

#include "util/errors.h"

namespace vkchat::gguf {

static_assert(std::endian::native == std::endian::little, "GGUF is little-endian");

namespace {

constexpr std::uint32_t kVersion = 3;

void append(std::vector<std::uint8_t>& out, const void* p, std::size_t n) {
  const auto* b = static_cast<const std::uint8_t*>(p);
  out.insert(out.end(), b, b + n);
}

template <class T>
void append_pod(std::vector<std::uint8_t>& out, T v) {
  append(out, &v, sizeof v);
}

void append_string(std::vector<std::uint8_t>& out, std::string_view s) {
  append_pod<std::uint64_t>(out, s.size());
  append(out, s.data(), s.size());
}

// The payload of an array (element type, count, items) as the reader reads it.
void append_array(std::vector<std::uint8_t>& out, const Array& a) {
  append_pod(out, static_cast<std::uint32_t>(a.elem_type));
  append_pod<std::uint64_t>(out, a.size());
  std::visit(
      [&](const auto& items) {
        using E = std::decay_t<decltype(items[0])>;
        if constexpr (std::is_same_v<E, std::string_view>) {
          for (std::string_view s : items) append_string(out, s);
        } else if constexpr (std::is_same_v<E, Value>) {
          for (const Value& v : items) append_array(out, std::get<Array>(v.data));
        } else {
          append(out, items.data(), items.size() * sizeof(E));
        }
      },
      a.items);
}

std::uint64_t align_up(std::uint64_t n, std::uint64_t a) {
  return (n + a - 1) / a * a;
}

}  // namespace

GgufWriter::GgufWriter(std::filesystem::path path)
    : path_(std::move(path)), part_path_(path_.string() + ".part") {
  file_ = std::fopen(part_path_.c_str(), "wb");
  if (!file_) throw FileError(part_path_.string(), std::strerror(errno));
  // Large writes go straight through; small header fields are batched.
  std::setvbuf(file_, nullptr, _IOFBF, 1 << 20);
}

GgufWriter::~GgufWriter() {
  if (file_) std::fclose(file_);
  if (!finished_) {
    std::error_code ec;
    std::filesystem::remove(part_path_, ec);  // best effort: the error in flight matters more
  }
}

void GgufWriter::require_declaring(const char* what) const {
  if (header_written_) {
    throw std::logic_error(std::string("GgufWriter: ") + what + " after write_header()");
  }
}

std::vector<std::uint8_t>& GgufWriter::slot(std::string_view key) {
  require_declaring("metadata");
  if (key.empty()) throw std::invalid_argument("GgufWriter: empty metadata key");
  const std::string k(key);
  auto it = kv_index_.find(k);
  if (it != kv_index_.end()) {
    auto& bytes = kv_[it->second].second;
    bytes.clear();
    return bytes;
  }
  kv_index_.emplace(k, kv_.size());
  kv_.emplace_back(k, std::vector<std::uint8_t>{});
  return kv_.back().second;
}

void GgufWriter::set_scalar(std::string_view key, ValueType type, const void* value,
                            std::size_t size) {
  auto& out = slot(key);
  append_pod(out, static_cast<std::uint32_t>(type));
  append(out, value, size);
}

void GgufWriter::set_string(std::string_view key, std::string_view value) {
  auto& out = slot(key);
  append_pod(out, static_cast<std::uint32_t>(ValueType::STRING));
  append_string(out, value);
}

void GgufWriter::set_scalar_array(std::string_view key, ValueType elem, const void* items,
                                  std::size_t n, std::size_t elem_size) {
  auto& out = slot(key);
  append_pod(out, static_cast<std::uint32_t>(ValueType::ARRAY));
  append_pod(out, static_cast<std::uint32_t>(elem));
  append_pod<std::uint64_t>(out, n);
  append(out, items, n * elem_size);
}

void GgufWriter::set_string_array(std::string_view key, std::span<const std::string_view> items) {
  auto& out = slot(key);
  append_pod(out, static_cast<std::uint32_t>(ValueType::ARRAY));
  append_pod(out, static_cast<std::uint32_t>(ValueType::STRING));
  append_pod<std::uint64_t>(out, items.size());
  for (std::string_view s : items) append_string(out, s);
}

void GgufWriter::set_value(std::string_view key, const Value& value) {
  auto& out = slot(key);
  append_pod(out, static_cast<std::uint32_t>(value.type));
  std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::string_view>) {
          append_string(out, x);
        } else if constexpr (std::is_same_v<T, Array>) {
          append_array(out, x);
        } else if constexpr (std::is_same_v<T, bool>) {
          append_pod<std::uint8_t>(out, x ? 1 : 0);
        } else {
          append_pod(out, x);
        }
      },
      value.data);
}

void GgufWriter::set_alignment(std::uint32_t alignment) {
  if (alignment == 0 || (alignment & (alignment - 1)) != 0) {
    throw std::invalid_argument("GgufWriter: alignment must be a power of two");
  }
  alignment_ = alignment;
  set<std::uint32_t>("general.alignment", alignment);
}

std::size_t GgufWriter::add_tensor(std::string_view name, std::span<const std::uint64_t> ne,
                                   GgmlType type) {
  require_declaring("add_tensor");
  const std::string n(name);
  if (ne.empty() || ne.size() > 4) {
    throw std::invalid_argument("GgufWriter: tensor " + n + " must have 1..4 dimensions");
  }
  const TypeTraits tr = traits(type);
  std::uint64_t elements = 1;
  for (std::uint64_t d : ne) {
    if (d == 0) throw std::invalid_argument("GgufWriter: tensor " + n + " has a zero dimension");
    elements *= d;
  }
  if (ne[0] % tr.block_size != 0) {
    throw std::invalid_argument("GgufWriter: tensor " + n + " row length " + std::to_string(ne[0]) +
                                " is not a multiple of the " + std::string(tr.name) +
                                " block size");
  }
  if (!tensor_index_.emplace(n, tensors_.size()).second) {
    throw std::invalid_argument("GgufWriter: duplicate tensor " + n);
  }
  Tensor t;
  t.name = n;
  t.ne.assign(ne.begin(), ne.end());
  t.type = type;
  t.size = elements / tr.block_size * tr.type_size;
  tensors_.push_back(std::move(t));
  return tensors_.size() - 1;
}

void GgufWriter::layout() {
  std::uint64_t off = 0;
  for (Tensor& t : tensors_) {
    off = align_up(off, alignment_);
    t.offset = off;
    off += t.size;
  }
}

std::uint64_t GgufWriter::file_size() const {
  if (!header_written_) throw std::logic_error("GgufWriter: file_size() before write_header()");
  if (tensors_.empty()) return data_start_;
  return data_start_ + tensors_.back().offset + tensors_.back().size;
}

void GgufWriter::put(const void* p, std::size_t n) {
  if (n == 0) return;
  if (std::fwrite(p, 1, n, file_) != n) {
    throw FileError(part_path_.string(), std::string("write failed: ") + std::strerror(errno));
  }
  pos_ += n;
}

void GgufWriter::pad_to(std::uint64_t pos) {
  static constexpr std::uint8_t zeros[64] = {};
  while (pos_ < pos) put(zeros, static_cast<std::size_t>(std::min<std::uint64_t>(64, pos - pos_)));
}

void GgufWriter::write_header() {
  require_declaring("write_header");
  layout();
  std::vector<std::uint8_t> h;
  append(h, "GGUF", 4);
  append_pod(h, kVersion);
  append_pod<std::uint64_t>(h, tensors_.size());
  append_pod<std::uint64_t>(h, kv_.size());
  for (const auto& [key, value] : kv_) {
    append_string(h, key);
    append(h, value.data(), value.size());
  }
  for (const Tensor& t : tensors_) {
    append_string(h, t.name);
    append_pod(h, static_cast<std::uint32_t>(t.ne.size()));
    for (std::uint64_t d : t.ne) append_pod(h, d);
    append_pod(h, static_cast<std::uint32_t>(t.type));
    append_pod(h, t.offset);
  }
  put(h.data(), h.size());
  data_start_ = align_up(pos_, alignment_);
  pad_to(data_start_);
  header_written_ = true;
  cur_ = 0;
  cur_written_ = 0;
}

void GgufWriter::write_tensor_data(std::span<const std::uint8_t> bytes) {
  if (!header_written_) throw std::logic_error("GgufWriter: tensor data before write_header()");
  while (!bytes.empty()) {
    if (cur_ >= tensors_.size()) {
      throw std::logic_error("GgufWriter: more tensor data than the declared tensors hold");
    }
    const Tensor& t = tensors_[cur_];
    if (cur_written_ == 0) pad_to(data_start_ + t.offset);
    const std::uint64_t n = std::min<std::uint64_t>(bytes.size(), t.size - cur_written_);
    put(bytes.data(), static_cast<std::size_t>(n));
    bytes = bytes.subspan(static_cast<std::size_t>(n));
    cur_written_ += n;
    if (cur_written_ == t.size) {
      ++cur_;
      cur_written_ = 0;
    }
  }
}

void GgufWriter::finish() {
  if (!header_written_) write_header();
  if (cur_ != tensors_.size()) {
    throw std::logic_error("GgufWriter: tensor " + tensors_[cur_].name + " was not written (" +
                           std::to_string(cur_written_) + " of " +
                           std::to_string(tensors_[cur_].size) + " bytes)");
  }
  const int rc = std::fclose(file_);
  file_ = nullptr;
  if (rc != 0) {
    throw FileError(part_path_.string(), std::string("close failed: ") + std::strerror(errno));
  }
  std::error_code ec;
  std::filesystem::rename(part_path_, path_, ec);
  if (ec) throw FileError(path_.string(), "cannot rename the written file: " + ec.message());
  finished_ = true;
}

}  // namespace vkchat::gguf
