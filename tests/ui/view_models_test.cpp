// The plain view-models: settings clamp and tell edits from loads, number formats, and the
// status line.
#include <gtest/gtest.h>

#include <QSignalSpy>

#include "app_status.h"
#include "format.h"
#include "generation_settings.h"
#include "model_state.h"

namespace vkchat::ui {
namespace {

TEST(GenerationSettings, UserEditsClampAndEmitEdited) {
  GenerationSettings s;
  QSignalSpy edited(&s, &GenerationSettings::edited);
  s.setTemperature(1.3);
  EXPECT_DOUBLE_EQ(s.temperature(), 1.3);
  s.setTemperature(7);
  EXPECT_DOUBLE_EQ(s.temperature(), store::kTemperatureRange.max);
  s.setTopP(-1);
  EXPECT_DOUBLE_EQ(s.topP(), 0);
  s.setTopP(std::numeric_limits<double>::quiet_NaN());
  EXPECT_DOUBLE_EQ(s.topP(), 0);  // NaN is refused, not stored
  s.setMaxTokens(0);
  EXPECT_EQ(s.maxTokens(), 1);
  s.setSeed(-5);
  EXPECT_EQ(s.seed(), 0);
  EXPECT_EQ(edited.count(),
            4);  // 1.3, 2.0, 0 (top-p), 1 (max tokens); NaN and seed changed nothing
}

TEST(GenerationSettings, LoadIsNotAnEditAndIsDefaultCompares) {
  GenerationSettings s;
  QSignalSpy edited(&s, &GenerationSettings::edited);
  QSignalSpy changed(&s, &GenerationSettings::changed);
  SettingsValues v;
  v.temperature = 0.2;
  SettingsValues defaults;
  s.load(v, defaults);
  EXPECT_EQ(edited.count(), 0);
  EXPECT_EQ(changed.count(), 1);
  EXPECT_DOUBLE_EQ(s.temperature(), 0.2);
  EXPECT_FALSE(s.isDefault());
  s.setTemperature(defaults.temperature);
  EXPECT_TRUE(s.isDefault());
  EXPECT_EQ(edited.count(), 1);
}

TEST(Format, NumbersReadAsPeopleWriteThem) {
  EXPECT_EQ(format_bytes(512), "512 B");
  EXPECT_EQ(format_bytes(1536), "1.5 KiB");
  EXPECT_EQ(format_bytes(qint64{4} * 1024 * 1024 * 1024 + qint64{100} * 1024 * 1024), "4.1 GiB");
  EXPECT_EQ(format_count(260000), "260 K");
  EXPECT_EQ(format_count(1100000000), "1.1 B");
  EXPECT_EQ(format_count(42), "42");
  EXPECT_EQ(format_rate(41.26), "41.3 tok/s");
  EXPECT_EQ(format_rate(1234.5), "1235 tok/s");
  EXPECT_EQ(format_millis(85.2), "85 ms");
  EXPECT_EQ(format_millis(1250), "1.3 s");
}

TEST(AppStatus, UnknownValuesShowAsDashesAndErrorsStayUntilDismissed) {
  AppStatus status;
  EXPECT_EQ(status.speedText(), "–");
  status.setSpeed(12.5, 240);
  EXPECT_EQ(status.speedText(), "12.5 tok/s");
  EXPECT_EQ(status.ttftText(), "240 ms");
  status.showError("boom");
  EXPECT_EQ(status.errorText(), "boom");
  status.dismissError();
  EXPECT_TRUE(status.errorText().isEmpty());
}

TEST(ModelState, MemoryAgainstTheDeviceBudget) {
  ModelState m;
  QSignalSpy phase(&m, &ModelState::phaseChanged);
  m.setLoading("x.gguf");
  EXPECT_EQ(m.phase(), ModelState::Phase::Loading);
  m.setProgress(1.7);
  EXPECT_DOUBLE_EQ(m.progress(), 1.0);
  ModelInfo info;
  info.name = "x";
  info.parameters = 260000;
  info.memoryEstimate = 512 * 1024 * 1024;
  info.deviceBudget = qint64{2} * 1024 * 1024 * 1024;
  m.setReady(info);
  EXPECT_EQ(m.phase(), ModelState::Phase::Ready);
  EXPECT_EQ(m.parametersText(), "260 K");
  EXPECT_EQ(m.memoryText(), "512 MiB of 2.0 GiB");
  EXPECT_DOUBLE_EQ(m.memoryFraction(), 0.25);
  EXPECT_EQ(phase.count(), 2);
}

}  // namespace
}  // namespace vkchat::ui
