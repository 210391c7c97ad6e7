// GGUF parsing with bounds and overflow checks on every read.
#include "gguf/gguf_reader.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <sstream>
#include <utility>

namespace vkchat::gguf {
namespace {

constexpr std::uint32_t kMaxArrayDepth = 8;
constexpr std::uint64_t kMaxNameLength = 4096;

// Reads little-endian values from the file with a bounds check on every access.
class Cursor {
 public:
  Cursor(std::span<const std::uint8_t> bytes, const std::string& path)
      : bytes_(bytes), path_(path) {}

  std::uint64_t pos() const { return pos_; }
  std::uint64_t remaining() const { return bytes_.size() - pos_; }

  [[noreturn]] void fail(const std::string& what) const { throw GgufError(path_, pos_, what); }
  [[noreturn]] void fail_at(std::uint64_t at, const std::string& what) const {
    throw GgufError(path_, at, what);
  }

  void need(std::uint64_t n, const char* what) const {
    if (n > remaining()) {
      fail(std::string("file truncated: expected ") + std::to_string(n) + " bytes of " + what +
           ", found " + std::to_string(remaining()));
    }
  }

  template <class T>
  T read(const char* what) {
    need(sizeof(T), what);
    T v;
    std::memcpy(&v, bytes_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return v;
  }

  std::string_view read_string(const char* what, std::uint64_t max_len) {
    std::uint64_t at = pos_;
    auto len = read<std::uint64_t>(what);
    if (len > remaining()) {
      fail_at(at, std::string(what) + " length " + std::to_string(len) + " exceeds the " +
                      std::to_string(remaining()) + " bytes left in the file");
    }
    if (len > max_len) {
      fail_at(at, std::string(what) + " length " + std::to_string(len) + " exceeds the limit " +
                      std::to_string(max_len));
    }
    std::string_view s(reinterpret_cast<const char*>(bytes_.data() + pos_), len);
    pos_ += len;
    return s;
  }

  // Checks that `count` items of at least `min_item` bytes each can fit in what remains.
  void check_count(std::uint64_t count, std::uint64_t min_item, std::uint64_t at,
                   const std::string& what) const {
    if (min_item != 0 && count > remaining() / min_item) {
      fail_at(at, what + " count " + std::to_string(count) + " needs at least " +
                      (count > std::numeric_limits<std::uint64_t>::max() / min_item
                           ? std::string("more than 2^64")
                           : std::to_string(count * min_item)) +
                      " bytes, only " + std::to_string(remaining()) + " left");
    }
  }

 private:
  std::span<const std::uint8_t> bytes_;
  const std::string& path_;
  std::uint64_t pos_ = 0;
};

std::uint64_t scalar_size(ValueType t) {
  switch (t) {
    case ValueType::U8:
    case ValueType::I8:
    case ValueType::BOOL: return 1;
    case ValueType::U16:
    case ValueType::I16: return 2;
    case ValueType::U32:
    case ValueType::I32:
    case ValueType::F32: return 4;
    case ValueType::U64:
    case ValueType::I64:
    case ValueType::F64: return 8;
    case ValueType::STRING:
    case ValueType::ARRAY: return 0;
  }
  return 0;
}

bool valid_type(std::uint32_t t) {
  return t <= 12;
}

template <class T>
std::vector<T> read_scalars(Cursor& c, std::uint64_t n) {
  std::vector<T> out(n);
  for (std::uint64_t i = 0; i < n; ++i) out[i] = c.read<T>("array element");
  return out;
}

Value read_value(Cursor& c, ValueType type, std::uint32_t depth);

Array read_array(Cursor& c, std::uint32_t depth) {
  std::uint64_t at = c.pos();
  if (depth >= kMaxArrayDepth)
    c.fail("arrays nested deeper than " + std::to_string(kMaxArrayDepth));
  auto et = c.read<std::uint32_t>("array element type");
  if (!valid_type(et)) c.fail_at(at, "invalid array element type " + std::to_string(et));
  std::uint64_t count_at = c.pos();
  auto n = c.read<std::uint64_t>("array length");
  Array a;
  a.elem_type = static_cast<ValueType>(et);
  std::uint64_t min_item = a.elem_type == ValueType::STRING  ? 8
                           : a.elem_type == ValueType::ARRAY ? 12
                                                             : scalar_size(a.elem_type);
  c.check_count(n, min_item, count_at, "array");
  switch (a.elem_type) {
    case ValueType::U8:
    case ValueType::BOOL: a.items = read_scalars<std::uint8_t>(c, n); break;
    case ValueType::I8: a.items = read_scalars<std::int8_t>(c, n); break;
    case ValueType::U16: a.items = read_scalars<std::uint16_t>(c, n); break;
    case ValueType::I16: a.items = read_scalars<std::int16_t>(c, n); break;
    case ValueType::U32: a.items = read_scalars<std::uint32_t>(c, n); break;
    case ValueType::I32: a.items = read_scalars<std::int32_t>(c, n); break;
    case ValueType::F32: a.items = read_scalars<float>(c, n); break;
    case ValueType::U64: a.items = read_scalars<std::uint64_t>(c, n); break;
    case ValueType::I64: a.items = read_scalars<std::int64_t>(c, n); break;
    case ValueType::F64: a.items = read_scalars<double>(c, n); break;
    case ValueType::STRING: {
      std::vector<std::string_view> v;
      v.reserve(n);
      for (std::uint64_t i = 0; i < n; ++i) {
        v.push_back(c.read_string("array string", std::numeric_limits<std::uint64_t>::max()));
      }
      a.items = std::move(v);
      break;
    }
    case ValueType::ARRAY: {
      std::vector<Value> v;
      v.reserve(n);
      for (std::uint64_t i = 0; i < n; ++i) v.push_back(read_value(c, ValueType::ARRAY, depth + 1));
      a.items = std::move(v);
      break;
    }
  }
  return a;
}

Value read_value(Cursor& c, ValueType type, std::uint32_t depth) {
  Value v;
  v.type = type;
  switch (type) {
    case ValueType::U8: v.data = c.read<std::uint8_t>("u8 value"); break;
    case ValueType::I8: v.data = c.read<std::int8_t>("i8 value"); break;
    case ValueType::U16: v.data = c.read<std::uint16_t>("u16 value"); break;
    case ValueType::I16: v.data = c.read<std::int16_t>("i16 value"); break;
    case ValueType::U32: v.data = c.read<std::uint32_t>("u32 value"); break;
    case ValueType::I32: v.data = c.read<std::int32_t>("i32 value"); break;
    case ValueType::F32: v.data = c.read<float>("f32 value"); break;
    case ValueType::U64: v.data = c.read<std::uint64_t>("u64 value"); break;
    case ValueType::I64: v.data = c.read<std::int64_t>("i64 value"); break;
    case ValueType::F64: v.data = c.read<double>("f64 value"); break;
    case ValueType::BOOL: {
      std::uint64_t at = c.pos();
      auto b = c.read<std::uint8_t>("bool value");
      if (b > 1) c.fail_at(at, "bool value must be 0 or 1, found " + std::to_string(b));
      v.data = b != 0;
      break;
    }
    case ValueType::STRING:
      v.data = c.read_string("string value", std::numeric_limits<std::uint64_t>::max());
      break;
    case ValueType::ARRAY: v.data = read_array(c, depth); break;
  }
  return v;
}

bool mul_overflows(std::uint64_t a, std::uint64_t b, std::uint64_t& out) {
  return __builtin_mul_overflow(a, b, &out);
}

}  // namespace

std::string_view value_type_name(ValueType t) {
  static constexpr std::string_view names[] = {"u8",  "i8",  "u16",  "i16",    "u32",
                                               "i32", "f32", "bool", "string", "array",
                                               "u64", "i64", "f64"};
  auto i = static_cast<std::uint32_t>(t);
  return i < std::size(names) ? names[i] : "invalid";
}

std::size_t Array::size() const {
  return std::visit([](const auto& v) { return v.size(); }, items);
}

std::optional<std::int64_t> Value::as_int() const {
  return std::visit(
      [](const auto& x) -> std::optional<std::int64_t> {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, bool>) {
          return std::nullopt;
        } else if constexpr (std::is_integral_v<T>) {
          if constexpr (std::is_same_v<T, std::uint64_t>) {
            if (x > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
              return std::nullopt;
            }
          }
          return static_cast<std::int64_t>(x);
        } else {
          return std::nullopt;
        }
      },
      data);
}

std::optional<double> Value::as_float() const {
  if (auto f = std::get_if<float>(&data)) return *f;
  if (auto d = std::get_if<double>(&data)) return *d;
  if (auto i = as_int()) return static_cast<double>(*i);
  return std::nullopt;
}

std::string Value::to_string(std::size_t max_items) const {
  std::ostringstream os;
  std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::string_view>) {
          os << '"' << x << '"';
        } else if constexpr (std::is_same_v<T, bool>) {
          os << (x ? "true" : "false");
        } else if constexpr (std::is_same_v<T, Array>) {
          os << '[' << value_type_name(x.elem_type) << " x " << x.size() << ": ";
          std::visit(
              [&](const auto& items) {
                for (std::size_t i = 0; i < items.size() && i < max_items; ++i) {
                  if (i) os << ", ";
                  using E = std::decay_t<decltype(items[i])>;
                  if constexpr (std::is_same_v<E, Value>) {
                    os << items[i].to_string(max_items);
                  } else if constexpr (std::is_same_v<E, std::string_view>) {
                    os << '"' << items[i] << '"';
                  } else if constexpr (sizeof(E) == 1) {
                    os << static_cast<int>(items[i]);
                  } else {
                    os << items[i];
                  }
                }
                if (items.size() > max_items) os << ", ...";
              },
              x.items);
          os << ']';
        } else if constexpr (sizeof(T) == 1) {
          os << static_cast<int>(x);
        } else {
          os << x;
        }
      },
      data);
  return os.str();
}

