// The SHA-256 of a model file, computed on a thread of its own so that a load is never delayed
// by reading gigabytes a second time: the answers written meanwhile get the hash when it comes
// (ChatStore::fill_model_sha256). The model part caches results in the store by path, size and
// modification time, so a file is read for this once.
#pragma once
#include <QObject>
#include <QString>
#include <QThread>
#include <atomic>
#include <functional>
#include <memory>

namespace vkchat::gui {

// The file as it was when hashing began: a different size or mtime afterwards is another file.
struct FileStamp {
  qint64 size = 0;
  qint64 mtimeMs = 0;
};
FileStamp file_stamp(const QString& path);

// Lowercase hex SHA-256 of the file at `path`. `progress` hears the fraction read after each
// chunk and returns false to stop (the result is then empty). Throws std::runtime_error naming
// the file when it cannot be read.
QString sha256_of_file(const QString& path, const std::function<bool(double)>& progress = {});

class ModelHasher : public QObject {
  Q_OBJECT

 public:
  // Thread-safe: request `requestId` stops at its next chunk.
  void cancel(qint64 requestId) { cancelled_.store(requestId); }

 public slots:
  void hash(qint64 requestId, const QString& path);

 signals:
  void progress(qint64 requestId, double fraction);  // at most once per whole percent
  void hashed(qint64 requestId, const QString& path, qint64 size, qint64 mtimeMs,
              const QString& sha256);
  void failed(qint64 requestId, const QString& path, const QString& reason);

 private:
  std::atomic<qint64> cancelled_{0};
};

// The hasher on its own thread; destroying it stops the hash at its next chunk and joins.
class HasherThread {
 public:
  HasherThread();
  ~HasherThread();
  HasherThread(const HasherThread&) = delete;
  HasherThread& operator=(const HasherThread&) = delete;

  ModelHasher& hasher() { return *hasher_; }

 private:
  QThread thread_;
  std::unique_ptr<ModelHasher> hasher_;
};

}  // namespace vkchat::gui
