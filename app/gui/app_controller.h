// Ties the chat store (on its thread), the inference worker (on its thread) and the view-models
// (on the GUI thread). It turns the view-models' intents into store jobs and worker requests, and
// their answers back into view-model state. It never blocks: every store call is a job on the
// store thread and every engine call a queued request to the worker.
//
// The worker side is signals and slots only (connect_worker() wires an InferenceWorker), so the
// controller holds no engine type.
#pragma once
#include <QElapsedTimer>
#include <QObject>
#include <QTimer>
#include <optional>
#include <vector>

#include "app_status.h"
#include "chat_view_model.h"
#include "conversations_view_model.h"
#include "generation_settings.h"
#include "inference_types.h"
#include "model_state.h"
#include "store_thread.h"

namespace vkchat::gui {

class AppController : public QObject {
  Q_OBJECT

 public:
  // How often a streaming answer is saved: often enough that a crash loses under a second.
  static constexpr int kCheckpointMs = 500;
  // How long the "Deleted …  Undo" bar stays; Ctrl+Z and the Trash restore after that too.
  static constexpr int kUndoMs = 10000;

  explicit AppController(StoreThread& store, QObject* parent = nullptr);

  ui::ConversationsViewModel* conversations() { return &conversations_; }
  ui::ChatViewModel* chat() { return &chat_; }
  ui::GenerationSettings* settings() { return &settings_; }
  ui::ModelState* modelState() { return &model_; }
  ui::AppStatus* status() { return &status_; }

  // Loads a model as if the user had opened it (vkchat --model).
  void openModel(const QString& path);
  // Writes what is pending (settings edits, the streaming answer) before the app quits.
  void flush();

 signals:
  // To the worker (queued; cancelRequested is direct and thread-safe: it sets an atomic flag).
  // contextSize: positions of the KV cache, 0 for the model's default.
  void loadModelRequested(qint64 requestId, const QString& path, int contextSize);
  void generateRequested(const vkchat::gui::GenerationRequest& request);
  void measureContextRequested(const vkchat::gui::GenerationRequest& request);
  void cancelRequested(qint64 requestId);

 public slots:
  // From the worker.
  void onLoadProgress(qint64 requestId, double fraction);
  void onModelLoaded(qint64 requestId, const vkchat::gui::LoadedModel& model);
  void onLoadFailed(qint64 requestId, const QString& reason);
  void onTokens(qint64 requestId, const QString& text, int tokenCount);
  void onGenerationFinished(const vkchat::gui::GenerationResult& result);
  void onModelReleased();
  void onDeviceFound(const QString& name, const QString& problem);
  void onPrefillProgress(qint64 requestId, int done, int total);
  void onContextMeasured(qint64 requestId, const vkchat::gui::ContextMeasure& measure);

 private:
  struct Generation {
    qint64 messageId = 0;
    qint64 conversationId = 0;
    QString text;
    int tokenCount = 0;
    QElapsedTimer sinceCheckpoint;
    QElapsedTimer sinceStart;     // from the request, for the live time to first token
    qint64 firstTokenMs = -1;     // sinceStart when the first text came
    int firstTokenCount = 0;      // tokens in that first batch
    bool hasSystem = false;       // the request's turns begin with the system prompt
    std::vector<qint64> pathIds;  // the branch the prompt holds (without the answer)
  };
  // What a store job hands back after it changed the branch on screen.
  struct ChatSnapshot {
    store::Conversation conversation;
    std::vector<store::Message> path;
    std::optional<store::ChatSettings> defaults;
  };

  // Store jobs and what to do with their results.
  void refreshList();
  void refreshRecent();
  // measure: ask the worker how much of the context the branch fills (after a switch or an
  // edit; a finished answer brings its own numbers).
  void showConversation(ChatSnapshot snapshot, bool measure = true);
  void selectConversation(qint64 id, qint64 messageId);
  void startNewChat();
  void persistSettings();

  // Intents.
  void send(const QString& text);
  void stop();
  void regenerate(qint64 assistantMessageId);
  void edit(qint64 userMessageId, const QString& text);
  void switchBranch(qint64 messageId, int offset);
  void rename(qint64 id, const QString& title);
  void remove(qint64 id);
  void undoRemove();

  // The history file's state, the Trash and damaged conversations (store_history in the .cpp).
  void connectHistory();
  void onHistoryOpened(bool readOnly, const QString& reason);
  void refreshTrash();
  void restoreFromTrash(qint64 id);
  void purgeFromTrash(qint64 id);
  void emptyTrash();
  void startNewHistory();
  void checkDamage(qint64 id);
  // True (after saying why) when the history is read-only and `what` would write to it.
  bool refuseWrite(const QString& what);
  // The file an export writes: the dialog's choice as an absolute path, with `suffix` added when
  // the name has none.
  static QString exportPath(const QUrl& chosen, const QString& suffix);
  void setUndoTop();
  void search(const QString& text);
  void exportConversation(qint64 id, const QString& format, const QUrl& fileUrl);
  void resetSettings();
  void saveDefaults();
  void openModelUrl(const QUrl& url);
  void setContextSize(int positions);
  // Ends what runs and shows `path` loading; returns the id of the load request to send.
  qint64 beginLoad(const QString& path);
  // Sends load request `id` for `path` with the model's saved context size (a store read).
  void requestLoad(qint64 id, const QString& path);
  // Where the model's context begins in the branch on screen: the row of the first message in
  // it (0: all are), for the marker, the status line and the next showConversation.
  void showContextStart(qint64 firstId);

  // Starts the answer whose empty message the snapshot's path ends with.
  void generate(ChatSnapshot snapshot);
  store::SamplingSettings samplingForNextAnswer() const;
  store::ChatSettings currentChatSettings() const;
  void updateSendBlocked();
  void showError(const QString& text);
  void startFailed(const QString& reason);  // a store job that was to start an answer failed

  StoreThread& store_;
  ui::ConversationsViewModel conversations_;
  ui::ChatViewModel chat_;
  ui::GenerationSettings settings_;
  ui::ModelState model_;
  ui::AppStatus status_;

  bool storeReady_ = false;
  bool storeFailed_ = false;
  QString pendingOpen_;   // a model opened before the store was open
  qint64 currentId_ = 0;  // 0: a new chat not yet written (created by its first message)
  qint64 nextRequestId_ = 0;
  qint64 loadRequestId_ = 0;  // the load in progress, 0 when none
  std::optional<LoadedModel> loaded_;
  std::optional<LoadedModel> kept_;  // what the worker still holds while a load runs
  qint64 firstInContextId_ = 0;      // the first message in the model's context; 0: all are
  qint64 measureRequestId_ = 0;
  qint64 measureConversationId_ = 0;
  std::vector<qint64> measurePath_;  // the ids of the branch that was measured
  bool measureHasSystem_ = false;
  std::optional<Generation> generation_;
  qint64 generationRequestId_ = 0;
  store::ChatSettings defaults_;
  QString searchText_;
  QTimer searchDebounce_;
  QTimer settingsDebounce_;
  qint64 settingsConversationId_ = 0;  // whose settings the pending edit belongs to
  QTimer undoTimer_;
  bool readOnly_ = false;
  // Conversations deleted in this session, last one last, with their titles: what Ctrl+Z restores.
  std::vector<std::pair<qint64, QString>> deleted_;
  QString lockedError_;  // the banner shown while the history is locked, to clear when it is not
};

}  // namespace vkchat::gui