std::string TensorInfo::shape_string() const {
  std::string s = "[";
  for (std::uint32_t i = 0; i < n_dims; ++i) {
    if (i) s += ", ";
    s += std::to_string(ne[i]);
  }
  return s + "]";
}

GgufFile GgufFile::open(const std::filesystem::path& path) {
  GgufFile f;
  f.path_ = path.string();
  f.storage_ = MappedFile(path);
  f.bytes_ = std::get<MappedFile>(f.storage_).bytes();
  f.parse();
  return f;
}

GgufFile GgufFile::from_memory(std::vector<std::uint8_t> bytes, std::string name) {
  GgufFile f;
  f.path_ = std::move(name);
  f.storage_ = std::move(bytes);
  const auto& v = std::get<std::vector<std::uint8_t>>(f.storage_);
  f.bytes_ = std::span<const std::uint8_t>(v.data(), v.size());
  f.parse();
  return f;
}

void GgufFile::parse() {
  Cursor c(bytes_, path_);
  if (bytes_.size() < 4 || std::memcmp(bytes_.data(), "GGUF", 4) != 0) {
    std::string found;
    for (std::size_t i = 0; i < std::min<std::size_t>(4, bytes_.size()); ++i) {
      char ch = static_cast<char>(bytes_[i]);
      found += (ch >= 32 && ch < 127) ? std::string(1, ch) : "?";
    }
    c.fail("not a GGUF file: expected magic \"GGUF\", found \"" + found + "\"");
  }
  c.read<std::uint32_t>("magic");
  std::uint64_t ver_at = c.pos();
  version_ = c.read<std::uint32_t>("version");
  if (version_ != 2 && version_ != 3) {
    if ((version_ & 0xFFFF) == 0 && (version_ >> 24 == 2 || version_ >> 24 == 3)) {
      c.fail_at(ver_at, "big-endian GGUF files are not supported");
    }
    c.fail_at(ver_at,
              "unsupported GGUF version " + std::to_string(version_) + " (expected 2 or 3)");
  }
  std::uint64_t nt_at = c.pos();
  auto n_tensors = c.read<std::uint64_t>("tensor count");
  std::uint64_t nkv_at = c.pos();
  auto n_kv = c.read<std::uint64_t>("metadata count");
  // Minimal sizes: a key/value is a string (8) + type (4) + 1 byte; a tensor info is a name (8)
  // + n_dims (4) + one dim (8) + type (4) + offset (8).
  c.check_count(n_kv, 13, nkv_at, "metadata");

  kv_.reserve(n_kv);
  for (std::uint64_t i = 0; i < n_kv; ++i) {
    std::uint64_t key_at = c.pos();
    std::string_view key = c.read_string("metadata key", 65535);
    if (key.empty()) c.fail_at(key_at, "empty metadata key");
    std::uint64_t type_at = c.pos();
    auto t = c.read<std::uint32_t>("metadata value type");
    if (!valid_type(t)) {
      c.fail_at(type_at, "invalid value type " + std::to_string(t) + " for key '" +
                             std::string(key) + "' (expected 0..12)");
    }
    Value v = read_value(c, static_cast<ValueType>(t), 0);
    if (!kv_index_.emplace(key, kv_.size()).second) {
      c.fail_at(key_at, "duplicate metadata key '" + std::string(key) + "'");
    }
    kv_.emplace_back(key, std::move(v));
  }

  if (const Value* a = find("general.alignment")) {
    auto al = a->as_int();
    if (a->type != ValueType::U32 || !al || *al == 0 || (*al & (*al - 1)) != 0) {
      throw GgufError(
          path_, 0,
          "general.alignment must be a non-zero power of two u32, found " + a->to_string());
    }
    alignment_ = static_cast<std::uint64_t>(*al);
  }

  c.check_count(n_tensors, 32, nt_at, "tensor");
  tensors_.reserve(n_tensors);
  for (std::uint64_t i = 0; i < n_tensors; ++i) {
    TensorInfo ti;
    ti.info_offset = c.pos();
    ti.name = c.read_string("tensor name", kMaxNameLength);
    std::string tname(ti.name);
    std::uint64_t nd_at = c.pos();
    ti.n_dims = c.read<std::uint32_t>("tensor n_dims");
    if (ti.n_dims == 0 || ti.n_dims > 4) {
      c.fail_at(nd_at,
                "tensor '" + tname + "': n_dims must be 1..4, found " + std::to_string(ti.n_dims));
    }
    std::uint64_t n = 1;
    for (std::uint32_t d = 0; d < ti.n_dims; ++d) {
      std::uint64_t dim_at = c.pos();
      ti.ne[d] = c.read<std::uint64_t>("tensor dimension");
      if (ti.ne[d] == 0)
        c.fail_at(dim_at, "tensor '" + tname + "': dimension " + std::to_string(d) + " is zero");
      if (mul_overflows(n, ti.ne[d], n) ||
          n > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
        c.fail_at(dim_at, "tensor '" + tname + "': element count overflows");
      }
    }
    ti.n_elements = n;
    std::uint64_t type_at = c.pos();
    auto type_id = c.read<std::uint32_t>("tensor type");
    auto tr = type_traits(type_id);
    if (!tr) {
      c.fail_at(type_at, "tensor '" + tname + "': unknown ggml type id " + std::to_string(type_id));
    }
    ti.type = tr->type;
    if (ti.ne[0] % tr->block_size != 0) {
      c.fail_at(type_at, "tensor '" + tname + "': row length " + std::to_string(ti.ne[0]) +
                             " is not a multiple of the " + std::string(tr->name) + " block size " +
                             std::to_string(tr->block_size));
    }
    std::uint64_t size = 0;
    if (mul_overflows(n / tr->block_size, tr->type_size, size)) {
      c.fail_at(type_at, "tensor '" + tname + "': byte size overflows");
    }
    ti.size = size;
    std::uint64_t off_at = c.pos();
    ti.offset = c.read<std::uint64_t>("tensor offset");
    if (ti.offset % alignment_ != 0) {
      c.fail_at(off_at, "tensor '" + tname + "': offset " + std::to_string(ti.offset) +
                            " is not a multiple of the alignment " + std::to_string(alignment_));
    }
    if (!tensor_index_.emplace(ti.name, tensors_.size()).second) {
      c.fail_at(ti.info_offset, "duplicate tensor name '" + tname + "'");
    }
    tensors_.push_back(ti);
  }

  // The data section starts at the next multiple of the alignment.
  std::uint64_t end_of_infos = c.pos();
  data_offset_ = end_of_infos + (alignment_ - end_of_infos % alignment_) % alignment_;
  if (tensors_.empty()) return;
  if (data_offset_ > bytes_.size()) {
    throw GgufError(path_, end_of_infos,
                    "file truncated: data section would start at byte " +
                        std::to_string(data_offset_) + " but the file has " +
                        std::to_string(bytes_.size()) + " bytes");
  }
  std::uint64_t data_size = bytes_.size() - data_offset_;
  std::vector<const TensorInfo*> by_offset;
  by_offset.reserve(tensors_.size());
  for (TensorInfo& t : tensors_) {
    if (t.offset > data_size || t.size > data_size - t.offset) {
      throw GgufError(path_, t.info_offset,
                      "tensor '" + std::string(t.name) + "': data [" + std::to_string(t.offset) +
                          ", " + std::to_string(t.offset) + "+" + std::to_string(t.size) +
                          ") runs past the end of the data section (" + std::to_string(data_size) +
                          " bytes; file truncated?)");
    }
    t.data = bytes_.subspan(data_offset_ + t.offset, t.size);
    by_offset.push_back(&t);
  }
  std::sort(by_offset.begin(), by_offset.end(),
            [](const TensorInfo* a, const TensorInfo* b) { return a->offset < b->offset; });
  for (std::size_t i = 1; i < by_offset.size(); ++i) {
    const TensorInfo* a = by_offset[i - 1];
    const TensorInfo* b = by_offset[i];
    if (a->offset + a->size > b->offset) {
      throw GgufError(path_, b->info_offset,
                      "tensor '" + std::string(b->name) + "' data at " + std::to_string(b->offset) +
                          " overlaps tensor '" + std::string(a->name) + "' [" +
                          std::to_string(a->offset) + ", " + std::to_string(a->offset + a->size) +
                          ")");
    }
  }
}

