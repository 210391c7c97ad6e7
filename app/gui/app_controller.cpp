#include "app_controller.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QRandomGenerator>
#include <QUrl>
#include <algorithm>

#include "format.h"
#include "sampler/sampler.h"
#include "store/date_groups.h"

namespace vkchat::gui {
namespace {

QString qstr(const std::string& s) {
  return QString::fromStdString(s);
}

ui::SettingsValues to_values(const store::ChatSettings& s) {
  ui::SettingsValues v;
  v.temperature = s.sampling.temperature;
  v.topP = s.sampling.top_p;
  v.topK = s.sampling.top_k;
  v.minP = s.sampling.min_p;
  v.repeatPenalty = s.sampling.repeat_penalty;
  v.maxTokens = s.sampling.max_tokens;
  v.randomSeed = s.sampling.seed_mode == store::SeedMode::Random;
  v.seed = static_cast<qint64>(s.sampling.seed);
  v.systemPrompt = qstr(s.system_prompt);
  return v;
}

store::ChatSettings to_store(const ui::SettingsValues& v) {
  store::ChatSettings s;
  s.sampling.temperature = v.temperature;
  s.sampling.top_p = v.topP;
  s.sampling.top_k = v.topK;
  s.sampling.min_p = v.minP;
  s.sampling.repeat_penalty = v.repeatPenalty;
  s.sampling.max_tokens = v.maxTokens;
  s.sampling.seed_mode = v.randomSeed ? store::SeedMode::Random : store::SeedMode::Fixed;
  s.sampling.seed = static_cast<std::uint64_t>(v.seed);
  s.system_prompt = v.systemPrompt.toStdString();
  return s;
}

// The line under an answer: how fast it came and what it was sampled with.
QString answer_details(const store::Message& m) {
  QStringList parts;
  if (m.stats) {
    if (m.stats->decode_tokens_per_s > 0) parts << ui::format_rate(m.stats->decode_tokens_per_s);
    if (m.stats->time_to_first_token_ms > 0) {
      parts << QObject::tr("%1 to first token")
                   .arg(ui::format_millis(m.stats->time_to_first_token_ms));
    }
    switch (m.stats->finish_reason) {
      case store::FinishReason::Stop: break;
      case store::FinishReason::Length: parts << QObject::tr("length limit"); break;
      case store::FinishReason::Cancelled: parts << QObject::tr("stopped"); break;
      case store::FinishReason::Error: parts << QObject::tr("failed"); break;
    }
  }
  if (m.sampling) {
    parts << QObject::tr("temp %1").arg(m.sampling->temperature, 0, 'f', 2)
          << QObject::tr("top-p %1").arg(m.sampling->top_p, 0, 'f', 2)
          << QObject::tr("seed %1").arg(m.sampling->seed);
  }
  return parts.join(QStringLiteral(" · "));
}

ui::MessageItem to_item(const store::Message& m) {
  ui::MessageItem item;
  item.id = m.id;
  item.role = qstr(std::string(store::to_string(m.role)));
  item.content = qstr(m.content);
  item.complete = m.complete;
  item.siblingIndex = m.sibling_index;
  item.siblingCount = m.sibling_count;
  item.details = m.role == store::Role::Assistant ? answer_details(m) : QString();
  return item;
}

ui::ModelInfo to_info(const store::RecentModel& m) {
  ui::ModelInfo info;
  info.path = qstr(m.path);
  info.name = qstr(m.name);
  info.architecture = qstr(m.architecture);
  info.quant = qstr(m.quant);
  info.fileSize = m.size_bytes;
  return info;
}

ui::ModelInfo to_info(const LoadedModel& m) {
  ui::ModelInfo info;
  info.path = m.path;
  info.name = m.name;
  info.architecture = m.architecture;
  info.quant = m.quant;
  info.fileSize = m.fileSize;
  info.parameters = m.parameters;
  info.contextLength = m.contextLength;
  info.trainedContext = m.trainedContext;
  info.memoryEstimate = m.memoryEstimate;
  info.deviceBudget = m.deviceBudget;
  info.bytesPerPosition = m.bytesPerPosition;
  info.deviceName = m.deviceName;
  return info;
}

// The turns the model reads: the system prompt, then the first `count` messages of the path (for
// an answer being written: all but that answer, the path's last message).
std::vector<ChatTurn> prompt_turns(const store::Conversation& c,
                                   const std::vector<store::Message>& path, std::size_t count) {
  std::vector<ChatTurn> turns;
  if (!c.settings.system_prompt.empty()) {
    turns.push_back({store::Role::System, c.settings.system_prompt});
  }
  for (std::size_t i = 0; i < count && i < path.size(); ++i) {
    turns.push_back({path[i].role, path[i].content});
  }
  return turns;
}

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

// The settings key of a model's context size.
std::string context_key(const QString& path) {
  return "model_context:" + path.toStdString();
}

}  // namespace

AppController::AppController(StoreThread& store, QObject* parent) : QObject(parent), store_(store) {
  qRegisterMetaType<GenerationRequest>();
  qRegisterMetaType<GenerationResult>();
  qRegisterMetaType<LoadedModel>();
  qRegisterMetaType<ContextMeasure>();

  searchDebounce_.setSingleShot(true);
  searchDebounce_.setInterval(150);
  connect(&searchDebounce_, &QTimer::timeout, this, [this] { refreshList(); });
  settingsDebounce_.setSingleShot(true);
  settingsDebounce_.setInterval(300);
  connect(&settingsDebounce_, &QTimer::timeout, this, &AppController::persistSettings);
  undoTimer_.setSingleShot(true);
  undoTimer_.setInterval(kUndoMs);
  connect(&undoTimer_, &QTimer::timeout, this,
          [this] { conversations_.setUndoNoticeVisible(false); });

  connect(&store_, &StoreThread::opened, this, [this] {
    storeReady_ = true;
    if (!pendingOpen_.isEmpty() && loadRequestId_ != 0) requestLoad(loadRequestId_, pendingOpen_);
    pendingOpen_.clear();
    conversations_.setAvailable(true);
    updateSendBlocked();
    refreshList();
    refreshRecent();
    // Start on the most recent conversation, with its persisted settings.
    store_.run(
        this,
        [](store::ChatStore& s) {
          auto list = s.list_conversations();
          return list.empty() ? qint64{0} : qint64{list.front().id};
        },
        [this](qint64 id) {
          if (id != 0) {
            selectConversation(id, 0);
          } else {
            startNewChat();
          }
        });
  });
  connect(&store_, &StoreThread::openFailed, this, [this](const QString& reason) {
    storeReady_ = false;
    storeFailed_ = true;
    if (!pendingOpen_.isEmpty() && loadRequestId_ != 0) {
      emit loadModelRequested(loadRequestId_, pendingOpen_, 0);
    }
    pendingOpen_.clear();
    conversations_.setAvailable(false);
    updateSendBlocked();
    showError(tr("Could not open the chat history %1: %2").arg(store_.path(), reason));
  });
  connect(&store_, &StoreThread::failed, this,
          [this](const QString& reason) { showError(tr("Chat history: %1").arg(reason)); });

  connect(&conversations_, &ui::ConversationsViewModel::newRequested, this,
          &AppController::startNewChat);
  connect(&conversations_, &ui::ConversationsViewModel::selectRequested, this,
          &AppController::selectConversation);
  connect(&conversations_, &ui::ConversationsViewModel::renameRequested, this,
          &AppController::rename);
  connect(&conversations_, &ui::ConversationsViewModel::deleteRequested, this,
          &AppController::remove);
  connect(&conversations_, &ui::ConversationsViewModel::undoDeleteRequested, this,
          &AppController::undoRemove);
  connect(&conversations_, &ui::ConversationsViewModel::searchRequested, this,
          &AppController::search);
  connect(&conversations_, &ui::ConversationsViewModel::exportRequested, this,
          &AppController::exportConversation);

  connect(&chat_, &ui::ChatViewModel::sendRequested, this, &AppController::send);
  connect(&chat_, &ui::ChatViewModel::sendRefused, this,
          [this](const QString& reason) { status_.showNotice(reason); });
  connect(&chat_, &ui::ChatViewModel::stopRequested, this, &AppController::stop);
  connect(&chat_, &ui::ChatViewModel::regenerateRequested, this, &AppController::regenerate);
  connect(&chat_, &ui::ChatViewModel::editRequested, this, &AppController::edit);
  connect(&chat_, &ui::ChatViewModel::switchBranchRequested, this, &AppController::switchBranch);

  connect(&settings_, &ui::GenerationSettings::edited, this, [this] {
    if (currentId_ == 0) return;  // a new chat keeps its settings until its first message
    if (settingsDebounce_.isActive() && settingsConversationId_ != currentId_) persistSettings();
    settingsConversationId_ = currentId_;
    settingsDebounce_.start();
  });
  connect(&settings_, &ui::GenerationSettings::resetToDefaultsRequested, this,
          &AppController::resetSettings);
  connect(&settings_, &ui::GenerationSettings::saveAsDefaultsRequested, this,
          &AppController::saveDefaults);

  connect(&model_, &ui::ModelState::openRequested, this, &AppController::openModelUrl);
  connect(&model_, &ui::ModelState::openPathRequested, this, &AppController::openModel);
  connect(&model_, &ui::ModelState::contextSizeRequested, this, &AppController::setContextSize);
  connect(&model_, &ui::ModelState::cancelLoadRequested, this, [this] {
    if (loadRequestId_ != 0) emit cancelRequested(loadRequestId_);
  });
  connect(&model_, &ui::ModelState::forgetRecentRequested, this, [this](const QString& path) {
    store_.post([p = path.toStdString()](store::ChatStore& s) { s.forget_model(p); });
    refreshRecent();
  });

  connectHistory();
  conversations_.setAvailable(false);
  updateSendBlocked();
}

// ---- Store reads ----------------------------------------------------------------------------

void AppController::refreshList() {
  if (!storeReady_) return;
  const QString text = searchText_.trimmed();
  if (text.isEmpty()) {
    store_.run(
        this, [](store::ChatStore& s) { return s.list_conversations(); },
        [this](std::vector<store::Conversation> list) {
          if (!searchText_.trimmed().isEmpty()) return;  // a search started meanwhile
          const std::int64_t now = store::now_ms();
          QList<ui::ConversationItem> items;
          for (const store::Conversation& c : list) {
            items.append(
                {c.id,
                 qstr(c.title),
                 qstr(std::string(store::date_group_label(store::date_group(c.updated_at, now)))),
                 {},
                 0});
          }
          conversations_.list()->setItems(std::move(items));
        });
    return;
  }
  store_.run(
      this, [q = text.toStdString()](store::ChatStore& s) { return s.search(q); },
      [this, text](std::vector<store::SearchHit> hits) {
        if (searchText_.trimmed() != text) return;  // superseded
        QList<ui::ConversationItem> items;
        for (const store::SearchHit& h : hits) {
          items.append({h.conversation_id, qstr(h.title), tr("Search results"), qstr(h.snippet),
                        h.message_id});
        }
        conversations_.list()->setItems(std::move(items));
      });
}

void AppController::refreshRecent() {
  if (!storeReady_) return;
  store_.run(
      this, [](store::ChatStore& s) { return s.recent_models(); },
      [this](std::vector<store::RecentModel> recent) {
        QList<ui::ModelInfo> items;
        for (const store::RecentModel& m : recent) items.append(to_info(m));
        model_.recent()->setItems(std::move(items));
      });
}

void AppController::showConversation(ChatSnapshot snapshot, bool measure) {
  const store::Conversation& c = snapshot.conversation;
  if (snapshot.defaults) defaults_ = *snapshot.defaults;
  if (settingsDebounce_.isActive() && settingsConversationId_ != c.id) persistSettings();
  const bool switched = currentId_ != c.id;
  currentId_ = c.id;
  conversations_.setCurrent(c.id, qstr(c.title));
  if (switched || !settingsDebounce_.isActive()) {
    settings_.load(to_values(c.settings), to_values(defaults_));
  }
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
    status_.setContext(snapshot.path.empty() ? 0 : -1, loaded_ ? loaded_->contextLength : 0);
    checkDamage(c.id);
    status_.setPrompt(0, 0);
  }
  // How much of the context this branch fills, and what no longer fits, from the engine.
  if (measure && loaded_ && !generation_ && !snapshot.path.empty()) {
    GenerationRequest request;
    request.id = ++nextRequestId_;
    request.turns = prompt_turns(c, snapshot.path, snapshot.path.size());
    request.sampling = c.settings.sampling;
    measureRequestId_ = request.id;
    measureConversationId_ = c.id;
    measurePath_ = ids_of(snapshot.path);
    measureHasSystem_ = !c.settings.system_prompt.empty();
    emit measureContextRequested(request);
  }
}

