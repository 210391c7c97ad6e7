// The chat store on its own thread, so the GUI thread never waits on SQLite. Jobs run there one
// at a time, in the order they were posted, each as one transaction (all of its writes or none);
// a job's result comes back to the GUI thread as a value once it is committed. A job that throws
// is reported through failed() (or its fail callback) and its done callback is skipped.
//
// A history locked by another program longer than the busy timeout is not a failure: the open or
// the job is tried again every kRetryMs (locked() once, unlocked() when it went through) until
// it works or the thread is closing. A history that cannot be written, or is damaged but
// readable, opens read-only (openedReadOnly); startNewHistory() sets the file aside and starts an
// empty one at its path.
#pragma once
#include <QObject>
#include <QPointer>
#include <QString>
#include <QThread>
#include <atomic>
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
  // How long one try waits for another connection's lock, then how long until the next try.
  static constexpr int kBusyTimeoutMs = 5000;
  static constexpr int kRetryMs = 1000;

  // Starts the thread and opens `path` there; opened(), openedReadOnly() or openFailed() follows.
  explicit StoreThread(const QString& path, QObject* parent = nullptr,
                       int busyTimeoutMs = kBusyTimeoutMs);
  // Runs every job posted so far (a locked history is not waited for any more), closes the
  // store and joins the thread.
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
    auto result = std::make_shared<std::optional<Result>>();
    enqueue(
        [job = std::move(job), result](store::ChatStore& s) mutable { result->emplace(job(s)); },
        [this, guard, result, done = std::move(done)]() mutable {
          deliver(guard, [result, done]() mutable { done(std::move(**result)); });
        },
        [this, guard, fail = std::move(fail)](const QString& reason) mutable {
          deliver(guard, [reason, fail]() mutable { fail(reason); });
        });
  }

  // The same; a failure is reported through failed().
  template <class Job, class Done>
  void run(QObject* receiver, Job job, Done done) {
    run(receiver, std::move(job), std::move(done),
        [this](const QString& reason) { emit failed(reason); });
  }

  // Closes the history, moves its file aside (store/history_file.h: renamed beside itself with
  // the date, never deleted) and opens a new, empty one at the same path: movedAside(newPath),
  // then opened(). When the file cannot be moved, failed() and the old history opens again.
  void startNewHistory();

 signals:
  void opened();  // after every open that worked, read-only ones included
  // Just before opened(): the history is readable but cannot be written; `reason` says why.
  void openedReadOnly(const QString& reason);
  void openFailed(const QString& reason);  // for people; does not repeat the path
  void failed(const QString& reason);      // a job's StoreError, for people
  void locked(const QString& reason);      // another program holds the history's lock
  void unlocked();                         // ... and the open or job waiting for it went through
  void movedAside(const QString& newPath);

 private:
  void announce(std::function<void()> signal);
  using Job = std::function<void(store::ChatStore&)>;
  // Queues `job`; on the store thread it runs in a transaction, retried while the history is
  // locked, then committed() or jobFailed(reason) runs (there).
  void enqueue(Job job, std::function<void()> committed,
               std::function<void(const QString&)> jobFailed);
  // On the store thread. Returns nothing when the job was committed, else why not.
  std::optional<QString> runJob(const Job& job);
  void openStore();
  // On the store thread, after a busy error: says locked() the first time, waits kRetryMs and
  // returns true, or false at once when the thread is closing.
  bool waitForLock(bool& wasLocked, const store::StoreError& e);

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
  int busyTimeoutMs_;
  std::atomic<bool> closing_{false};
  QThread thread_;
  std::unique_ptr<QObject> host_;  // lives on thread_: jobs are queued to it
  std::unique_ptr<std::optional<store::ChatStore>> store_;  // touched only on thread_
};

}  // namespace vkchat::gui
