// Presets: the built-in ones are there on a fresh history and cannot be replaced or deleted;
// the user's are kept across reopening; choosing one for a conversation copies its settings in
// and is remembered with the conversation.
#include <gtest/gtest.h>

#include "store/chat_store.h"
#include "store/temp_dir.h"

using namespace vkchat::store;

namespace {

TEST(Presets, BuiltInOnesComeFirstAndStayAsTheyAre) {
  vkchat::test::TempDir dir;
  ChatStore store = ChatStore::open(dir / "p.db");
  const std::vector<Preset> presets = store.presets();
  ASSERT_EQ(presets.size(), 3u);
  EXPECT_EQ(presets[0].name, "precise");
  EXPECT_EQ(presets[1].name, "balanced");
  EXPECT_EQ(presets[2].name, "creative");
  for (const Preset& p : presets) {
    EXPECT_TRUE(p.built_in);
    EXPECT_FALSE(p.settings.system_prompt.empty()) << p.name;
  }
  // Ordered by how much randomness they allow, and balanced is the app's defaults.
  EXPECT_LT(presets[0].settings.sampling.temperature, presets[1].settings.sampling.temperature);
  EXPECT_LT(presets[1].settings.sampling.temperature, presets[2].settings.sampling.temperature);
  EXPECT_EQ(presets[1].settings.sampling, SamplingSettings{});
  EXPECT_THROW(store.save_preset("precise", {}), StoreError);
  EXPECT_THROW(store.delete_preset("creative"), StoreError);
  EXPECT_THROW(store.save_preset("", {}), StoreError);
  EXPECT_THROW(store.delete_preset("none such"), StoreError);
}

TEST(Presets, UserPresetsPersistAndAConversationKeepsItsChoice) {
  vkchat::test::TempDir dir;
  ChatSettings pirate;
  pirate.system_prompt = "Talk like a pirate.";
  pirate.sampling.temperature = 0.9;
  pirate.sampling.top_k = 12;
  pirate.sampling.seed_mode = SeedMode::Fixed;
  pirate.sampling.seed = 77;
  std::int64_t conv = 0;
  {
    ChatStore store = ChatStore::open(dir / "p.db");
    store.save_preset("pirate", pirate);
    conv = store.create_conversation().id;
    store.set_conversation_preset(conv, "pirate");
    EXPECT_THROW(store.set_conversation_preset(conv, "no such"), StoreError);
  }
  ChatStore store = ChatStore::open(dir / "p.db");
  const std::vector<Preset> presets = store.presets();
  ASSERT_EQ(presets.size(), 4u);
  EXPECT_EQ(presets[3], (Preset{"pirate", pirate, false}));
  const Conversation c = store.conversation(conv);
  EXPECT_EQ(c.preset, "pirate");
  EXPECT_EQ(c.settings, pirate);

  // A built-in preset replaces the settings again; replacing a user preset keeps one entry.
  store.set_conversation_preset(conv, "precise");
  EXPECT_EQ(store.conversation(conv).settings, store.preset("precise")->settings);
  EXPECT_EQ(store.conversation(conv).preset, "precise");
  pirate.sampling.top_k = 13;
  store.save_preset("pirate", pirate);
  EXPECT_EQ(store.presets().size(), 4u);
  EXPECT_EQ(store.preset("pirate")->settings.sampling.top_k, 13);
  store.delete_preset("pirate");
  EXPECT_EQ(store.preset("pirate"), std::nullopt);
  EXPECT_EQ(store.create_conversation().preset, "");
}

}  // namespace
