// Remote models for the model picker: the servers connected to before (a URL and a model there,
// most recent first) and the "Connect to server…" dialog's state (the models a server lists, or
// why it could not be asked). The API keys are not here: the worker keeps them (SecretStore).
#pragma once
#include <QtQml/qqmlregistration.h>

#include <QObject>
#include <QString>
#include <QStringList>

#include "keyed_list_model.h"

namespace vkchat::ui {

// A model on a server, as the picker lists it.
struct SavedServer {
  QString url;  // the API's base, e.g. http://host:8080/v1
  QString model;

  QString key() const { return model + QLatin1Char('\n') + url; }
  bool operator==(const SavedServer&) const = default;
};

class SavedServerList : public KeyedListModel<SavedServer> {
  Q_OBJECT
  QML_ELEMENT
  QML_UNCREATABLE("The app creates the list of servers")

 public:
  enum Role { UrlRole = Qt::UserRole + 1, ModelRole };
  Q_ENUM(Role)

  using KeyedListModel::KeyedListModel;

  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  QHash<int, QByteArray> roleNames() const override;
};

class ServerConnections : public QObject {
  Q_OBJECT
  QML_ELEMENT
  QML_UNCREATABLE("The app creates the server connections' view-model")
  Q_PROPERTY(SavedServerList* saved READ saved CONSTANT)
  // The dialog: the models the server at the URL asked lists, while and after it is asked.
  Q_PROPERTY(QStringList models READ models NOTIFY modelsChanged)
  Q_PROPERTY(QString problem READ problem NOTIFY modelsChanged)  // why there is no list
  Q_PROPERTY(bool listing READ listing NOTIFY modelsChanged)

 public:
  explicit ServerConnections(QObject* parent = nullptr);

  SavedServerList* saved() { return &saved_; }
  QStringList models() const { return models_; }
  QString problem() const { return problem_; }
  bool listing() const { return listing_; }

  // Controller side.
  void setListing();
  void setModels(const QStringList& models, const QString& problem);

 signals:
  void modelsChanged();

  // Intents, called from QML. An empty key in listModelsRequested: the one kept for the URL.
  void listModelsRequested(const QString& url, const QString& apiKey);
  // keyGiven: use (and keep) apiKey, empty too; false: the key kept for the URL.
  void connectRequested(const QString& url, const QString& apiKey, const QString& model,
                        bool keyGiven);
  void forgetRequested(const QString& url, const QString& model);

 private:
  SavedServerList saved_;
  QStringList models_;
  QString problem_;
  bool listing_ = false;
};

}  // namespace vkchat::ui
