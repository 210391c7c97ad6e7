// Descriptor set cache with growable pools.
#include "vk/descriptor_cache.h"

#include <stdexcept>

#include "vk/pipeline.h"
#include "vk/vk_error.h"

namespace vkchat::vk::detail {

namespace {

constexpr std::uint32_t kSetsPerPool = 256;
constexpr std::uint32_t kBuffersPerPool = kSetsPerPool * 8;

}  // namespace

std::size_t DescriptorCache::KeyHash::operator()(const Key& k) const {
  std::uint64_t h = 0xcbf29ce484222325ull;                           // FNV-1a over the words
  std::size_t n = 1 + 3 * static_cast<std::size_t>(k.v[0] & 0xFFu);  // low byte: bindings
  for (std::size_t i = 0; i < n; ++i) h = (h ^ k.v[i]) * 0x100000001b3ull;
  return static_cast<std::size_t>(h);
}

VkDescriptorSet DescriptorCache::allocate(VkDevice device, VkDescriptorSetLayout layout) {
  VkDescriptorSetAllocateInfo ai{VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO};
  ai.descriptorSetCount = 1;
  ai.pSetLayouts = &layout;
  VkDescriptorSet set = VK_NULL_HANDLE;
  if (last_pool_ != VK_NULL_HANDLE) {
    ai.descriptorPool = last_pool_;
    VkResult r = vkAllocateDescriptorSets(device, &ai, &set);
    if (r == VK_SUCCESS) return set;
    if (r != VK_ERROR_OUT_OF_POOL_MEMORY && r != VK_ERROR_FRAGMENTED_POOL) {
      check(r, "vkAllocateDescriptorSets");
    }
  }
  VkDescriptorPoolSize sizes[] = {{VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, kBuffersPerPool},
                                  {VK_DESCRIPTOR_TYPE_STORAGE_TEXEL_BUFFER, kBuffersPerPool}};
  VkDescriptorPoolCreateInfo pi{VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO};
  pi.flags = VK_DESCRIPTOR_POOL_CREATE_FREE_DESCRIPTOR_SET_BIT;
  pi.maxSets = kSetsPerPool;
  pi.poolSizeCount = 2;
  pi.pPoolSizes = sizes;
  VkDescriptorPool pool = VK_NULL_HANDLE;
  check(vkCreateDescriptorPool(device, &pi, nullptr, &pool), "vkCreateDescriptorPool");
  pools_.push_back(pool);
  last_pool_ = pool;
  ai.descriptorPool = pool;
  check(vkAllocateDescriptorSets(device, &ai, &set), "vkAllocateDescriptorSets");
  return set;
}

VkDescriptorSet DescriptorCache::get(VkDevice device, VkDescriptorSetLayout layout,
                                     std::span<const BufferSlice> slices,
                                     std::uint32_t texel_mask) {
  if (slices.size() > kMaxBindings) throw std::invalid_argument("too many bindings");
  Key key;
  key.v[0] = slices.size() | std::uint64_t{texel_mask} << 8;
  for (std::size_t i = 0; i < slices.size(); ++i) {
    key.v[1 + 3 * i] = slices[i].buffer->id();
    key.v[2 + 3 * i] = slices[i].offset;
    key.v[3 + 3 * i] = slices[i].size;
  }
  if (auto it = sets_.find(key); it != sets_.end()) return it->second.set;

  Entry entry{allocate(device, layout), last_pool_, {}};
  std::vector<VkDescriptorBufferInfo> infos(slices.size());
  std::vector<VkWriteDescriptorSet> writes(slices.size());
  try {
    for (std::size_t i = 0; i < slices.size(); ++i) {
      const auto b = static_cast<std::uint32_t>(i);
      writes[i] = {VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET};
      writes[i].dstSet = entry.set;
      writes[i].dstBinding = b;
      writes[i].descriptorCount = 1;
      writes[i].descriptorType = descriptor_type(texel_mask, b);
      if (texel_mask >> b & 1u) {
        VkBufferViewCreateInfo vi{VK_STRUCTURE_TYPE_BUFFER_VIEW_CREATE_INFO};
        vi.buffer = slices[i].buffer->handle();
        vi.format = kTexelFormat;
        vi.offset = slices[i].offset;
        vi.range = slices[i].size;
        check(vkCreateBufferView(device, &vi, nullptr, &entry.views[i]), "vkCreateBufferView");
        writes[i].pTexelBufferView = &entry.views[i];
      } else {
        infos[i] = {slices[i].buffer->handle(), slices[i].offset, slices[i].size};
        writes[i].pBufferInfo = &infos[i];
      }
    }
  } catch (...) {
    release(device, entry);
    throw;
  }
  vkUpdateDescriptorSets(device, static_cast<std::uint32_t>(writes.size()), writes.data(), 0,
                         nullptr);
  VkDescriptorSet set = entry.set;
  sets_.emplace(key, entry);
  for (const BufferSlice& s : slices) by_buffer_.emplace(s.buffer->id(), key);
  return set;
}

void DescriptorCache::forget(VkDevice device, std::uint64_t buffer_id) {
  auto [first, last] = by_buffer_.equal_range(buffer_id);
  for (auto it = first; it != last; ++it) {
    // Keys of other buffers in the same set stay in by_buffer_ but never match again: ids are
    // never reused, so no later set can have this key.
    auto entry = sets_.find(it->second);
    if (entry == sets_.end()) continue;
    release(device, entry->second);
    sets_.erase(entry);
  }
  by_buffer_.erase(buffer_id);
}

void DescriptorCache::release(VkDevice device, Entry& e) {
  for (VkBufferView& v : e.views) {
    if (v != VK_NULL_HANDLE) vkDestroyBufferView(device, v, nullptr);
    v = VK_NULL_HANDLE;
  }
  vkFreeDescriptorSets(device, e.pool, 1, &e.set);
}

void DescriptorCache::destroy(VkDevice device) {
  for (auto& [key, e] : sets_) {
    for (VkBufferView v : e.views) {
      if (v != VK_NULL_HANDLE) vkDestroyBufferView(device, v, nullptr);
    }
  }
  for (VkDescriptorPool p : pools_) vkDestroyDescriptorPool(device, p, nullptr);
  pools_.clear();
  sets_.clear();
  by_buffer_.clear();
  last_pool_ = VK_NULL_HANDLE;
}

}  // namespace vkchat::vk::detail
