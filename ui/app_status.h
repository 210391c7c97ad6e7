// The status line (device, speed, time to first token, context use, how much of the prompt has
// been read) and the messages the window shows on top: an error banner that stays until
// dismissed, and short notices that fade.
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
  Q_PROPERTY(QString deviceText READ deviceText NOTIFY statsChanged)
  Q_PROPERTY(QString prefillText READ prefillText NOTIFY prefillChanged)
  Q_PROPERTY(double prefillFraction READ prefillFraction NOTIFY prefillChanged)
  Q_PROPERTY(int contextDropped READ contextDropped NOTIFY statsChanged)
  Q_PROPERTY(QString contextText READ contextText NOTIFY statsChanged)
  Q_PROPERTY(QString promptText READ promptText NOTIFY statsChanged)
  Q_PROPERTY(QString speedText READ speedText NOTIFY statsChanged)
  Q_PROPERTY(QString ttftText READ ttftText NOTIFY statsChanged)
  Q_PROPERTY(int contextUsed READ contextUsed NOTIFY statsChanged)
  Q_PROPERTY(int contextSize READ contextSize NOTIFY statsChanged)
  Q_PROPERTY(QString errorText READ errorText NOTIFY errorChanged)
  Q_PROPERTY(QString noticeText READ noticeText NOTIFY noticeChanged)

 public:
  explicit AppStatus(QObject* parent = nullptr);

  QString deviceName() const { return deviceName_; }
  // The device the engine uses, or will use before a model is loaded, or why there is none.
  QString deviceText() const;
  // "Reading the prompt: 128 of 900 tokens" while the prompt is read, else empty.
  QString prefillText() const;
  double prefillFraction() const;
  int prefillDone() const { return prefillDone_; }
  int prefillTotal() const { return prefillTotal_; }
  // Messages of the conversation that no longer fit in the model's context.
  int contextDropped() const { return contextDropped_; }
  // "300 / 512", with the left-out messages when there are: "300 / 512 · 4 earlier messages
  // left out"; "–" when nothing is known.
  QString contextText() const;
  // "Prompt 413 tokens, 353 reused": what the last answer read, and how much came from the cache.
  QString promptText() const;
  int promptTokens() const { return promptTokens_; }
  int reusedTokens() const { return reusedTokens_; }
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
  // Before a model is loaded: the device found, or (empty name) why none is usable.
  void setDeviceProbe(const QString& name, const QString& problem);
  // done < 0 when the prompt is not being read.
  void setPrefill(int done, int total);
  void setContextDropped(int messages);
  void setPrompt(int tokens, int reused);
  // A rate or time below 0 is unknown and shows as a dash.
  void setSpeed(double tokensPerSecond, double ttftMs);
  void setContext(int used, int size);
  Q_INVOKABLE void showError(const QString& text);
  void showNotice(const QString& text);

  Q_INVOKABLE void dismissError();
  Q_INVOKABLE void dismissNotice();

 signals:
  void statsChanged();
  void prefillChanged();
  void errorChanged();
  void noticeChanged();

 private:
  QString deviceName_;
  QString probedName_;
  QString deviceProblem_;
  int prefillDone_ = -1;
  int prefillTotal_ = 0;
  int contextDropped_ = 0;
  int promptTokens_ = 0;
  int reusedTokens_ = 0;
  double tokensPerSecond_ = -1;
  double ttftMs_ = -1;
  int contextUsed_ = 0;
  int contextSize_ = 0;
  QString errorText_;
  QString noticeText_;
};

}  // namespace vkchat::ui
