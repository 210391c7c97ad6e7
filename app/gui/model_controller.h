// The controller's model part: opening a model (a file, a recent one, vkchat --model), its
// context size (remembered per model), load progress and cancel, the recent models and the
// device; and connecting to a model on a server (the servers connected to before are kept in the
// store's settings, their keys by the worker). The worker loads or connects; this part asks it
// (loadModelRequested, connectRemoteRequested) and shows what it answers. The model that was
// loaded stays usable until the new one is ready.
#pragma once
#include <QObject>
#include <QStringList>
#include <QUrl>
#include <functional>
#include <optional>

#include "controller_state.h"
#include "inference_types.h"
#include "model_hasher.h"
#include "model_state.h"

namespace vkchat::gui {

class ModelController : public QObject {
  Q_OBJECT

 public:
  // What this part needs from the chat part.
  struct Links {
    std::function<void()> stopAnswer;         // a load ends the answer being written
    std::function<void()> updateSendBlocked;  // loading or loaded changes what the composer may do
    std::function<void(int contextLength)> modelShown;  // the context meter starts over
    std::function<void()> remeasure;  // the branch on screen fills the new context differently
  };

  ModelController(ControllerState& state, ui::ModelState& model, QObject* parent = nullptr);
  void setLinks(Links links) { links_ = std::move(links); }

  // The model answers are written with; null while none is ready (or one is loading).
  const LoadedModel* loaded() const { return loaded_ ? &*loaded_ : nullptr; }
  bool loading() const { return loadRequestId_ != 0; }

  void openModel(const QString& path);
  // A model on a server; keyGiven false: the key kept for the URL.
  void connectRemote(const QString& url, const QString& apiKey, const QString& model,
                     bool keyGiven);
  // The store opened, or failed to: a model opened before then (vkchat --model) loads now.
  void onStoreOpened();
  void onStoreFailed();
  void refreshRecent();

  // From the worker.
  void onLoadProgress(qint64 requestId, double fraction);
  void onModelLoaded(qint64 requestId, const LoadedModel& model);
  void onLoadFailed(qint64 requestId, const QString& reason);
  void onModelReleased();
  void onDeviceFound(const QString& name, const QString& problem);
  void onRemoteModelsListed(qint64 requestId, const QStringList& models, const QString& error);

  // How long a server may pause in an answer before it counts as gone (tests shorten it).
  void setRemoteReadTimeout(int seconds) { remoteReadTimeout_ = seconds; }

 signals:
  void hashRequested(qint64 requestId, const QString& path);
  void loadModelRequested(qint64 requestId, const QString& path, int contextSize);
  void cancelRequested(qint64 requestId);
  void connectRemoteRequested(qint64 requestId, const vkchat::gui::RemoteConnection& connection);
  void listRemoteModelsRequested(qint64 requestId, const QString& url, const QString& apiKey);

 private:
  void openModelUrl(const QUrl& url);
  void setContextSize(int positions);
  void forgetRecent(const QString& path);
  // Ends what runs and shows `name` loading; returns the id of the load request to send.
  qint64 beginLoad(const QString& name);
  // The servers connected to before, from the store, into the picker; `connected` first.
  void refreshServers(const std::optional<ui::SavedServer>& connected = std::nullopt);
  void forgetServer(const QString& url, const QString& model);
  void onRemoteConnected(const LoadedModel& model);
  // Sends load request `id` for `path` with the model's saved context size (a store read).
  void requestLoad(qint64 id, const QString& path);
  // The loaded model's SHA-256: from the store's cache, else computed by the hasher (and then
  // cached, and filled into the answers written meanwhile).
  void startHash(const QString& path);
  void onHashed(qint64 requestId, const QString& path, qint64 size, qint64 mtimeMs,
                const QString& sha256);

  ControllerState& state_;
  ui::ModelState& model_;
  Links links_;
  QString pendingOpen_;       // a model opened before the store was open
  qint64 loadRequestId_ = 0;  // the load in progress, 0 when none
  std::optional<LoadedModel> loaded_;
  std::optional<LoadedModel> kept_;  // what the worker still holds while a load runs
  qint64 hashRequestId_ = 0;         // the hash being computed, 0 when none
  QString hashPath_;                 // ... of this file
  qint64 listRequestId_ = 0;         // the server's model list asked for, 0 when none
  int remoteReadTimeout_ = 300;
  HasherThread hasher_;  // last: its thread stops before the rest goes
};

}  // namespace vkchat::gui
