// The right-hand panel: the current conversation's sampler settings and system prompt. Setters
// are the user's edits: they clamp to the allowed range and emit edited(), which the controller
// persists. load() shows stored values without counting as an edit.
#pragma once
#include <QtQml/qqmlregistration.h>

#include <QObject>
#include <QString>

namespace vkchat::ui {

struct SettingsValues {
  double temperature = 0.8;
  double topP = 0.95;
  int topK = 40;
  double minP = 0.05;
  double repeatPenalty = 1.0;
  int maxTokens = 1024;
  bool randomSeed = true;
  qint64 seed = 0;  // used when randomSeed is false
  QString systemPrompt;

  bool operator==(const SettingsValues&) const = default;
};

class GenerationSettings : public QObject {
  Q_OBJECT
  QML_ELEMENT
  QML_UNCREATABLE("The app creates the settings panel's view-model")
  Q_PROPERTY(double temperature READ temperature WRITE setTemperature NOTIFY changed)
  Q_PROPERTY(double topP READ topP WRITE setTopP NOTIFY changed)
  Q_PROPERTY(int topK READ topK WRITE setTopK NOTIFY changed)
  Q_PROPERTY(double minP READ minP WRITE setMinP NOTIFY changed)
  Q_PROPERTY(double repeatPenalty READ repeatPenalty WRITE setRepeatPenalty NOTIFY changed)
  Q_PROPERTY(int maxTokens READ maxTokens WRITE setMaxTokens NOTIFY changed)
  Q_PROPERTY(bool randomSeed READ randomSeed WRITE setRandomSeed NOTIFY changed)
  Q_PROPERTY(qint64 seed READ seed WRITE setSeed NOTIFY changed)
  Q_PROPERTY(QString systemPrompt READ systemPrompt WRITE setSystemPrompt NOTIFY changed)
  Q_PROPERTY(bool isDefault READ isDefault NOTIFY changed)

 public:
  // The ranges the panel offers; the controls read them so the two never disagree.
  static constexpr double kMaxTemperature = 2.0;
  static constexpr int kMaxTopK = 1000;
  static constexpr double kMaxRepeatPenalty = 2.0;
  static constexpr int kMaxTokens = 32768;
  static constexpr qint64 kMaxSeed = (qint64{1} << 53) - 1;  // exact in a QML number

  explicit GenerationSettings(QObject* parent = nullptr);

  const SettingsValues& values() const { return values_; }
  double temperature() const { return values_.temperature; }
  double topP() const { return values_.topP; }
  int topK() const { return values_.topK; }
  double minP() const { return values_.minP; }
  double repeatPenalty() const { return values_.repeatPenalty; }
  int maxTokens() const { return values_.maxTokens; }
  bool randomSeed() const { return values_.randomSeed; }
  qint64 seed() const { return values_.seed; }
  QString systemPrompt() const { return values_.systemPrompt; }
  bool isDefault() const { return values_ == defaults_; }

  void setTemperature(double v);
  void setTopP(double v);
  void setTopK(int v);
  void setMinP(double v);
  void setRepeatPenalty(double v);
  void setMaxTokens(int v);
  void setRandomSeed(bool v);
  void setSeed(qint64 v);
  void setSystemPrompt(const QString& v);

  // Controller side: shows these values (clamped) and the app defaults they compare against.
  void load(const SettingsValues& values, const SettingsValues& defaults);
  static SettingsValues clamped(SettingsValues values);

 signals:
  void changed();
  void edited();  // the user changed a value

  // Intents, called from QML.
  void resetToDefaultsRequested();
  void saveAsDefaultsRequested();

 private:
  void edit(SettingsValues next);

  SettingsValues values_;
  SettingsValues defaults_;
};

}  // namespace vkchat::ui
