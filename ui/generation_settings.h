// The right-hand panel: the current conversation's sampler settings and system prompt. Setters
// are the user's edits: they clamp to the allowed range and emit edited(), which the controller
// persists. load() shows stored values without counting as an edit.
#pragma once
#include <QtQml/qqmlregistration.h>

#include <QObject>
#include <QString>
#include <QStringList>

#include "store/store_types.h"

namespace vkchat::ui {

// The store's built-in sampling defaults: what a new chat starts with until the user saves others.
inline constexpr store::SamplingSettings kBuiltInSampling{};

// The panel's values. The defaults are the store's (store::SamplingSettings), the one source.
struct SettingsValues {
  double temperature = kBuiltInSampling.temperature;
  double topP = kBuiltInSampling.top_p;
  int topK = kBuiltInSampling.top_k;
  double minP = kBuiltInSampling.min_p;
  double repeatPenalty = kBuiltInSampling.repeat_penalty;
  int maxTokens = kBuiltInSampling.max_tokens;
  bool randomSeed = kBuiltInSampling.seed_mode == store::SeedMode::Random;
  qint64 seed = static_cast<qint64>(kBuiltInSampling.seed);  // used when randomSeed is false
  QString systemPrompt;
  // The template's reasoning switches: "" (the template's default), "on" or "off"; and "",
  // "low", "medium" or "high".
  QString thinking;
  QString reasoningEffort;

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
  Q_PROPERTY(QString thinking READ thinking WRITE setThinking NOTIFY changed)
  Q_PROPERTY(QString reasoningEffort READ reasoningEffort WRITE setReasoningEffort NOTIFY changed)
  // Whether the loaded model's template has these switches (the panel shows only those).
  Q_PROPERTY(bool hasThinkingSwitch READ hasThinkingSwitch NOTIFY switchesChanged)
  Q_PROPERTY(bool hasEffortSwitch READ hasEffortSwitch NOTIFY switchesChanged)
  Q_PROPERTY(bool isDefault READ isDefault NOTIFY changed)
  // Presets: every one's name (the built-in ones first), and the one chosen for this
  // conversation ("" for none). Choosing one replaces the values with its own.
  Q_PROPERTY(QStringList presetNames READ presetNames NOTIFY presetsChanged)
  Q_PROPERTY(QString preset READ preset NOTIFY presetsChanged)
  // Each control's range: the store's (store/store_types.h), which setters and load() clamp to.
  Q_PROPERTY(double temperatureMin READ temperatureMin CONSTANT)
  Q_PROPERTY(double temperatureMax READ temperatureMax CONSTANT)
  Q_PROPERTY(double topPMin READ topPMin CONSTANT)
  Q_PROPERTY(double topPMax READ topPMax CONSTANT)
  Q_PROPERTY(int topKMin READ topKMin CONSTANT)
  Q_PROPERTY(int topKMax READ topKMax CONSTANT)
  Q_PROPERTY(double minPMin READ minPMin CONSTANT)
  Q_PROPERTY(double minPMax READ minPMax CONSTANT)
  Q_PROPERTY(double repeatPenaltyMin READ repeatPenaltyMin CONSTANT)
  Q_PROPERTY(double repeatPenaltyMax READ repeatPenaltyMax CONSTANT)
  Q_PROPERTY(int maxTokensMin READ maxTokensMin CONSTANT)
  Q_PROPERTY(int maxTokensMax READ maxTokensMax CONSTANT)

 public:
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
  QString thinking() const { return values_.thinking; }
  QString reasoningEffort() const { return values_.reasoningEffort; }
  bool hasThinkingSwitch() const { return hasThinkingSwitch_; }
  bool hasEffortSwitch() const { return hasEffortSwitch_; }
  bool isDefault() const;
  QStringList presetNames() const { return presetNames_; }
  QString preset() const { return preset_; }

  double temperatureMin() const { return store::kTemperatureRange.min; }
  double temperatureMax() const { return store::kTemperatureRange.max; }
  double topPMin() const { return store::kTopPRange.min; }
  double topPMax() const { return store::kTopPRange.max; }
  int topKMin() const { return store::kTopKRange.min; }
  int topKMax() const { return store::kTopKRange.max; }
  double minPMin() const { return store::kMinPRange.min; }
  double minPMax() const { return store::kMinPRange.max; }
  double repeatPenaltyMin() const { return store::kRepeatPenaltyRange.min; }
  double repeatPenaltyMax() const { return store::kRepeatPenaltyRange.max; }
  int maxTokensMin() const { return store::kMaxTokensRange.min; }
  int maxTokensMax() const { return store::kMaxTokensRange.max; }

  void setTemperature(double v);
  void setTopP(double v);
  void setTopK(int v);
  void setMinP(double v);
  void setRepeatPenalty(double v);
  void setMaxTokens(int v);
  void setRandomSeed(bool v);
  void setSeed(qint64 v);
  void setSystemPrompt(const QString& v);
  // Values outside the lists above become "" (unset).
  void setThinking(const QString& v);
  void setReasoningEffort(const QString& v);
  // Controller side: the loaded model's template's switches.
  void setSwitches(bool thinking, bool effort);

  // Controller side: shows these values (clamped) and the app defaults they compare against.
  void load(const SettingsValues& values, const SettingsValues& defaults);
  static SettingsValues clamped(SettingsValues values);
  void setPresets(const QStringList& names);
  void setPreset(const QString& name);

 signals:
  void changed();
  void presetsChanged();
  void switchesChanged();
  void edited();  // the user changed a value

  // Intents, called from QML.
  void resetToDefaultsRequested();
  void saveAsDefaultsRequested();
  void presetRequested(const QString& name);      // choose it for this conversation
  void savePresetRequested(const QString& name);  // keep the values as a preset of this name

 private:
  void edit(SettingsValues next);
  template <class T, class V>
  void editField(T SettingsValues::*field, const V& value) {
    SettingsValues next = values_;
    next.*field = value;
    edit(std::move(next));
  }

  SettingsValues values_;
  SettingsValues defaults_;
  QStringList presetNames_;
  QString preset_;
  bool hasThinkingSwitch_ = false;
  bool hasEffortSwitch_ = false;
};

}  // namespace vkchat::ui
