// Whether Qt can show its own (non-native) file and folder dialogs. Qt 6.4 crashes in
// FileDialog.open() when that implementation fails to load, for instance when a QML module it
// imports (Qt.labs.folderlistmodel) is not installed: QQuickPlatformFileDialog then uses the
// dialog it could not create. So the window asks here first and shows the reason instead.
#pragma once
#include <QtQml/qqmlregistration.h>

#include <QObject>
#include <QString>
#include <QStringList>
#include <optional>

namespace vkchat::ui {

// The QML modules that Qt Quick Dialogs' own file and folder dialogs import, in every style, read
// from their QML in Qt's resources; sorted, without repeats. Empty when those resources are absent,
// which they are until an engine has imported QtQuick.Dialogs (its library holds them).
QStringList dialog_implementation_imports();

class DialogSupport : public QObject {
  Q_OBJECT
  QML_ELEMENT

 public:
  explicit DialogSupport(QObject* parent = nullptr);

  // Empty when the dialogs can be shown; else why not, naming the missing module. Checked once.
  Q_INVOKABLE QString problem();

 private:
  std::optional<QString> problem_;
};

}  // namespace vkchat::ui