void AppController::showContextStart(qint64 firstId) {
  firstInContextId_ = firstId;
  const int row = firstId != 0 ? chat_.messages()->indexOfKey(firstId) : 0;
  chat_.messages()->setFirstInContext(std::max(row, 0));
  status_.setContextDropped(std::max(row, 0));
}

void AppController::onContextMeasured(qint64 requestId, const ContextMeasure& measure) {
  if (requestId != measureRequestId_ || measureConversationId_ != currentId_ || generation_) {
    return;
  }
  status_.setContext(measure.promptTokens, loaded_ ? loaded_->contextLength : 0);
  showContextStart(first_in_context(measurePath_, measure.firstRendered, measureHasSystem_));
}

void AppController::selectConversation(qint64 id, qint64 messageId) {
  if (!storeReady_) return;
  store_.run(
      this,
      [id, messageId](store::ChatStore& s) {
        if (messageId != 0) s.select_branch(messageId);
        return ChatSnapshot{s.conversation(id), s.active_path(id), s.default_chat_settings()};
      },
      [this](ChatSnapshot snapshot) { showConversation(std::move(snapshot)); });
}

void AppController::startNewChat() {
  if (settingsDebounce_.isActive()) persistSettings();
  currentId_ = 0;
  conversations_.setCurrent(0, {});
  chat_.messages()->clear();
  status_.setContext(0, loaded_ ? loaded_->contextLength : 0);
  status_.setPrompt(0, 0);
  showContextStart(0);
  if (!storeReady_) return;
  store_.run(
      this, [](store::ChatStore& s) { return s.default_chat_settings(); },
      [this](store::ChatSettings defaults) {
        defaults_ = defaults;
        if (currentId_ == 0) settings_.load(to_values(defaults), to_values(defaults));
      });
}

