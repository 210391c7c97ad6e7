// Descriptor sets made once per distinct set of bound buffer slices and reused by every later
// dispatch that binds the same slices (the forward pass binds the same ones every token).
#pragma once
#include <vulkan/vulkan.h>

#include <array>
#include <cstdint>
#include <span>
#include <unordered_map>
#include <vector>

#include "vk/buffer.h"

namespace vkchat::vk::detail {

// Kernels bind at most this many buffers (set 0, bindings 0..n-1).
inline constexpr std::uint32_t kMaxBindings = 12;

// Binding i's descriptor type under a texel mask (vk/pipeline.h).
inline VkDescriptorType descriptor_type(std::uint32_t texel_mask, std::uint32_t i) {
  return (texel_mask >> i & 1u) ? VK_DESCRIPTOR_TYPE_STORAGE_TEXEL_BUFFER
                                : VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
}

class DescriptorCache {
 public:
  // The set for `slices` at bindings 0..n-1 of `layout`, made on first use; the bindings in
  // `texel_mask` get a buffer view (kTexelFormat) of their slice, owned by the set's entry.
  VkDescriptorSet get(VkDevice device, VkDescriptorSetLayout layout,
                      std::span<const BufferSlice> slices, std::uint32_t texel_mask);
  // Frees every set that binds the buffer (called when it is destroyed).
  void forget(VkDevice device, std::uint64_t buffer_id);
  void destroy(VkDevice device);
  std::size_t size() const { return sets_.size(); }

 private:
  struct Entry {
    VkDescriptorSet set = VK_NULL_HANDLE;
    VkDescriptorPool pool = VK_NULL_HANDLE;
    std::array<VkBufferView, kMaxBindings> views{};  // the texel bindings' views
  };
  void release(VkDevice device, Entry& e);
  // The binding count and texel mask, then (buffer id, offset, size) per binding: a lookup
  // allocates nothing.
  struct Key {
    std::array<std::uint64_t, 1 + 3 * kMaxBindings> v{};
    bool operator==(const Key&) const = default;
  };
  struct KeyHash {
    std::size_t operator()(const Key& k) const;
  };
  VkDescriptorSet allocate(VkDevice device, VkDescriptorSetLayout layout);

  std::unordered_map<Key, Entry, KeyHash> sets_;
  std::unordered_multimap<std::uint64_t, Key> by_buffer_;  // buffer id -> keys
  std::vector<VkDescriptorPool> pools_;
  VkDescriptorPool last_pool_ = VK_NULL_HANDLE;
};

}  // namespace vkchat::vk::detail
