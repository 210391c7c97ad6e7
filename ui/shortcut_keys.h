// Key sequences that belong to the window whatever has focus. Text fields claim some of the
// window's shortcuts for editing (Ctrl+K deletes to the end of the line in Qt's text fields), so
// the window's Shortcut items would never see them while a text field has focus; this filter
// keeps the listed sequences from text fields and lets the shortcuts have them.
#pragma once
#include <QtQml/qqmlregistration.h>

#include <QKeySequence>
#include <QList>
#include <QObject>
#include <QStringList>

namespace vkchat::ui {

class ShortcutKeys : public QObject {
  Q_OBJECT
  QML_ELEMENT
  Q_PROPERTY(QStringList sequences READ sequences WRITE setSequences NOTIFY sequencesChanged)

 public:
  explicit ShortcutKeys(QObject* parent = nullptr);
  ~ShortcutKeys() override;

  QStringList sequences() const { return names_; }
  void setSequences(const QStringList& sequences);

 signals:
  void sequencesChanged();

 protected:
  bool eventFilter(QObject* watched, QEvent* event) override;

 private:
  QStringList names_;
  QList<QKeySequence> sequences_;
};

}  // namespace vkchat::ui
