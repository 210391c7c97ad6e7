// The server's slots and the device's turns: which of N conversation slots a request runs in,
// how requests wait for one, and how the running slots share the one device. No model here
// (slot_engine.h puts ChatSessions in the slots), so the scheduling is testable on its own.
//
// Contract:
// - SlotPool::acquire(key) leases a slot: at once when one is free and no request waits before
//   this one, else after the requests that came earlier (FIFO); std::nullopt at once when every
//   slot is busy and queue_limit requests already wait (the server answers 503). queue_limit
//   counts waiting requests only, not the running ones; 0 refuses whenever every slot is busy.
// - Among the free slots it takes the one whose key shares the longest prefix with the request's
//   key, the least recently used among equals. A slot's key is what its KV cache holds
//   (Lease::set_key after the request: conversation_key of the history with its answer), so a
//   request that shares a prompt prefix with an earlier one lands where that prefix is cached.
//   The key is text, not tokens (the template renders messages in order, so a common text
//   prefix is a common token prefix up to the last few tokens); it only picks the slot, and
//   ChatSession reuses exactly what matches.
// - A Lease gives its slot back when destroyed, on any thread; a waiting request takes it.
// - TurnLock: a lock handed out in arrival order. The slots take turns on the device with it: a
//   slot holds it while it computes and releases it between tokens and between prefill chunks
//   (ChatSession::set_between_tokens, set_prefill_progress), so the longest-waiting slot goes
//   next and N streams advance round robin, token by token.
// - Why that is safe for the engine: a Model, its vk::Context (one queue, the command pool, the
//   descriptor and pipeline caches) and its Kernels are not thread-safe, but they are bound to no
//   thread. Every use of them by a slot (rendering, tokenizing, prefill, decode, truncating)
//   happens inside ChatSession calls made while holding the TurnLock, so one thread at a time,
//   and the lock's mutex orders one holder's writes (host memory, mapped buffers after a fence
//   wait) before the next holder's reads. Each slot's Session has its own KV cache, scratch,
//   command buffer and logits; the Tokenizer and the GGUF metadata are only read. Sessions are
//   made before serving starts and destroyed after its threads have ended.
#pragma once
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "chat/chat_format.h"
#include "llm/memory_estimate.h"

namespace vkchat::server {

class SlotPool {
 public:
  class Lease {
   public:
    Lease(Lease&& other) noexcept;
    Lease& operator=(Lease&&) = delete;
    Lease(const Lease&) = delete;
    ~Lease();
    std::size_t slot() const { return slot_; }
    // What the slot's cache holds now (the request's conversation with its answer).
    void set_key(std::string key);

   private:
    friend class SlotPool;
    Lease(SlotPool* pool, std::size_t slot) : pool_(pool), slot_(slot) {}
    SlotPool* pool_;
    std::size_t slot_;
  };

  // slots >= 1.
  SlotPool(std::size_t slots, std::size_t queue_limit);
  SlotPool(const SlotPool&) = delete;
  SlotPool& operator=(const SlotPool&) = delete;

  // Blocks while the request waits its turn; nullopt when the queue is full.
  std::optional<Lease> acquire(std::string_view key);

  std::size_t size() const { return slots_.size(); }
  std::size_t queue_limit() const { return queue_limit_; }
  std::size_t waiting() const;
  std::size_t busy() const;

 private:
  struct Entry {
    bool busy = false;
    std::string key;
    std::uint64_t used = 0;  // clock_ when last leased
  };
  void release(std::size_t slot);
  std::size_t free_count() const;  // with mutex_ held
  std::size_t best_free(std::string_view key) const;

  mutable std::mutex mutex_;
  std::condition_variable freed_;
  std::vector<Entry> slots_;
  std::size_t queue_limit_;
  std::deque<std::uint64_t> waiters_;  // tickets, in arrival order
  std::uint64_t next_ticket_ = 0;
  std::uint64_t clock_ = 0;
};

// A lock whose waiters get it in the order they asked (a ticket lock). BasicLockable, so
// std::unique_lock<TurnLock> works.
class TurnLock {
 public:
  void lock();
  void unlock();
  // Threads waiting for it now.
  std::size_t waiting() const;

 private:
  mutable std::mutex mutex_;
  std::condition_variable turn_;
  std::uint64_t next_ = 0;     // the next ticket to give out
  std::uint64_t serving_ = 0;  // the ticket that holds the lock (or gets it next)
  bool held_ = false;
};

// The text a conversation renders from, in order (roles and contents; reasoning left out, as most
// templates leave it out): the slots' keys.
std::string conversation_key(std::span<const chat::Message> messages);

// The device memory of `slots` sessions of one KV cache and one scratch each beside one copy of
// the weights, from the model's estimate for one (llm::ModelSummary::memory).
llm::MemoryEstimate slots_estimate(const llm::MemoryEstimate& one, std::size_t slots);

// Throws InsufficientMemory, naming the slots, the device and both numbers, when `slots`
// sessions (slots_estimate) exceed `budget`.
void check_slots_fit(const llm::MemoryEstimate& one, std::size_t slots, std::uint64_t budget,
                     const std::string& device);

}  // namespace vkchat::server
