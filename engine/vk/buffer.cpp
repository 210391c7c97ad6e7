// Buffer allocation, mapping and release.
#include "vk/buffer.h"

#include <stdexcept>
#include <utility>

#include "vk/context.h"
#include "vk/device_core.h"
#include "vk/vk_error.h"

namespace vkchat::vk {

namespace {
const char* kind_name(BufferKind k) {
  switch (k) {
    case BufferKind::Device: return "device";
    case BufferKind::Upload: return "upload";
    case BufferKind::Readback: return "readback";
  }
  return "?";
}
}  // namespace

Buffer::Buffer(Context& ctx, VkDeviceSize size, BufferKind kind, std::string name)
    : core_(&ctx.core()), size_(size), kind_(kind), name_(std::move(name)) {
  if (size == 0) throw std::invalid_argument("Buffer '" + name_ + "': size 0");
  try {
    create();
  } catch (...) {
    reset();
    throw;
  }
}

void Buffer::create() {
  VkDevice dev = core_->device;
  VkBufferCreateInfo bi{VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO};
  bi.size = size_;
  // Any buffer may be bound as a storage texel buffer too (vk/pipeline.h, texel bindings), or
  // hold an indirect dispatch's group counts (CommandBuffer::dispatch_indirect).
  bi.usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_STORAGE_TEXEL_BUFFER_BIT |
             VK_BUFFER_USAGE_TRANSFER_SRC_BIT | VK_BUFFER_USAGE_TRANSFER_DST_BIT |
             VK_BUFFER_USAGE_INDIRECT_BUFFER_BIT;
  bi.sharingMode = VK_SHARING_MODE_EXCLUSIVE;
  check(vkCreateBuffer(dev, &bi, nullptr, &buffer_), "vkCreateBuffer");

  VkMemoryRequirements req;
  vkGetBufferMemoryRequirements(dev, buffer_, &req);
  bool host_visible = false;
  VkMemoryAllocateInfo ai{VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO};
  ai.allocationSize = req.size;
  ai.memoryTypeIndex = core_->memory_type(kind_, req.memoryTypeBits, host_visible);
  VkResult r = vkAllocateMemory(dev, &ai, nullptr, &memory_);
  if (r != VK_SUCCESS) {
    throw VulkanError("cannot allocate " + std::to_string(size_) + " bytes of " + kind_name(kind_) +
                          " memory for '" + name_ + "' on " + core_->info.name + ": " +
                          result_name(r),
                      r);
  }
  check(vkBindBufferMemory(dev, buffer_, memory_, 0), "vkBindBufferMemory");
  if (host_visible) {
    void* p = nullptr;
    check(vkMapMemory(dev, memory_, 0, VK_WHOLE_SIZE, 0, &p), "vkMapMemory");
    mapped_ = static_cast<std::byte*>(p);
  }
  id_ = core_->next_buffer_id++;
}

Buffer::Buffer(Buffer&& o) noexcept
    : core_(std::exchange(o.core_, nullptr)),
      buffer_(std::exchange(o.buffer_, VK_NULL_HANDLE)),
      memory_(std::exchange(o.memory_, VK_NULL_HANDLE)),
      size_(std::exchange(o.size_, 0)),
      kind_(o.kind_),
      mapped_(std::exchange(o.mapped_, nullptr)),
      id_(std::exchange(o.id_, 0)),
      name_(std::move(o.name_)) {}

Buffer& Buffer::operator=(Buffer&& o) noexcept {
  if (this != &o) {
    reset();
    core_ = std::exchange(o.core_, nullptr);
    buffer_ = std::exchange(o.buffer_, VK_NULL_HANDLE);
    memory_ = std::exchange(o.memory_, VK_NULL_HANDLE);
    size_ = std::exchange(o.size_, 0);
    kind_ = o.kind_;
    mapped_ = std::exchange(o.mapped_, nullptr);
    id_ = std::exchange(o.id_, 0);
    name_ = std::move(o.name_);
  }
  return *this;
}

Buffer::~Buffer() {
  reset();
}

void Buffer::reset() {
  if (core_ == nullptr) return;
  VkDevice dev = core_->device;
  if (id_ != 0) core_->descriptors.forget(dev, id_);
  if (buffer_ != VK_NULL_HANDLE) vkDestroyBuffer(dev, buffer_, nullptr);
  if (memory_ != VK_NULL_HANDLE) vkFreeMemory(dev, memory_, nullptr);  // unmaps too
  buffer_ = VK_NULL_HANDLE;
  memory_ = VK_NULL_HANDLE;
  mapped_ = nullptr;
  core_ = nullptr;
  id_ = 0;
}

BufferSlice Buffer::slice(VkDeviceSize offset, VkDeviceSize size) const {
  if (offset > size_ || size > size_ - offset) {
    throw std::out_of_range("Buffer '" + name_ + "': slice [" + std::to_string(offset) + ", +" +
                            std::to_string(size) + ") outside its " + std::to_string(size_) +
                            " bytes");
  }
  return {this, offset, size};
}

}  // namespace vkchat::vk
