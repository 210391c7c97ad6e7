#include "chat_controller.h"

#include <algorithm>

#include "view_mapping.h"

namespace vkchat::gui {
namespace {

std::vector<qint64> ids_of(const std::vector<store::Message>& path) {
  std::vector<qint64> ids;
  ids.reserve(path.size());
  for (const store::Message& m : path) ids.push_back(m.id);
  return ids;
}

// The message of `ids` at which the context begins when the engine rendered from turn
// `firstRendered` (the system prompt, when there is one, is turn 0); 0 when nothing was left out.
qint64 first_in_context(const std::vector<qint64>& ids, int firstRendered, bool hasSystem) {
  const int row = firstRendered - (hasSystem ? 1 : 0);
  return row > 0 && row < static_cast<int>(ids.size()) ? ids[static_cast<std::size_t>(row)] : 0;
}

}  // namespace

ChatController::ChatController(ControllerState& state, ui::ChatViewModel& chat, QObject* parent)
    : QObject(parent), state_(state), chat_(chat) {
  connect(&chat_, &ui::ChatViewModel::sendRequested, this, &ChatController::send);
  connect(&chat_, &ui::ChatViewModel::sendRefused, this,
          [this](const QString& reason) { state_.status.showNotice(reason); });
  connect(&chat_, &ui::ChatViewModel::stopRequested, this, &ChatController::stop);
  connect(&chat_, &ui::ChatViewModel::regenerateRequested, this,
          [this](qint64 id) { regenerate(id, false); });
  connect(&chat_, &ui::ChatViewModel::regenerateSameSeedRequested, this,
          [this](qint64 id) { regenerate(id, true); });
  connect(&chat_, &ui::ChatViewModel::editRequested, this, &ChatController::edit);
  connect(&chat_, &ui::ChatViewModel::switchBranchRequested, this, &ChatController::switchBranch);
  connect(&chat_, &ui::ChatViewModel::branchFromTokenRequested, this,
          &ChatController::branchFromToken);
}

int ChatController::contextLength() const {
  const LoadedModel* loaded = links_.loaded();
  return loaded ? loaded->contextLength : 0;
}

bool ChatController::mayAnswer() const {
  return chat_.canSend() && links_.loaded() != nullptr;
}

// ---- Showing a conversation -------------------------------------------------------------------

void ChatController::selectConversation(qint64 id, qint64 messageId) {
  if (!state_.storeReady) return;
  state_.store.run(
      this,
      [id, messageId](store::ChatStore& s) {
        if (messageId != 0) s.select_branch(messageId);
        return Snapshot{s.conversation(id), s.active_path(id), s.default_chat_settings()};
      },
      [this](Snapshot snapshot) { showConversation(std::move(snapshot)); });
}

void ChatController::reshow() {
  if (state_.currentId != 0) selectConversation(state_.currentId, 0);
}

void ChatController::startNewChat() {
  links_.flushSettings();
  state_.currentId = 0;
  links_.showCurrent(0, {});
  chat_.messages()->clear();
  state_.status.setContext(0, contextLength());
  state_.status.setPrompt(0, 0);
  showContextStart(0);
  links_.showNewChatSettings();
}

void ChatController::showConversation(Snapshot snapshot, bool measure) {
  const store::Conversation& c = snapshot.conversation;
  const bool switched = state_.currentId != c.id;
  links_.showSettings(c, snapshot.defaults, switched);
  state_.currentId = c.id;
  links_.showCurrent(c.id, qstr(c.title));
  QList<ui::MessageItem> items;
  for (const store::Message& m : snapshot.path) {
    ui::MessageItem item = to_item(m);
    if (generation_ && generation_->messageId == m.id) {
      item.streaming = true;
      item.content = generation_->text;
    }
    items.append(std::move(item));
  }
  chat_.messages()->setItems(std::move(items));
  showContextStart(switched ? 0 : firstInContextId_);
  if (switched) {
    state_.status.setContext(snapshot.path.empty() ? 0 : -1, contextLength());
    links_.checkDamage(c.id);
    state_.status.setPrompt(0, 0);
  }
  // How much of the context this branch fills, and what no longer fits, from the engine.
  if (measure && links_.loaded() && !generation_ && !snapshot.path.empty()) {
    GenerationRequest request;
    request.id = state_.newRequestId();
    request.turns = prompt_turns(c, snapshot.path, snapshot.path.size());
    request.sampling = c.settings.sampling;
    measure_ = Measure{request.id, c.id, ids_of(snapshot.path), !c.settings.system_prompt.empty()};
    emit measureContextRequested(request);
  }
}

void ChatController::showContextStart(qint64 firstId) {
  firstInContextId_ = firstId;
  const int row = firstId != 0 ? chat_.messages()->indexOfKey(firstId) : 0;
  chat_.messages()->setFirstInContext(std::max(row, 0));
  state_.status.setContextDropped(std::max(row, 0));
}

void ChatController::onContextMeasured(qint64 requestId, const ContextMeasure& measure) {
  if (requestId != measure_.requestId || measure_.conversationId != state_.currentId ||
      generation_) {
    return;
  }
  state_.status.setContext(measure.promptTokens, contextLength());
  showContextStart(first_in_context(measure_.pathIds, measure.firstRendered, measure_.hasSystem));
}

void ChatController::modelShown(int contextLength) {
  state_.status.setContext(chat_.messages()->rowCount() > 0 ? -1 : 0, contextLength);
}

void ChatController::updateSendBlocked() {
  QString reason;
  if (!state_.storeReady) {
    reason = tr("Chat history is unavailable");
  } else if (state_.readOnly) {
    reason = tr("The chat history is read-only: start a new history to chat");
  } else if (links_.loading()) {
    reason = tr("Loading the model…");
  } else if (!links_.loaded()) {
    reason = tr("Open a model to start chatting (Ctrl+O)");
  }
  chat_.setSendBlockedReason(reason);
}

// ---- Starting an answer -----------------------------------------------------------------------

void ChatController::send(const QString& text) {
  if (!mayAnswer()) return;
  const QString trimmed = text.trimmed();
  if (trimmed.isEmpty()) return;
  links_.flushSettings();
  chat_.setGenerating(true);  // until the answer ends; also blocks a second send meanwhile
  const LoadedModel& model = *links_.loaded();
  state_.store.run(
      this,
      [id = state_.currentId, content = trimmed.toStdString(), settings = links_.settings(),
       preset = links_.preset(), used = links_.nextSampling(),
       model_path = model.path.toStdString(),
       model_hash = (model.sha256.isEmpty() ? model.hash : "sha256:" + model.sha256).toStdString()](
          store::ChatStore& s) {
        std::int64_t conv = id;
        if (conv == 0) {
          conv = s.create_conversation().id;
          // The preset's name, then the panel's values (the preset's, unless edited since).
          if (!preset.empty()) s.set_conversation_preset(conv, preset);
          s.set_conversation_settings(conv, settings);
        }
        s.set_conversation_model(conv, model_path, model_hash);
        s.add_user_message(conv, content);
        s.begin_assistant_message(conv, used);
        return Snapshot{s.conversation(conv), s.active_path(conv), std::nullopt};
      },
      [this, trimmed](Snapshot snapshot) {
        emit chat_.sendSaved(trimmed);  // only now may the composer let the text go
        generate(std::move(snapshot));
      },
      [this](const QString& reason) { startFailed(reason); });
}

void ChatController::regenerate(qint64 assistantMessageId, bool sameSeed) {
  if (!mayAnswer()) return;
  links_.flushSettings();
  chat_.setGenerating(true);
  state_.store.run(
      this,
      [assistantMessageId, sameSeed, next = links_.nextSampling()](store::ChatStore& s) {
        // An answer from before settings were recorded has none to repeat: the panel's then.
        const std::optional<store::SamplingSettings> old =
            sameSeed ? s.message(assistantMessageId).sampling : std::nullopt;
        const store::Message answer = s.regenerate(assistantMessageId, old.value_or(next));
        return Snapshot{s.conversation(answer.conversation_id),
                        s.active_path(answer.conversation_id), std::nullopt};
      },
      [this](Snapshot snapshot) { generate(std::move(snapshot)); },
      [this](const QString& reason) { startFailed(reason); });
}

void ChatController::edit(qint64 userMessageId, const QString& text) {
  if (!mayAnswer()) return;
  const QString trimmed = text.trimmed();
  if (trimmed.isEmpty()) return;
  links_.flushSettings();
  chat_.setGenerating(true);
  state_.store.run(
      this,
      [userMessageId, content = trimmed.toStdString(),
       used = links_.nextSampling()](store::ChatStore& s) {
        const store::Message edited = s.edit_user_message(userMessageId, content);
        s.begin_assistant_message(edited.conversation_id, used);
        return Snapshot{s.conversation(edited.conversation_id),
                        s.active_path(edited.conversation_id), std::nullopt};
      },
      [this](Snapshot snapshot) { generate(std::move(snapshot)); },
      [this](const QString& reason) { startFailed(reason); });
}

void ChatController::generate(Snapshot snapshot, std::vector<store::AnswerToken> given) {
  if (snapshot.path.empty() || snapshot.path.back().role != store::Role::Assistant ||
      !snapshot.path.back().sampling) {
    chat_.setGenerating(false);
    state_.showError(tr("Internal error: no answer to write."));
    return;
  }
  const store::Message& answer = snapshot.path.back();
  GenerationRequest request;
  request.id = state_.newRequestId();
  request.turns = prompt_turns(snapshot.conversation, snapshot.path, snapshot.path.size() - 1);
  request.sampling = *answer.sampling;
  request.enableThinking = snapshot.conversation.settings.enable_thinking;
  request.reasoningEffort = snapshot.conversation.settings.reasoning_effort;
  for (const store::AnswerToken& t : given) request.answerStart.push_back(t.id);
  generation_ = Generation{};
  generation_->given = std::move(given);
  generation_->messageId = answer.id;
  generation_->conversationId = snapshot.conversation.id;
  generation_->requestId = request.id;
  generation_->sinceCheckpoint.start();
  generation_->sinceStart.start();
  generation_->hasSystem = !snapshot.conversation.settings.system_prompt.empty();
  generation_->pathIds = ids_of(snapshot.path);
  generation_->pathIds.pop_back();
  generation_->model = *links_.loaded();  // mayAnswer() held when this answer was asked for
  showConversation(std::move(snapshot));
  links_.refreshList();
  emit generateRequested(request);
}

void ChatController::startFailed(const QString& reason) {
  chat_.setGenerating(false);
  state_.showError(tr("Could not start the answer: %1").arg(reason));
}

void ChatController::stop() {
  if (generation_) emit cancelRequested(generation_->requestId);
}

void ChatController::switchBranch(qint64 messageId, int offset) {
  if (generation_) return;  // the branch on screen is being written
  state_.store.run(
      this,
      [messageId, offset, conv = state_.currentId](store::ChatStore& s) {
        const std::vector<store::Message> siblings = s.siblings(messageId);
        for (std::size_t i = 0; i < siblings.size(); ++i) {
          if (siblings[i].id != messageId) continue;
          const auto target = static_cast<std::ptrdiff_t>(i) + offset;
          if (target >= 0 && target < static_cast<std::ptrdiff_t>(siblings.size())) {
            s.select_branch(siblings[static_cast<std::size_t>(target)].id);
          }
          break;
        }
        return Snapshot{s.conversation(conv), s.active_path(conv), std::nullopt};
      },
      [this](Snapshot snapshot) { showConversation(std::move(snapshot)); });
}

// ---- The answer as it streams -----------------------------------------------------------------

void ChatController::onPrefillProgress(qint64 requestId, int done, int total) {
  if (!generation_ || requestId != generation_->requestId) return;
  state_.status.setPrefill(done, total);
  if (generation_->conversationId == state_.currentId) {
    chat_.messages()->setDetails(generation_->messageId, state_.status.prefillText());
  }
}

void ChatController::onTokens(qint64 requestId, const QString& text, int tokenCount) {
  if (!generation_ || requestId != generation_->requestId) return;
  generation_->text += text;
  generation_->tokenCount = tokenCount;
  if (generation_->conversationId == state_.currentId) {
    chat_.messages()->appendText(generation_->messageId, text);
  }
  streamed(tokenCount);
}

void ChatController::onReasoning(qint64 requestId, const QString& text, int tokenCount) {
  if (!generation_ || requestId != generation_->requestId) return;
  generation_->reasoning += text;
  generation_->reasoningTokens = tokenCount;
  generation_->tokenCount = tokenCount;
  if (generation_->conversationId == state_.currentId) {
    chat_.messages()->appendReasoning(generation_->messageId, text, tokenCount);
  }
  streamed(tokenCount);
}

void ChatController::streamed(int tokenCount) {
  ui::AppStatus& status = state_.status;
  if (status.prefillDone() >= 0) {
    status.setPrefill(-1, 0);
    if (generation_->conversationId == state_.currentId) {
      chat_.messages()->setDetails(generation_->messageId, {});
    }
  }
  // The speed as it streams: tokens since the first batch over the time since it came. The
  // engine's own numbers replace these when the answer ends.
  const qint64 now = generation_->sinceStart.elapsed();
  if (generation_->firstTokenMs < 0) {
    generation_->firstTokenMs = now;
    generation_->firstTokenCount = tokenCount;
    status.setSpeed(-1, static_cast<double>(now));
  } else if (now - generation_->firstTokenMs >= 250) {
    const double seconds = static_cast<double>(now - generation_->firstTokenMs) / 1000.0;
    status.setSpeed((tokenCount - generation_->firstTokenCount) / seconds,
                    static_cast<double>(generation_->firstTokenMs));
  }
  if (generation_->sinceCheckpoint.elapsed() >= kCheckpointMs) {
    generation_->sinceCheckpoint.restart();
    state_.store.post([id = generation_->messageId, all = generation_->text.toStdString(),
                       tokens = generation_->tokenCount,
                       reasoning = generation_->reasoning.toStdString(),
                       reasoningTokens = generation_->reasoningTokens](store::ChatStore& s) {
      s.checkpoint(id, all, tokens, {reasoning, reasoningTokens, 0});
    });
  }
}

void ChatController::onGenerationFinished(const GenerationResult& result) {
  if (!generation_ || result.id != generation_->requestId) return;
  const Generation done = std::move(*generation_);
  generation_.reset();
  ui::AppStatus& status = state_.status;
  chat_.setGenerating(false);
  if (result.stats.finish_reason == store::FinishReason::Error) {
    state_.showError(tr("The answer failed: %1").arg(result.error));
  }
  status.setPrefill(-1, 0);
  // A rate needs two tokens: after a stop at the first one there is none (a dash, not 0.0).
  const double rate = result.stats.decode_tokens_per_s > 0 ? result.stats.decode_tokens_per_s : -1;
  const double ttft =
      result.stats.time_to_first_token_ms > 0 ? result.stats.time_to_first_token_ms : -1;
  if (rate > 0 || ttft > 0) status.setSpeed(rate, ttft);
  // An answer that failed before any text (the prompt did not fit, a device error) is not kept.
  const bool discard = result.stats.finish_reason == store::FinishReason::Error &&
                       result.text.isEmpty() && result.reasoning.isEmpty();
  if (done.conversationId == state_.currentId && !discard) {
    status.setContext(result.contextUsed, contextLength());
    status.setPrompt(result.promptTokens, result.tokensReused);
    firstInContextId_ = first_in_context(done.pathIds, result.firstRendered, done.hasSystem);
  }
  // The record needs the prompt the model read: an answer stopped before the prompt was read, or
  // one that failed, has none.
  std::optional<store::Provenance> provenance;
  if (!result.prompt.empty()) {
    LoadedModel model = done.model;
    // The hash may have come while the answer was written.
    const LoadedModel* now = links_.loaded();
    if (model.sha256.isEmpty() && now && now->path == model.path) model.sha256 = now->sha256;
    provenance = provenance_of(model, result);
  }
  // A failed answer keeps why, so that it is said again when the conversation is opened later.
  store::GenerationStats stats = result.stats;
  if (stats.finish_reason == store::FinishReason::Error) stats.error = result.error.toStdString();
  state_.store.run(
      this,
      [id = done.messageId, conv = done.conversationId, text = result.text.toStdString(),
       tokens = result.tokenCount, stats = std::move(stats), discard,
       reasoning = result.reasoning.toStdString(), reasoningTokens = result.reasoningTokens,
       reasoningMs = result.reasoningMs, provenance = std::move(provenance),
       answerTokens = answerTokensBlob(done, result)](store::ChatStore& s) {
        if (discard) {
          s.discard_answer(id);
        } else {
          if (!answerTokens.empty()) s.set_answer_tokens(id, answerTokens);
          s.finish_assistant_message(id, text, tokens, stats,
                                     {reasoning, reasoningTokens, reasoningMs}, provenance);
        }
        return Snapshot{s.conversation(conv), s.active_path(conv), std::nullopt};
      },
      [this, discard](Snapshot snapshot) {
        // The finished answer brought its context numbers; a discarded one leaves the branch to
        // be measured again.
        if (snapshot.conversation.id == state_.currentId) {
          showConversation(std::move(snapshot), discard);
        }
        links_.refreshList();
      });
}

void ChatController::flush() {
  if (!generation_) return;
  // The app is closing mid-answer: keep what was written as a stopped answer.
  emit cancelRequested(generation_->requestId);
  store::GenerationStats stats;
  stats.finish_reason = store::FinishReason::Cancelled;
  state_.store.post([id = generation_->messageId, text = generation_->text.toStdString(),
                     tokens = generation_->tokenCount, stats,
                     reasoning = generation_->reasoning.toStdString(),
                     reasoningTokens = generation_->reasoningTokens](store::ChatStore& s) {
    s.finish_assistant_message(id, text, tokens, stats, {reasoning, reasoningTokens, 0});
  });
  generation_.reset();
  chat_.setGenerating(false);
}

}  // namespace vkchat::gui