const Value* GgufFile::find(std::string_view key) const {
  auto it = kv_index_.find(key);
  return it == kv_index_.end() ? nullptr : &kv_[it->second].second;
}

const Array* GgufFile::find_array(std::string_view key) const {
  const Value* v = find(key);
  return v ? std::get_if<Array>(&v->data) : nullptr;
}

std::string_view GgufFile::architecture() const {
  return get_optional<std::string_view>("general.architecture").value_or("");
}

const TensorInfo* GgufFile::find_tensor(std::string_view name) const {
  auto it = tensor_index_.find(name);
  return it == tensor_index_.end() ? nullptr : &tensors_[it->second];
}

const TensorInfo& GgufFile::tensor(std::string_view name) const {
  const TensorInfo* t = find_tensor(name);
  if (!t) throw UnsupportedModel(path_ + ": missing tensor '" + std::string(name) + "'");
  return *t;
}

namespace {

template <class T>
std::optional<T> convert(const Value& v) {
  if constexpr (std::is_same_v<T, bool>) {
    if (auto b = std::get_if<bool>(&v.data)) return *b;
    return std::nullopt;
  } else if constexpr (std::is_integral_v<T>) {
    if (auto u = std::get_if<std::uint64_t>(&v.data)) {
      if (*u <= static_cast<std::uint64_t>(std::numeric_limits<T>::max()))
        return static_cast<T>(*u);
      return std::nullopt;
    }
    auto i = v.as_int();
    if (!i) return std::nullopt;
    if (!std::in_range<T>(*i)) return std::nullopt;
    return static_cast<T>(*i);
  } else if constexpr (std::is_floating_point_v<T>) {
    if (auto f = std::get_if<float>(&v.data)) return static_cast<T>(*f);
    if (auto d = std::get_if<double>(&v.data)) return static_cast<T>(*d);
    return std::nullopt;
  } else if constexpr (std::is_same_v<T, std::string_view>) {
    if (auto s = std::get_if<std::string_view>(&v.data)) return *s;
    return std::nullopt;
  } else if constexpr (std::is_same_v<T, std::string>) {
    if (auto s = std::get_if<std::string_view>(&v.data)) return std::string(*s);
    return std::nullopt;
  }
}

}  // namespace

