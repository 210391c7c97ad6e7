// The work account of one render: every step the interpreter takes, every byte or item an
// operation touches and every byte it builds is charged here, so that any template, whatever
// its content, finishes or fails (TemplateError of kind Limit) within a bounded CPU time and
// memory. It also carries the caller's cancellation flag (vkchat::Cancelled when set).
//
// The account of the render running on this thread is reachable through Work::current(), so
// that the value layer (copies, comparisons, printing, JSON) charges without every helper
// taking a parameter; outside a render current() is null and nothing is charged.
#pragma once
#include <atomic>
#include <cstddef>
#include <cstdint>

#include "jinja/template.h"

namespace vkchat::jinja {

// What one unit of work stands for, roughly a nanosecond of the slowest operation of its kind:
// an interpreter step (a statement or an expression node) costs kStep, a macro call or a loop
// iteration kCall, every item of a list or dict an operation walks kItem, every byte 1.
inline constexpr std::uint64_t kStep = 16;
inline constexpr std::uint64_t kCall = 64;
inline constexpr std::uint64_t kItem = 4;

class Work {
 public:
  Work(const Limits& limits, const std::atomic<bool>* cancel) : limits_(limits), cancel_(cancel) {}

  // Charges CPU work; past Limits::max_work it is an EvalError (Limit). Checks the
  // cancellation flag as it goes.
  void spend(std::uint64_t units) {
    work_ += units;
    if (work_ > limits_.max_work) over_work();
    if (cancel_ && cancel_->load(std::memory_order_relaxed)) cancelled();
  }
  // Memory held by the render's strings, lists and dicts: hold() as one is built (building
  // is also work), release() when it is freed. Past Limits::max_live_bytes it is an EvalError
  // (Limit). reserve() checks that `bytes` more would still fit, for a build about to start.
  void hold(std::uint64_t bytes) {
    reserve(bytes);
    live_ += bytes;
    if (live_ > peak_) peak_ = live_;
    spend(bytes);
  }
  void release(std::uint64_t bytes) { live_ -= bytes; }
  void reserve(std::uint64_t bytes) const {
    if (live_ + bytes > limits_.max_live_bytes) over_memory(bytes);
  }
  // One string about to be built: it must fit Limits::max_output_bytes.
  void string_of(std::uint64_t bytes);

  std::uint64_t work() const { return work_; }
  std::uint64_t live() const { return live_; }
  std::uint64_t peak() const { return peak_; }
  const Limits& limits() const { return limits_; }

  static Work* current() { return current_; }

  // Makes `w` this thread's current account for its lifetime (renders may nest: a macro's
  // template never does, but a test may render inside a render's callback).
  class Scope {
   public:
    explicit Scope(Work& w) : saved_(current_) { current_ = &w; }
    ~Scope() { current_ = saved_; }
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

   private:
    Work* saved_;
  };

 private:
  [[noreturn]] void over_work() const;
  [[noreturn]] void over_memory(std::uint64_t more) const;
  [[noreturn]] static void cancelled();

  const Limits& limits_;
  const std::atomic<bool>* cancel_;
  std::uint64_t work_ = 0;
  std::uint64_t live_ = 0;
  std::uint64_t peak_ = 0;
  static thread_local Work* current_;
};

// Charges the current render, if any (the value layer's entry points).
inline void spend(std::uint64_t units) {
  if (Work* w = Work::current()) w->spend(units);
}
inline void reserve(std::uint64_t bytes) {
  if (Work* w = Work::current()) w->reserve(bytes);
}

}  // namespace vkchat::jinja
