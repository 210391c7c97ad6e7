// GGUF writer: every metadata type, tensor infos, alignment and chunked tensor data read back by
// the reader; copying a real file's metadata; and the errors of a misused writer.
#include "gguf/gguf_writer.h"

#include <gtest/gtest.h>

#include <cstring>
#include <numeric>
#include <string>
#include <vector>

#include "gguf/gguf_reader.h"
#include "quant/dequantize.h"
#include "store/temp_dir.h"
#include "support/test_support.h"

using namespace vkchat::gguf;
using vkchat::test::TempDir;

TEST(GgufWriter, EveryValueTypeAndTensorRoundTrips) {
  TempDir dir;
  const auto path = dir / "all.gguf";
  std::vector<std::uint8_t> f16_bytes(2 * 64 * 3), q8_bytes(34 * 2 * 5);
  std::iota(f16_bytes.begin(), f16_bytes.end(), std::uint8_t{1});
  std::iota(q8_bytes.begin(), q8_bytes.end(), std::uint8_t{7});
  const std::vector<float> f32 = {1.5f, -2.f, 3.25f};
  {
    GgufWriter w(path);
    w.set("general.architecture", "llama");
    w.set<std::uint8_t>("t.u8", 200);
    w.set<std::int8_t>("t.i8", -100);
    w.set<std::uint16_t>("t.u16", 60000);
    w.set<std::int16_t>("t.i16", -30000);
    w.set<std::uint32_t>("t.u32", 4000000000u);
    w.set<std::int32_t>("t.i32", -2000000000);
    w.set("t.f32", 0.125f);
    w.set("t.bool", true);
    w.set<std::uint64_t>("t.u64", 1ull << 40);
    w.set<std::int64_t>("t.i64", -(1ll << 40));
    w.set("t.f64", 1e100);
    w.set("t.string", std::string("h\xc3\xa9llo"));
    w.set("t.replaced", 1);
    w.set("t.replaced", std::string("second"));
    w.set_array("t.arr.i32", std::vector<std::int32_t>{1, -2, 3});
    w.set_array("t.arr.f32", f32);
    w.set_array("t.arr.bool", std::vector<bool>{true, false, true});
    w.set_array("t.arr.str", std::vector<std::string>{"a", "", "ccc"});
    w.set_array("t.arr.u8", std::vector<std::uint8_t>{});
    w.set_alignment(64);
    EXPECT_TRUE(w.contains("t.u8"));
    EXPECT_FALSE(w.contains("t.nope"));
    w.add_tensor("a.f16", {64, 3}, GgmlType::F16);
    w.add_tensor("b.f32", {3}, GgmlType::F32);
    w.add_tensor("c.q8", {64, 5}, GgmlType::Q8_0);
    w.write_header();
    // F16 in two uneven pieces, then the rest crossing tensor boundaries in one call.
    w.write_tensor_data(std::span(f16_bytes).first(100));
    EXPECT_EQ(w.current_tensor(), 0u);
    std::vector<std::uint8_t> rest(f16_bytes.begin() + 100, f16_bytes.end());
    const auto* fp = reinterpret_cast<const std::uint8_t*>(f32.data());
    rest.insert(rest.end(), fp, fp + 12);
    rest.insert(rest.end(), q8_bytes.begin(), q8_bytes.begin() + 50);
    w.write_tensor_data(rest);
    EXPECT_EQ(w.current_tensor(), 2u);
    w.write_tensor_data(std::span(q8_bytes).subspan(50));
    EXPECT_EQ(w.current_tensor(), 3u);
    const std::uint64_t size = w.file_size();
    w.finish();
    EXPECT_EQ(std::filesystem::file_size(path), size);
  }
  EXPECT_FALSE(std::filesystem::exists(path.string() + ".part"));

  const GgufFile f = GgufFile::open(path);
  EXPECT_EQ(f.version(), 3u);
  EXPECT_EQ(f.alignment(), 64u);
  EXPECT_EQ(f.data_offset() % 64, 0u);
  EXPECT_EQ(f.architecture(), "llama");
  EXPECT_EQ(f.get<std::int64_t>("t.u8"), 200);
  EXPECT_EQ(f.find("t.u8")->type, ValueType::U8);
  EXPECT_EQ(f.get<std::int64_t>("t.i8"), -100);
  EXPECT_EQ(f.find("t.i8")->type, ValueType::I8);
  EXPECT_EQ(f.get<std::int64_t>("t.u16"), 60000);
  EXPECT_EQ(f.find("t.u16")->type, ValueType::U16);
  EXPECT_EQ(f.get<std::int64_t>("t.i16"), -30000);
  EXPECT_EQ(f.get<std::int64_t>("t.u32"), 4000000000ll);
  EXPECT_EQ(f.find("t.u32")->type, ValueType::U32);
  EXPECT_EQ(f.get<std::int64_t>("t.i32"), -2000000000);
  EXPECT_EQ(f.get<float>("t.f32"), 0.125f);
  EXPECT_EQ(f.get<bool>("t.bool"), true);
  EXPECT_EQ(f.get<std::uint64_t>("t.u64"), 1ull << 40);
  EXPECT_EQ(f.find("t.u64")->type, ValueType::U64);
  EXPECT_EQ(f.get<std::int64_t>("t.i64"), -(1ll << 40));
  EXPECT_EQ(f.find("t.i64")->type, ValueType::I64);
  EXPECT_EQ(f.get<double>("t.f64"), 1e100);
  EXPECT_EQ(f.get<std::string>("t.string"), "h\xc3\xa9llo");
  EXPECT_EQ(f.get<std::string>("t.replaced"), "second");
  // Replacing a key keeps its place: it is still the 14th of the 20 keys.
  ASSERT_EQ(f.metadata().size(), 20u);
  EXPECT_EQ(f.metadata()[13].first, "t.replaced");
  const auto i32 = f.get_array<std::int32_t>("t.arr.i32");
  EXPECT_EQ(std::vector<std::int32_t>(i32.begin(), i32.end()),
            (std::vector<std::int32_t>{1, -2, 3}));
  const auto fa = f.get_array<float>("t.arr.f32");
  EXPECT_EQ(std::vector<float>(fa.begin(), fa.end()), f32);
  EXPECT_EQ(f.find_array("t.arr.bool")->elem_type, ValueType::BOOL);
  const auto bools = f.get_array<std::uint8_t>("t.arr.bool");
  EXPECT_EQ(std::vector<std::uint8_t>(bools.begin(), bools.end()),
            (std::vector<std::uint8_t>{1, 0, 1}));
  const auto strs = f.get_array<std::string_view>("t.arr.str");
  ASSERT_EQ(strs.size(), 3u);
  EXPECT_EQ(strs[0], "a");
  EXPECT_EQ(strs[1], "");
  EXPECT_EQ(strs[2], "ccc");
  EXPECT_EQ(f.find_array("t.arr.u8")->size(), 0u);

  ASSERT_EQ(f.tensors().size(), 3u);
  const TensorInfo& a = f.tensor("a.f16");
  EXPECT_EQ(a.type, GgmlType::F16);
  EXPECT_EQ(a.n_dims, 2u);
  EXPECT_EQ(a.ne, (std::array<std::uint64_t, 4>{64, 3, 1, 1}));
  EXPECT_TRUE(std::equal(a.data.begin(), a.data.end(), f16_bytes.begin(), f16_bytes.end()));
  const TensorInfo& b = f.tensor("b.f32");
  EXPECT_EQ(b.n_dims, 1u);
  EXPECT_EQ(b.offset % 64, 0u);
  EXPECT_EQ(vkchat::quant::dequantize_tensor(b), f32);
  const TensorInfo& c = f.tensor("c.q8");
  EXPECT_EQ(c.type, GgmlType::Q8_0);
  EXPECT_EQ(c.offset % 64, 0u);
  EXPECT_TRUE(std::equal(c.data.begin(), c.data.end(), q8_bytes.begin(), q8_bytes.end()));
}

