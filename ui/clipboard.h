// Copies text to the system clipboard, for the copy buttons of messages and code blocks.
#pragma once
#include <QtQml/qqmlregistration.h>

#include <QObject>
#include <QString>

namespace vkchat::ui {

class Clipboard : public QObject {
  Q_OBJECT
  QML_ELEMENT

 public:
  using QObject::QObject;
  Q_INVOKABLE void copy(const QString& text) const;
};

}  // namespace vkchat::ui
