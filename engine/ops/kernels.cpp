// Kernel configuration and the pipeline cache.
#include "ops/kernels.h"

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

const vk::Pipeline& Kernels::get(std::string_view shader, bool reduces, std::uint32_t bindings,
                                 std::uint32_t push_size, const std::vector<std::uint32_t>& spec) {
  std::string name(shader);
  if (reduces && !config_.subgroups) name += "_nosg";
  std::string key = name;
  for (std::uint32_t s : spec) key += ":" + std::to_string(s);
  auto it = pipelines_.find(key);
  if (it == pipelines_.end()) {
    vk::PipelineDesc desc{name, bindings, push_size, spec, key};
    it = pipelines_.emplace(key, vk::Pipeline(*ctx_, desc)).first;
  }
  return it->second;
}

}  // namespace vkchat::ops
