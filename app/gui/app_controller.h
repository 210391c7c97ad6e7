// Ties the chat store (on its thread), the inference worker (on its thread) and the view-models
// (on the GUI thread). It never blocks: every store call is a job on the store thread and every
// engine call a queued request to the worker.
//
// The work is done by five parts, one per concern, each a file pair beside this one:
//   ConversationsController  the sidebar, the Trash, the history file's state;
//   SettingsController       the settings panel: per-conversation settings and the defaults;
//   ChatController           the branch on screen and the answers streamed into it;
//   ModelController          loading a model, its context size, the recent models;
//   ServingController        the server switch: the loaded model served over OpenAI's API.
// They share ControllerState (the store, the status line, what is open and on screen); what one
// needs from another is its Links, wired here and nowhere else. Conversions between the store's,
// the view-models' and the engine's types are in view_mapping.h.
//
// This class owns the view-models and the parts, answers the store's open outcome, and is the
// worker's counterpart: signals and slots only (WorkerThread wires an InferenceWorker), so it
// holds no engine type.
#pragma once
#include <QObject>
#include <QStringList>

#include "app_status.h"
#include "chat_controller.h"
#include "chat_view_model.h"
#include "controller_state.h"
#include "conversations_controller.h"
#include "conversations_view_model.h"
#include "generation_settings.h"
#include "inference_types.h"
#include "model_controller.h"
#include "model_state.h"
#include "serving_controller.h"
#include "settings_controller.h"
#include "store_thread.h"

namespace vkchat::gui {

class AppController : public QObject {
  Q_OBJECT

 public:
  static constexpr int kCheckpointMs = ChatController::kCheckpointMs;
  static constexpr int kUndoMs = ConversationsController::kUndoMs;

  explicit AppController(StoreThread& store, QObject* parent = nullptr);

  ui::ConversationsViewModel* conversations() { return &conversations_; }
  ui::ChatViewModel* chat() { return &chat_; }
  ui::GenerationSettings* settings() { return &settings_; }
  ui::ModelState* modelState() { return &model_; }
  ui::AppStatus* status() { return &status_; }

  // Loads a model as if the user had opened it (vkchat --model).
  void openModel(const QString& path);
  // The model part, for what the window has no control for (tests shorten the remote timeout).
  ModelController& modelPart() { return modelPart_; }
  // Writes what is pending (settings edits, the streaming answer) before the app quits.
  void flush();

 signals:
  // To the worker (queued; cancelRequested is direct and thread-safe: it sets an atomic flag).
  // contextSize: positions of the KV cache, 0 for the model's default.
  void loadModelRequested(qint64 requestId, const QString& path, int contextSize);
  void generateRequested(const vkchat::gui::GenerationRequest& request);
  void measureContextRequested(const vkchat::gui::GenerationRequest& request);
  void cancelRequested(qint64 requestId);
  void connectRemoteRequested(qint64 requestId, const vkchat::gui::RemoteConnection& connection);
  void listRemoteModelsRequested(qint64 requestId, const QString& url, const QString& apiKey);
  void servingRequested(bool on, int port, const QString& apiKey, bool keyGiven);

 public slots:
  // From the worker.
  void onLoadProgress(qint64 requestId, double fraction);
  void onModelLoaded(qint64 requestId, const vkchat::gui::LoadedModel& model);
  void onLoadFailed(qint64 requestId, const QString& reason);
  void onTokens(qint64 requestId, const QString& text, int tokenCount);
  void onReasoning(qint64 requestId, const QString& text, int tokenCount);
  void onGenerationFinished(const vkchat::gui::GenerationResult& result);
  void onModelReleased();
  void onDeviceFound(const QString& name, const QString& problem);
  void onPrefillProgress(qint64 requestId, int done, int total);
  void onContextMeasured(qint64 requestId, const vkchat::gui::ContextMeasure& measure);
  void onRemoteModelsListed(qint64 requestId, const QStringList& models, const QString& error);
  void onServingChanged(const QString& url, bool keyRequired, const QString& problem);

 private:
  void link();
  void onStoreOpened();
  void onStoreOpenFailed(const QString& reason);

  // The view-models first: the parts hold references to them.
  ui::ConversationsViewModel conversations_;
  ui::ChatViewModel chat_;
  ui::GenerationSettings settings_;
  ui::ModelState model_;
  ui::AppStatus status_;

  ControllerState state_;
  ConversationsController conversationsPart_;
  SettingsController settingsPart_;
  ChatController chatPart_;
  ModelController modelPart_;
  ServingController servingPart_;
};

}  // namespace vkchat::gui
