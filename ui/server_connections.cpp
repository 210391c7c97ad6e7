#include "server_connections.h"

namespace vkchat::ui {

QVariant SavedServerList::data(const QModelIndex& index, int role) const {
  if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) {
    return {};
  }
  const SavedServer& item = at(index.row());
  switch (role) {
    case Qt::DisplayRole:
    case ModelRole: return item.model;
    case UrlRole: return item.url;
    default: return {};
  }
}

QHash<int, QByteArray> SavedServerList::roleNames() const {
  // Not "model": a delegate has a `model` of its own.
  return {{UrlRole, "serverUrl"}, {ModelRole, "modelName"}};
}

ServerConnections::ServerConnections(QObject* parent) : QObject(parent), saved_(this) {}

void ServerConnections::setListing() {
  models_.clear();
  problem_.clear();
  listing_ = true;
  emit modelsChanged();
}

void ServerConnections::setModels(const QStringList& models, const QString& problem) {
  models_ = models;
  problem_ = problem;
  listing_ = false;
  emit modelsChanged();
}

}  // namespace vkchat::ui
