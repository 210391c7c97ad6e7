// The status line (device, speed, time to first token, context use) and the messages the window
// shows on top: an error banner that stays until dismissed, and short notices that fade.
#pragma once
#include <QtQml/qqmlregistration.h>

#include <QObject>
#include <QString>

namespace vkchat::ui {

class AppStatus : public QObject {
  Q_OBJECT
  QML_ELEMENT
  QML_UNCREATABLE("The app creates the status view-model")
  Q_PROPERTY(QString deviceName READ deviceName NOTIFY statsChanged)
  Q_PROPERTY(QString speedText READ speedText NOTIFY statsChanged)
  Q_PROPERTY(QString ttftText READ ttftText NOTIFY statsChanged)
  Q_PROPERTY(int contextUsed READ contextUsed NOTIFY statsChanged)
  Q_PROPERTY(int contextSize READ contextSize NOTIFY statsChanged)
  Q_PROPERTY(QString errorText READ errorText NOTIFY errorChanged)
  Q_PROPERTY(QString noticeText READ noticeText NOTIFY noticeChanged)

 public:
  explicit AppStatus(QObject* parent = nullptr);

  QString deviceName() const { return deviceName_; }
  QString speedText() const;
  QString ttftText() const;
  double tokensPerSecond() const { return tokensPerSecond_; }
  double ttftMs() const { return ttftMs_; }
  int contextUsed() const { return contextUsed_; }  // -1: not known yet
  int contextSize() const { return contextSize_; }
  QString errorText() const { return errorText_; }
  QString noticeText() const { return noticeText_; }

  // Controller side.
  void setDeviceName(const QString& name);
  // A rate or time below 0 is unknown and shows as a dash.
  void setSpeed(double tokensPerSecond, double ttftMs);
  void setContext(int used, int size);
  Q_INVOKABLE void showError(const QString& text);
  void showNotice(const QString& text);

  Q_INVOKABLE void dismissError();
  Q_INVOKABLE void dismissNotice();

 signals:
  void statsChanged();
  void errorChanged();
  void noticeChanged();

 private:
  QString deviceName_;
  double tokensPerSecond_ = -1;
  double ttftMs_ = -1;
  int contextUsed_ = 0;
  int contextSize_ = 0;
  QString errorText_;
  QString noticeText_;
};

}  // namespace vkchat::ui
