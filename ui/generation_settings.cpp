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
  SettingsValues next = values_;
  next.temperature = v;
  edit(std::move(next));
}

void GenerationSettings::setTopP(double v) {
  SettingsValues next = values_;
  next.topP = v;
  edit(std::move(next));
}

void GenerationSettings::setTopK(int v) {
  SettingsValues next = values_;
  next.topK = v;
  edit(std::move(next));
}

void GenerationSettings::setMinP(double v) {
  SettingsValues next = values_;
  next.minP = v;
  edit(std::move(next));
}

void GenerationSettings::setRepeatPenalty(double v) {
  SettingsValues next = values_;
  next.repeatPenalty = v;
  edit(std::move(next));
}

void GenerationSettings::setMaxTokens(int v) {
  SettingsValues next = values_;
  next.maxTokens = v;
  edit(std::move(next));
}

void GenerationSettings::setRandomSeed(bool v) {
  SettingsValues next = values_;
  next.randomSeed = v;
  edit(std::move(next));
}

void GenerationSettings::setSeed(qint64 v) {
  SettingsValues next = values_;
  next.seed = v;
  edit(std::move(next));
}

void GenerationSettings::setSystemPrompt(const QString& v) {
  SettingsValues next = values_;
  next.systemPrompt = v;
  edit(std::move(next));
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
