#include "store_thread.h"

#include <exception>

#include "store/history_file.h"

namespace vkchat::gui {

namespace {

QString people(const store::StoreError& e) {
  return QString::fromStdString(e.detail());
}

}  // namespace

StoreThread::StoreThread(const QString& path, QObject* parent, int busyTimeoutMs)
    : QObject(parent),
      path_(path),
      busyTimeoutMs_(busyTimeoutMs),
      host_(std::make_unique<QObject>()),
      store_(std::make_unique<std::optional<store::ChatStore>>()) {
  thread_.setObjectName(QStringLiteral("vkchat-store"));
  host_->moveToThread(&thread_);
  thread_.start();
  QMetaObject::invokeMethod(
      host_.get(), [this] { openStore(); }, Qt::QueuedConnection);
}

StoreThread::~StoreThread() {
  closing_ = true;  // a job waiting for another program's lock gives up
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

bool StoreThread::waitForLock(bool& wasLocked, const store::StoreError& e) {
  if (closing_) return false;
  if (!wasLocked) {
    wasLocked = true;
    emit locked(people(e));
  }
  constexpr int kStepMs = 50;
  for (int waited = 0; waited < kRetryMs && !closing_; waited += kStepMs) QThread::msleep(kStepMs);
  return !closing_;
}

// The outcome of an open is emitted on this object's (the GUI) thread, from its event loop: the
// open starts in the constructor, and a signal emitted on the store thread before main() (or a
// test) has connected to it would reach nobody; an event queued now is handled only once the GUI
// thread runs its loop again, after its connections are made.
void StoreThread::announce(std::function<void()> signal) {
  QMetaObject::invokeMethod(this, std::move(signal), Qt::QueuedConnection);
}

void StoreThread::openStore() {
  const std::filesystem::path file = path_.toStdString();
  bool wasLocked = false;
  for (;;) {
    try {
      store_->emplace(store::ChatStore::open(file, busyTimeoutMs_));
      if ((*store_)->read_only()) {
        announce([this, wasLocked, why = tr("the file or its folder is write-protected")] {
          if (wasLocked) emit unlocked();
          emit openedReadOnly(why);
          emit opened();
        });
        return;
      }
      (*store_)->purge_deleted_before(store::now_ms() - store::kTrashKeepMs);
      announce([this, wasLocked] {
        if (wasLocked) emit unlocked();
        emit opened();
      });
      return;
    } catch (const store::StoreError& e) {
      store_->reset();
      if (e.busy() && waitForLock(wasLocked, e)) continue;
      // What cannot be opened for writing may still be read: a damaged file (whose undamaged
      // pages read), a write-protected one, or one in a folder the app cannot write.
      if (!e.busy()) {
        try {
          store_->emplace(store::ChatStore::open_read_only(file, busyTimeoutMs_));
          announce([this, why = people(e)] {
            emit openedReadOnly(why);
            emit opened();
          });
          return;
        } catch (const std::exception&) {
          store_->reset();
        }
      }
      announce([this, why = people(e)] { emit openFailed(why); });
      return;
    } catch (const std::exception& e) {
      store_->reset();
      announce([this, why = QString::fromUtf8(e.what())] { emit openFailed(why); });
      return;
    }
  }
}

void StoreThread::startNewHistory() {
  QMetaObject::invokeMethod(
      host_.get(),
      [this] {
        store_->reset();  // closed: the WAL is folded back and the file can move
        try {
          const std::filesystem::path aside =
              store::move_aside(path_.toStdString(), store::now_ms());
          emit movedAside(QString::fromStdString(aside.string()));
          openStore();
        } catch (const store::StoreError& e) {
          openStore();  // the old history again, as it was; then why it stays
          emit failed(tr("Could not move the history aside: %1").arg(people(e)));
        }
      },
      Qt::QueuedConnection);
}

std::optional<QString> StoreThread::runJob(const Job& job) {
  if (!store_->has_value()) return tr("Chat history is unavailable.");
  bool wasLocked = false;
  for (;;) {
    try {
      (*store_)->atomically([&] { job(**store_); });
      if (wasLocked) emit unlocked();
      return std::nullopt;
    } catch (const store::StoreError& e) {
      // A busy error rolled the whole job back: trying it again cannot do anything twice.
      if (e.busy() && waitForLock(wasLocked, e)) continue;
      if (e.read_only() && (*store_)->read_only()) {
        return tr("the chat history is open read-only, so nothing can be saved");
      }
      return QString::fromUtf8(e.what());
    } catch (const std::exception& e) {
      return QString::fromUtf8(e.what());
    }
  }
}

void StoreThread::enqueue(Job job, std::function<void()> committed,
                          std::function<void(const QString&)> jobFailed) {
  QMetaObject::invokeMethod(
      host_.get(),
      [this, job = std::move(job), committed = std::move(committed),
       jobFailed = std::move(jobFailed)] {
        if (const std::optional<QString> error = runJob(job)) {
          jobFailed(*error);
        } else if (committed) {
          committed();
        }
      },
      Qt::QueuedConnection);
}

void StoreThread::post(Job job) {
  enqueue(std::move(job), {}, [this](const QString& reason) { emit failed(reason); });
}

}  // namespace vkchat::gui
