// vkchat: the desktop chat window. Builds the app's dependencies here (the store on its thread,
// the inference worker on its thread, the controller that ties them to the view-models) and hands
// the view-models to QML.
//
// vkchat [--model PATH] [--db PATH] [--device N] [--chat-template-file F] [--alternatives K]
//        [--screenshot PATH]
// Exit codes: 0 done, 1 bad usage or a screenshot that could not be saved, 2 internal error.
#include <QtQml/qqmlextensionplugin.h>

#include <QCommandLineParser>
#include <QDir>
#include <QDirIterator>
#include <QElapsedTimer>
#include <QGuiApplication>
#include <QIcon>
#include <QQmlApplicationEngine>
#include <QQuickStyle>
#include <QQuickWindow>
#include <QStandardPaths>
#include <QTimer>
#include <QUrl>

#include "app_controller.h"
#include "inference_worker.h"
#include "secret_store.h"
#include "store_thread.h"

Q_IMPORT_QML_PLUGIN(VkchatPlugin)

namespace {

QString default_db_path() {
  const QString dir = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
  return QDir(dir).filePath(QStringLiteral("chats.sqlite"));
}

// The app icon in every size resources/ drew (Qt resources under :/icons), so the window has it
// also where the desktop's theme does not (an uninstalled build, a bare X server).
QIcon app_icon() {
  QIcon icon;
  QDirIterator it(QStringLiteral(":/icons"), {QStringLiteral("*.png")}, QDir::Files,
                  QDirIterator::Subdirectories);
  while (it.hasNext()) icon.addFile(it.next());
  if (icon.isNull()) qWarning("vkchat: the app icon is missing from the Qt resources");
  return icon;
}

}  // namespace

