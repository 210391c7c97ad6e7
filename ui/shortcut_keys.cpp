#include "shortcut_keys.h"

#include <QCoreApplication>
#include <QKeyEvent>

namespace vkchat::ui {

ShortcutKeys::ShortcutKeys(QObject* parent) : QObject(parent) {
  // The application sees the ShortcutOverride event before the window hands it to its focus item.
  QCoreApplication::instance()->installEventFilter(this);
}

ShortcutKeys::~ShortcutKeys() {
  if (QCoreApplication* app = QCoreApplication::instance()) app->removeEventFilter(this);
}

void ShortcutKeys::setSequences(const QStringList& sequences) {
  if (sequences == names_) return;
  names_ = sequences;
  sequences_.clear();
  for (const QString& name : sequences) sequences_.append(QKeySequence(name));
  emit sequencesChanged();
}

bool ShortcutKeys::eventFilter(QObject* watched, QEvent* event) {
  if (event->type() != QEvent::ShortcutOverride) return QObject::eventFilter(watched, event);
  const auto* key = static_cast<QKeyEvent*>(event);
  const QKeySequence pressed(key->keyCombination());
  for (const QKeySequence& sequence : sequences_) {
    if (sequence.matches(pressed) == QKeySequence::ExactMatch) {
      // Not accepted, so not overridden: the shortcut map gets the key.
      event->ignore();
      return true;
    }
  }
  return QObject::eventFilter(watched, event);
}

}  // namespace vkchat::ui
