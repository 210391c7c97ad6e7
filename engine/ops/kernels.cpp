// Kernel configuration and the pipeline cache.
#include "ops/kernels.h"

#include <charconv>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "util/env.h"
#include "util/errors.h"
#include "vk/context.h"

namespace vkchat::ops {

using gguf::GgmlType;

KernelConfig KernelConfig::for_device(const vk::Context& ctx) {
  KernelConfig c;
  c.subgroups = ctx.info().subgroup_arithmetic() && !env_flag("VKCHAT_NO_SUBGROUP");
  return c;
}

namespace {

// Every weight type the shaders read, with its variant suffix (shaders/*.comp "// variant:").
struct KernelType {
  GgmlType type;
  std::string_view suffix;
};
constexpr KernelType kKernelTypes[] = {
    {GgmlType::F32, "f32"},   {GgmlType::F16, "f16"},   {GgmlType::BF16, "bf16"},
    {GgmlType::Q4_0, "q4_0"}, {GgmlType::Q4_1, "q4_1"}, {GgmlType::Q5_0, "q5_0"},
    {GgmlType::Q5_1, "q5_1"}, {GgmlType::Q8_0, "q8_0"}, {GgmlType::Q4_K, "q4_k"},
    {GgmlType::Q5_K, "q5_k"}, {GgmlType::Q6_K, "q6_k"},
};

const KernelType* find_kernel_type(GgmlType type) {
  for (const KernelType& k : kKernelTypes) {
    if (k.type == type) return &k;
  }
  return nullptr;
}

}  // namespace

bool kernel_supports(GgmlType type) {
  return find_kernel_type(type) != nullptr;
}

std::string_view kernel_type_suffix(GgmlType type) {
  if (const KernelType* k = find_kernel_type(type)) return k->suffix;
  throw UnsupportedModel("no GPU kernel reads tensor type " + std::string(gguf::type_name(type)));
}

Kernels::Kernels(vk::Context& ctx) : Kernels(ctx, KernelConfig::for_device(ctx)) {}

Kernels::Kernels(vk::Context& ctx, const KernelConfig& config) : ctx_(&ctx), config_(config) {}

const vk::Pipeline& Kernels::get(std::string_view shader, std::string_view variant, bool reduces,
                                 std::uint32_t bindings, std::uint32_t push_size,
                                 std::initializer_list<std::uint32_t> spec) {
  // Key "shader+variant[_nosg]:spec0:spec1...", formatted without touching the heap.
  char buf[128];
  std::size_t n = 0;
  auto put = [&](std::string_view s) {
    if (n + s.size() > sizeof buf) throw std::invalid_argument("kernel name too long");
    std::memcpy(buf + n, s.data(), s.size());
    n += s.size();
  };
  put(shader);
  put(variant);
  if (reduces && !config_.subgroups) put("_nosg");
  std::size_t name_len = n;
  for (std::uint32_t v : spec) {
    char digits[16];
    auto [end, ec] = std::to_chars(digits, digits + sizeof digits, v);
    put(":");
    put(std::string_view(digits, static_cast<std::size_t>(end - digits)));
  }
  std::string_view key(buf, n);
  auto it = pipelines_.find(key);
  if (it == pipelines_.end()) {
    vk::PipelineDesc desc{std::string_view(buf, name_len), bindings, push_size,
                          std::vector<std::uint32_t>(spec), std::string(key)};
    it = pipelines_.emplace(std::string(key), vk::Pipeline(*ctx_, desc)).first;
  }
  return it->second;
}

}  // namespace vkchat::ops