void AppController::persistSettings() {
  settingsDebounce_.stop();
  if (settingsConversationId_ == 0 || refuseWrite(tr("The settings were not saved"))) return;
  store_.post([id = settingsConversationId_, values = to_store(settings_.values())](
                  store::ChatStore& s) { s.set_conversation_settings(id, values); });
}

void AppController::flush() {
  if (settingsDebounce_.isActive()) persistSettings();
  if (generation_) {
    // The app is closing mid-answer: keep what was written as a stopped answer.
    emit cancelRequested(generationRequestId_);
    store::GenerationStats stats;
    stats.finish_reason = store::FinishReason::Cancelled;
    store_.post([id = generation_->messageId, text = generation_->text.toStdString(),
                 tokens = generation_->tokenCount, stats](store::ChatStore& s) {
      s.finish_assistant_message(id, text, tokens, stats);
    });
    generation_.reset();
    chat_.setGenerating(false);
  }
}

// ---- Conversations ---------------------------------------------------------------------------

void AppController::rename(qint64 id, const QString& title) {
  if (refuseWrite(tr("The conversation was not renamed"))) return;
  store_.post([id, t = title.toStdString()](store::ChatStore& s) { s.rename_conversation(id, t); });
  if (id == currentId_) conversations_.setCurrent(id, title);
  refreshList();
}

