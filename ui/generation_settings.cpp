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
  v.temperature = clamp_real(v.temperature, 0.0, kMaxTemperature);
  v.topP = clamp_real(v.topP, 0.0, 1.0);
  v.topK = qBound(0, v.topK, kMaxTopK);
  v.minP = clamp_real(v.minP, 0.0, 1.0);
  v.repeatPenalty = clamp_real(v.repeatPenalty, 1.0, kMaxRepeatPenalty);
  v.maxTokens = qBound(1, v.maxTokens, kMaxTokens);
  v.seed = qBound(qint64{0}, v.seed, kMaxSeed);
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

void GenerationSettings::load(const SettingsValues& values, const SettingsValues& defaults) {
  SettingsValues next = clamped(values);
  SettingsValues nextDefaults = clamped(defaults);
  if (next == values_ && nextDefaults == defaults_) return;
  values_ = std::move(next);
  defaults_ = std::move(nextDefaults);
  emit changed();
}

}  // namespace vkchat::ui
