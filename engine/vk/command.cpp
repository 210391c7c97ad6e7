// Command recording, the checked dispatch, barriers, submission and timestamp collection.
#include "vk/command.h"

#include <cstdio>
#include <stdexcept>
#include <utility>

#include "vk/context.h"
#include "vk/device_core.h"
#include "vk/vk_error.h"

namespace vkchat::vk {

namespace {
constexpr std::uint32_t kMaxTimedDispatches = 4096;
}

CommandBuffer::CommandBuffer(Context& ctx) : core_(&ctx.core()) {
  try {
    VkCommandBufferAllocateInfo ai{VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO};
    ai.commandPool = core_->command_pool;
    ai.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
    ai.commandBufferCount = 1;
    check(vkAllocateCommandBuffers(core_->device, &ai, &cmd_), "vkAllocateCommandBuffers");
    VkFenceCreateInfo fi{VK_STRUCTURE_TYPE_FENCE_CREATE_INFO};
    check(vkCreateFence(core_->device, &fi, nullptr, &fence_), "vkCreateFence");
    if (core_->profile && core_->info.timestamp_bits > 0) {
      VkQueryPoolCreateInfo qi{VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO};
      qi.queryType = VK_QUERY_TYPE_TIMESTAMP;
      qi.queryCount = 2 * kMaxTimedDispatches;
      check(vkCreateQueryPool(core_->device, &qi, nullptr, &queries_), "vkCreateQueryPool");
      query_capacity_ = qi.queryCount;
    }
    begin();
  } catch (...) {
    reset();
    throw;
  }
}

CommandBuffer::CommandBuffer(CommandBuffer&& o) noexcept
    : core_(std::exchange(o.core_, nullptr)),
      cmd_(std::exchange(o.cmd_, VK_NULL_HANDLE)),
      fence_(std::exchange(o.fence_, VK_NULL_HANDLE)),
      state_(std::exchange(o.state_, State::Idle)),
      executable_(std::exchange(o.executable_, false)),
      dispatches_(std::exchange(o.dispatches_, 0)),
      queries_(std::exchange(o.queries_, VK_NULL_HANDLE)),
      query_capacity_(std::exchange(o.query_capacity_, 0)),
      timed_(std::move(o.timed_)),
      queries_exhausted_(o.queries_exhausted_) {}

CommandBuffer& CommandBuffer::operator=(CommandBuffer&& o) noexcept {
  if (this != &o) {
    reset();
    core_ = std::exchange(o.core_, nullptr);
    cmd_ = std::exchange(o.cmd_, VK_NULL_HANDLE);
    fence_ = std::exchange(o.fence_, VK_NULL_HANDLE);
    state_ = std::exchange(o.state_, State::Idle);
    executable_ = std::exchange(o.executable_, false);
    dispatches_ = std::exchange(o.dispatches_, 0);
    queries_ = std::exchange(o.queries_, VK_NULL_HANDLE);
    query_capacity_ = std::exchange(o.query_capacity_, 0);
    timed_ = std::move(o.timed_);
    queries_exhausted_ = o.queries_exhausted_;
  }
  return *this;
}

CommandBuffer::~CommandBuffer() {
  reset();
}

void CommandBuffer::reset() {
  if (core_ == nullptr) return;
  VkDevice dev = core_->device;
  if (state_ == State::Submitted) {
    vkWaitForFences(dev, 1, &fence_, VK_TRUE, UINT64_MAX);  // no throwing from a destructor
  }
  if (queries_ != VK_NULL_HANDLE) vkDestroyQueryPool(dev, queries_, nullptr);
  if (fence_ != VK_NULL_HANDLE) vkDestroyFence(dev, fence_, nullptr);
  if (cmd_ != VK_NULL_HANDLE) vkFreeCommandBuffers(dev, core_->command_pool, 1, &cmd_);
  queries_ = VK_NULL_HANDLE;
  fence_ = VK_NULL_HANDLE;
  cmd_ = VK_NULL_HANDLE;
  core_ = nullptr;
  state_ = State::Idle;
}

void CommandBuffer::begin() {
  if (state_ == State::Submitted) throw std::logic_error("CommandBuffer::begin while in flight");
  check(vkResetCommandBuffer(cmd_, 0), "vkResetCommandBuffer");
  // Not VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT: any recording may be resubmitted.
  VkCommandBufferBeginInfo bi{VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
  check(vkBeginCommandBuffer(cmd_, &bi), "vkBeginCommandBuffer");
  executable_ = false;
  if (queries_ != VK_NULL_HANDLE) vkCmdResetQueryPool(cmd_, queries_, 0, query_capacity_);
  timed_.clear();
  dispatches_ = 0;
  state_ = State::Recording;
}

void CommandBuffer::bind(const Pipeline& p, std::span<const BufferSlice> bindings,
                         std::span<const std::byte> push) {
  if (state_ != State::Recording) throw std::logic_error("dispatch on a buffer not recording");
  if (bindings.size() != p.binding_count()) {
    throw std::logic_error("dispatch " + p.name() + ": " + std::to_string(bindings.size()) +
                           " bindings, the pipeline has " + std::to_string(p.binding_count()));
  }
  if (push.size() != p.push_size()) {
    throw std::logic_error("dispatch " + p.name() + ": " + std::to_string(push.size()) +
                           " bytes of push constants, the pipeline takes " +
                           std::to_string(p.push_size()));
  }
  const DeviceInfo& info = core_->info;
  for (std::size_t i = 0; i < bindings.size(); ++i) {
    const BufferSlice& s = bindings[i];
    auto where = [&] { return "dispatch " + p.name() + " binding " + std::to_string(i) + ": "; };
    if (s.buffer == nullptr || !*s.buffer) throw std::logic_error(where() + "no buffer");
    if (s.size == 0 || s.offset + s.size > s.buffer->size()) {
      throw std::logic_error(where() + "slice outside buffer '" + s.buffer->name() + "'");
    }
    const bool texel = (p.texel_bindings() >> i & 1u) != 0;
    const std::uint64_t align =
        texel ? info.min_texel_buffer_offset_alignment : info.min_storage_buffer_offset_alignment;
    if (s.offset % align != 0) {
      throw std::logic_error(where() + "offset " + std::to_string(s.offset) +
                             " not a multiple of " + std::to_string(align));
    }
    if (texel &&
        (s.size % kTexelBytes != 0 || s.size / kTexelBytes > info.max_texel_buffer_elements)) {
      throw std::logic_error(where() + std::to_string(s.size) +
                             " bytes are not a whole number of texels within "
                             "maxTexelBufferElements " +
                             std::to_string(info.max_texel_buffer_elements));
    }
    if (!texel && s.size > info.max_storage_buffer_range) {
      throw std::logic_error(where() + std::to_string(s.size) +
                             " bytes exceed maxStorageBufferRange " +
                             std::to_string(info.max_storage_buffer_range));
    }
  }
  VkDescriptorSet set =
      core_->descriptors.get(core_->device, p.set_layout(), bindings, p.texel_bindings());
  vkCmdBindPipeline(cmd_, VK_PIPELINE_BIND_POINT_COMPUTE, p.handle());
  vkCmdBindDescriptorSets(cmd_, VK_PIPELINE_BIND_POINT_COMPUTE, p.layout(), 0, 1, &set, 0, nullptr);
  if (!push.empty()) {
    vkCmdPushConstants(cmd_, p.layout(), VK_SHADER_STAGE_COMPUTE_BIT, 0,
                       static_cast<std::uint32_t>(push.size()), push.data());
  }
}

template <class Run>
void CommandBuffer::timed(const Pipeline& p, std::uint64_t bytes, Run run) {
  bool stamp = queries_ != VK_NULL_HANDLE && timed_.size() < kMaxTimedDispatches;
  if (queries_ != VK_NULL_HANDLE && !stamp && !queries_exhausted_) {
    queries_exhausted_ = true;
    std::fprintf(stderr,
                 "vkchat profile: more than %u dispatches in one command buffer, the "
                 "rest are not timed\n",
                 kMaxTimedDispatches);
  }
  auto q = static_cast<std::uint32_t>(2 * timed_.size());
  if (stamp) vkCmdWriteTimestamp(cmd_, VK_PIPELINE_STAGE_TOP_OF_PIPE_BIT, queries_, q);
  run();
  if (stamp) {
    vkCmdWriteTimestamp(cmd_, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, queries_, q + 1);
    timed_.push_back({p.name(), bytes});
  }
  ++dispatches_;
}

void CommandBuffer::dispatch(const Pipeline& p, std::span<const BufferSlice> bindings,
                             std::span<const std::byte> push, Groups groups, std::uint64_t bytes) {
  bind(p, bindings, push);
  const DeviceInfo& info = core_->info;
  if (groups.x == 0 || groups.y == 0 || groups.z == 0 || groups.x > info.max_workgroup_count[0] ||
      groups.y > info.max_workgroup_count[1] || groups.z > info.max_workgroup_count[2]) {
    throw std::logic_error("dispatch " + p.name() + ": workgroup count " +
                           std::to_string(groups.x) + "x" + std::to_string(groups.y) + "x" +
                           std::to_string(groups.z) + " out of range");
  }

  timed(p, bytes, [&] { vkCmdDispatch(cmd_, groups.x, groups.y, groups.z); });
}

void CommandBuffer::dispatch_indirect(const Pipeline& p, std::span<const BufferSlice> bindings,
                                      std::span<const std::byte> push, const BufferSlice& groups,
                                      std::uint64_t bytes) {
  bind(p, bindings, push);
  if (groups.buffer == nullptr || !*groups.buffer || groups.size != 12 || groups.offset % 4 != 0 ||
      groups.offset + groups.size > groups.buffer->size()) {
    throw std::logic_error("dispatch_indirect " + p.name() +
                           ": the group counts must be 12 bytes at a multiple of 4 in a buffer");
  }
  timed(p, bytes, [&] { vkCmdDispatchIndirect(cmd_, groups.buffer->handle(), groups.offset); });
}

void CommandBuffer::barrier() {
  if (state_ != State::Recording) throw std::logic_error("barrier on a buffer not recording");
  VkMemoryBarrier mb{VK_STRUCTURE_TYPE_MEMORY_BARRIER};
  mb.srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT;
  mb.dstAccessMask = VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT |
                     VK_ACCESS_TRANSFER_READ_BIT | VK_ACCESS_TRANSFER_WRITE_BIT;
  VkPipelineStageFlags stages =
      VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT;
  vkCmdPipelineBarrier(cmd_, stages, stages, 0, 1, &mb, 0, nullptr, 0, nullptr);
}

void CommandBuffer::copy(const BufferSlice& src, const BufferSlice& dst) {
  if (state_ != State::Recording) throw std::logic_error("copy on a buffer not recording");
  if (src.size != dst.size) throw std::logic_error("copy: source and destination sizes differ");
  VkBufferCopy region{src.offset, dst.offset, src.size};
  vkCmdCopyBuffer(cmd_, src.buffer->handle(), dst.buffer->handle(), 1, &region);
}

void CommandBuffer::fill(const BufferSlice& dst, std::uint32_t word) {
  if (state_ != State::Recording) throw std::logic_error("fill on a buffer not recording");
  if (dst.offset % 4 != 0 || dst.size % 4 != 0) {
    throw std::logic_error("fill: offset and size must be multiples of 4");
  }
  vkCmdFillBuffer(cmd_, dst.buffer->handle(), dst.offset, dst.size, word);
}

void CommandBuffer::submit() {
  if (state_ != State::Recording) throw std::logic_error("submit on a buffer not recording");
  // Results become visible to the host once the fence is waited on (mapped reads).
  VkMemoryBarrier mb{VK_STRUCTURE_TYPE_MEMORY_BARRIER};
  mb.srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT;
  mb.dstAccessMask = VK_ACCESS_HOST_READ_BIT;
  vkCmdPipelineBarrier(cmd_, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT,
                       VK_PIPELINE_STAGE_HOST_BIT, 0, 1, &mb, 0, nullptr, 0, nullptr);
  check(vkEndCommandBuffer(cmd_), "vkEndCommandBuffer");
  state_ = State::Idle;
  executable_ = true;
  resubmit();
}

void CommandBuffer::resubmit() {
  if (state_ != State::Idle || !executable_) {
    throw std::logic_error("resubmit of a buffer not recorded and ended, or still in flight");
  }
  check(vkResetFences(core_->device, 1, &fence_), "vkResetFences");
  VkSubmitInfo si{VK_STRUCTURE_TYPE_SUBMIT_INFO};
  si.commandBufferCount = 1;
  si.pCommandBuffers = &cmd_;
  check(vkQueueSubmit(core_->queue, 1, &si, fence_), "vkQueueSubmit");
  state_ = State::Submitted;
}

void CommandBuffer::wait() {
  if (state_ != State::Submitted) throw std::logic_error("wait on a buffer not submitted");
  VkResult r = vkWaitForFences(core_->device, 1, &fence_, VK_TRUE, UINT64_MAX);
  state_ = State::Idle;
  check(r, "vkWaitForFences");
  collect_timestamps();
}

void CommandBuffer::collect_timestamps() {
  if (timed_.empty()) return;
  std::vector<std::uint64_t> ticks(2 * timed_.size());
  check(vkGetQueryPoolResults(core_->device, queries_, 0, static_cast<std::uint32_t>(ticks.size()),
                              ticks.size() * sizeof(std::uint64_t), ticks.data(),
                              sizeof(std::uint64_t),
                              VK_QUERY_RESULT_64_BIT | VK_QUERY_RESULT_WAIT_BIT),
        "vkGetQueryPoolResults");
  std::uint64_t mask = core_->info.timestamp_bits >= 64
                           ? ~std::uint64_t{0}
                           : (std::uint64_t{1} << core_->info.timestamp_bits) - 1;
  for (std::size_t i = 0; i < timed_.size(); ++i) {
    std::uint64_t d = (ticks[2 * i + 1] - ticks[2 * i]) & mask;
    double us = static_cast<double>(d) * core_->info.timestamp_period_ns / 1e3;
    core_->profiler.add(timed_[i].kernel, us, timed_[i].bytes);
  }
  // timed_ stays: a resubmit times the same dispatches again (begin() clears it).
}

}  // namespace vkchat::vk