template <class T>
std::optional<T> GgufFile::get_optional(std::string_view key) const {
  const Value* v = find(key);
  if (!v) return std::nullopt;
  auto out = convert<T>(*v);
  if (!out) {
    throw MetadataError(path_ + ": metadata '" + std::string(key) + "' has type " +
                        std::string(value_type_name(v->type)) + " (" + v->to_string() +
                        "), which does not convert to the expected type");
  }
  return out;
}

template <class T>
T GgufFile::get(std::string_view key) const {
  auto v = get_optional<T>(key);
  if (!v) throw MetadataError(path_ + ": missing metadata key '" + std::string(key) + "'");
  return *v;
}

template <class T>
std::span<const T> GgufFile::get_array(std::string_view key) const {
  const Value* v = find(key);
  if (!v) throw MetadataError(path_ + ": missing metadata key '" + std::string(key) + "'");
  const Array* a = std::get_if<Array>(&v->data);
  const std::vector<T>* items = a ? std::get_if<std::vector<T>>(&a->items) : nullptr;
  if (!items) {
    throw MetadataError(path_ + ": metadata '" + std::string(key) + "' is " + v->to_string(2) +
                        ", not an array of the expected element type");
  }
  return {items->data(), items->size()};
}

#define VKCHAT_GGUF_INSTANTIATE(T)                     \
  template T GgufFile::get<T>(std::string_view) const; \
  template std::optional<T> GgufFile::get_optional<T>(std::string_view) const;
