// What answers for the inference worker: the local engine (a model file on this machine's
// device) or a remote server (RemoteBackend), behind the few calls the worker needs. The worker
// owns one at a time, runs it on its thread and turns what it streams into queued signals, so
// the controller's parts never ask which kind answers.
#pragma once
#include <optional>
#include <string_view>

#include "inference_types.h"

namespace vkchat::gui {

// Where a backend streams an answer to (the worker's signals, in batches).
class AnswerSink {
 public:
  virtual ~AnswerSink() = default;
  // The prompt being read: `done` of `total` tokens.
  virtual void prefill(int done, int total) = 0;
  // A piece of the answer, or of its reasoning; `tokens`: written so far, both kinds.
  virtual void piece(std::string_view text, bool reasoning, int tokens) = 0;
  // Fills `result`'s text, reasoning and counts with what was streamed (a stopped or failed
  // answer keeps that much).
  virtual void keepStreamed(GenerationResult& result) = 0;
};

class InferenceBackend {
 public:
  virtual ~InferenceBackend() = default;

  // Writes the answer to `request` into `sink` and says how it ended; the worker sets the id. A
  // stop (the worker's flag, abort()) ends it as Cancelled. A failure is either a result with
  // FinishReason::Error (what streamed kept) or an exception, which the worker answers the same
  // way (Cancelled from the engine, as a stop).
  virtual GenerationResult generate(const GenerationRequest& request, AnswerSink& sink) = 0;
  // How much of the context answering `request` would fill; nullopt where that is not known
  // here (a server's tokenizer is its own).
  virtual std::optional<ContextMeasure> measure(const GenerationRequest& request) = 0;
  // Thread-safe: ends the request in flight at once, beyond the stop flag the backend checks
  // (a server may be silent for long while it reads a prompt). Nothing for the local engine.
  virtual void abort() {}
};

}  // namespace vkchat::gui
