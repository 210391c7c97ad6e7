// Recording and submitting work: a move-only command buffer with its own fence. The one
// dispatch() checks each call against its pipeline (binding count, push-constant size, slice
// alignment and range) and, when profiling, brackets it with timestamps.
#pragma once
#include <vulkan/vulkan.h>

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "vk/buffer.h"
#include "vk/pipeline.h"

namespace vkchat::vk {

class Context;
namespace detail {
struct Core;
}

struct Groups {
  std::uint32_t x = 1, y = 1, z = 1;
};

class CommandBuffer {
 public:
  CommandBuffer() = default;
  // Allocates and begins recording.
  explicit CommandBuffer(Context& ctx);
  CommandBuffer(CommandBuffer&& o) noexcept;
  CommandBuffer& operator=(CommandBuffer&& o) noexcept;
  CommandBuffer(const CommandBuffer&) = delete;
  CommandBuffer& operator=(const CommandBuffer&) = delete;
  // Waits for a submitted buffer before freeing it.
  ~CommandBuffer();

  // Binds `bindings` to 0..n-1 (a cached descriptor set), pushes `push` and dispatches.
  // std::logic_error when the binding count or push size differs from the pipeline's, or a slice
  // is misaligned, empty or too long for the device. `bytes`: memory traffic, for the profile.
  void dispatch(const Pipeline& p, std::span<const BufferSlice> bindings,
                std::span<const std::byte> push, Groups groups, std::uint64_t bytes = 0);
  template <class Push>
  void dispatch(const Pipeline& p, std::initializer_list<BufferSlice> bindings, const Push& push,
                Groups groups, std::uint64_t bytes = 0) {
    static_assert(std::is_trivially_copyable_v<Push>);
    dispatch(p, std::span<const BufferSlice>(bindings.begin(), bindings.size()),
             std::as_bytes(std::span<const Push, 1>(&push, 1)), groups, bytes);
  }

  // dispatch() with the group counts read when the buffer runs from `groups`: 12 bytes (a
  // VkDispatchIndirectCommand) at a multiple of 4, which the host may rewrite between the
  // submits of a replayed recording. The counts must be within the device's limits.
  void dispatch_indirect(const Pipeline& p, std::span<const BufferSlice> bindings,
                         std::span<const std::byte> push, const BufferSlice& groups,
                         std::uint64_t bytes = 0);

  // Every earlier compute or transfer write is visible to every later compute or transfer
  // access. Deliberately coarse: the kernels of one forward pass depend on each other in order.
  void barrier();
  void copy(const BufferSlice& src, const BufferSlice& dst);  // sizes must match
  void fill(const BufferSlice& dst, std::uint32_t word);      // offset and size multiples of 4

  void submit();  // ends recording and submits to the queue
  // Submits again what the last submit() ended, after its wait() (recorded once, replayed): the
  // buffer must not have been begun since. What it reads from mapped memory the host may have
  // rewritten in between. std::logic_error otherwise.
  void resubmit();
  void wait();  // waits for the submission; collects timestamps into the profiler
  void submit_and_wait() {
    submit();
    wait();
  }
  // Starts recording again after wait() (or discards what was recorded and not submitted).
  void begin();

  VkCommandBuffer handle() const { return cmd_; }
  std::size_t dispatch_count() const { return dispatches_; }

 private:
  enum class State { Idle, Recording, Submitted };
  void reset();
  void collect_timestamps();
  // dispatch()'s checks, then binds the pipeline, its descriptor set and the push constants.
  void bind(const Pipeline& p, std::span<const BufferSlice> bindings,
            std::span<const std::byte> push);
  // Records `run` (the dispatch command), timed when profiling.
  template <class Run>
  void timed(const Pipeline& p, std::uint64_t bytes, Run run);

  detail::Core* core_ = nullptr;
  VkCommandBuffer cmd_ = VK_NULL_HANDLE;
  VkFence fence_ = VK_NULL_HANDLE;
  State state_ = State::Idle;
  bool executable_ = false;  // ended and submitted, not begun since: resubmit() may run it again
  std::size_t dispatches_ = 0;

  struct Timed {
    std::string kernel;
    std::uint64_t bytes;
  };
  VkQueryPool queries_ = VK_NULL_HANDLE;
  std::uint32_t query_capacity_ = 0;  // timestamps, two per dispatch
  std::vector<Timed> timed_;
  bool queries_exhausted_ = false;
};

}  // namespace vkchat::vk
