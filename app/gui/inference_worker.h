// The inference worker: owns the engine's model and chat session on a thread of its own. The GUI
// thread asks through queued slots (loadModel, generate) and hears back through signals (load
// progress, the loaded model, prefill progress, batches of tokens at about 30 a second, the
// finished answer), so it never waits on the engine. cancel() is the one direct call: it sets an
// atomic flag that the engine checks between tokens, between prefill chunks (sized to take about
// kPrefillChunkSeconds) and between tensors while loading.
//
// A model being loaded replaces the current one only once it is ready: a cancelled or failed
// load leaves the current model (modelReleased() says when it had to go first, for memory).
//
// What answers is an InferenceBackend (inference_backend.h): the local engine, or a model on an
// OpenAI-compatible server (connectRemote, RemoteBackend). Either replaces the other once it is
// ready; the rest of the worker, and the controller, do not tell them apart. API keys given with
// a connection are kept in the SecretStore handed in (none: not kept).
//
// The server switch (setServing): while it is on, the local model is also served over OpenAI's
// API on 127.0.0.1 (LocalServer, one slot beside the window's session, taking turns on the
// device with it). A load stops it and the model loaded afterwards (the new one, or the old one
// when the load failed) is served again on the same port; a remote model is not served.
// servingChanged() says after each change what is served, or why nothing is.
#pragma once
#include <QObject>
#include <QString>
#include <QStringList>
#include <QThread>
#include <atomic>
#include <memory>
#include <mutex>

#include "inference_types.h"

namespace vkchat::gui {

class AppController;
class InferenceBackend;
class RemoteBackend;
class SecretStore;

class InferenceWorker : public QObject {
  Q_OBJECT

 public:
  // How long one prefill chunk may take: a Stop while the prompt is read lands within about this.
  static constexpr double kPrefillChunkSeconds = 0.1;
  // How many alternatives each token of an answer keeps (vkchat --alternatives): the app's one
  // default, and the most (store::kMaxAnswerAlternatives).
  static constexpr int kDefaultAlternatives = 5;
  static constexpr int kMaxAlternatives = 10;

  // device: a Vulkan device index, or -1 for the engine's choice (VKCHAT_DEVICE, else the best).
  // prefillChunkSeconds: see kPrefillChunkSeconds (tests pass less for chunks of the least size).
  // chatTemplateFile: a Jinja template to render with instead of each model's own (vkchat
  // --chat-template-file, as vkchat-cli's flag); empty: the model's.
  // secrets: where API keys of remote servers are kept and found (null: nowhere).
  explicit InferenceWorker(int device, double prefillChunkSeconds = kPrefillChunkSeconds,
                           QString chatTemplateFile = {}, SecretStore* secrets = nullptr);
  ~InferenceWorker() override;

  // Thread-safe. Stops request `requestId` (a load or a generation) at its next check; a request
  // not started yet stops as soon as it starts.
  void cancel(qint64 requestId);
  // Thread-safe. Stops what runs and every request still queued, for the app to close.
  void shutdown();
  // Thread-safe. Alternatives per token (0 .. kMaxAlternatives; 0: none kept) for the answers
  // that start from now on.
  void setAlternatives(int k);

 public slots:
  // Frees the model and session; the last thing run on the worker's thread.
  void releaseEngine();
  // Names the device a model will be loaded on (deviceFound), before any model is.
  void probeDevice();
  // Loads `path` with a context of `contextSize` positions (0: the model's default) and then
  // drops the current model; when both do not fit, the current one is dropped first. The model
  // that is already loaded only gets a new context.
  void loadModel(qint64 requestId, const QString& path, int contextSize);
  // Connects to a model on a server (it must answer, take the key and list the model) and then
  // drops the current model; announced as loads are (modelLoaded with remoteUrl, loadFailed).
  void connectRemote(qint64 requestId, const vkchat::gui::RemoteConnection& connection);
  // The models a server lists (remoteModelsListed); an empty key: the one kept for the URL.
  void listRemoteModels(qint64 requestId, const QString& url, const QString& apiKey);
  void generate(const vkchat::gui::GenerationRequest& request);
  // Renders and tokenizes the request's turns (ending with the user's message) under the context
  // policy, evaluating nothing: contextMeasured.
  void measureContext(const vkchat::gui::GenerationRequest& request);
  // The server switch: on, serve the local model on 127.0.0.1:port (0: a free port) with
  // `apiKey` (empty: none needed); keyGiven false: the key kept from before (in the
  // SecretStore), else `apiKey` is kept for next time.
  void setServing(bool on, int port, const QString& apiKey, bool keyGiven);

