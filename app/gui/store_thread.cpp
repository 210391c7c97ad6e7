#include "store_thread.h"

#include <exception>

namespace vkchat::gui {

StoreThread::StoreThread(const QString& path, QObject* parent)
    : QObject(parent),
      path_(path),
      host_(std::make_unique<QObject>()),
      store_(std::make_unique<std::optional<store::ChatStore>>()) {
  thread_.setObjectName(QStringLiteral("vkchat-store"));
  host_->moveToThread(&thread_);
  thread_.start();
  QMetaObject::invokeMethod(
      host_.get(),
      [this, file = path.toStdString()] {
        try {
          store_->emplace(store::ChatStore::open(file));
          // Deleted conversations stay restorable only until the app closes.
          (*store_)->purge_deleted_conversations();
          emit opened();
        } catch (const std::exception& e) {
          store_->reset();
          emit openFailed(QString::fromStdString(e.what()));
        }
      },
      Qt::QueuedConnection);
}

StoreThread::~StoreThread() {
  // Queued behind every job posted so far: they all finish, then the store closes on its thread.
  QMetaObject::invokeMethod(
      host_.get(),
      [this] {
        store_->reset();
        thread_.quit();
      },
      Qt::QueuedConnection);
  thread_.wait();
}

void StoreThread::post(std::function<void(store::ChatStore&)> job) {
  QMetaObject::invokeMethod(
      host_.get(),
      [this, job = std::move(job)] {
        if (!store_->has_value()) {
          emit failed(tr("Chat history is unavailable."));
          return;
        }
        try {
          job(**store_);
        } catch (const std::exception& e) {
          emit failed(QString::fromStdString(e.what()));
        }
      },
      Qt::QueuedConnection);
}

}  // namespace vkchat::gui
