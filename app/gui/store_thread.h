// The chat store on its own thread, so the GUI thread never waits on SQLite. Jobs run there one
// at a time, in the order they were posted; a job's result comes back to the GUI thread as a
// value. A job that throws StoreError is reported through failed() and its callback is skipped.
#pragma once
#include <QObject>
#include <QPointer>
#include <QString>
#include <QThread>
#include <functional>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>

#include "store/chat_store.h"

namespace vkchat::gui {

class StoreThread : public QObject {
  Q_OBJECT

 public:
  // Starts the thread and opens `path` there; opened() or openFailed() follows.
  explicit StoreThread(const QString& path, QObject* parent = nullptr);
  // Runs every job posted so far, closes the store and joins the thread.
  ~StoreThread() override;

  StoreThread(const StoreThread&) = delete;
  StoreThread& operator=(const StoreThread&) = delete;

  const QString& path() const { return path_; }

  // job(ChatStore&) on the store thread; nothing comes back but an error.
  void post(std::function<void(store::ChatStore&)> job);

  // job(ChatStore&) on the store thread, then done(result) on this object's (the GUI) thread,
  // unless `receiver` is gone by then. When the job throws, fail(reason) runs there instead.
  template <class Job, class Done, class Fail>
  void run(QObject* receiver, Job job, Done done, Fail fail) {
    using Result = std::invoke_result_t<Job&, store::ChatStore&>;
    QPointer<QObject> guard(receiver);
    post([this, guard, job = std::move(job), done = std::move(done),
          fail = std::move(fail)](store::ChatStore& s) mutable {
      try {
        auto result = std::make_shared<Result>(job(s));
        deliver(guard, [result, done = std::move(done)]() mutable { done(std::move(*result)); });
      } catch (const std::exception& e) {
        deliver(guard, [reason = QString::fromStdString(e.what()),
                        fail = std::move(fail)]() mutable { fail(reason); });
      }
    });
  }

  // The same; a failure is reported through failed().
  template <class Job, class Done>
  void run(QObject* receiver, Job job, Done done) {
    run(receiver, std::move(job), std::move(done),
        [this](const QString& reason) { emit failed(reason); });
  }

 signals:
  void opened();
  void openFailed(const QString& reason);
  void failed(const QString& reason);  // a job's StoreError, for people

 private:
  // Runs f on this object's thread if `guard` still lives then.
  template <class F>
  void deliver(QPointer<QObject> guard, F f) {
    QMetaObject::invokeMethod(
        this,
        [guard, f = std::move(f)]() mutable {
          if (guard) f();
        },
        Qt::QueuedConnection);
  }

  QString path_;
  QThread thread_;
  std::unique_ptr<QObject> host_;  // lives on thread_: jobs are queued to it
  std::unique_ptr<std::optional<store::ChatStore>> store_;  // touched only on thread_
};

}  // namespace vkchat::gui
