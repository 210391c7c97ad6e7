// Slot leases in arrival order with the longest cached prefix preferred, and the device's turns.
#include "server/slot_pool.h"

#include <algorithm>
#include <stdexcept>

#include "util/checked_math.h"
#include "util/errors.h"

namespace vkchat::server {

SlotPool::Lease::Lease(Lease&& other) noexcept : pool_(other.pool_), slot_(other.slot_) {
  other.pool_ = nullptr;
}

SlotPool::Lease::~Lease() {
  if (pool_) pool_->release(slot_);
}

void SlotPool::Lease::set_key(std::string key) {
  const std::lock_guard lock(pool_->mutex_);
  pool_->slots_[slot_].key = std::move(key);
}

SlotPool::SlotPool(std::size_t slots, std::size_t queue_limit)
    : slots_(slots), queue_limit_(queue_limit) {
  if (slots == 0) throw std::invalid_argument("a slot pool needs at least one slot");
}

std::size_t SlotPool::free_count() const {
  return static_cast<std::size_t>(
      std::count_if(slots_.begin(), slots_.end(), [](const Entry& e) { return !e.busy; }));
}

std::size_t SlotPool::best_free(std::string_view key) const {
  std::size_t best = slots_.size();
  std::size_t best_len = 0;
  for (std::size_t i = 0; i < slots_.size(); ++i) {
    const Entry& e = slots_[i];
    if (e.busy) continue;
    const std::size_t n = std::min(e.key.size(), key.size());
    const auto len = static_cast<std::size_t>(
        std::mismatch(key.begin(), key.begin() + n, e.key.begin()).first - key.begin());
    if (best == slots_.size() || len > best_len ||
        (len == best_len && e.used < slots_[best].used)) {
      best = i;
      best_len = len;
    }
  }
  return best;
}

std::optional<SlotPool::Lease> SlotPool::acquire(std::string_view key) {
  std::unique_lock lock(mutex_);
  // A free slot is taken at once only when nobody waits for one: no overtaking.
  if (free_count() == 0 || !waiters_.empty()) {
    if (waiters_.size() >= queue_limit_) return std::nullopt;
    const std::uint64_t ticket = next_ticket_++;
    waiters_.push_back(ticket);
    freed_.wait(lock, [&] { return waiters_.front() == ticket && free_count() > 0; });
    waiters_.pop_front();
    // Two slots may have been freed at once: the next waiter looks too.
    freed_.notify_all();
  }
  const std::size_t i = best_free(key);
  slots_[i].busy = true;
  slots_[i].used = ++clock_;
  return Lease(this, i);
}

void SlotPool::release(std::size_t slot) {
  {
    const std::lock_guard lock(mutex_);
    slots_[slot].busy = false;
  }
  freed_.notify_all();
}

std::size_t SlotPool::waiting() const {
  const std::lock_guard lock(mutex_);
  return waiters_.size();
}

std::size_t SlotPool::busy() const {
  const std::lock_guard lock(mutex_);
  return slots_.size() - free_count();
}

void TurnLock::lock() {
  std::unique_lock lock(mutex_);
  const std::uint64_t ticket = next_++;
  turn_.wait(lock, [&] { return serving_ == ticket; });
  held_ = true;
}

void TurnLock::unlock() {
  {
    const std::lock_guard lock(mutex_);
    held_ = false;
    ++serving_;
  }
  turn_.notify_all();
}

std::size_t TurnLock::waiting() const {
  const std::lock_guard lock(mutex_);
  return static_cast<std::size_t>(next_ - serving_) - (held_ ? 1 : 0);
}

std::string conversation_key(std::span<const chat::Message> messages) {
  std::string key;
  for (const chat::Message& m : messages) {
    // Separators that text rarely holds, so that a role or content boundary differs from text.
    key += m.role;
    key += '\x1f';
    key += m.content;
    key += '\x1e';
  }
  return key;
}

llm::MemoryEstimate slots_estimate(const llm::MemoryEstimate& one, std::size_t slots) {
  llm::MemoryEstimate all = one;
  all.kv_cache = sat_mul(one.kv_cache, slots);
  all.scratch = sat_mul(one.scratch, slots);
  return all;
}

void check_slots_fit(const llm::MemoryEstimate& one, std::size_t slots, std::uint64_t budget,
                     const std::string& device) {
  try {
    llm::check_fits(slots_estimate(one, slots), budget,
                    "serving " + std::to_string(slots) + " slots (a KV cache of " +
                        std::to_string(one.n_ctx) + " positions and a scratch each)",
                    device);
  } catch (const InsufficientMemory& e) {
    throw InsufficientMemory(std::string(e.what()) + "; so may fewer slots (--parallel)",
                             e.needed(), e.available());
  }
}

}  // namespace vkchat::server
