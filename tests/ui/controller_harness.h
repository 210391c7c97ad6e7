// A controller over a store thread on a fresh database file, as main() builds it, for tests.
#pragma once
#include <QTemporaryDir>
#include <QTest>
#include <memory>
#include <stdexcept>

#include "app_controller.h"
#include "inference_worker.h"
#include "secret_store.h"
#include "store/chat_store.h"
#include "store_thread.h"

namespace vkchat::test {

class ControllerHarness {
 public:
  ControllerHarness()
      : db_(dir_.filePath(QStringLiteral("chats.sqlite"))),
        // API keys in a file of the test's own: no secret service is asked.
        secrets_(dir_.filePath(QStringLiteral("remote-keys.json")).toStdString(), false) {}

  const QString& dbPath() const { return db_; }
  // Where the worker keeps remote servers' API keys.
  gui::SecretStore& secrets() { return secrets_; }

  // A second connection to the same file, for the test to arrange and inspect the history.
  store::ChatStore openStore() const { return store::ChatStore::open(db_.toStdString()); }

  // Starts (or restarts) the store thread and the controller, and waits for the first view. With
  // `engine`, the real inference worker on its thread answers the controller, as in main(), with
  // prefill chunks of about `prefillChunkSeconds` each.
  // chatTemplateFile: the worker renders with this template instead of the model's.
  gui::AppController& start(bool engine = false,
                            double prefillChunkSeconds = gui::InferenceWorker::kPrefillChunkSeconds,
                            const QString& chatTemplateFile = {}) {
    worker_.reset();
    controller_.reset();
    store_.reset();
    store_ = std::make_unique<gui::StoreThread>(db_);
    controller_ = std::make_unique<gui::AppController>(*store_);
    if (engine) {
      worker_ = std::make_unique<gui::WorkerThread>(*controller_, -1, prefillChunkSeconds,
                                                    chatTemplateFile, &secrets_);
    }
    // The open is the store thread's first job, so a job queued now answers once it is done
    // (opened or failed). Waiting for opened() instead could miss it: the thread may emit it
    // before a connection made here exists.
    bool answered = false;
    store_->run(
        controller_.get(), [](store::ChatStore&) { return 0; },
        [&answered](int) { answered = true; }, [&answered](const QString&) { answered = true; });
    if (!QTest::qWaitFor([&answered] { return answered; }, 10000)) {
      throw std::runtime_error("the store thread did not open " + db_.toStdString());
    }
    settle();
    return *controller_;
  }

  gui::AppController& controller() { return *controller_; }
  // The real worker (start(true) only), for tests that watch it on its own thread.
  gui::InferenceWorker& worker() { return worker_->worker(); }

  // Lets the store thread finish what is queued and its answers reach the GUI thread.
  void settle() {
    for (int i = 0; i < 3; ++i) {
      bool done = false;
      store_->run(
          controller_.get(), [](store::ChatStore&) { return 0; }, [&done](int) { done = true; });
      if (!QTest::qWaitFor([&done] { return done; }, 5000)) {
        throw std::runtime_error("the store thread did not answer");
      }
      QTest::qWait(5);
    }
  }

 private:
  QTemporaryDir dir_;
  QString db_;
  gui::SecretStore secrets_;
  std::unique_ptr<gui::StoreThread> store_;
  std::unique_ptr<gui::AppController> controller_;
  std::unique_ptr<gui::WorkerThread> worker_;  // declared last: it goes first
};

}  // namespace vkchat::test
