// The served model: N slots, each a chat::ChatSession with its own KV cache on one loaded Model,
// leased per request (slot_pool.h) and taking turns on the device token by token, so that N
// requests generate at once from the clients' view. No HTTP here: openai_server.h puts it behind
// cpp-httplib (for `vkchat-cli serve` and the app), and tests drive it directly.
//
//   server::SlotEngine engine(*model, name, /*slots=*/2, /*queue_limit=*/16, switches);
//   if (auto lease = engine.acquire(req)) {          // nullopt: the queue is full (503)
//     chat::TurnResult r = engine.run(*lease, req, on_piece, between);
//   }
//
// Contract:
// - The constructor checks that the slots' KV caches and scratch fit beside the weights in the
//   model's memory budget (check_slots_fit: InsufficientMemory naming both numbers) before it
//   makes any; `setup` then configures each slot's ChatSession (a --chat-template-file).
// - SlotSharing: the model may have another user beside the slots (the app's own chat, which
//   serves the model it loaded): the slots then take turns with it on its TurnLock, which that
//   user holds while it computes and yields between tokens as the slots do, and the memory check
//   counts its sessions (of the model's context each) beside the slots'.
// - run() renders and answers the request's messages (a completion's prompt as one user message)
//   in the leased slot, reusing whatever prefix of the slot's cache matches, with the request's
//   sampling, max_tokens, stop strings and template switches over the engine's. on_piece hears
//   the streamed pieces while this slot holds the device: it should only queue the text.
//   between() runs between tokens and between prefill chunks with the device released, the
//   place to write the queued text out; when it returns false (the client is gone) the answer
//   stops before another token is computed. Exceptions from between() count as false. Throws
//   what ChatSession throws; the slot stays usable. After stop_all() answers stop at once.
#pragma once
#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "chat/chat_session.h"
#include "server/openai_request.h"
#include "server/slot_pool.h"

namespace vkchat::llm {
class Model;
}

namespace vkchat::server {

// Another user of a SlotEngine's model (see the contract).
struct SlotSharing {
  TurnLock* device = nullptr;      // the turns on the device; null: the engine's own
  std::size_t other_sessions = 0;  // that user's sessions, for the memory check
};

class SlotEngine {
 public:
  SlotEngine(llm::Model& model, std::string name, std::size_t slots, std::size_t queue_limit,
             chat::TemplateSwitches switches,
             const std::function<void(chat::ChatSession&)>& setup = {}, SlotSharing sharing = {});
  SlotEngine(const SlotEngine&) = delete;
  SlotEngine& operator=(const SlotEngine&) = delete;
  ~SlotEngine();

  const std::string& name() const { return name_; }
  std::size_t slots() const { return slots_.size(); }
  std::size_t queue_limit() const { return pool_.queue_limit(); }

  // Waits for a slot (SlotPool::acquire with the request's conversation as the key).
  std::optional<SlotPool::Lease> acquire(const ChatRequest& req);
  chat::TurnResult run(SlotPool::Lease& lease, const ChatRequest& req,
                       const chat::OnPiece& on_piece = {},
                       const std::function<bool()>& between = {});
  // From now on every answer stops at its next token (or at once), so that a server that is
  // ending does not wait for long generations. Only stores a lock-free atomic: safe in a signal
  // handler.
  void stop_all() { closing_.store(true); }

 private:
  struct Slot;
  std::string name_;
  chat::TemplateSwitches switches_;  // from the flags; a request's own override them
  std::vector<std::unique_ptr<Slot>> slots_;
  SlotPool pool_;
  TurnLock own_device_;
  TurnLock& device_;  // own_device_, or the one shared with the model's other user
  std::atomic<bool> closing_{false};
  static_assert(std::atomic<bool>::is_always_lock_free);
};

// The messages a request is answered from: a chat's own, a completion's prompt as one user
// message.
std::vector<chat::Message> request_messages(const ChatRequest& req);

}  // namespace vkchat::server