void AppController::remove(qint64 id) {
  if (refuseWrite(tr("The conversation was not deleted"))) return;
  if (generation_ && generation_->conversationId == id) stop();
  QString title;
  const int row = conversations_.list()->indexOfKey(id);
  if (row >= 0) title = conversations_.list()->at(row).title;
  store_.post([id](store::ChatStore& s) { s.delete_conversation(id); });
  deleted_.emplace_back(id, title);
  setUndoTop();
  conversations_.setUndoNoticeVisible(true);
  undoTimer_.start();
  if (id == currentId_) startNewChat();
  refreshList();
  refreshTrash();
}

void AppController::undoRemove() {
  if (deleted_.empty()) return;
  const qint64 id = deleted_.back().first;
  undoTimer_.stop();
  conversations_.setUndoNoticeVisible(false);
  restoreFromTrash(id);
}

void AppController::search(const QString& text) {
  searchText_ = text;
  conversations_.setSearchText(text);
  searchDebounce_.start();
}

void AppController::exportConversation(qint64 id, const QString& format, const QUrl& fileUrl) {
  const bool json = format == QLatin1String("json");
  const QString path = exportPath(fileUrl, json ? QStringLiteral("json") : QStringLiteral("md"));
  store_.run(
      this,
      [id, json, path](store::ChatStore& s) {
        const std::string text = json ? s.export_json(id) : s.export_markdown(id);
        QFile file(path);
        if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) ||
            file.write(text.data(), static_cast<qint64>(text.size())) !=
                static_cast<qint64>(text.size())) {
          return file.errorString();
        }
        return QString();
      },
      [this, path](QString error) {
        if (error.isEmpty()) {
          status_.showNotice(tr("Exported to %1").arg(path));
        } else {
          showError(tr("Could not export to %1: %2").arg(path, error));
        }
      });
}

