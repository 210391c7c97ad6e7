// Where ui_tests leave their screenshots for people to look at: beside the test binary, in the
// build folder, whatever the working directory.
#pragma once
#include <QCoreApplication>
#include <QDir>
#include <QString>

namespace vkchat::test {

inline QString screenshot_path(const char* name) {
  return QDir(QCoreApplication::applicationDirPath()).filePath(QString::fromLatin1(name));
}

}  // namespace vkchat::test
