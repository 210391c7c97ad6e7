// The inference worker: owns the engine's model and chat session on a thread of its own. The GUI
// thread asks through queued slots (loadModel, generate) and hears back through signals (load
// progress, the loaded model, batches of tokens at about 30 a second, the finished answer), so
// it never waits on the engine. cancel() is the one direct call: it sets an atomic flag that the
// engine checks between tokens (and between tensors while loading).
#pragma once
#include <QObject>
#include <QString>
#include <QThread>
#include <atomic>
#include <memory>

#include "inference_types.h"

namespace vkchat::gui {

class AppController;

class InferenceWorker : public QObject {
  Q_OBJECT

 public:
  // device: a Vulkan device index, or -1 for the engine's choice (VKCHAT_DEVICE, else the best).
  explicit InferenceWorker(int device);
  ~InferenceWorker() override;

  // Thread-safe. Stops request `requestId` (a load or a generation) at its next check; a request
  // not started yet stops as soon as it starts.
  void cancel(qint64 requestId);
  // Thread-safe. Stops what runs and every request still queued, for the app to close.
  void shutdown();

 public slots:
  // Frees the model and session; the last thing run on the worker's thread.
  void releaseEngine();
  // Drops the current model first (the memory is needed), then loads `path`.
  void loadModel(qint64 requestId, const QString& path);
  void generate(const vkchat::gui::GenerationRequest& request);

 signals:
  void loadProgress(qint64 requestId, double fraction);
  void modelLoaded(qint64 requestId, const vkchat::gui::LoadedModel& model);
  void loadFailed(qint64 requestId, const QString& reason);  // empty reason: cancelled
  void tokens(qint64 requestId, const QString& text, int tokenCount);
  void generationFinished(const vkchat::gui::GenerationResult& result);

 private:
  // Marks `requestId` as the one running and returns the flag the engine checks for it (already
  // set when it was cancelled before it started).
  const std::atomic<bool>* begin(qint64 requestId);

  struct Engine;  // the engine's model and chat session; only the .cpp sees engine types
  std::unique_ptr<Engine> engine_;
  int device_;
  std::atomic<bool> stop_{false};
  std::atomic<qint64> running_{0};
  std::atomic<qint64> cancelled_{0};
  std::atomic<bool> closing_{false};
};

// The worker on its own thread, connected to the controller. Destroying it stops what runs, and
// frees the engine on the worker's thread before joining it.
class WorkerThread {
 public:
  WorkerThread(AppController& controller, int device);
  ~WorkerThread();
  WorkerThread(const WorkerThread&) = delete;
  WorkerThread& operator=(const WorkerThread&) = delete;

  InferenceWorker& worker() { return *worker_; }

 private:
  QThread thread_;
  std::unique_ptr<InferenceWorker> worker_;
};

}  // namespace vkchat::gui