TEST(GgufWriter, CopiesARealFilesMetadataAndTensors) {
  // Every key of a real model (string and integer arrays, nested types) copied value by value,
  // and its tensors byte for byte, reads back identical.
  const GgufFile src = GgufFile::open(vkchat::test::shared_path("models/stories260K-q4_0.gguf"));
  TempDir dir;
  const auto path = dir / "copy.gguf";
  {
    GgufWriter w(path);
    for (const auto& [key, value] : src.metadata()) w.set_value(key, value);
    for (const TensorInfo& t : src.tensors()) {
      w.add_tensor(t.name, std::span(t.ne).first(t.n_dims), t.type);
    }
    w.write_header();
    for (const TensorInfo& t : src.tensors()) w.write_tensor_data(t.data);
    w.finish();
  }
  const GgufFile f = GgufFile::open(path);
  ASSERT_EQ(f.metadata().size(), src.metadata().size());
  for (std::size_t i = 0; i < f.metadata().size(); ++i) {
    const auto& [k, v] = f.metadata()[i];
    EXPECT_EQ(k, src.metadata()[i].first);
    EXPECT_EQ(v.type, src.metadata()[i].second.type) << k;
    EXPECT_EQ(v.to_string(1u << 20), src.metadata()[i].second.to_string(1u << 20)) << k;
  }
  ASSERT_EQ(f.tensors().size(), src.tensors().size());
  for (const TensorInfo& t : src.tensors()) {
    const TensorInfo& u = f.tensor(t.name);
    EXPECT_EQ(u.ne, t.ne);
    EXPECT_EQ(u.type, t.type);
    EXPECT_TRUE(std::equal(u.data.begin(), u.data.end(), t.data.begin(), t.data.end())) << t.name;
  }
}

