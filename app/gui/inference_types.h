// What crosses between the controller (GUI thread) and the InferenceWorker (its own thread):
// plain values, copied through queued signals.
#pragma once
#include <QMetaType>
#include <QString>
#include <optional>
#include <string>
#include <vector>

#include "store/answer_tokens.h"
#include "store/store_types.h"

namespace vkchat::gui {

// One message of the conversation as the model sees it.
struct ChatTurn {
  store::Role role = store::Role::User;
  std::string content;
  std::string reasoning;  // an answer's reasoning: the template decides whether it is rendered
};

// Write the next assistant message after `turns` (system prompt first when there is one).
// `id` names the request in every answer to it; the controller uses the assistant message's id.
// `sampling` holds the seed to use (drawn already when the conversation's seed is random).
struct GenerationRequest {
  qint64 id = 0;
  std::vector<ChatTurn> turns;
  store::SamplingSettings sampling;
  // The conversation's reasoning switches (store::ChatSettings): unset ones are left to the
  // template.
  std::optional<bool> enableThinking;
  std::string reasoningEffort;
  // A branch from a token of an earlier answer: the answer begins with these token ids (fed,
  // not sampled) and goes on from there. Empty: an answer from the start.
  std::vector<std::int32_t> answerStart;
  // Each answer token's alternatives to keep (InferenceWorker::setAlternatives; 0: none). The
  // worker sets it when the request reaches it.
  int alternatives = 0;
};

// The end of a generation, whatever ended it.
struct GenerationResult {
  qint64 id = 0;
  QString text;  // the whole answer (without the reasoning)
  int tokenCount = 0;
  QString reasoning;  // a model that thinks: its reasoning, kept apart
  int reasoningTokens = 0;
  double reasoningMs = 0;
  store::GenerationStats stats;  // finish_reason says why it ended
  int contextUsed = 0;           // tokens in the context after the answer
  int promptTokens = 0;          // the prompt the model read (after any drop)
  int tokensReused = 0;          // of the prompt, found in the KV cache from the last turn
  int firstRendered = 0;  // index in the request's turns of the first one in the context (the
                          // ones before it, after the system prompt, were left out)
  QString error;          // why, when stats.finish_reason is Error
  std::string prompt;     // the prompt the model read, as the template rendered it
  // Every token of the answer with its probability and alternatives (the worker's
  // alternatives > 0; empty otherwise, and for an answer that failed or stopped before it was
  // read). Tokens of the request's answerStart come without probabilities.
  std::vector<store::AnswerToken> answerTokens;
};

// What answering `turns` now would hold in the context (no answer is written).
struct ContextMeasure {
  int promptTokens = 0;
  int firstRendered = 0;  // as GenerationResult::firstRendered
  bool fits = true;
};

// A model on an OpenAI-compatible server, to answer instead of a local file.
struct RemoteConnection {
  QString url;  // the API's base, e.g. http://host:8080/v1
  QString model;
  QString apiKey;                // as typed; with keyGiven false the one kept for the URL is used
  bool keyGiven = false;         // true: use (and keep) apiKey, even an empty one (none needed)
  int readTimeoutSeconds = 300;  // the longest pause in an answer (a long prompt's prefill too)
};

// A model the worker has loaded, or one a server serves (remoteUrl set).
struct LoadedModel {
  QString path;
  QString name;
  QString architecture;
  QString quant;
  QString hash;    // identifies the file's contents for the conversation's record
  QString sha256;  // of the file, once computed in the background (ModelHasher); empty until
  qint64 fileSize = 0;
  qint64 parameters = 0;
  int contextLength = 0;
  int trainedContext = 0;  // the most the model was trained for
  qint64 memoryEstimate = 0;
  qint64 deviceBudget = 0;
  qint64 bytesPerPosition = 0;  // KV cache per context position, for estimates at other sizes
  QString deviceName;
  // Which reasoning switches the model's chat template reads (the settings panel shows those).
  bool hasThinkingSwitch = false;  // enable_thinking
  bool hasEffortSwitch = false;    // reasoning_effort
  // A remote model: the server's URL (path is "<model> @ <url>", name the model's id, deviceName
  // the URL, and the context is the server's business: contextLength 0). Empty: a local file.
  QString remoteUrl;
  QString keyKeptIn;  // where the API key given with the connection was kept, in a sentence
};

}  // namespace vkchat::gui

Q_DECLARE_METATYPE(vkchat::gui::GenerationRequest)
Q_DECLARE_METATYPE(vkchat::gui::GenerationResult)
Q_DECLARE_METATYPE(vkchat::gui::LoadedModel)
Q_DECLARE_METATYPE(vkchat::gui::ContextMeasure)
Q_DECLARE_METATYPE(vkchat::gui::RemoteConnection)