// ---- Settings --------------------------------------------------------------------------------

void AppController::resetSettings() {
  if (refuseWrite(tr("The settings were not reset"))) return;
  store_.run(
      this, [](store::ChatStore& s) { return s.default_chat_settings(); },
      [this](store::ChatSettings defaults) {
        defaults_ = defaults;
        const ui::SettingsValues values = to_values(defaults);
        settings_.load(values, values);
        if (currentId_ != 0) {
          settingsConversationId_ = currentId_;
          persistSettings();
        }
      });
}

void AppController::saveDefaults() {
  if (refuseWrite(tr("The defaults were not saved"))) return;
  const store::ChatSettings values = to_store(settings_.values());
  defaults_ = values;
  settings_.load(settings_.values(), settings_.values());
  store_.post([values](store::ChatStore& s) { s.set_default_chat_settings(values); });
  status_.showNotice(tr("New chats will start with these settings"));
}

store::ChatSettings AppController::currentChatSettings() const {
  return to_store(settings_.values());
}

// The seed is drawn here, not in the engine, so the answer's record names the seed it used.
store::SamplingSettings AppController::samplingForNextAnswer() const {
  store::SamplingSettings used = currentChatSettings().sampling;
  if (used.seed_mode == store::SeedMode::Random) {
    do {
      used.seed = QRandomGenerator::global()->generate();
    } while (used.seed == sampler::kRandomSeed);
  }
  return used;
}

// ---- Chat ------------------------------------------------------------------------------------

void AppController::send(const QString& text) {
  if (!chat_.canSend() || !loaded_) return;
  const QString trimmed = text.trimmed();
  if (trimmed.isEmpty()) return;
  if (settingsDebounce_.isActive()) persistSettings();
  chat_.setGenerating(true);  // until the answer ends; also blocks a second send meanwhile
  store_.run(
      this,
      [id = currentId_, content = trimmed.toStdString(), settings = currentChatSettings(),
       used = samplingForNextAnswer(), model_path = loaded_->path.toStdString(),
       model_hash = loaded_->hash.toStdString()](store::ChatStore& s) {
        std::int64_t conv = id;
        if (conv == 0) {
          conv = s.create_conversation().id;
          s.set_conversation_settings(conv, settings);
        }
        s.set_conversation_model(conv, model_path, model_hash);
        s.add_user_message(conv, content);
        s.begin_assistant_message(conv, used);
        return ChatSnapshot{s.conversation(conv), s.active_path(conv), std::nullopt};
      },
      [this, trimmed](ChatSnapshot snapshot) {
        emit chat_.sendSaved(trimmed);  // only now may the composer let the text go
        generate(std::move(snapshot));
      },
      [this](const QString& reason) { startFailed(reason); });
}

