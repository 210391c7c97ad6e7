// Compute pipelines from the embedded SPIR-V (vk/shader_registry.h). Specialization constants
// (ids 0..n-1, 32-bit each) carry sizes; push constants carry shapes; bindings are n storage
// buffers at set 0, some of them bound as storage texel buffers: on CPU drivers (llvmpipe) a
// texel load is a vector gather, while a storage-buffer load runs a loop over the SIMD lanes,
// about ten times slower (docs/PERFORMANCE.md).
#pragma once
#include <vulkan/vulkan.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace vkchat::vk {

// The format of every texel binding: 16 bytes per texel.
inline constexpr VkFormat kTexelFormat = VK_FORMAT_R32G32B32A32_UINT;
inline constexpr std::uint64_t kTexelBytes = 16;

class Context;
namespace detail {
struct Core;
}

struct PipelineDesc {
  std::string_view shader;          // shaders/NAME.comp
  std::uint32_t bindings = 0;       // storage buffers at bindings 0..n-1
  std::uint32_t push_size = 0;      // bytes; must equal sizeof the C++ push struct
  std::vector<std::uint32_t> spec;  // constant_id i = spec[i] (uint, int, float bits, bool)
  std::string name;                 // profile and error label; default: the shader name
  // Bit i set: binding i is a storage texel buffer, viewed as rgba32ui (kTexelFormat), that the
  // shader declares `layout(rgba32ui) readonly uimageBuffer`.
  std::uint32_t texel_bindings = 0;
};

class Pipeline {
 public:
  Pipeline() = default;
  Pipeline(Context& ctx, const PipelineDesc& desc);
  Pipeline(Pipeline&& o) noexcept;
  Pipeline& operator=(Pipeline&& o) noexcept;
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;
  ~Pipeline();

  VkPipeline handle() const { return pipeline_; }
  VkPipelineLayout layout() const { return layout_; }
  VkDescriptorSetLayout set_layout() const { return set_layout_; }
  const std::string& name() const { return name_; }
  std::uint32_t binding_count() const { return bindings_; }
  std::uint32_t push_size() const { return push_size_; }
  std::uint32_t texel_bindings() const { return texel_bindings_; }
  explicit operator bool() const { return pipeline_ != VK_NULL_HANDLE; }

 private:
  void reset();

  detail::Core* core_ = nullptr;
  VkPipeline pipeline_ = VK_NULL_HANDLE;
  VkPipelineLayout layout_ = VK_NULL_HANDLE;
  VkDescriptorSetLayout set_layout_ = VK_NULL_HANDLE;  // owned by the context
  std::string name_;
  std::uint32_t bindings_ = 0;
  std::uint32_t push_size_ = 0;
  std::uint32_t texel_bindings_ = 0;
};

}  // namespace vkchat::vk