 signals:
  void loadProgress(qint64 requestId, double fraction);
  void modelLoaded(qint64 requestId, const vkchat::gui::LoadedModel& model);
  void loadFailed(qint64 requestId, const QString& reason);  // empty reason: cancelled
  void modelReleased();  // the loaded model is gone (a load needed its memory)
  void deviceFound(const QString& name, const QString& problem);  // empty name: none, why
  void prefillProgress(qint64 requestId, int done, int total);
  void tokens(qint64 requestId, const QString& text, int tokenCount);
  // The answer's reasoning as it streams (a model that thinks), in batches as tokens(); its
  // tokens so far.
  void reasoning(qint64 requestId, const QString& text, int tokenCount);
  void generationFinished(const vkchat::gui::GenerationResult& result);
  void contextMeasured(qint64 requestId, const vkchat::gui::ContextMeasure& measure);
  void remoteModelsListed(qint64 requestId, const QStringList& models, const QString& error);
  // What the server switch serves: the URL (empty: nothing), whether it asks for an API key,
  // and why nothing is served (or, with a URL, a note on it); both empty: the switch is off.
  void servingChanged(const QString& url, bool keyRequired, const QString& problem);

 private:
  // Marks `requestId` as the one running and returns the flag the engine checks for it (already
  // set when it was cancelled before it started).
  const std::atomic<bool>* begin(qint64 requestId);
  // Builds the chat session for the loaded model (throws InsufficientMemory) and announces it.
  void startSession(qint64 requestId, const QString& path, int contextSize);
  void load(qint64 requestId, const QString& path, int contextSize);

  // What answers now: the remote backend when connected, else the engine once it has a session.
  InferenceBackend* backend();
  // The API key for `url`: `given`, else the one kept for it.
  std::string keyFor(const QString& url, const QString& given, bool keyGiven);
  // Serves what the switch asks for, given what is loaded now, and says so (servingChanged).
  void applyServing();
  // Stops the server (if it runs) while the model changes; `why` completes "Not serving while".
  void stopServingFor(const QString& why);

  struct Engine;  // the engine's model and chat session; only the .cpp sees engine types
  std::unique_ptr<Engine> engine_;
  std::unique_ptr<RemoteBackend> remote_;  // replaced under backendMutex_ (cancel() reads it)
  std::mutex backendMutex_;
  SecretStore* secrets_;
  int device_;
  double prefillChunkSeconds_;
  QString chatTemplateFile_;
  std::atomic<bool> stop_{false};
  std::atomic<qint64> running_{0};
  std::atomic<qint64> cancelled_{0};
  std::atomic<bool> closing_{false};
  std::atomic<int> alternatives_{kDefaultAlternatives};
  // The server switch, as last set (worker thread only).
  bool serveOn_ = false;
  int servePort_ = 0;
  std::string serveKey_;
  QString serveNote_;  // a note on serving (the key could not be kept)
};

// The worker on its own thread, connected to the controller. Destroying it stops what runs, and
// frees the engine on the worker's thread before joining it.
class WorkerThread {
 public:
  WorkerThread(AppController& controller, int device,
               double prefillChunkSeconds = InferenceWorker::kPrefillChunkSeconds,
               const QString& chatTemplateFile = {}, SecretStore* secrets = nullptr);
  ~WorkerThread();
  WorkerThread(const WorkerThread&) = delete;
  WorkerThread& operator=(const WorkerThread&) = delete;

  InferenceWorker& worker() { return *worker_; }

 private:
  QThread thread_;
  std::unique_ptr<InferenceWorker> worker_;
};

}  // namespace vkchat::gui
