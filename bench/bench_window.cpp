#include "bench_window.h"

#include <QtQml/qqmlextensionplugin.h>

#include <QElapsedTimer>
#include <ctime>

Q_IMPORT_QML_PLUGIN(VkchatPlugin)

namespace vkchat::bench {

namespace {

std::unique_ptr<QGuiApplication> make_app(int& argc, char** argv) {
  qputenv("QT_QPA_PLATFORM", "offscreen");
  qputenv("QT_QUICK_CONTROLS_STYLE", "Fusion");
  QQuickWindow::setGraphicsApi(QSGRendererInterface::Software);
  return std::make_unique<QGuiApplication>(argc, argv);
}

}  // namespace

BenchWindow::BenchWindow(int& argc, char** argv) : app_(make_app(argc, argv)) {
  engine_ = std::make_unique<QQmlApplicationEngine>();
  engine_->setInitialProperties({{"conversations", QVariant::fromValue(&conversations)},
                                 {"chat", QVariant::fromValue(&chat)},
                                 {"settings", QVariant::fromValue(&settings)},
                                 {"modelState", QVariant::fromValue(&model)},
                                 {"status", QVariant::fromValue(&status)}});
  engine_->load(QUrl("qrc:/Vkchat/qml/Main.qml"));
  if (engine_->rootObjects().isEmpty()) return;
  window_ = qobject_cast<QQuickWindow*>(engine_->rootObjects().constFirst());
  if (!window_) return;
  window_->resize(1280, 800);
  window_->show();
  QObject::connect(window_, &QQuickWindow::frameSwapped, [this] { ++frames_; });
  pump(300);
}

double BenchWindow::until_frame(qint64 max_ms) {
  QElapsedTimer clock;
  clock.start();
  const int before = frames_;
  window_->update();
  while (frames_ == before && clock.elapsed() < max_ms) {
    QCoreApplication::processEvents(QEventLoop::AllEvents, 1);
  }
  delete_deferred();
  return clock.nsecsElapsed() / 1e6;
}

void BenchWindow::pump(qint64 ms) {
  QElapsedTimer clock;
  clock.start();
  while (clock.elapsed() < ms) QCoreApplication::processEvents(QEventLoop::AllEvents, 5);
  delete_deferred();
}

void BenchWindow::delete_deferred() {
  QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete);
}

double process_cpu_ms() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_nsec) / 1e6;
}

}  // namespace vkchat::bench
