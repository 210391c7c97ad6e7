#include "model_controller.h"

#include <QDir>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <algorithm>
#include <string>

#include "view_mapping.h"

namespace vkchat::gui {
namespace {

// The settings key of a model's context size.
std::string context_key(const QString& path) {
  return "model_context:" + path.toStdString();
}

// The settings key of the servers connected to: a JSON array of {"url", "model"}, most recent
// first. Keys are not in it (SecretStore).
constexpr const char* kServersKey = "remote_servers";
constexpr int kMostServers = 10;

QList<ui::SavedServer> servers_of(const std::optional<std::string>& saved) {
  QList<ui::SavedServer> list;
  if (!saved) return list;
  const QJsonDocument doc = QJsonDocument::fromJson(QByteArray::fromStdString(*saved));
  for (const QJsonValue& v : doc.array()) {
    const QJsonObject o = v.toObject();
    ui::SavedServer s{o.value(QStringLiteral("url")).toString(),
                      o.value(QStringLiteral("model")).toString()};
    if (!s.url.isEmpty() && !s.model.isEmpty() && !list.contains(s)) list.append(s);
  }
  return list;
}

std::string servers_json(const QList<ui::SavedServer>& list) {
  QJsonArray a;
  for (const ui::SavedServer& s : list) {
    a.append(QJsonObject{{QStringLiteral("url"), s.url}, {QStringLiteral("model"), s.model}});
  }
  return QJsonDocument(a).toJson(QJsonDocument::Compact).toStdString();
}

}  // namespace

ModelController::ModelController(ControllerState& state, ui::ModelState& model, QObject* parent)
    : QObject(parent), state_(state), model_(model) {
  connect(&model_, &ui::ModelState::openRequested, this, &ModelController::openModelUrl);
  connect(&model_, &ui::ModelState::openPathRequested, this, &ModelController::openModel);
  connect(&model_, &ui::ModelState::contextSizeRequested, this, &ModelController::setContextSize);
  connect(&model_, &ui::ModelState::cancelLoadRequested, this, [this] {
    if (loadRequestId_ != 0) emit cancelRequested(loadRequestId_);
  });
  connect(&model_, &ui::ModelState::forgetRecentRequested, this, &ModelController::forgetRecent);
  ui::ServerConnections* servers = model_.servers();
  connect(servers, &ui::ServerConnections::connectRequested, this, &ModelController::connectRemote);
  connect(servers, &ui::ServerConnections::forgetRequested, this, &ModelController::forgetServer);
  connect(servers, &ui::ServerConnections::listModelsRequested, this,
          [this](const QString& url, const QString& apiKey) {
            listRequestId_ = state_.newRequestId();
            model_.servers()->setListing();
            emit listRemoteModelsRequested(listRequestId_, url.trimmed(), apiKey);
          });
  ModelHasher* h = &hasher_.hasher();
  connect(this, &ModelController::hashRequested, h, &ModelHasher::hash, Qt::QueuedConnection);
  connect(h, &ModelHasher::progress, this, [this](qint64 id, double fraction) {
    if (id == hashRequestId_) model_.setHash({}, fraction);
  });
  connect(h, &ModelHasher::hashed, this, &ModelController::onHashed);
  connect(h, &ModelHasher::failed, this, [this](qint64 id, const QString&, const QString& reason) {
    if (id != hashRequestId_) return;
    hashRequestId_ = 0;
    model_.setHash({}, -1, reason);
  });
}

void ModelController::startHash(const QString& path) {
  if (hashRequestId_ != 0) hasher_.hasher().cancel(hashRequestId_);
  const qint64 id = state_.newRequestId();
  hashRequestId_ = id;
  hashPath_ = path;
  model_.setHash({}, 0);
  const FileStamp stamp = file_stamp(path);
  auto compute = [this, id, path] {
    if (id == hashRequestId_) emit hashRequested(id, path);
  };
  if (!state_.storeReady) {
    compute();
    return;
  }
  state_.store.run(
      this,
      [p = path.toStdString(), stamp](store::ChatStore& s) {
        return s.cached_model_sha256(p, stamp.size, stamp.mtimeMs);
      },
      [this, id, path, compute](std::optional<std::string> cached) {
        if (!cached) {
          compute();
        } else if (id == hashRequestId_) {
          onHashed(id, path, -1, -1, qstr(*cached));
        }
      },
      [compute](const QString&) { compute(); });
}

void ModelController::onHashed(qint64 requestId, const QString& path, qint64 size, qint64 mtimeMs,
                               const QString& sha256) {
  if (requestId != hashRequestId_) return;
  hashRequestId_ = 0;
  if (loaded_ && loaded_->path == path) loaded_->sha256 = sha256;
  if (kept_ && kept_->path == path) kept_->sha256 = sha256;
  model_.setHash(sha256, 1);
  if (!state_.storeReady || state_.readOnly) return;
  // size < 0: it came from the cache, which holds it already.
  state_.store.post(
      [p = path.toStdString(), size, mtimeMs, sha = sha256.toStdString()](store::ChatStore& s) {
        if (size >= 0) s.remember_model_sha256(p, size, mtimeMs, sha);
        s.fill_model_sha256(p, sha);
      });
}

void ModelController::openModelUrl(const QUrl& url) {
  openModel(url.isLocalFile() ? url.toLocalFile() : url.toString());
}

void ModelController::openModel(const QString& given) {
  // Absolute, so the recent list and the conversations' record work from any folder.
  const QString path =
      given.isEmpty() ? given : QDir::cleanPath(QFileInfo(given).absoluteFilePath());
  const qint64 id = beginLoad(QFileInfo(path).fileName());
  if (!state_.storeReady) {
    if (state_.storeFailed) {
      emit loadModelRequested(id, path, 0);
    } else {
      pendingOpen_ = path;  // vkchat --model: the saved context size is read once the store opens
    }
    return;
  }
  requestLoad(id, path);
}

void ModelController::onStoreOpened() {
  if (!pendingOpen_.isEmpty() && loadRequestId_ != 0) requestLoad(loadRequestId_, pendingOpen_);
  pendingOpen_.clear();
}

void ModelController::onStoreFailed() {
  if (!pendingOpen_.isEmpty() && loadRequestId_ != 0) {
    emit loadModelRequested(loadRequestId_, pendingOpen_, 0);
  }
  pendingOpen_.clear();
}

void ModelController::requestLoad(qint64 id, const QString& path) {
  // With the context size chosen for this model before, if any. A cancel meanwhile reaches the
  // worker first, which then ends the request as soon as it starts.
  auto request = [this, id, path](int contextSize) {
    if (id == loadRequestId_) emit loadModelRequested(id, path, contextSize);
  };
  state_.store.run(
      this, [key = context_key(path)](store::ChatStore& s) { return s.setting(key); },
      [request](std::optional<std::string> saved) {
        request(saved ? QString::fromStdString(*saved).toInt() : 0);
      },
      [request](const QString&) { request(0); });
}

void ModelController::setContextSize(int positions) {
  // A server's context is its own business.
  if (!loaded_ || !loaded_->remoteUrl.isEmpty() || positions == loaded_->contextLength) return;
  const int most = loaded_->trainedContext > 0 ? loaded_->trainedContext : positions;
  positions = std::clamp(positions, ui::ModelState::kMinContext, std::max(most, 1));
  const QString path = loaded_->path;
  state_.store.post([key = context_key(path), positions](store::ChatStore& s) {
    s.set_setting(key, std::to_string(positions));
  });
  emit loadModelRequested(beginLoad(QFileInfo(path).fileName()), path, positions);
}

void ModelController::connectRemote(const QString& url, const QString& apiKey, const QString& model,
                                    bool keyGiven) {
  RemoteConnection connection;
  connection.url = url.trimmed();
  connection.model = model;
  connection.apiKey = apiKey;
  connection.keyGiven = keyGiven;
  connection.readTimeoutSeconds = remoteReadTimeout_;
  emit connectRemoteRequested(beginLoad(remote_model_id(connection.url, model)), connection);
}

void ModelController::onRemoteModelsListed(qint64 requestId, const QStringList& models,
                                           const QString& error) {
  if (requestId != listRequestId_) return;
  listRequestId_ = 0;
  model_.servers()->setModels(models, error);
}

void ModelController::refreshServers(const std::optional<ui::SavedServer>& connected) {
  if (!state_.storeReady) return;
  state_.store.run(
      this,
      [connected, write = !state_.readOnly](store::ChatStore& s) {
        QList<ui::SavedServer> list = servers_of(s.setting(kServersKey));
        if (connected) {
          list.removeAll(*connected);
          list.prepend(*connected);
          while (list.size() > kMostServers) list.removeLast();
          if (write) s.set_setting(kServersKey, servers_json(list));
        }
        return list;
      },
      [this](QList<ui::SavedServer> list) {
        model_.servers()->saved()->setItems(std::move(list));
      });
}

void ModelController::forgetServer(const QString& url, const QString& model) {
  if (!state_.storeReady || state_.readOnly) return;
  state_.store.run(
      this,
      [gone = ui::SavedServer{url, model}](store::ChatStore& s) {
        QList<ui::SavedServer> list = servers_of(s.setting(kServersKey));
        list.removeAll(gone);
        s.set_setting(kServersKey, servers_json(list));
        return list;
      },
      [this](QList<ui::SavedServer> list) {
        model_.servers()->saved()->setItems(std::move(list));
      });
}

qint64 ModelController::beginLoad(const QString& name) {
  links_.stopAnswer();
  if (loadRequestId_ != 0) emit cancelRequested(loadRequestId_);
  loadRequestId_ = state_.newRequestId();
  // The worker keeps the current model until the new one is ready (or it says otherwise).
  if (loaded_) kept_ = loaded_;
  loaded_.reset();
  model_.setLoading(name);
  links_.updateSendBlocked();
  return loadRequestId_;
}

void ModelController::forgetRecent(const QString& path) {
  state_.store.post([p = path.toStdString()](store::ChatStore& s) { s.forget_model(p); });
  refreshRecent();
}

void ModelController::refreshRecent() {
  if (!state_.storeReady) return;
  state_.store.run(
      this, [](store::ChatStore& s) { return s.recent_models(); },
      [this](std::vector<store::RecentModel> recent) {
        QList<ui::ModelInfo> items;
        for (const store::RecentModel& m : recent) items.append(to_info(m));
        model_.recent()->setItems(std::move(items));
      });
  refreshServers();
}

void ModelController::onLoadProgress(qint64 requestId, double fraction) {
  if (requestId == loadRequestId_) model_.setProgress(fraction);
}

void ModelController::onModelLoaded(qint64 requestId, const LoadedModel& model) {
  if (requestId != loadRequestId_) return;
  loadRequestId_ = 0;
  if (!model.remoteUrl.isEmpty()) {
    onRemoteConnected(model);
    return;
  }
  const bool sameFile = kept_ && kept_->path == model.path && !kept_->sha256.isEmpty();
  loaded_ = model;
  if (sameFile) loaded_->sha256 = kept_->sha256;  // a new context for the same file
  kept_.reset();
  model_.setReady(to_info(model));
  // A hash of this file already being computed (a new context meanwhile) goes on.
  if (!sameFile && !(hashRequestId_ != 0 && hashPath_ == model.path)) startHash(model.path);
  state_.status.setDeviceName(model.deviceName);
  links_.modelShown(model.contextLength);
  links_.updateSendBlocked();
  if (state_.storeReady && !state_.readOnly) {
    state_.store.post(
        [recent = to_recent(model)](store::ChatStore& s) { s.remember_model(recent); });
    refreshRecent();
    // The new model (or context) holds the conversation differently: measure it again.
    links_.remeasure();
  }
}

void ModelController::onRemoteConnected(const LoadedModel& model) {
  loaded_ = model;
  kept_.reset();
  // No file to hash: the answers record the server and the model's id.
  if (hashRequestId_ != 0) hasher_.hasher().cancel(hashRequestId_);
  hashRequestId_ = 0;
  model_.setHash({}, -1);
  model_.setReady(to_info(model));
  state_.status.setDeviceName(model.deviceName);
  links_.modelShown(0);
  links_.updateSendBlocked();
  if (!model.keyKeptIn.isEmpty()) {
    state_.status.showNotice(model.keyKeptIn);
  }
  refreshServers(ui::SavedServer{model.remoteUrl, model.name});
  if (state_.storeReady) links_.remeasure();
}

void ModelController::onLoadFailed(qint64 requestId, const QString& reason) {
  if (requestId != loadRequestId_) return;
  loadRequestId_ = 0;
  if (kept_) {
    // The model from before is still loaded: back to it.
    loaded_ = std::move(kept_);
    kept_.reset();
    model_.setReady(to_info(*loaded_));
  } else {
    model_.setEmpty();
    state_.status.setDeviceName({});
  }
  links_.updateSendBlocked();
  if (!reason.isEmpty()) state_.showError(reason);  // empty: the user cancelled
}

void ModelController::onModelReleased() {
  kept_.reset();
}

void ModelController::onDeviceFound(const QString& name, const QString& problem) {
  state_.status.setDeviceProbe(name, problem);
}

}  // namespace vkchat::gui
