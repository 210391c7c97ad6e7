#include "app_controller.h"

namespace vkchat::gui {

AppController::AppController(StoreThread& store, QObject* parent)
    : QObject(parent),
      state_(store, status_),
      conversationsPart_(state_, conversations_),
      settingsPart_(state_, settings_),
      chatPart_(state_, chat_),
      modelPart_(state_, model_),
      servingPart_(state_, *model_.serving()) {
  qRegisterMetaType<GenerationRequest>();
  qRegisterMetaType<GenerationResult>();
  qRegisterMetaType<LoadedModel>();
  qRegisterMetaType<ContextMeasure>();
  qRegisterMetaType<RemoteConnection>();

  link();

  // The worker's side: what the parts ask of it leaves through this object's signals.
  connect(&modelPart_, &ModelController::loadModelRequested, this,
          &AppController::loadModelRequested);
  connect(&modelPart_, &ModelController::cancelRequested, this, &AppController::cancelRequested);
  connect(&modelPart_, &ModelController::connectRemoteRequested, this,
          &AppController::connectRemoteRequested);
  connect(&modelPart_, &ModelController::listRemoteModelsRequested, this,
          &AppController::listRemoteModelsRequested);
  connect(&chatPart_, &ChatController::generateRequested, this, &AppController::generateRequested);
  connect(&chatPart_, &ChatController::measureContextRequested, this,
          &AppController::measureContextRequested);
  connect(&chatPart_, &ChatController::cancelRequested, this, &AppController::cancelRequested);
  connect(&servingPart_, &ServingController::servingRequested, this,
          &AppController::servingRequested);

  connect(&store, &StoreThread::opened, this, &AppController::onStoreOpened);
  connect(&store, &StoreThread::openFailed, this, &AppController::onStoreOpenFailed);
  connect(&store, &StoreThread::failed, this,
          [this](const QString& reason) { state_.showError(tr("Chat history: %1").arg(reason)); });
  chatPart_.updateSendBlocked();
}

void AppController::link() {
  ChatController& chat = chatPart_;
  SettingsController& settings = settingsPart_;
  ConversationsController& conversations = conversationsPart_;
  ModelController& model = modelPart_;

  conversations.setLinks({
      .selectConversation = [&chat](qint64 id,
                                    qint64 messageId) { chat.selectConversation(id, messageId); },
      .startNewChat = [&chat] { chat.startNewChat(); },
      .answeringIn = [&chat](qint64 id) { return chat.answeringIn(id); },
      .stopAnswer = [&chat] { chat.stop(); },
      .updateSendBlocked = [&chat] { chat.updateSendBlocked(); },
  });
  chat.setLinks({
      .loaded = [&model] { return model.loaded(); },
      .loading = [&model] { return model.loading(); },
      .flushSettings = [&settings] { settings.flush(); },
      .settings = [&settings] { return settings.current(); },
      .preset = [&settings] { return settings.preset(); },
      .nextSampling = [&settings] { return settings.forNextAnswer(); },
      .showSettings = [&settings](const store::Conversation& c,
                                  const std::optional<store::ChatSettings>& defaults,
                                  bool switched) { settings.show(c, defaults, switched); },
      .showNewChatSettings = [&settings] { settings.showNewChat(); },
      .showCurrent = [&conversations](
                         qint64 id, const QString& title) { conversations.showCurrent(id, title); },
      .refreshList = [&conversations] { conversations.refreshList(); },
      .checkDamage = [&conversations](qint64 id) { conversations.checkDamage(id); },
  });
  model.setLinks({
      .stopAnswer = [&chat] { chat.stop(); },
      .updateSendBlocked = [&chat] { chat.updateSendBlocked(); },
      .modelShown = [&chat](int contextLength) { chat.modelShown(contextLength); },
      .remeasure = [&chat] { chat.reshow(); },
  });
}

void AppController::onStoreOpened() {
  state_.storeReady = true;
  modelPart_.onStoreOpened();
  conversationsPart_.onStoreOpened();
  chatPart_.updateSendBlocked();
  modelPart_.refreshRecent();
  settingsPart_.refreshPresets();
  servingPart_.onStoreOpened();
  // Start on the most recent conversation, with its persisted settings.
  state_.store.run(
      this,
      [](store::ChatStore& s) {
        auto list = s.list_conversations();
        return list.empty() ? qint64{0} : qint64{list.front().id};
      },
      [this](qint64 id) {
        if (id != 0) {
          chatPart_.selectConversation(id, 0);
        } else {
          chatPart_.startNewChat();
        }
      });
  conversationsPart_.showHistoryState();
}

void AppController::onStoreOpenFailed(const QString& reason) {
  state_.storeReady = false;
  state_.storeFailed = true;
  modelPart_.onStoreFailed();
  conversationsPart_.onStoreOpenFailed(reason);
  chatPart_.updateSendBlocked();
  state_.showError(tr("Could not open the chat history %1: %2").arg(state_.store.path(), reason));
}

void AppController::openModel(const QString& path) {
  modelPart_.openModel(path);
}

void AppController::flush() {
  settingsPart_.flush();
  chatPart_.flush();
}

void AppController::onLoadProgress(qint64 requestId, double fraction) {
  modelPart_.onLoadProgress(requestId, fraction);
}
void AppController::onModelLoaded(qint64 requestId, const LoadedModel& model) {
  modelPart_.onModelLoaded(requestId, model);
  // The settings panel shows the switches this model's template reads.
  settings_.setSwitches(model.hasThinkingSwitch, model.hasEffortSwitch);
}
void AppController::onLoadFailed(qint64 requestId, const QString& reason) {
  modelPart_.onLoadFailed(requestId, reason);
}
void AppController::onModelReleased() {
  modelPart_.onModelReleased();
}
void AppController::onDeviceFound(const QString& name, const QString& problem) {
  modelPart_.onDeviceFound(name, problem);
}
void AppController::onTokens(qint64 requestId, const QString& text, int tokenCount) {
  chatPart_.onTokens(requestId, text, tokenCount);
}
void AppController::onReasoning(qint64 requestId, const QString& text, int tokenCount) {
  chatPart_.onReasoning(requestId, text, tokenCount);
}
void AppController::onGenerationFinished(const GenerationResult& result) {
  chatPart_.onGenerationFinished(result);
}
void AppController::onPrefillProgress(qint64 requestId, int done, int total) {
  chatPart_.onPrefillProgress(requestId, done, total);
}
void AppController::onRemoteModelsListed(qint64 requestId, const QStringList& models,
                                         const QString& error) {
  modelPart_.onRemoteModelsListed(requestId, models, error);
}
void AppController::onContextMeasured(qint64 requestId, const ContextMeasure& measure) {
  chatPart_.onContextMeasured(requestId, measure);
}

void AppController::onServingChanged(const QString& url, bool keyRequired, const QString& problem) {
  servingPart_.onServingChanged(url, keyRequired, problem);
}

}  // namespace vkchat::gui