void AppController::regenerate(qint64 assistantMessageId) {
  if (!chat_.canSend() || !loaded_) return;
  if (settingsDebounce_.isActive()) persistSettings();
  chat_.setGenerating(true);
  store_.run(
      this,
      [assistantMessageId, used = samplingForNextAnswer()](store::ChatStore& s) {
        const store::Message answer = s.regenerate(assistantMessageId, used);
        return ChatSnapshot{s.conversation(answer.conversation_id),
                            s.active_path(answer.conversation_id), std::nullopt};
      },
      [this](ChatSnapshot snapshot) { generate(std::move(snapshot)); },
      [this](const QString& reason) { startFailed(reason); });
}

void AppController::edit(qint64 userMessageId, const QString& text) {
  if (!chat_.canSend() || !loaded_) return;
  const QString trimmed = text.trimmed();
  if (trimmed.isEmpty()) return;
  if (settingsDebounce_.isActive()) persistSettings();
  chat_.setGenerating(true);
  store_.run(
      this,
      [userMessageId, content = trimmed.toStdString(),
       used = samplingForNextAnswer()](store::ChatStore& s) {
        const store::Message edited = s.edit_user_message(userMessageId, content);
        s.begin_assistant_message(edited.conversation_id, used);
        return ChatSnapshot{s.conversation(edited.conversation_id),
                            s.active_path(edited.conversation_id), std::nullopt};
      },
      [this](ChatSnapshot snapshot) { generate(std::move(snapshot)); },
      [this](const QString& reason) { startFailed(reason); });
}

void AppController::generate(ChatSnapshot snapshot) {
  if (snapshot.path.empty() || snapshot.path.back().role != store::Role::Assistant ||
      !snapshot.path.back().sampling) {
    chat_.setGenerating(false);
    showError(tr("Internal error: no answer to write."));
    return;
  }
  const store::Message& answer = snapshot.path.back();
  GenerationRequest request;
  request.id = ++nextRequestId_;
  request.turns = prompt_turns(snapshot.conversation, snapshot.path, snapshot.path.size() - 1);
  request.sampling = *answer.sampling;
  generation_ = Generation{};
  generation_->messageId = answer.id;
  generation_->conversationId = snapshot.conversation.id;
  generation_->sinceCheckpoint.start();
  generation_->sinceStart.start();
  generation_->hasSystem = !snapshot.conversation.settings.system_prompt.empty();
  generation_->pathIds = ids_of(snapshot.path);
  generation_->pathIds.pop_back();
  generationRequestId_ = request.id;
  showConversation(std::move(snapshot));
  refreshList();
  emit generateRequested(request);
}

void AppController::stop() {
  if (generation_) emit cancelRequested(generationRequestId_);
}

void AppController::switchBranch(qint64 messageId, int offset) {
  if (generation_) return;  // the branch on screen is being written
  store_.run(
      this,
      [messageId, offset, conv = currentId_](store::ChatStore& s) {
        const std::vector<store::Message> siblings = s.siblings(messageId);
        for (std::size_t i = 0; i < siblings.size(); ++i) {
          if (siblings[i].id != messageId) continue;
          const auto target = static_cast<std::ptrdiff_t>(i) + offset;
          if (target >= 0 && target < static_cast<std::ptrdiff_t>(siblings.size())) {
            s.select_branch(siblings[static_cast<std::size_t>(target)].id);
          }
          break;
        }
        return ChatSnapshot{s.conversation(conv), s.active_path(conv), std::nullopt};
      },
      [this](ChatSnapshot snapshot) { showConversation(std::move(snapshot)); });
}

void AppController::onPrefillProgress(qint64 requestId, int done, int total) {
  if (!generation_ || requestId != generationRequestId_) return;
  status_.setPrefill(done, total);
  if (generation_->conversationId == currentId_) {
    chat_.messages()->setDetails(generation_->messageId, status_.prefillText());
  }
}

