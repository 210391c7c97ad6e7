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

bool kernel_supports(GgmlType type) {
  switch (type) {
    case GgmlType::F32:
    case GgmlType::F16:
    case GgmlType::BF16:
    case GgmlType::Q4_0:
    case GgmlType::Q4_1:
    case GgmlType::Q5_0:
    case GgmlType::Q5_1:
    case GgmlType::Q8_0:
    case GgmlType::Q4_K:
    case GgmlType::Q5_K:
    case GgmlType::Q6_K: return true;
    default: return false;
  }
}

std::string_view kernel_type_suffix(GgmlType type) {
  switch (type) {
    case GgmlType::F32: return "f32";
    case GgmlType::F16: return "f16";
    case GgmlType::BF16: return "bf16";
    case GgmlType::Q4_0: return "q4_0";
    case GgmlType::Q4_1: return "q4_1";
    case GgmlType::Q5_0: return "q5_0";
    case GgmlType::Q5_1: return "q5_1";
    case GgmlType::Q8_0: return "q8_0";
    case GgmlType::Q4_K: return "q4_k";
    case GgmlType::Q5_K: return "q5_k";
    case GgmlType::Q6_K: return "q6_k";
    default:
      throw UnsupportedModel("no GPU kernel reads tensor type " +
                             std::string(gguf::type_name(type)));
  }
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
