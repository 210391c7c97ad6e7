// Presets in the settings panel (offscreen, no model): the built-in ones are offered, choosing
// one sets the conversation's values and is kept with it across a restart, a new chat takes the
// preset's values, and a saved preset is offered from then on.
#include <gtest/gtest.h>

#include "controller_harness.h"

namespace vkchat::test {
namespace {

TEST(ControllerPresets, ChosenPerConversationAndKept) {
  ControllerHarness h;
  std::int64_t conv = 0;
  {
    store::ChatStore s = h.openStore();
    conv = s.create_conversation().id;
    s.add_user_message(conv, "Hello");
  }
  gui::AppController& c = h.start();
  ui::GenerationSettings* settings = c.settings();
  EXPECT_EQ(settings->presetNames(),
            (QStringList{QStringLiteral("precise"), QStringLiteral("balanced"),
                         QStringLiteral("creative")}));
  EXPECT_EQ(settings->preset(), QString());

  emit settings->presetRequested(QStringLiteral("precise"));
  h.settle();
  const store::Preset precise = *h.openStore().preset("precise");
  EXPECT_EQ(settings->preset(), QStringLiteral("precise"));
  EXPECT_DOUBLE_EQ(settings->temperature(), precise.settings.sampling.temperature);
  EXPECT_EQ(settings->systemPrompt().toStdString(), precise.settings.system_prompt);
  const store::Conversation saved = h.openStore().conversation(conv);
  EXPECT_EQ(saved.preset, "precise");
  EXPECT_EQ(saved.settings, precise.settings);

  // A preset of one's own, from the values on screen.
  settings->setTopK(7);
  emit settings->savePresetRequested(QStringLiteral("  terse  "));
  h.settle();
  EXPECT_EQ(settings->presetNames().size(), 4);
  EXPECT_EQ(settings->presetNames().last(), QStringLiteral("terse"));
  EXPECT_EQ(h.openStore().preset("terse")->settings.sampling.top_k, 7);
  // A built-in name is refused with the reason, and nothing changes.
  emit settings->savePresetRequested(QStringLiteral("creative"));
  h.settle();
  EXPECT_TRUE(c.status()->errorText().contains(QStringLiteral("built-in")))
      << c.status()->errorText().toStdString();
  EXPECT_EQ(settings->presetNames().size(), 4);

  // After a restart the conversation still names its preset.
  gui::AppController& again = h.start();
  EXPECT_EQ(again.settings()->preset(), QStringLiteral("precise"));
  EXPECT_EQ(again.settings()->presetNames().size(), 4);

  // A new chat starts with no preset; choosing one shows its values before anything is written.
  emit again.conversations()->newRequested();
  h.settle();
  EXPECT_EQ(again.settings()->preset(), QString());
  emit again.settings()->presetRequested(QStringLiteral("creative"));
  h.settle();
  const store::Preset creative = *h.openStore().preset("creative");
  EXPECT_EQ(again.settings()->preset(), QStringLiteral("creative"));
  EXPECT_DOUBLE_EQ(again.settings()->temperature(), creative.settings.sampling.temperature);
  EXPECT_EQ(h.openStore().list_conversations().size(), 1u);
}

}  // namespace
}  // namespace vkchat::test