void AppController::onTokens(qint64 requestId, const QString& text, int tokenCount) {
  if (!generation_ || requestId != generationRequestId_) return;
  generation_->text += text;
  generation_->tokenCount = tokenCount;
  const bool shown = generation_->conversationId == currentId_;
  if (status_.prefillDone() >= 0) {
    status_.setPrefill(-1, 0);
    if (shown) chat_.messages()->setDetails(generation_->messageId, {});
  }
  if (shown) chat_.messages()->appendText(generation_->messageId, text);
  // The speed as it streams: tokens since the first batch over the time since it came. The
  // engine's own numbers replace these when the answer ends.
  const qint64 now = generation_->sinceStart.elapsed();
  if (generation_->firstTokenMs < 0) {
    generation_->firstTokenMs = now;
    generation_->firstTokenCount = tokenCount;
    status_.setSpeed(-1, static_cast<double>(now));
  } else if (now - generation_->firstTokenMs >= 250) {
    const double seconds = static_cast<double>(now - generation_->firstTokenMs) / 1000.0;
    status_.setSpeed((tokenCount - generation_->firstTokenCount) / seconds,
                     static_cast<double>(generation_->firstTokenMs));
  }
  if (generation_->sinceCheckpoint.elapsed() >= kCheckpointMs) {
    generation_->sinceCheckpoint.restart();
    store_.post(
        [id = generation_->messageId, all = generation_->text.toStdString(),
         tokens = generation_->tokenCount](store::ChatStore& s) { s.checkpoint(id, all, tokens); });
  }
}

void AppController::onGenerationFinished(const GenerationResult& result) {
  if (!generation_ || result.id != generationRequestId_) return;
  const Generation done = std::move(*generation_);
  generation_.reset();
  chat_.setGenerating(false);
  if (result.stats.finish_reason == store::FinishReason::Error) {
    showError(tr("The answer failed: %1").arg(result.error));
  }
  status_.setPrefill(-1, 0);
  // A rate needs two tokens: after a stop at the first one there is none (a dash, not 0.0).
  const double rate = result.stats.decode_tokens_per_s > 0 ? result.stats.decode_tokens_per_s : -1;
  const double ttft =
      result.stats.time_to_first_token_ms > 0 ? result.stats.time_to_first_token_ms : -1;
  if (rate > 0 || ttft > 0) status_.setSpeed(rate, ttft);
  // An answer that failed before any text (the prompt did not fit, a device error) is not kept.
  const bool discard =
      result.stats.finish_reason == store::FinishReason::Error && result.text.isEmpty();
  if (done.conversationId == currentId_ && !discard) {
    status_.setContext(result.contextUsed, loaded_ ? loaded_->contextLength : 0);
    status_.setPrompt(result.promptTokens, result.tokensReused);
    firstInContextId_ = first_in_context(done.pathIds, result.firstRendered, done.hasSystem);
  }
  store_.run(
      this,
      [id = done.messageId, conv = done.conversationId, text = result.text.toStdString(),
       tokens = result.tokenCount, stats = result.stats, discard](store::ChatStore& s) {
        if (discard) {
          s.discard_answer(id);
        } else {
          s.finish_assistant_message(id, text, tokens, stats);
        }
        return ChatSnapshot{s.conversation(conv), s.active_path(conv), std::nullopt};
      },
      [this, discard](ChatSnapshot snapshot) {
        // The finished answer brought its context numbers; a discarded one leaves the branch to
        // be measured again.
        if (snapshot.conversation.id == currentId_) showConversation(std::move(snapshot), discard);
        refreshList();
      });
}

// ---- Model -----------------------------------------------------------------------------------

void AppController::openModelUrl(const QUrl& url) {
  openModel(url.isLocalFile() ? url.toLocalFile() : url.toString());
}

void AppController::openModel(const QString& given) {
  // Absolute, so the recent list and the conversations' record work from any folder.
  const QString path =
      given.isEmpty() ? given : QDir::cleanPath(QFileInfo(given).absoluteFilePath());
  const qint64 id = beginLoad(path);
  if (!storeReady_) {
    if (storeFailed_) {
      emit loadModelRequested(id, path, 0);
    } else {
      pendingOpen_ = path;  // vkchat --model: the saved context size is read once the store opens
    }
    return;
  }
  requestLoad(id, path);
}

