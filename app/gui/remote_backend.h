// The inference worker's backend for a model on an OpenAI-compatible server: each answer is one
// streamed POST /chat/completions of the whole branch (the server's prefix cache does the rest),
// with the conversation's sampler settings, reasoning switches and seed as request fields and
// token probabilities asked for (logprobs, top_logprobs) unless the server refuses them. What the
// server said, or why the connection ended, becomes the answer's finish and error; what streamed
// until then is kept.
#pragma once
#include <QString>
#include <atomic>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "inference_backend.h"
#include "remote/openai_client.h"

namespace vkchat::gui {

class RemoteBackend : public InferenceBackend {
 public:
  // How many alternatives per token are asked for.
  static constexpr int kTopLogprobs = 5;

  // stop: the worker's flag for the request that runs (checked at each piece).
  RemoteBackend(remote::Endpoint endpoint, std::string model, const std::atomic<bool>* stop);

  // Connects: the server answers, takes the key and serves the model. Throws RemoteError
  // (NotFound when the model is not among the server's).
  void check();
  // The model as the window shows it.
  LoadedModel describe() const;

  GenerationResult generate(const GenerationRequest& request, AnswerSink& sink) override;
  std::optional<ContextMeasure> measure(const GenerationRequest&) override { return std::nullopt; }
  void abort() override { client_.abort(); }

  // The request body for `request` (the messages, the sampling fields, the switches).
  static nlohmann::json request_body(const GenerationRequest& request, const std::string& model,
                                     bool logprobs);

 private:
  remote::Client client_;
  std::string model_;
  const std::atomic<bool>* stop_;
  bool logprobsRefused_ = false;  // the server answered 400 to them once: asked no more
};

}  // namespace vkchat::gui
