#include "dialog_support.h"

#include <QDirIterator>
#include <QFile>
#include <QQmlComponent>
#include <QQmlEngine>
#include <QQmlError>
#include <QRegularExpression>
#include <QSet>

namespace vkchat::ui {
namespace {

// Where Qt Quick Dialogs keeps the QML of its own dialogs (QQuickPlatformFileDialog loads them).
constexpr char kImplDir[] = ":/qt-project.org/imports/QtQuick/Dialogs/quickimpl/qml";

}  // namespace

QStringList dialog_implementation_imports() {
  static const QRegularExpression import_line(QStringLiteral(R"(^\s*import\s+([A-Za-z][\w.]*))"),
                                              QRegularExpression::MultilineOption);
  QSet<QString> modules;
  QDirIterator it(QString::fromLatin1(kImplDir), {QStringLiteral("*.qml")}, QDir::Files,
                  QDirIterator::Subdirectories);
  while (it.hasNext()) {
    const QString path = it.next();
    const QString name = it.fileName();
    if (!name.startsWith(QLatin1String("File")) && !name.startsWith(QLatin1String("Folder"))) {
      continue;
    }
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) continue;
    const QString source = QString::fromUtf8(file.readAll());
    for (auto m = import_line.globalMatch(source); m.hasNext();)
      modules.insert(m.next().captured(1));
  }
  QStringList out(modules.begin(), modules.end());
  out.sort();
  return out;
}

DialogSupport::DialogSupport(QObject* parent) : QObject(parent) {}

QString DialogSupport::problem() {
  if (problem_) return *problem_;
  QQmlEngine* engine = qmlEngine(this);
  // Importing the module loads the library whose resources hold the dialogs' QML.
  const auto imports = [engine](const QString& module) {
    QQmlComponent probe(engine);
    probe.setData(QStringLiteral("import QtQml\nimport %1\nQtObject {}\n").arg(module).toUtf8(),
                  QUrl());
    const QList<QQmlError> errors = probe.errors();
    return probe.isReady()    ? QString()
           : errors.isEmpty() ? tr("the QML module %1 cannot be loaded").arg(module)
                              : errors.first().description();
  };
  if (!engine) {
    problem_ = tr("no QML engine to check the file dialog with");
    return *problem_;
  }
  QString reason = imports(QStringLiteral("QtQuick.Dialogs"));
  const QStringList modules = reason.isEmpty() ? dialog_implementation_imports() : QStringList();
  if (reason.isEmpty() && modules.isEmpty()) {
    reason = tr("Qt Quick Dialogs' file dialog is not installed (qml6-module-qtquick-dialogs)");
  }
  // Only the imports are compiled: a module that is missing fails here as it would in the dialog.
  for (const QString& module : modules) {
    if (!reason.isEmpty()) break;
    reason = imports(module);
  }
  if (!reason.isEmpty())
    qWarning("vkchat: the file dialog cannot be shown: %s", qPrintable(reason));
  problem_ = reason;
  return reason;
}

}  // namespace vkchat::ui
