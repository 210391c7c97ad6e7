// Device memory: move-only buffers, each with its own allocation, and slices of them.
#pragma once
#include <vulkan/vulkan.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace vkchat::vk {

class Context;
namespace detail {
struct Core;
}

enum class BufferKind {
  Device,    // kernels' working memory; mapped too where device memory is host-visible (UMA)
  Upload,    // host-visible staging for uploads
  Readback,  // host-visible, cached where possible, for reading results back
};

class Buffer;

// A byte range of a buffer, as bound to a kernel's binding or named by a copy.
struct BufferSlice {
  const Buffer* buffer = nullptr;
  VkDeviceSize offset = 0;
  VkDeviceSize size = 0;
};

class Buffer {
 public:
  Buffer() = default;
  // VulkanError (with the size and kind) when the memory cannot be allocated.
  Buffer(Context& ctx, VkDeviceSize size, BufferKind kind, std::string name = {});
  Buffer(Buffer&& o) noexcept;
  Buffer& operator=(Buffer&& o) noexcept;
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  ~Buffer();

  VkBuffer handle() const { return buffer_; }
  VkDeviceSize size() const { return size_; }
  BufferKind kind() const { return kind_; }
  const std::string& name() const { return name_; }
  // Unique for the process lifetime (handles can be reused; ids are not).
  std::uint64_t id() const { return id_; }
  // Host pointer to the whole buffer, or nullptr when its memory is not host-visible.
  std::byte* mapped() const { return mapped_; }
  explicit operator bool() const { return buffer_ != VK_NULL_HANDLE; }

  BufferSlice slice(VkDeviceSize offset, VkDeviceSize size) const;
  BufferSlice whole() const { return {this, 0, size_}; }

 private:
  void create();
  void reset();

  detail::Core* core_ = nullptr;
  VkBuffer buffer_ = VK_NULL_HANDLE;
  VkDeviceMemory memory_ = VK_NULL_HANDLE;
  VkDeviceSize size_ = 0;
  BufferKind kind_ = BufferKind::Device;
  std::byte* mapped_ = nullptr;
  std::uint64_t id_ = 0;
  std::string name_;
};

}  // namespace vkchat::vk
