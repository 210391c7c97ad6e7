// ui_tests' main: a QGuiApplication on the offscreen platform with the software scene graph, so
// the view-models, the controller and the QML views run without a display or a GPU.
#include <QtQml/qqmlextensionplugin.h>
#include <gtest/gtest.h>

#include <QGuiApplication>
#include <QQuickWindow>

Q_IMPORT_QML_PLUGIN(VkchatPlugin)

int main(int argc, char** argv) {
  qputenv("QT_QPA_PLATFORM", "offscreen");
  qputenv("QT_QUICK_CONTROLS_STYLE", "Fusion");
  QQuickWindow::setGraphicsApi(QSGRendererInterface::Software);
  QGuiApplication app(argc, argv);
  QGuiApplication::setApplicationName(QStringLiteral("vkchat-ui-tests"));
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
