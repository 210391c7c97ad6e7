#include "generation_settings.h"

#include <QtGlobal>
#include <cmath>

namespace vkchat::ui {
namespace {

double clamp_real(double v, double lo, double hi) {
  return std::isfinite(v) ? qBound(lo, v, hi) : lo;
}

}  // namespace

GenerationSettings::GenerationSettings(QObject* parent) : QObject(parent) {}

SettingsValues GenerationSettings::clamped(SettingsValues v) {
  v.temperature =
      clamp_real(v.temperature, store::kTemperatureRange.min, store::kTemperatureRange.max);
  v.topP = clamp_real(v.topP, store::kTopPRange.min, store::kTopPRange.max);
  v.topK = qBound(store::kTopKRange.min, v.topK, store::kTopKRange.max);
  v.minP = clamp_real(v.minP, store::kMinPRange.min, store::kMinPRange.max);
  v.repeatPenalty =
      clamp_real(v.repeatPenalty, store::kRepeatPenaltyRange.min, store::kRepeatPenaltyRange.max);
  v.maxTokens = qBound(store::kMaxTokensRange.min, v.maxTokens, store::kMaxTokensRange.max);
  v.seed = qBound(qint64{store::kSeedRange.min}, v.seed, qint64{store::kSeedRange.max});
  if (v.thinking != QLatin1String("on") && v.thinking != QLatin1String("off")) v.thinking.clear();
  if (v.reasoningEffort != QLatin1String("low") && v.reasoningEffort != QLatin1String("medium") &&
      v.reasoningEffort != QLatin1String("high")) {
    v.reasoningEffort.clear();
  }
  return v;
}

void GenerationSettings::edit(SettingsValues next) {
  next = clamped(std::move(next));
  if (next == values_) return;
  values_ = std::move(next);
  emit changed();
  emit edited();
}

void GenerationSettings::setTemperature(double v) {
  editField(&SettingsValues::temperature, v);
}
void GenerationSettings::setTopP(double v) {
  editField(&SettingsValues::topP, v);
}
void GenerationSettings::setTopK(int v) {
  editField(&SettingsValues::topK, v);
}
void GenerationSettings::setMinP(double v) {
  editField(&SettingsValues::minP, v);
}
void GenerationSettings::setRepeatPenalty(double v) {
  editField(&SettingsValues::repeatPenalty, v);
}
void GenerationSettings::setMaxTokens(int v) {
  editField(&SettingsValues::maxTokens, v);
}
void GenerationSettings::setRandomSeed(bool v) {
  editField(&SettingsValues::randomSeed, v);
}
void GenerationSettings::setSeed(qint64 v) {
  editField(&SettingsValues::seed, v);
}
void GenerationSettings::setSystemPrompt(const QString& v) {
  editField(&SettingsValues::systemPrompt, v);
}

void GenerationSettings::setThinking(const QString& v) {
  editField(&SettingsValues::thinking, v);
}
void GenerationSettings::setReasoningEffort(const QString& v) {
  editField(&SettingsValues::reasoningEffort, v);
}

bool GenerationSettings::isDefault() const {
  // The switches belong to a conversation and its model's template, not to the app's defaults.
  SettingsValues v = values_;
  v.thinking = defaults_.thinking;
  v.reasoningEffort = defaults_.reasoningEffort;
  return v == defaults_;
}

void GenerationSettings::setSwitches(bool thinking, bool effort) {
  if (thinking == hasThinkingSwitch_ && effort == hasEffortSwitch_) return;
  hasThinkingSwitch_ = thinking;
  hasEffortSwitch_ = effort;
  emit switchesChanged();
}

void GenerationSettings::load(const SettingsValues& values, const SettingsValues& defaults) {
  SettingsValues next = clamped(values);
  SettingsValues nextDefaults = clamped(defaults);
  if (next == values_ && nextDefaults == defaults_) return;
  values_ = std::move(next);
  defaults_ = std::move(nextDefaults);
  emit changed();
}

void GenerationSettings::setPresets(const QStringList& names) {
  if (names == presetNames_) return;
  presetNames_ = names;
  emit presetsChanged();
}

void GenerationSettings::setPreset(const QString& name) {
  if (name == preset_) return;
  preset_ = name;
  emit presetsChanged();
}

}  // namespace vkchat::ui