int main(int argc, char* argv[]) {
  QGuiApplication app(argc, argv);
  QGuiApplication::setApplicationName("vkchat");
  QGuiApplication::setOrganizationName("vkchat");
  QGuiApplication::setApplicationVersion(QStringLiteral(VKCHAT_VERSION));
  // Wayland matches windows to their .desktop entry (and its icon) by this name.
  QGuiApplication::setDesktopFileName(QStringLiteral(VKCHAT_APP_ID));
  QGuiApplication::setWindowIcon(app_icon());
  QQuickStyle::setStyle("Fusion");

  QCommandLineParser cli;
  cli.setApplicationDescription(QStringLiteral("Chat with a local LLM."));
  cli.addHelpOption();
  cli.addVersionOption();
  const QCommandLineOption modelOpt(QStringLiteral("model"),
                                    QStringLiteral("Start with this GGUF model loaded."),
                                    QStringLiteral("PATH"));
  const QCommandLineOption dbOpt(
      QStringLiteral("db"),
      QStringLiteral("Chat history database (default: %1).").arg(default_db_path()),
      QStringLiteral("PATH"));
  const QCommandLineOption deviceOpt(QStringLiteral("device"),
                                     QStringLiteral("Vulkan device index (vkchat-cli devices)."),
                                     QStringLiteral("N"));
  const QCommandLineOption screenshotOpt(
      QStringLiteral("screenshot"),
      QStringLiteral("Save a picture of the window to PATH once it is idle, then quit."),
      QStringLiteral("PATH"));
  const QCommandLineOption templateOpt(
      QStringLiteral("chat-template-file"),
      QStringLiteral(
          "Render with this Jinja chat template instead of the model's (as vkchat-cli)."),
      QStringLiteral("F"));
  const QCommandLineOption alternativesOpt(
      QStringLiteral("alternatives"),
      QStringLiteral("Keep each answer token's K most probable alternatives (0 to %1; default %2).")
          .arg(vkchat::gui::InferenceWorker::kMaxAlternatives)
          .arg(vkchat::gui::InferenceWorker::kDefaultAlternatives),
      QStringLiteral("K"));
  cli.addOptions({modelOpt, dbOpt, deviceOpt, templateOpt, alternativesOpt, screenshotOpt});
  cli.process(app);

  bool deviceOk = true;
  const int device = cli.isSet(deviceOpt) ? cli.value(deviceOpt).toInt(&deviceOk) : -1;
  if (!deviceOk || (cli.isSet(deviceOpt) && device < 0)) {
    qCritical("vkchat: --device takes a device index (see vkchat-cli devices)");
    return 1;
  }

  bool alternativesOk = true;
  const int alternatives = cli.isSet(alternativesOpt)
                               ? cli.value(alternativesOpt).toInt(&alternativesOk)
                               : vkchat::gui::InferenceWorker::kDefaultAlternatives;
  if (!alternativesOk || alternatives < 0 ||
      alternatives > vkchat::gui::InferenceWorker::kMaxAlternatives) {
    qCritical("vkchat: --alternatives takes a number from 0 to %d",
              vkchat::gui::InferenceWorker::kMaxAlternatives);
    return 1;
  }

  vkchat::gui::StoreThread store(cli.isSet(dbOpt) ? cli.value(dbOpt) : default_db_path());
  vkchat::gui::AppController controller(store);
  // Remote servers' API keys: the desktop's secret store, else this file (mode 0600).
  vkchat::gui::SecretStore secrets(
      QDir(QStandardPaths::writableLocation(QStandardPaths::AppDataLocation))
          .filePath(QStringLiteral("remote-keys.json"))
          .toStdString());
  vkchat::gui::WorkerThread worker(controller, device,
                                   vkchat::gui::InferenceWorker::kPrefillChunkSeconds,
                                   cli.value(templateOpt), &secrets);
  worker.worker().setAlternatives(alternatives);

  QQmlApplicationEngine engine;
  QObject::connect(
      &engine, &QQmlApplicationEngine::objectCreationFailed, &app,
      []() { QCoreApplication::exit(2); }, Qt::QueuedConnection);
  engine.setInitialProperties({
      {QStringLiteral("conversations"), QVariant::fromValue(controller.conversations())},
      {QStringLiteral("chat"), QVariant::fromValue(controller.chat())},
      {QStringLiteral("settings"), QVariant::fromValue(controller.settings())},
      {QStringLiteral("modelState"), QVariant::fromValue(controller.modelState())},
      {QStringLiteral("status"), QVariant::fromValue(controller.status())},
  });
  engine.load(QUrl(QStringLiteral("qrc:/Vkchat/qml/Main.qml")));
  if (engine.rootObjects().isEmpty()) return 2;
  auto* window = qobject_cast<QQuickWindow*>(engine.rootObjects().constFirst());
  // Keyboard shortcuts work only in the active window; without a window manager (a kiosk, Xvfb)
  // nothing else would make it active.
  window->requestActivate();

  if (cli.isSet(modelOpt)) controller.openModel(cli.value(modelOpt));

  QTimer screenshotPoll;
  QElapsedTimer sinceStart;
  sinceStart.start();
  if (cli.isSet(screenshotOpt)) {
    // Once the model (if any) has loaded and no answer is being written, plus a moment for the
    // views to settle; a minute at most.
    const QString path = cli.value(screenshotOpt);
    QObject::connect(&screenshotPoll, &QTimer::timeout, window, [&, window, path] {
      const bool busy =
          controller.modelState()->phase() == vkchat::ui::ModelState::Phase::Loading ||
          controller.chat()->generating();
      if ((busy || sinceStart.elapsed() < 1500) && sinceStart.elapsed() < 60000) return;
      screenshotPoll.stop();
      const bool saved = window->grabWindow().save(path);
      if (!saved) qCritical("vkchat: could not save the screenshot to %s", qPrintable(path));
      QCoreApplication::exit(saved ? 0 : 1);
    });
    screenshotPoll.start(200);
  }

  QObject::connect(&app, &QCoreApplication::aboutToQuit, &controller,
                   [&controller] { controller.flush(); });
  return QGuiApplication::exec();
}