TEST(GgufWriter, NestedArraysRoundTrip) {
  // An array of arrays, built by hand as the reader returns it.
  Array inner1{ValueType::U16, std::vector<std::uint16_t>{1, 2}};
  Array inner2{ValueType::STRING, std::vector<std::string_view>{"x", "yz"}};
  Array outer{ValueType::ARRAY,
              std::vector<Value>{Value{ValueType::ARRAY, inner1}, Value{ValueType::ARRAY, inner2}}};
  TempDir dir;
  const auto path = dir / "nested.gguf";
  {
    GgufWriter w(path);
    w.set_value("t.nested", Value{ValueType::ARRAY, outer});
    w.finish();
  }
  const GgufFile f = GgufFile::open(path);
  EXPECT_EQ(f.find("t.nested")->to_string(),
            "[array x 2: [u16 x 2: 1, 2], [string x 2: \"x\", \"yz\"]]");
  EXPECT_TRUE(f.tensors().empty());
}

TEST(GgufWriter, MisuseIsAnErrorAndLeavesNoFile) {
  TempDir dir;
  const auto path = dir / "bad.gguf";
  {
    GgufWriter w(path);
    EXPECT_THROW(w.add_tensor("q", {48, 2}, GgmlType::Q4_0), std::invalid_argument);  // 48 % 32
    EXPECT_THROW(w.add_tensor("z", {0}, GgmlType::F32), std::invalid_argument);
    EXPECT_THROW(w.set_alignment(48), std::invalid_argument);
    w.add_tensor("t", {4}, GgmlType::F32);
    EXPECT_THROW(w.add_tensor("t", {4}, GgmlType::F32), std::invalid_argument);
    EXPECT_THROW(w.write_tensor_data(std::vector<std::uint8_t>(4)), std::logic_error);
    w.write_header();
    EXPECT_THROW(w.set("late", 1), std::logic_error);
    w.write_tensor_data(std::vector<std::uint8_t>(8));
    EXPECT_THROW(w.finish(), std::logic_error);  // 8 of 16 bytes
    EXPECT_THROW(w.write_tensor_data(std::vector<std::uint8_t>(9)), std::logic_error);
  }
  EXPECT_FALSE(std::filesystem::exists(path));
  EXPECT_FALSE(std::filesystem::exists(path.string() + ".part"));
  EXPECT_THROW(GgufWriter(dir / "no-such-dir" / "x.gguf"), vkchat::FileError);
}
