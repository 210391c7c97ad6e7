// The model: what is loaded (or loading, or why it failed), what it is, whether it fits the
// device, and the recently opened models.
#pragma once
#include <QtQml/qqmlregistration.h>

#include <QObject>
#include <QString>
#include <QUrl>

#include "keyed_list_model.h"
#include "server_connections.h"
#include "serving_state.h"

namespace vkchat::ui {

// What the window shows of a model file, loaded or recent.
struct ModelInfo {
  QString path;
  QString name;
  QString architecture;
  QString quant;        // the file's main weight type ("Q4_K_M", "F32")
  qint64 fileSize = 0;  // bytes
  qint64 parameters = 0;
  int contextLength = 0;        // the context the session runs with
  int trainedContext = 0;       // the most the model was trained for; 0 when unknown
  qint64 memoryEstimate = 0;    // device memory the engine will use, bytes
  qint64 deviceBudget = 0;      // device memory available, bytes; 0 when unknown
  qint64 bytesPerPosition = 0;  // KV cache per context position
  QString deviceName;           // a remote model: the server's URL
  bool remote = false;          // served by a server (ServerConnections), not a file here

  QString key() const { return path; }
  bool operator==(const ModelInfo&) const = default;
};

class RecentModelList : public KeyedListModel<ModelInfo> {
  Q_OBJECT
  QML_ELEMENT
  QML_UNCREATABLE("The app creates the recent-models list")

 public:
  enum Role { PathRole = Qt::UserRole + 1, NameRole, ArchitectureRole, QuantRole, SizeTextRole };
  Q_ENUM(Role)

  using KeyedListModel::KeyedListModel;

  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  QHash<int, QByteArray> roleNames() const override;
};

class ModelState : public QObject {
  Q_OBJECT
  QML_ELEMENT
  QML_UNCREATABLE("The app creates the model's view-model")
  Q_PROPERTY(Phase phase READ phase NOTIFY phaseChanged)
  Q_PROPERTY(double progress READ progress NOTIFY progressChanged)
  Q_PROPERTY(QString loadingName READ loadingName NOTIFY phaseChanged)
  Q_PROPERTY(QString name READ name NOTIFY infoChanged)
  Q_PROPERTY(QString path READ path NOTIFY infoChanged)
  Q_PROPERTY(QString architecture READ architecture NOTIFY infoChanged)
  Q_PROPERTY(QString quant READ quant NOTIFY infoChanged)
  Q_PROPERTY(QString parametersText READ parametersText NOTIFY infoChanged)
  Q_PROPERTY(QString sizeText READ sizeText NOTIFY infoChanged)
  Q_PROPERTY(int contextLength READ contextLength NOTIFY infoChanged)
  Q_PROPERTY(int contextMax READ contextMax NOTIFY infoChanged)
  Q_PROPERTY(QString memoryText READ memoryText NOTIFY infoChanged)
  Q_PROPERTY(double memoryFraction READ memoryFraction NOTIFY infoChanged)
  Q_PROPERTY(QString deviceName READ deviceName NOTIFY infoChanged)
  // The loaded file's SHA-256 (answers record it): empty while it is computed, in the
  // background, with hashProgress going from 0 to 1 (-1: not being computed).
  Q_PROPERTY(QString sha256 READ sha256 NOTIFY hashChanged)
  Q_PROPERTY(double hashProgress READ hashProgress NOTIFY hashChanged)
  // Why the SHA-256 could not be computed (the file went away, a read error); answers then
  // record none. Shown in the model panel, not as a banner: it is no reason to stop chatting.
  Q_PROPERTY(QString hashProblem READ hashProblem NOTIFY hashChanged)
  Q_PROPERTY(RecentModelList* recent READ recent CONSTANT)
  Q_PROPERTY(QString lastModelName READ lastModelName NOTIFY recentChanged)
  Q_PROPERTY(QString lastModelPath READ lastModelPath NOTIFY recentChanged)
  Q_PROPERTY(bool remote READ remote NOTIFY infoChanged)
  Q_PROPERTY(ServerConnections* servers READ servers CONSTANT)
  // The server switch: the loaded model served over OpenAI's API.
  Q_PROPERTY(ServingState* serving READ serving CONSTANT)

 public:
  enum class Phase { Empty, Loading, Ready };
  Q_ENUM(Phase)

  explicit ModelState(QObject* parent = nullptr);

  Phase phase() const { return phase_; }
  double progress() const { return progress_; }
  QString loadingName() const { return loadingName_; }
  const ModelInfo& info() const { return info_; }
  QString name() const { return info_.name; }
  QString path() const { return info_.path; }
  QString architecture() const { return info_.architecture; }
  QString quant() const { return info_.quant; }
  QString parametersText() const;
  QString sizeText() const;
  int contextLength() const { return info_.contextLength; }
  // The largest context the settings offer: what the model was trained for.
  int contextMax() const;
  static constexpr int kMinContext = 256;
  // The estimate for a context of `positions`: "1.2 GiB of 7.8 GiB", and whether it fits.
  Q_INVOKABLE QString memoryTextFor(int positions) const;
  Q_INVOKABLE bool contextFits(int positions) const;
  qint64 memoryFor(int positions) const;
  QString memoryText() const;     // "312 MiB of 7.8 GiB"
  double memoryFraction() const;  // estimate / budget, 0 when the budget is unknown
  QString deviceName() const { return info_.deviceName; }
  QString sha256() const { return sha256_; }
  double hashProgress() const { return hashProgress_; }
  QString hashProblem() const { return hashProblem_; }
  RecentModelList* recent() { return &recent_; }
  bool remote() const { return info_.remote; }
  ServerConnections* servers() { return &servers_; }
  ServingState* serving() { return &serving_; }
  // The model opened last, offered again at start; empty when there is none.
  QString lastModelName() const;
  QString lastModelPath() const;

  // Controller side.
  void setLoading(const QString& name);
  void setProgress(double fraction);
  void setReady(const ModelInfo& info);
  void setEmpty();
  void setHash(const QString& sha256, double progress, const QString& problem = {});

 signals:
  void hashChanged();
  void phaseChanged();
  void progressChanged();
  void infoChanged();
  void recentChanged();

  // Intents, called from QML.
  void openRequested(const QUrl& fileUrl);
  void openPathRequested(const QString& path);  // a recent model
  void cancelLoadRequested();
  // A context of `positions` for the loaded model, kept for it next time.
  void contextSizeRequested(int positions);
  void forgetRecentRequested(const QString& path);

 private:
  void setPhase(Phase phase);

  Phase phase_ = Phase::Empty;
  double progress_ = 0;
  QString loadingName_;
  ModelInfo info_;
  QString sha256_;
  double hashProgress_ = -1;
  QString hashProblem_;
  RecentModelList recent_;
  ServerConnections servers_;
  ServingState serving_;
};

}  // namespace vkchat::ui
