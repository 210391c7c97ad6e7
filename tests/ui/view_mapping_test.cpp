// view_mapping: the store's, the view-models' and the engine's types map onto each other without
// losing a field, and the settings panel starts from the store's defaults.
#include "view_mapping.h"

#include <gtest/gtest.h>

#include "chat/chat_session.h"
#include "sampler/sampler.h"
#include "support/test_support.h"

namespace vkchat::gui {
namespace {

store::ChatSettings unusual_settings() {
  store::ChatSettings s;
  s.sampling.temperature = 1.25;
  s.sampling.top_p = 0.5;
  s.sampling.top_k = 7;
  s.sampling.min_p = 0.2;
  s.sampling.repeat_penalty = 1.3;
  s.sampling.max_tokens = 99;
  s.sampling.seed_mode = store::SeedMode::Fixed;
  s.sampling.seed = 123456789;
  s.system_prompt = "Answer in French. \xC3\xA9";
  return s;
}

TEST(ViewMapping, SettingsSurviveThePanelBothWays) {
  const store::ChatSettings s = unusual_settings();
  EXPECT_EQ(to_store(to_values(s)), s);
  const ui::SettingsValues v = to_values(s);
  EXPECT_DOUBLE_EQ(v.temperature, 1.25);
  EXPECT_EQ(v.topK, 7);
  EXPECT_FALSE(v.randomSeed);
  EXPECT_EQ(v.seed, 123456789);
  EXPECT_EQ(v.systemPrompt, QString::fromUtf8("Answer in French. \xC3\xA9"));
}

TEST(ViewMapping, ThePanelStartsFromTheStoresDefaults) {
  EXPECT_EQ(ui::SettingsValues{}, to_values(store::ChatSettings{}));
  EXPECT_EQ(to_store(ui::SettingsValues{}), store::ChatSettings{});
}

TEST(ViewMapping, TheEngineSamplesWithTheStoredSettings) {
  const sampler::SamplerSettings e = sampler_settings(unusual_settings().sampling);
  EXPECT_FLOAT_EQ(e.temperature, 1.25f);
  EXPECT_FLOAT_EQ(e.top_p, 0.5f);
  EXPECT_EQ(e.top_k, 7);
  EXPECT_FLOAT_EQ(e.min_p, 0.2f);
  EXPECT_FLOAT_EQ(e.repeat_penalty, 1.3f);
  EXPECT_EQ(e.seed, 123456789u);
  EXPECT_NO_THROW(e.validate());
}

TEST(ViewMapping, EveryWayAnAnswerEndsIsRecorded) {
  EXPECT_EQ(finish_reason(chat::FinishReason::EndOfGeneration), store::FinishReason::Stop);
  EXPECT_EQ(finish_reason(chat::FinishReason::StopString), store::FinishReason::Stop);
  EXPECT_EQ(finish_reason(chat::FinishReason::MaxTokens), store::FinishReason::Length);
  EXPECT_EQ(finish_reason(chat::FinishReason::ContextFull), store::FinishReason::Length);
  EXPECT_EQ(finish_reason(chat::FinishReason::Stopped), store::FinishReason::Cancelled);
}

TEST(ViewMapping, ThePromptIsTheSystemPromptAndTheBranchBeforeTheAnswer) {
  store::Conversation c;
  c.settings.system_prompt = "Be brief.";
  std::vector<store::Message> path(3);
  path[0].role = store::Role::User;
  path[0].content = "Hi";
  path[1].role = store::Role::Assistant;
  path[1].content = "Hello";
  path[2].role = store::Role::User;
  path[2].content = "Why?";
  const std::vector<ChatTurn> turns = prompt_turns(c, path, 2);
  ASSERT_EQ(turns.size(), 3u);
  EXPECT_EQ(turns[0].role, store::Role::System);
  EXPECT_EQ(turns[0].content, "Be brief.");
  EXPECT_EQ(turns[2].role, store::Role::Assistant);
  EXPECT_EQ(turns[2].content, "Hello");
  c.settings.system_prompt.clear();
  EXPECT_EQ(prompt_turns(c, path, 10).size(), 3u);  // no system prompt, the whole path
}

// An answer's reasoning goes with it to the engine as reasoning_content, and the template
// decides: Qwen3's renders it for an answer after the last question and drops it before one.
TEST(ViewMapping, ThePromptCarriesTheReasoningAsTheTemplateDecides) {
  store::Conversation c;
  std::vector<store::Message> path(3);
  path[0].role = store::Role::User;
  path[0].content = "Hi";
  path[1].role = store::Role::Assistant;
  path[1].content = "Hello";
  path[1].reasoning = "Greet back briefly.";
  path[2].role = store::Role::User;
  path[2].content = "Why?";
  const std::vector<ChatTurn> turns = prompt_turns(c, path, 3);
  ASSERT_EQ(turns.size(), 3u);
  EXPECT_EQ(turns[1].reasoning, "Greet back briefly.");
  const std::vector<chat::Message> messages = messages_of(turns);
  EXPECT_EQ(messages[1].reasoning_content, "Greet back briefly.");
  EXPECT_EQ(messages[1].content, "Hello");
  EXPECT_EQ(messages[0].reasoning_content, "");

  const chat::ChatTemplate qwen3 = chat::ChatTemplate::from_source(
      test::read_file(test::shared_path("templates/Qwen-Qwen3-0.6B.jinja")), "", "<|im_end|>",
      "Qwen3");
  const std::string kept =
      qwen3.render(std::span(messages).first(2), /*add_generation_prompt=*/false).text;
  EXPECT_NE(kept.find("<think>\nGreet back briefly.\n</think>"), std::string::npos) << kept;
  const std::string dropped = qwen3.render(messages, /*add_generation_prompt=*/true).text;
  EXPECT_EQ(dropped.find("Greet back"), std::string::npos) << dropped;
  EXPECT_NE(dropped.find("Hello"), std::string::npos) << dropped;
}

TEST(ViewMapping, TheReasoningSwitchesSurviveThePanelAndReachTheEngine) {
  store::ChatSettings s = unusual_settings();
  s.enable_thinking = false;
  s.reasoning_effort = "high";
  EXPECT_EQ(to_store(to_values(s)), s);
  EXPECT_EQ(to_values(s).thinking, "off");
  s.enable_thinking = true;
  EXPECT_EQ(to_store(to_values(s)), s);
  s.enable_thinking.reset();
  s.reasoning_effort.clear();
  EXPECT_EQ(to_store(to_values(s)), s);
  EXPECT_EQ(to_values(s).thinking, "");

  GenerationRequest r;
  r.enableThinking = false;
  r.reasoningEffort = "low";
  const chat::TemplateSwitches sw = template_switches(r);
  EXPECT_EQ(sw.enable_thinking, std::optional<bool>(false));
  EXPECT_EQ(sw.reasoning_effort, "low");
  EXPECT_EQ(template_switches(GenerationRequest{}).enable_thinking, std::nullopt);
}

TEST(ViewMapping, AStoredAnswersReasoningIsShownApart) {
  store::Message m;
  m.role = store::Role::Assistant;
  m.content = "Hello";
  m.reasoning = "Greet back.";
  m.reasoning_tokens = 3;
  m.reasoning_ms = 1250;
  const ui::MessageItem item = to_item(m);
  EXPECT_EQ(item.reasoning, "Greet back.");
  EXPECT_EQ(item.content, "Hello");
  EXPECT_EQ(ui::reasoning_summary(item),
            QString::fromUtf8("Thinking \u00b7 3 tokens \u00b7 1.3 s"));
  m.reasoning.clear();
  EXPECT_EQ(ui::reasoning_summary(to_item(m)), QString());
}

TEST(ViewMapping, AnAnswersDetailsNameItsSpeedEndAndSampling) {
  store::Message m;
  m.role = store::Role::Assistant;
  m.stats = store::GenerationStats{0, 41.26, 85.2, store::FinishReason::Length};
  store::SamplingSettings used;
  used.temperature = 0.7;
  used.top_p = 0.9;
  used.seed = 42;
  m.sampling = used;
  EXPECT_EQ(
      answer_details(m),
      QString::fromUtf8("41.3 tok/s \xC2\xB7 85 ms to first token \xC2\xB7 length limit \xC2\xB7 "
                        "temp 0.70 \xC2\xB7 top-p 0.90 \xC2\xB7 seed 42"));
  // A failed answer says why when it was kept (schema 6 on), else only that it failed.
  m.stats = store::GenerationStats{0, 0, 0, store::FinishReason::Error, "the server went away"};
  EXPECT_TRUE(answer_details(m).startsWith(QStringLiteral("failed: the server went away \u00B7")))
      << answer_details(m).toStdString();
  m.stats->error.clear();
  EXPECT_TRUE(answer_details(m).startsWith(QStringLiteral("failed \u00B7")))
      << answer_details(m).toStdString();
  m.role = store::Role::User;
  EXPECT_TRUE(to_item(m).details.isEmpty());
}

TEST(ViewMapping, TheLoadedModelIsRememberedAsShown) {
  LoadedModel m;
  m.path = "/models/a.gguf";
  m.name = "a";
  m.architecture = "llama";
  m.quant = "Q4_K_M";
  m.fileSize = 1234;
  const store::RecentModel recent = to_recent(m);
  const ui::ModelInfo fromRecent = to_info(recent);
  const ui::ModelInfo fromLoaded = to_info(m);
  EXPECT_EQ(fromRecent.path, fromLoaded.path);
  EXPECT_EQ(fromRecent.name, fromLoaded.name);
  EXPECT_EQ(fromRecent.architecture, fromLoaded.architecture);
  EXPECT_EQ(fromRecent.quant, fromLoaded.quant);
  EXPECT_EQ(fromRecent.fileSize, fromLoaded.fileSize);
}

}  // namespace
}  // namespace vkchat::gui
