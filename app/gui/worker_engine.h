// The inference worker's local engine (InferenceWorker::Engine), for the worker's own files:
// inference_worker.cpp (loading, answering) and worker_serving.cpp (the server switch).
#pragma once
#include <QString>
#include <memory>
#include <optional>

#include "chat/chat_session.h"
#include "inference_backend.h"
#include "inference_worker.h"
#include "llm/model.h"
#include "local_server.h"
#include "server/slot_pool.h"

namespace vkchat::gui {

// The local engine as the worker's backend: the model file loaded on the device and its chat
// session (loading is the worker's: load(), startSession()), and the server that serves the
// same model when the switch is on (local_server.h).
struct InferenceWorker::Engine : InferenceBackend {
  // The device's turns: the session holds them while it computes, the served slot too.
  server::TurnLock turns;
  // Declared in destruction order: the server and the session before the model they run on.
  std::unique_ptr<llm::Model> model;
  std::unique_ptr<chat::ChatSession> session;
  std::unique_ptr<LocalServer> served;  // while the switch is on (not `server`: the namespace)
  QString path;                         // the loaded model's file

  ~Engine() override {
    served.reset();
    session.reset();
  }

  GenerationResult generate(const GenerationRequest& request, AnswerSink& sink) override;
  std::optional<ContextMeasure> measure(const GenerationRequest& request) override;
};

}  // namespace vkchat::gui
