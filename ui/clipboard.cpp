#include "clipboard.h"

#include <QClipboard>
#include <QGuiApplication>

namespace vkchat::ui {

void Clipboard::copy(const QString& text) const {
  QGuiApplication::clipboard()->setText(text);
}

}  // namespace vkchat::ui