void AppController::requestLoad(qint64 id, const QString& path) {
  // With the context size chosen for this model before, if any. A cancel meanwhile reaches the
  // worker first, which then ends the request as soon as it starts.
  auto request = [this, id, path](int contextSize) {
    if (id == loadRequestId_) emit loadModelRequested(id, path, contextSize);
  };
  store_.run(
      this, [key = context_key(path)](store::ChatStore& s) { return s.setting(key); },
      [request](std::optional<std::string> saved) {
        request(saved ? QString::fromStdString(*saved).toInt() : 0);
      },
      [request](const QString&) { request(0); });
}

void AppController::setContextSize(int positions) {
  if (!loaded_ || positions == loaded_->contextLength) return;
  const int most = loaded_->trainedContext > 0 ? loaded_->trainedContext : positions;
  positions = std::clamp(positions, ui::ModelState::kMinContext, std::max(most, 1));
  const QString path = loaded_->path;
  store_.post([key = context_key(path), positions](store::ChatStore& s) {
    s.set_setting(key, std::to_string(positions));
  });
  emit loadModelRequested(beginLoad(path), path, positions);
}

qint64 AppController::beginLoad(const QString& path) {
  if (generation_) stop();
  if (loadRequestId_ != 0) emit cancelRequested(loadRequestId_);
  loadRequestId_ = ++nextRequestId_;
  // The worker keeps the current model until the new one is ready (or it says otherwise).
  if (loaded_) kept_ = loaded_;
  loaded_.reset();
  model_.setLoading(QFileInfo(path).fileName());
  updateSendBlocked();
  return loadRequestId_;
}

void AppController::onLoadProgress(qint64 requestId, double fraction) {
  if (requestId == loadRequestId_) model_.setProgress(fraction);
}

void AppController::onModelLoaded(qint64 requestId, const LoadedModel& model) {
  if (requestId != loadRequestId_) return;
  loadRequestId_ = 0;
  kept_.reset();
  loaded_ = model;
  model_.setReady(to_info(model));
  status_.setDeviceName(model.deviceName);
  status_.setContext(chat_.messages()->rowCount() > 0 ? -1 : 0, model.contextLength);
  updateSendBlocked();
  store::RecentModel recent;
  recent.path = model.path.toStdString();
  recent.name = model.name.toStdString();
  recent.architecture = model.architecture.toStdString();
  recent.size_bytes = model.fileSize;
  recent.quant = model.quant.toStdString();
  if (storeReady_ && !readOnly_) {
    store_.post([recent](store::ChatStore& s) { s.remember_model(recent); });
    refreshRecent();
    // The new model (or context) holds the conversation differently: measure it again.
    if (currentId_ != 0) selectConversation(currentId_, 0);
  }
}

void AppController::onLoadFailed(qint64 requestId, const QString& reason) {
  if (requestId != loadRequestId_) return;
  loadRequestId_ = 0;
  if (kept_) {
    // The model from before is still loaded: back to it.
    loaded_ = std::move(kept_);
    kept_.reset();
    model_.setReady(to_info(*loaded_));
  } else {
    model_.setEmpty();
    status_.setDeviceName({});
  }
  updateSendBlocked();
  if (!reason.isEmpty()) showError(reason);  // empty: the user cancelled
}

void AppController::onModelReleased() {
  kept_.reset();
}

void AppController::onDeviceFound(const QString& name, const QString& problem) {
  status_.setDeviceProbe(name, problem);
}

// ---- Helpers ---------------------------------------------------------------------------------

void AppController::updateSendBlocked() {
  QString reason;
  if (!storeReady_) {
    reason = tr("Chat history is unavailable");
  } else if (readOnly_) {
    reason = tr("The chat history is read-only: start a new history to chat");
  } else if (loadRequestId_ != 0) {
    reason = tr("Loading the model…");
  } else if (!loaded_) {
    reason = tr("Open a model to start chatting (Ctrl+O)");
  }
  chat_.setSendBlockedReason(reason);
}

void AppController::showError(const QString& text) {
  status_.showError(text);
}

void AppController::startFailed(const QString& reason) {
  chat_.setGenerating(false);
  showError(tr("Could not start the answer: %1").arg(reason));
}

}  // namespace vkchat::gui
