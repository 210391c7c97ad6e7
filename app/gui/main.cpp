// vkchat: the desktop chat window. Builds the app's dependencies here and hands them to QML.
#include <QGuiApplication>
#include <QQmlApplicationEngine>
#include <QQuickStyle>
#include <QUrl>
#include <QtQml/qqmlextensionplugin.h>

Q_IMPORT_QML_PLUGIN(VkchatPlugin)

int main(int argc, char* argv[]) {
  QGuiApplication app(argc, argv);
  QGuiApplication::setApplicationName("vkchat");
  QGuiApplication::setOrganizationName("vkchat");
  QQuickStyle::setStyle("Fusion");

  QQmlApplicationEngine engine;
  QObject::connect(
      &engine, &QQmlApplicationEngine::objectCreationFailed, &app,
      []() { QCoreApplication::exit(2); }, Qt::QueuedConnection);
  engine.load(QUrl(QStringLiteral("qrc:/Vkchat/qml/Main.qml")));
  return QGuiApplication::exec();
}
