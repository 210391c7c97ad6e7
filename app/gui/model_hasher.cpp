#include "model_hasher.h"

#include <QCryptographicHash>
#include <QDateTime>
#include <QFile>
#include <QFileInfo>
#include <limits>
#include <stdexcept>

namespace vkchat::gui {

FileStamp file_stamp(const QString& path) {
  const QFileInfo info(path);
  return {info.size(), info.lastModified().toMSecsSinceEpoch()};
}

QString sha256_of_file(const QString& path, const std::function<bool(double)>& progress) {
  QFile file(path);
  if (!file.open(QIODevice::ReadOnly)) {
    throw std::runtime_error("cannot read " + path.toStdString() + ": " +
                             file.errorString().toStdString());
  }
  const qint64 total = file.size();
  QCryptographicHash hash(QCryptographicHash::Sha256);
  // 4 MiB: large enough that the hash, not the calls, is what costs; small enough that a cancel
  // lands at once.
  constexpr qint64 kChunk = qint64{4} << 20;
  QByteArray buffer(kChunk, Qt::Uninitialized);
  qint64 done = 0;
  for (;;) {
    const qint64 n = file.read(buffer.data(), kChunk);
    if (n < 0) {
      throw std::runtime_error("cannot read " + path.toStdString() + ": " +
                               file.errorString().toStdString());
    }
    if (n == 0) break;
    hash.addData(QByteArrayView(buffer.constData(), n));
    done += n;
    if (progress &&
        !progress(total > 0 ? static_cast<double>(done) / static_cast<double>(total) : 1.0)) {
      return {};
    }
  }
  return QString::fromLatin1(hash.result().toHex());
}

void ModelHasher::hash(qint64 requestId, const QString& path) {
  const FileStamp stamp = file_stamp(path);
  int reported = -1;
  try {
    const QString sha = sha256_of_file(path, [&](double fraction) {
      if (cancelled_.load() >= requestId) return false;
      const int percent = static_cast<int>(fraction * 100);
      if (percent != reported) {
        reported = percent;
        emit progress(requestId, fraction);
      }
      return true;
    });
    if (sha.isEmpty()) return;  // cancelled: a newer request or the app closing
    // Rewritten while it was read: the hash is of neither version, so none is reported.
    const FileStamp after = file_stamp(path);
    if (after.size != stamp.size || after.mtimeMs != stamp.mtimeMs) {
      emit failed(requestId, path, tr("%1 changed while it was hashed").arg(path));
      return;
    }
    emit hashed(requestId, path, stamp.size, stamp.mtimeMs, sha);
  } catch (const std::exception& e) {
    emit failed(requestId, path, QString::fromUtf8(e.what()));
  }
}

HasherThread::HasherThread() : hasher_(std::make_unique<ModelHasher>()) {
  thread_.setObjectName(QStringLiteral("vkchat-hasher"));
  hasher_->moveToThread(&thread_);
  thread_.start();
}

HasherThread::~HasherThread() {
  // Every request id is below this one: what runs stops at its next chunk, what is queued at once.
  hasher_->cancel(std::numeric_limits<qint64>::max());
  thread_.quit();
  thread_.wait();
}

}  // namespace vkchat::gui
