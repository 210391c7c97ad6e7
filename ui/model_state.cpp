#include "model_state.h"

#include "format.h"

namespace vkchat::ui {

QVariant RecentModelList::data(const QModelIndex& index, int role) const {
  if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) {
    return {};
  }
  const ModelInfo& item = at(index.row());
  switch (role) {
    case Qt::DisplayRole:
    case NameRole: return item.name;
    case PathRole: return item.path;
    case ArchitectureRole: return item.architecture;
    case QuantRole: return item.quant;
    case SizeTextRole: return format_bytes(item.fileSize);
    default: return {};
  }
}

QHash<int, QByteArray> RecentModelList::roleNames() const {
  return {{PathRole, "path"},
          {NameRole, "name"},
          {ArchitectureRole, "architecture"},
          {QuantRole, "quant"},
          {SizeTextRole, "sizeText"}};
}

ModelState::ModelState(QObject* parent)
    : QObject(parent), recent_(this), servers_(this), serving_(this) {
  connect(&recent_, &QAbstractItemModel::rowsInserted, this, &ModelState::recentChanged);
  connect(&recent_, &QAbstractItemModel::rowsRemoved, this, &ModelState::recentChanged);
  connect(&recent_, &QAbstractItemModel::rowsMoved, this, &ModelState::recentChanged);
  connect(&recent_, &QAbstractItemModel::dataChanged, this, &ModelState::recentChanged);
  connect(&recent_, &QAbstractItemModel::modelReset, this, &ModelState::recentChanged);
}

QString ModelState::lastModelName() const {
  return recent_.rowCount() > 0 ? recent_.at(0).name : QString();
}

QString ModelState::lastModelPath() const {
  return recent_.rowCount() > 0 ? recent_.at(0).path : QString();
}

QString ModelState::parametersText() const {
  return info_.parameters > 0 ? format_count(info_.parameters) : QString();
}

QString ModelState::sizeText() const {
  return info_.fileSize > 0 ? format_bytes(info_.fileSize) : QString();
}

QString ModelState::memoryText() const {
  if (info_.memoryEstimate <= 0) return {};
  if (info_.deviceBudget <= 0) return format_bytes(info_.memoryEstimate);
  return tr("%1 of %2").arg(format_bytes(info_.memoryEstimate), format_bytes(info_.deviceBudget));
}

double ModelState::memoryFraction() const {
  if (info_.deviceBudget <= 0) return 0;
  return static_cast<double>(info_.memoryEstimate) / static_cast<double>(info_.deviceBudget);
}

int ModelState::contextMax() const {
  return info_.trainedContext > 0 ? info_.trainedContext : info_.contextLength;
}

qint64 ModelState::memoryFor(int positions) const {
  return info_.memoryEstimate +
         static_cast<qint64>(positions - info_.contextLength) * info_.bytesPerPosition;
}

QString ModelState::memoryTextFor(int positions) const {
  if (info_.memoryEstimate <= 0) return {};
  const QString need = format_bytes(memoryFor(positions));
  return info_.deviceBudget > 0 ? tr("%1 of %2").arg(need, format_bytes(info_.deviceBudget)) : need;
}

bool ModelState::contextFits(int positions) const {
  if (positions < kMinContext || positions > contextMax()) return false;
  return info_.deviceBudget <= 0 || memoryFor(positions) <= info_.deviceBudget;
}

void ModelState::setPhase(Phase phase) {
  if (phase == phase_) return;
  phase_ = phase;
  emit phaseChanged();
}

void ModelState::setLoading(const QString& name) {
  loadingName_ = name;
  setProgress(0);
  if (phase_ == Phase::Loading) {
    emit phaseChanged();  // the name changed
  } else {
    setPhase(Phase::Loading);
  }
}

void ModelState::setProgress(double fraction) {
  fraction = qBound(0.0, fraction, 1.0);
  if (fraction == progress_) return;
  progress_ = fraction;
  emit progressChanged();
}

void ModelState::setHash(const QString& sha256, double progress, const QString& problem) {
  if (sha256 == sha256_ && progress == hashProgress_ && problem == hashProblem_) return;
  sha256_ = sha256;
  hashProgress_ = progress;
  hashProblem_ = problem;
  emit hashChanged();
}

void ModelState::setReady(const ModelInfo& info) {
  if (!(info == info_)) {
    info_ = info;
    emit infoChanged();
  }
  setPhase(Phase::Ready);
}

void ModelState::setEmpty() {
  if (!(info_ == ModelInfo{})) {
    info_ = {};
    emit infoChanged();
  }
  setPhase(Phase::Empty);
}

}  // namespace vkchat::ui
