// Shader module, layouts and pipeline creation.
#include "vk/pipeline.h"

#include <stdexcept>
#include <utility>

#include "vk/context.h"
#include "vk/device_core.h"
#include "vk/shader_registry.h"
#include "vk/vk_error.h"

namespace vkchat::vk {

Pipeline::Pipeline(Context& ctx, const PipelineDesc& desc)
    : core_(&ctx.core()),
      name_(desc.name.empty() ? std::string(desc.shader) : desc.name),
      bindings_(desc.bindings),
      push_size_(desc.push_size),
      texel_bindings_(desc.texel_bindings) {
  const DeviceInfo& info = core_->info;
  if (desc.bindings > detail::kMaxBindings) {
    throw std::invalid_argument("pipeline " + name_ + ": too many bindings");
  }
  if (desc.push_size % 4 != 0 || desc.push_size > info.max_push_constants) {
    throw std::invalid_argument("pipeline " + name_ + ": push constants of " +
                                std::to_string(desc.push_size) + " bytes (device maximum " +
                                std::to_string(info.max_push_constants) + ", multiple of 4)");
  }
  std::span<const std::uint32_t> words = find_shader(desc.shader);
  VkDevice dev = core_->device;
  if (desc.texel_bindings >> desc.bindings != 0) {
    throw std::invalid_argument("pipeline " + name_ + ": texel binding beyond the binding count");
  }
  set_layout_ = core_->set_layout(desc.bindings, desc.texel_bindings);

  VkShaderModule module = VK_NULL_HANDLE;
  try {
    VkPushConstantRange range{VK_SHADER_STAGE_COMPUTE_BIT, 0, desc.push_size};
    VkPipelineLayoutCreateInfo li{VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO};
    li.setLayoutCount = 1;
    li.pSetLayouts = &set_layout_;
    li.pushConstantRangeCount = desc.push_size ? 1 : 0;
    li.pPushConstantRanges = &range;
    check(vkCreatePipelineLayout(dev, &li, nullptr, &layout_), "vkCreatePipelineLayout");

    VkShaderModuleCreateInfo mi{VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO};
    mi.codeSize = words.size_bytes();
    mi.pCode = words.data();
    check(vkCreateShaderModule(dev, &mi, nullptr, &module), "vkCreateShaderModule");

    std::vector<VkSpecializationMapEntry> entries(desc.spec.size());
    for (std::uint32_t i = 0; i < entries.size(); ++i) {
      entries[i] = {i, i * 4u, 4};
    }
    VkSpecializationInfo si{static_cast<std::uint32_t>(entries.size()), entries.data(),
                            desc.spec.size() * 4, desc.spec.data()};
    VkComputePipelineCreateInfo ci{VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO};
    ci.stage = {VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO};
    ci.stage.stage = VK_SHADER_STAGE_COMPUTE_BIT;
    ci.stage.module = module;
    ci.stage.pName = "main";
    ci.stage.pSpecializationInfo = desc.spec.empty() ? nullptr : &si;
    ci.layout = layout_;
    VkResult r = vkCreateComputePipelines(dev, VK_NULL_HANDLE, 1, &ci, nullptr, &pipeline_);
    vkDestroyShaderModule(dev, module, nullptr);
    module = VK_NULL_HANDLE;
    if (r != VK_SUCCESS) {
      throw VulkanError("cannot create pipeline " + name_ + ": " + result_name(r), r);
    }
  } catch (...) {
    if (module != VK_NULL_HANDLE) vkDestroyShaderModule(dev, module, nullptr);
    reset();
    throw;
  }
}

Pipeline::Pipeline(Pipeline&& o) noexcept
    : core_(std::exchange(o.core_, nullptr)),
      pipeline_(std::exchange(o.pipeline_, VK_NULL_HANDLE)),
      layout_(std::exchange(o.layout_, VK_NULL_HANDLE)),
      set_layout_(std::exchange(o.set_layout_, VK_NULL_HANDLE)),
      name_(std::move(o.name_)),
      bindings_(o.bindings_),
      push_size_(o.push_size_),
      texel_bindings_(o.texel_bindings_) {}

Pipeline& Pipeline::operator=(Pipeline&& o) noexcept {
  if (this != &o) {
    reset();
    core_ = std::exchange(o.core_, nullptr);
    pipeline_ = std::exchange(o.pipeline_, VK_NULL_HANDLE);
    layout_ = std::exchange(o.layout_, VK_NULL_HANDLE);
    set_layout_ = std::exchange(o.set_layout_, VK_NULL_HANDLE);
    name_ = std::move(o.name_);
    bindings_ = o.bindings_;
    push_size_ = o.push_size_;
    texel_bindings_ = o.texel_bindings_;
  }
  return *this;
}

Pipeline::~Pipeline() {
  reset();
}

void Pipeline::reset() {
  if (core_ == nullptr) return;
  if (pipeline_ != VK_NULL_HANDLE) vkDestroyPipeline(core_->device, pipeline_, nullptr);
  if (layout_ != VK_NULL_HANDLE) vkDestroyPipelineLayout(core_->device, layout_, nullptr);
  pipeline_ = VK_NULL_HANDLE;
  layout_ = VK_NULL_HANDLE;
  set_layout_ = VK_NULL_HANDLE;
  core_ = nullptr;
}

}  // namespace vkchat::vk
