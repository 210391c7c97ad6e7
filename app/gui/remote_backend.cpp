#include "remote_backend.h"

#include <QObject>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <utility>

#include "util/errors.h"
#include "view_mapping.h"

namespace vkchat::gui {
namespace {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

double ms_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

store::FinishReason finish_of(const std::string& reason) {
  return reason == "length" ? store::FinishReason::Length : store::FinishReason::Stop;
}

// Why the answer ended, for the message under it and the banner.
QString error_text(const remote::RemoteError& e) {
  switch (e.kind()) {
    case remote::ErrorKind::Unauthorized:
      return QObject::tr("the server refused the API key: %1").arg(QString::fromUtf8(e.what()));
    case remote::ErrorKind::NotFound:
      return QObject::tr("the server does not know this model: %1")
          .arg(QString::fromUtf8(e.what()));
    default: return QString::fromUtf8(e.what());
  }
}

}  // namespace

RemoteBackend::RemoteBackend(remote::Endpoint endpoint, std::string model,
                             const std::atomic<bool>* stop)
    : client_(std::move(endpoint)), model_(std::move(model)), stop_(stop) {}

void RemoteBackend::check() {
  const std::vector<std::string> models = client_.list_models();
  if (std::find(models.begin(), models.end(), model_) != models.end()) return;
  std::string served;
  for (const std::string& m : models) served += (served.empty() ? "" : ", ") + m;
  throw remote::RemoteError(remote::ErrorKind::NotFound,
                            "the server does not serve a model named '" + model_ + "' (" +
                                (served.empty() ? "it lists none" : "it serves " + served) + ")",
                            404);
}

LoadedModel RemoteBackend::describe() const {
  LoadedModel m;
  const QString url = QString::fromStdString(client_.endpoint().url);
  const QString model = QString::fromStdString(model_);
  m.path = remote_model_id(url, model);
  m.name = model;
  m.hash = QStringLiteral("remote:") + url;
  m.deviceName = url;
  m.remoteUrl = url;
  // The server's template reads the switches it knows; the panel offers both.
  m.hasThinkingSwitch = true;
  m.hasEffortSwitch = true;
  return m;
}

json RemoteBackend::request_body(const GenerationRequest& request, const std::string& model,
                                 bool logprobs) {
  json messages = json::array();
  for (const ChatTurn& t : request.turns) {
    json m = {{"role", std::string(store::to_string(t.role))}, {"content", t.content}};
    // Sent back so that the server's template decides whether the next prompt carries it.
    if (!t.reasoning.empty()) m["reasoning_content"] = t.reasoning;
    messages.push_back(std::move(m));
  }
  const store::SamplingSettings& s = request.sampling;
  json body = {{"model", model},
               {"messages", std::move(messages)},
               {"temperature", s.temperature},
               {"top_p", s.top_p},
               {"top_k", s.top_k},
               {"min_p", s.min_p},
               {"repeat_penalty", s.repeat_penalty},
               {"max_tokens", s.max_tokens},
               {"seed", s.seed}};
  if (logprobs) {
    body["logprobs"] = true;
    body["top_logprobs"] = kTopLogprobs;
  }
  // llama-server and vLLM take template switches as chat_template_kwargs; reasoning_effort is
  // OpenAI's own field.
  if (request.enableThinking) {
    body["chat_template_kwargs"] = {{"enable_thinking", *request.enableThinking}};
  }
  if (!request.reasoningEffort.empty()) body["reasoning_effort"] = request.reasoningEffort;
  return body;
}

GenerationResult RemoteBackend::generate(const GenerationRequest& request, AnswerSink& sink) {
  GenerationResult result;
  if (!request.answerStart.empty()) {
    // The OpenAI API cannot begin an answer with given tokens: a branch from a token is the
    // local engine's.
    result.id = request.id;
    result.stats.finish_reason = store::FinishReason::Error;
    result.error =
        QObject::tr("A branch from a token needs a local model; this one is on a server.");
    return result;
  }
  const json sent = request_body(request, model_, !logprobsRefused_);
  // The record of what the server read: the messages as sent (its template renders them).
  result.prompt = sent["messages"].dump();
  const Clock::time_point start = Clock::now();
  std::optional<Clock::time_point> first, last, reasoningStart, answerStart;
  int count = 0;
  int reasoningCount = 0;
  // The server's token probabilities as the answer's tokens (the window's token view): its
  // tokens' text and probabilities, with no ids (the OpenAI API sends none), so they show and
  // tint but cannot start a branch.
  std::vector<store::AnswerToken> answerTokens;
  const auto keep_tokens = [&](const remote::Delta& d) {
    if (request.alternatives <= 0) return;
    const auto k = static_cast<std::size_t>(request.alternatives);
    for (const remote::TokenLogprob& lp : d.logprobs) {
      store::AnswerToken t;
      t.p = std::exp(lp.logprob);
      t.text = lp.token;
      t.reasoning = !d.reasoning.empty();
      for (const auto& [text, logprob] : lp.top) {
        if (t.alternatives.size() == k) break;
        t.alternatives.push_back({0, std::exp(logprob), text});
      }
      answerTokens.push_back(std::move(t));
    }
  };
  const auto on_delta = [&](const remote::Delta& d) {
    if (stop_ && stop_->load()) throw Cancelled("stopped");
    const Clock::time_point now = Clock::now();
    if (!first) first = now;
    last = now;
    keep_tokens(d);
    // One token a chunk (llama-server, vkchat serve, vLLM); the probabilities count exactly.
    const int tokens = d.logprobs.empty() ? 1 : static_cast<int>(d.logprobs.size());
    if (!d.reasoning.empty()) {
      if (!reasoningStart) reasoningStart = now;
      count += tokens;
      reasoningCount = count;
      sink.piece(d.reasoning, true, count);
    }
    if (!d.content.empty()) {
      if (!answerStart) answerStart = now;
      if (d.reasoning.empty()) count += tokens;
      sink.piece(d.content, false, count);
    }
  };
  const auto stopped = [&](store::FinishReason reason, QString error) {
    sink.keepStreamed(result);
    result.answerTokens = answerTokens;
    result.stats.finish_reason = reason;
    result.error = std::move(error);
    if (first) result.stats.time_to_first_token_ms = ms_between(start, *first);
    return result;
  };
  remote::StreamEnd end;
  try {
    if (stop_ && stop_->load()) throw Cancelled("stopped");
    try {
      end = client_.stream_chat(sent, on_delta);
    } catch (const remote::RemoteError& e) {
      // Servers without token probabilities (some refuse the fields): once more without them.
      if (e.status() != 400 || logprobsRefused_ || count > 0 ||
          std::string(e.what()).find("logprobs") == std::string::npos) {
        throw;
      }
      logprobsRefused_ = true;
      end = client_.stream_chat(request_body(request, model_, false), on_delta);
    }
  } catch (const Cancelled&) {
    return stopped(store::FinishReason::Cancelled, {});
  } catch (const remote::RemoteError& e) {
    if (e.kind() == remote::ErrorKind::Cancelled) {
      return stopped(store::FinishReason::Cancelled, {});
    }
    return stopped(store::FinishReason::Error, error_text(e));
  }
  sink.keepStreamed(result);
  result.answerTokens = std::move(answerTokens);
  result.stats.finish_reason = finish_of(end.finish_reason);
  if (end.completion_tokens > 0) result.tokenCount = end.completion_tokens;
  result.reasoningTokens = reasoningCount;
  if (reasoningStart) {
    result.reasoningMs = ms_between(*reasoningStart, answerStart.value_or(*last));
  }
  if (first) {
    const double ttft = ms_between(start, *first);
    result.stats.time_to_first_token_ms = ttft;
    const double decodeMs = ms_between(*first, *last);
    if (count > 1 && decodeMs > 0)
      result.stats.decode_tokens_per_s = (count - 1) * 1000.0 / decodeMs;
    if (end.prompt_tokens > 0 && ttft > 0) {
      result.stats.prefill_tokens_per_s = end.prompt_tokens * 1000.0 / ttft;
    }
  }
  if (end.prompt_tokens > 0) {
    result.promptTokens = end.prompt_tokens;
    result.contextUsed = end.prompt_tokens + std::max(result.tokenCount, 0);
  }
  return result;
}

}  // namespace vkchat::gui
