// The slots' ChatSessions and a request's run in one of them, yielding the device between tokens.
#include "server/slot_engine.h"

#include <algorithm>
#include <atomic>
#include <mutex>

#include "llm/model.h"

namespace vkchat::server {

struct SlotEngine::Slot {
  explicit Slot(llm::Model& model) : chat(model, 0) { chat.set_stop_flag(&stop); }
  std::atomic<bool> stop{false};
  chat::ChatSession chat;
};

SlotEngine::SlotEngine(llm::Model& model, std::string name, std::size_t slots,
                       std::size_t queue_limit, chat::TemplateSwitches switches,
                       const std::function<void(chat::ChatSession&)>& setup, SlotSharing sharing)
    : name_(std::move(name)),
      switches_(std::move(switches)),
      pool_(slots, queue_limit),
      device_(sharing.device ? *sharing.device : own_device_) {
  check_slots_fit(model.summary().memory, slots + sharing.other_sessions, model.memory_budget(),
                  model.summary().device);
  slots_.reserve(slots);
  for (std::size_t i = 0; i < slots; ++i) {
    slots_.push_back(std::make_unique<Slot>(model));
    if (setup) setup(slots_.back()->chat);
  }
}

SlotEngine::~SlotEngine() = default;

std::vector<chat::Message> request_messages(const ChatRequest& req) {
  if (!req.is_chat) return {{"user", req.prompt}};
  return req.messages;
}

std::optional<SlotPool::Lease> SlotEngine::acquire(const ChatRequest& req) {
  return pool_.acquire(conversation_key(request_messages(req)));
}

chat::TurnResult SlotEngine::run(SlotPool::Lease& lease, const ChatRequest& req,
                                 const chat::OnPiece& on_piece,
                                 const std::function<bool()>& between) {
  Slot& s = *slots_.at(lease.slot());
  s.stop.store(closing_.load());
  chat::ChatOptions o;
  o.sampling = req.sampling;
  o.max_tokens = req.max_tokens;
  o.stop_strings = req.stop;
  o.split_reasoning = req.is_chat;
  // Each token's probability and its alternatives, for logprobs (at least one: the token's own).
  o.alternatives =
      req.top_logprobs >= 0 ? static_cast<std::size_t>(std::max(req.top_logprobs, 1)) : 0;
  o.switches = switches_;
  if (req.switches.enable_thinking) o.switches.enable_thinking = req.switches.enable_thinking;
  if (!req.switches.reasoning_effort.empty()) {
    o.switches.reasoning_effort = req.switches.reasoning_effort;
  }
  s.chat.set_options(std::move(o));
  s.chat.set_messages(request_messages(req));

  // Everything the session does below touches the device or the shared model, so it runs with
  // the device held (slot_pool.h); only between() runs without it.
  std::unique_lock turn(device_);
  auto yield = [&] {
    turn.unlock();
    bool alive = true;
    if (between) {
      try {
        alive = between();
      } catch (...) {
        alive = false;  // the session must not unwind while another slot holds the device
      }
    }
    turn.lock();
    if (!alive || closing_.load()) s.stop.store(true);
  };
  // The hooks capture this call's locals: removed however the turn ends, and the key then says
  // what the cache holds (also after a failed turn, whose history is the request's messages).
  struct Unhook {
    Slot& s;
    SlotPool::Lease& lease;
    ~Unhook() {
      s.chat.set_between_tokens({});
      s.chat.set_prefill_progress({});
      lease.set_key(conversation_key(s.chat.messages()));
    }
  } unhook{s, lease};
  s.chat.set_between_tokens(yield);
  s.chat.set_prefill_progress([&](std::int64_t, std::int64_t) { yield(); });
  return s.chat.respond(on_piece);
}

}  // namespace vkchat::server
