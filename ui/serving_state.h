// The server switch: whether the app serves its loaded model over OpenAI's API (on 127.0.0.1, at
// the port shown), and what it serves now or why it does not. The controller sets it from the
// store's settings and from what the worker says; QML asks through the intents.
#pragma once
#include <QtQml/qqmlregistration.h>

#include <QObject>
#include <QString>

namespace vkchat::ui {

class ServingState : public QObject {
  Q_OBJECT
  QML_ELEMENT
  QML_UNCREATABLE("The app creates the server switch's view-model")
  Q_PROPERTY(bool enabled READ enabled NOTIFY switchChanged)  // the switch
  Q_PROPERTY(int port READ port NOTIFY switchChanged)
  Q_PROPERTY(int portMin READ portMin CONSTANT)
  Q_PROPERTY(int portMax READ portMax CONSTANT)
  Q_PROPERTY(bool serving READ serving NOTIFY servedChanged)
  // http://127.0.0.1:PORT/v1 while serving.
  Q_PROPERTY(QString url READ url NOTIFY servedChanged)
  // "Serving on http://127.0.0.1:8080/v1", or why nothing is served; empty while off.
  Q_PROPERTY(QString statusText READ statusText NOTIFY servedChanged)

 public:
  static constexpr int kMinPort = 1;
  static constexpr int kMaxPort = 65535;

  explicit ServingState(QObject* parent = nullptr);

  bool enabled() const { return enabled_; }
  int port() const { return port_; }
  int portMin() const { return kMinPort; }
  int portMax() const { return kMaxPort; }
  bool serving() const { return !url_.isEmpty(); }
  QString url() const { return url_; }
  QString statusText() const;

  // Controller side. setSwitch: the switch and its port (as saved, or as asked); setServed: what
  // the worker serves (an empty url: nothing; problem: why, or a note beside the url).
  void setSwitch(bool enabled, int port);
  void setServed(const QString& url, bool keyRequired, const QString& problem);

 signals:
  // Apart, so that what the worker says never resets a port being typed.
  void switchChanged();
  void servedChanged();

  // Intents, called from QML. keyGiven: apiKey is what the user typed (empty: no key needed),
  // else the key kept from before is used.
  void serveRequested(int port, const QString& apiKey, bool keyGiven);
  void stopRequested();

 private:
  bool enabled_ = false;
  int port_ = 0;
  QString url_;
  bool keyRequired_ = false;
  QString problem_;
};

}  // namespace vkchat::ui