VKCHAT_GGUF_INSTANTIATE(std::uint8_t)
VKCHAT_GGUF_INSTANTIATE(std::int8_t)
VKCHAT_GGUF_INSTANTIATE(std::uint16_t)
VKCHAT_GGUF_INSTANTIATE(std::int16_t)
VKCHAT_GGUF_INSTANTIATE(std::uint32_t)
VKCHAT_GGUF_INSTANTIATE(std::int32_t)
VKCHAT_GGUF_INSTANTIATE(std::uint64_t)
VKCHAT_GGUF_INSTANTIATE(std::int64_t)
VKCHAT_GGUF_INSTANTIATE(float)
VKCHAT_GGUF_INSTANTIATE(double)
VKCHAT_GGUF_INSTANTIATE(bool)
VKCHAT_GGUF_INSTANTIATE(std::string_view)
VKCHAT_GGUF_INSTANTIATE(std::string)
#undef VKCHAT_GGUF_INSTANTIATE

template std::span<const std::uint8_t> GgufFile::get_array(std::string_view) const;
template std::span<const std::int8_t> GgufFile::get_array(std::string_view) const;
template std::span<const std::uint16_t> GgufFile::get_array(std::string_view) const;
template std::span<const std::int16_t> GgufFile::get_array(std::string_view) const;
template std::span<const std::uint32_t> GgufFile::get_array(std::string_view) const;
template std::span<const std::int32_t> GgufFile::get_array(std::string_view) const;
template std::span<const float> GgufFile::get_array(std::string_view) const;
template std::span<const std::uint64_t> GgufFile::get_array(std::string_view) const;
template std::span<const std::int64_t> GgufFile::get_array(std::string_view) const;
template std::span<const double> GgufFile::get_array(std::string_view) const;
template std::span<const std::string_view> GgufFile::get_array(std::string_view) const;
template std::span<const Value> GgufFile::get_array(std::string_view) const;

}  // namespace vkchat::gguf
