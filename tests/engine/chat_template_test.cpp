// Chat templates: every shared template/conversation pair renders byte-identical to llama.cpp,
// built-in formats are detected like llama.cpp does, and the fallback says what it did.
#include "chat/chat_template.h"

#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <string>
#include <vector>

#include "gguf/gguf_reader.h"
#include "support/test_support.h"
#include "util/errors.h"
#include "util/json.h"

namespace chat = vkchat::chat;
namespace json = vkchat::json;
namespace fs = std::filesystem;
using vkchat::TemplateError;
using vkchat::test::read_file;
using vkchat::test::shared_path;

namespace {

const char* const kConversations[] = {"basic", "final-assistant", "nosystem"};

json::Value conversation(const std::string& name) {
  return json::parse(read_file(shared_path("templates/conversations/" + name + ".json")));
}

// Strict rendering with strftime_now() fixed to a date like "26 Nov 2026".
chat::ChatRenderOptions strict_on(const std::string& date) {
  chat::ChatRenderOptions opts;
  opts.allow_fallback = false;
  std::tm t{};
  const char* end = strptime(date.c_str(), "%d %b %Y", &t);
  EXPECT_TRUE(end && *end == '\0') << date;
  std::time_t secs = timegm(&t);  // fills in the weekday and day of year
  gmtime_r(&secs, &t);
  opts.now = t;
  return opts;
}

// The harness that made the expected files fixed "now" to the conversation's date_string.
chat::ChatRenderOptions options_for(const json::Value& ctx) {
  return strict_on(ctx["date_string"].as_string());
}

std::vector<fs::path> shared_templates() {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(shared_path("templates"))) {
    if (e.path().extension() == ".jinja") out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<chat::Message> sample_chat() {
  return {{"system", "Be brief."}, {"user", "Hi"}, {"assistant", " Hello! "}, {"user", "Bye"}};
}

}  // namespace

TEST(ChatTemplate, EverySharedPairMatchesLlamaCpp) {
  int rendered = 0, raised = 0;
  for (const fs::path& path : shared_templates()) {
    std::string stem = path.stem().string();
    chat::ChatTemplate tmpl = chat::ChatTemplate::from_source(read_file(path), "", "", stem);
    for (const char* conv : kConversations) {
      SCOPED_TRACE(stem + " / " + conv);
      json::Value ctx = conversation(conv);
      fs::path expected = path.parent_path() / (stem + "." + conv + ".txt");
      fs::path expected_error = path.parent_path() / (stem + "." + conv + ".error");
      if (fs::exists(expected)) {
        chat::RenderResult r = tmpl.render(ctx, options_for(ctx));
        EXPECT_EQ(r.text, read_file(expected));
        EXPECT_EQ(r.format_name, "jinja");
        EXPECT_FALSE(r.used_fallback);
        ++rendered;
      } else {
        ASSERT_TRUE(fs::exists(expected_error)) << "no expected file";
        try {
          tmpl.render(ctx, options_for(ctx));
          ADD_FAILURE() << "rendered, but the template should raise";
        } catch (const TemplateError& e) {
          EXPECT_EQ(e.kind(), TemplateError::Kind::Raised) << e.what();
          EXPECT_FALSE(e.detail().empty());
          EXPECT_GT(e.line(), 0);
        }
        ++raised;
      }
    }
  }
  EXPECT_EQ(rendered, 37);
  EXPECT_EQ(raised, 2);
}

// Richer conversations (tools, tool calls and results, reasoning, several system messages,
// content parts) rendered by Python Jinja2 as Hugging Face does: scripts/template-goldens.py.
TEST(ChatTemplate, MatchesJinja2OnRicherConversations) {
  fs::path data = fs::path(VKCHAT_TEST_DATA_DIR) / "templates";
  int rendered = 0, failed = 0;
  for (const fs::path& path : shared_templates()) {
    std::string stem = path.stem().string();
    chat::ChatTemplate tmpl = chat::ChatTemplate::from_source(read_file(path), "", "", stem);
    for (const auto& entry : fs::directory_iterator(data / "conversations")) {
      std::string conv = entry.path().stem().string();
      SCOPED_TRACE(stem + " / " + conv);
      json::Value ctx = json::parse(read_file(entry.path()));
      chat::ChatRenderOptions opts = strict_on("26 Nov 2026");
      fs::path expected = data / (stem + "." + conv + ".txt");
      if (fs::exists(expected)) {
        EXPECT_EQ(tmpl.render(ctx, opts).text, read_file(expected));
        ++rendered;
      } else {
        ASSERT_TRUE(fs::exists(data / (stem + "." + conv + ".error"))) << "no expected file";
        EXPECT_THROW(tmpl.render(ctx, opts), TemplateError);
        ++failed;
      }
    }
  }
  EXPECT_EQ(rendered, 69);
  EXPECT_EQ(failed, 22);
}

// Newer families that ../shared lacks (Gemma 4, gpt-oss's harmony, Qwen 3.5), for ../shared's
// conversations and the richer ones, against Python Jinja2: tests/data/templates/extra.
TEST(ChatTemplate, NewerFamiliesMatchJinja2) {
  const fs::path extra = fs::path(VKCHAT_TEST_DATA_DIR) / "templates/extra";
  std::vector<fs::path> templates, conversations;
  for (const auto& e : fs::directory_iterator(extra)) {
    if (e.path().extension() == ".jinja") templates.push_back(e.path());
  }
  for (const fs::path& dir :
       {shared_path("templates/conversations"), extra.parent_path() / "conversations"}) {
    for (const auto& e : fs::directory_iterator(dir)) conversations.push_back(e.path());
  }
  std::sort(templates.begin(), templates.end());
  int rendered = 0, failed = 0;
  for (const fs::path& path : templates) {
    const std::string stem = path.stem().string();
    chat::ChatTemplate tmpl = chat::ChatTemplate::from_source(read_file(path), "", "", stem);
    for (const fs::path& conv : conversations) {
      SCOPED_TRACE(stem + " / " + conv.stem().string());
      json::Value ctx = json::parse(read_file(conv));
      const fs::path expected = extra / (stem + "." + conv.stem().string() + ".txt");
      if (fs::exists(expected)) {
        EXPECT_EQ(tmpl.render(ctx, strict_on("26 Nov 2026")).text, read_file(expected));
        ++rendered;
      } else {
        ASSERT_TRUE(fs::exists(extra / (stem + "." + conv.stem().string() + ".error")))
            << "no expected file";
        EXPECT_THROW(tmpl.render(ctx, strict_on("26 Nov 2026")), TemplateError);
        ++failed;
      }
    }
  }
  EXPECT_EQ(rendered, 46);
  EXPECT_EQ(failed, 4);

  // The Gemma 4 vocabulary's own template is the copy rendered here.
  const vkchat::gguf::GgufFile vocab =
      vkchat::gguf::GgufFile::open(shared_path("tokenizer/ggml-vocab-gemma-4.gguf"));
  EXPECT_EQ(vocab.get<std::string>("tokenizer.chat_template"),
            read_file(extra / "ggml-vocab-gemma-4.jinja"));
}

// What ChatSession renders for a history that kept its reasoning apart: messages with
// reasoning_content, and reasoning_effort as a template switch. It must match the Jinja2 render
// of the same context (tests/data/templates/conversations/reasoning.json, where gpt-oss's
// "thinking" is the copy llama.cpp makes): Qwen3 and Qwen 3.5 render the last answer's reasoning,
// gpt-oss renders it in the analysis channel with "Reasoning: low", Gemma 4 drops it.
TEST(ChatTemplate, MessagesCarryTheirReasoningAsTheTemplateDecides) {
  const json::Value ctx = json::parse(
      read_file(fs::path(VKCHAT_TEST_DATA_DIR) / "templates/conversations/reasoning.json"));
  std::vector<chat::Message> messages;
  for (const json::Value& m : ctx["messages"].as_array()) {
    const json::Value* r = m.find("reasoning_content");
    messages.push_back(
        {m["role"].as_string(), m["content"].as_string(), r ? r->as_string() : std::string()});
  }
  chat::TemplateSwitches switches;
  switches.reasoning_effort = ctx["reasoning_effort"].as_string();
  const fs::path data = fs::path(VKCHAT_TEST_DATA_DIR) / "templates";
  const std::vector<fs::path> templates = {
      shared_path("templates/Qwen-Qwen3-0.6B.jinja"), data / "extra/Qwen3.5-4B.jinja",
      data / "extra/openai-gpt-oss-120b.jinja", data / "extra/google-gemma-4-31B-it.jinja",
      shared_path("templates/deepseek-ai-DeepSeek-R1-Distill-Llama-8B.jinja")};
  for (const fs::path& path : templates) {
    const std::string stem = path.stem().string();
    SCOPED_TRACE(stem);
    const chat::ChatTemplate tmpl = chat::ChatTemplate::from_source(
        read_file(path), ctx["bos_token"].as_string(), ctx["eos_token"].as_string(), stem);
    const fs::path expected = path.parent_path() == shared_path("templates")
                                  ? data / (stem + ".reasoning.txt")
                                  : data / "extra" / (stem + ".reasoning.txt");
    EXPECT_EQ(tmpl.render(messages, false, strict_on("26 Nov 2026"), switches).text,
              read_file(expected));
  }
  // Spelled out for Qwen3, from its template: the answer after the last user message keeps its
  // reasoning in <think>, the earlier one loses it.
  const chat::ChatTemplate qwen3 =
      chat::ChatTemplate::from_source(read_file(shared_path("templates/Qwen-Qwen3-0.6B.jinja")));
  EXPECT_EQ(qwen3.render(messages, false).text,
            "<|im_start|>system\nYou are terse.<|im_end|>\n"
            "<|im_start|>user\nSolve 2+2<|im_end|>\n"
            "<|im_start|>assistant\nThe answer is 4.<|im_end|>\n"
            "<|im_start|>user\nAnd 3+3?<|im_end|>\n"
            "<|im_start|>assistant\n<think>\nThree and three.\nSix.\n</think>\n\n6<|im_end|>\n");
}

TEST(ChatTemplate, SwitchesBecomeTemplateVariables) {
  const chat::ChatTemplate qwen3 =
      chat::ChatTemplate::from_source(read_file(shared_path("templates/Qwen-Qwen3-0.6B.jinja")));
  EXPECT_TRUE(qwen3.uses_variable("enable_thinking"));
  EXPECT_FALSE(qwen3.uses_variable("reasoning_effort"));
  EXPECT_EQ(qwen3.reasoning_format(), chat::ReasoningFormat::ThinkTags);
  const std::vector<chat::Message> hi = {{"user", "Hi"}};
  chat::TemplateSwitches off;
  off.enable_thinking = false;
  EXPECT_TRUE(qwen3.render(hi, true, {}, off)
                  .text.ends_with("<|im_start|>assistant\n<think>\n\n</think>\n\n"));
  EXPECT_TRUE(qwen3.render(hi, true).text.ends_with("<|im_start|>assistant\n"));
  chat::TemplateSwitches on;
  on.enable_thinking = true;
  EXPECT_EQ(qwen3.render(hi, true, {}, on).text, qwen3.render(hi, true).text);

  const chat::ChatTemplate gpt_oss = chat::ChatTemplate::from_source(
      read_file(fs::path(VKCHAT_TEST_DATA_DIR) / "templates/extra/openai-gpt-oss-120b.jinja"));
  EXPECT_TRUE(gpt_oss.uses_variable("reasoning_effort"));
  EXPECT_EQ(gpt_oss.reasoning_format(), chat::ReasoningFormat::Harmony);
  chat::TemplateSwitches high;
  high.reasoning_effort = "high";
  EXPECT_NE(gpt_oss.render(hi, true, {}, high).text.find("Reasoning: high"), std::string::npos);
  EXPECT_NE(gpt_oss.render(hi, true).text.find("Reasoning: medium"), std::string::npos);
  // Without a template there is no reasoning format.
  EXPECT_EQ(chat::ChatTemplate::from_format(chat::ChatFormat::ChatML).reasoning_format(),
            chat::ReasoningFormat::None);
}

TEST(ChatTemplate, GemmaRejectsASystemMessageWithItsOwnWords) {
  chat::ChatTemplate tmpl = chat::ChatTemplate::from_source(
      read_file(shared_path("templates/google-gemma-2-2b-it.jinja")), "<bos>", "<eos>", "gemma");
  json::Value ctx = conversation("basic");
  try {
    tmpl.render(ctx, options_for(ctx));
    FAIL() << "no error";
  } catch (const TemplateError& e) {
    EXPECT_EQ(std::string(e.what()), "gemma:1:59: raise_exception: System role not supported");
  }
  // with fallback allowed, the built-in Gemma format merges the system prompt instead
  chat::RenderResult r = tmpl.render(ctx);
  EXPECT_TRUE(r.used_fallback);
  EXPECT_EQ(r.format_name, "gemma");
  EXPECT_NE(r.fallback_reason.find("System role not supported"), std::string::npos);
  EXPECT_EQ(
      r.text,
      "<start_of_turn>user\nYou are a helpful assistant.\n\nHello, how are you?<end_of_turn>\n"
      "<start_of_turn>model\nI am fine, thank you!<end_of_turn>\n"
      "<start_of_turn>user\nWrite a haiku about  GPUs.\nKeep it short.<end_of_turn>\n"
      "<start_of_turn>model\n");
  // the conversation's eos_token wins over the template's own
  EXPECT_EQ(r.stop_strings, (std::vector<std::string>{"<end_of_turn>", "</s>"}));
}

TEST(ChatTemplate, DetectsTheFamilyOfEachSharedTemplate) {
  const std::pair<const char*, const char*> expected[] = {
      {"HuggingFaceTB-SmolLM3-3B", "chatml"},
      {"LFM2.5-Instruct", "chatml"},
      {"Mistral-Small-3.2-24B-Instruct-2506", "mistral-v7"},
      {"NousResearch-Hermes-3-Llama-3.1-8B-tool_use", "chatml"},
      {"Qwen-Qwen2.5-7B-Instruct", "chatml"},
      {"Qwen-Qwen3-0.6B", "chatml"},
      {"deepseek-ai-DeepSeek-R1-Distill-Llama-8B", "deepseek3"},
      {"google-gemma-2-2b-it", "gemma"},
      {"ibm-granite-granite-3.3-2B-Instruct", "granite"},
      {"meta-llama-Llama-3.1-8B-Instruct", "llama3"},
      {"meta-llama-Llama-3.2-3B-Instruct", "llama3"},
      {"microsoft-Phi-3.5-mini-instruct", "phi3"},
      {"mistralai-Mistral-Nemo-Instruct-2407", "mistral-v3-tekken"},
  };
  EXPECT_EQ(shared_templates().size(), std::size(expected));
  for (const auto& [stem, family] : expected) {
    SCOPED_TRACE(stem);
    std::string src = read_file(shared_path(std::string("templates/") + stem + ".jinja"));
    EXPECT_EQ(chat::format_name(chat::detect_from_template(src)), family);
  }
}

TEST(ChatTemplate, DetectionFollowsLlamaCppMarkers) {
  using F = chat::ChatFormat;
  EXPECT_EQ(chat::detect_from_template("chatml"), F::ChatML);  // a format name selects it
  EXPECT_EQ(chat::detect_from_template("{{ '<|im_start|>' + m + '<|im_sep|>' }}"),
            F::Unknown);  // phi4
  EXPECT_EQ(chat::detect_from_template("{{ '[INST] ' + content + ' [/INST]' }}"), F::Llama2);
  EXPECT_EQ(chat::detect_from_template("[INST] <<SYS>>"), F::Llama2Sys);
  EXPECT_EQ(chat::detect_from_template("[INST] <<SYS>> content.strip()"), F::Llama2SysStrip);
  EXPECT_EQ(chat::detect_from_template("{{ bos_token + '[INST] ' }} <<SYS>>"), F::Llama2SysBos);
  EXPECT_EQ(chat::detect_from_template("' [INST] ' + system_message"), F::MistralV1);
  EXPECT_EQ(chat::detect_from_template("[AVAILABLE_TOOLS] '[INST]'"), F::MistralV3);
  EXPECT_EQ(chat::detect_from_template("<|user|>\n{{ c }}<|endoftext|>"), F::Zephyr);
  EXPECT_EQ(chat::detect_from_template("<|user|> <|assistant|>"), F::Unknown);  // Falcon 3
  EXPECT_EQ(chat::detect_from_template("plain {{ text }}"), F::Unknown);
}

TEST(ChatTemplate, DetectsFromTheVocabulary) {
  auto from_vocab = [](const char* file) {
    vkchat::gguf::GgufFile f = vkchat::gguf::GgufFile::open(shared_path(file));
    return std::string(chat::format_name(
        chat::detect_from_vocab(f.get_array<std::string_view>("tokenizer.ggml.tokens"))));
  };
  EXPECT_EQ(from_vocab("tokenizer/ggml-vocab-qwen2.gguf"), "chatml");
  EXPECT_EQ(from_vocab("tokenizer/ggml-vocab-llama-bpe.gguf"), "llama3");
  EXPECT_EQ(from_vocab("tokenizer/ggml-vocab-phi-3.gguf"), "phi3");
  EXPECT_EQ(from_vocab("tokenizer/ggml-vocab-llama-spm.gguf"), "unknown");
  std::array<std::string_view, 3> gemma{"<pad>", "<start_of_turn>", "<end_of_turn>"};
  EXPECT_EQ(chat::detect_from_vocab(gemma), chat::ChatFormat::Gemma);
  std::array<std::string_view, 3> mistral{"[INST]", "[/INST]", "[SYSTEM_PROMPT]"};
  EXPECT_EQ(chat::detect_from_vocab(mistral), chat::ChatFormat::MistralV7);
}

TEST(ChatTemplate, ModelWithoutTemplateFallsBackToChatML) {
  vkchat::gguf::GgufFile f = vkchat::gguf::GgufFile::open(shared_path("models/stories260K.gguf"));
  chat::ChatTemplate tmpl = chat::ChatTemplate::from_gguf(f);
  EXPECT_FALSE(tmpl.has_template());
  EXPECT_EQ(tmpl.bos_token(), "<s>");
  EXPECT_EQ(tmpl.eos_token(), "</s>");
  chat::RenderResult r = tmpl.render(sample_chat(), true);
  EXPECT_TRUE(r.used_fallback);
  EXPECT_EQ(r.format_name, "chatml");
  EXPECT_EQ(r.fallback_reason, "the model has no chat template");
  EXPECT_EQ(r.text,
            "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n"
            "<|im_start|>assistant\n Hello! <|im_end|>\n<|im_start|>user\nBye<|im_end|>\n"
            "<|im_start|>assistant\n");
  EXPECT_EQ(r.stop_strings, (std::vector<std::string>{"<|im_end|>", "</s>"}));
}

TEST(ChatTemplate, ModelTemplateRendersWithTheModelsTokens) {
  vkchat::gguf::GgufFile f =
      vkchat::gguf::GgufFile::open(shared_path("models/synth-phi3-q8_0.gguf"));
  chat::ChatTemplate tmpl = chat::ChatTemplate::from_gguf(f);
  ASSERT_TRUE(tmpl.has_template());
  EXPECT_EQ(tmpl.fallback_format(), chat::ChatFormat::Phi3);
  chat::RenderResult r =
      tmpl.render(std::vector<chat::Message>{{"user", "Hi"}, {"assistant", "Yo"}}, false);
  EXPECT_FALSE(r.used_fallback);
  EXPECT_EQ(r.format_name, "jinja");
  EXPECT_EQ(r.text, "<s><|user|>\nHi<|end|>\n<|assistant|>\nYo<|end|>\n");
  EXPECT_EQ(r.stop_strings, (std::vector<std::string>{"<|end|>", "<|endoftext|>"}));
}

TEST(ChatTemplate, BrokenTemplateFallsBackWithTheParseError) {
  chat::ChatTemplate tmpl =
      chat::ChatTemplate::from_source("<|im_start|>{% for m in messages %}", "", "");
  chat::RenderResult r = tmpl.render(sample_chat(), true);
  EXPECT_TRUE(r.used_fallback);
  EXPECT_EQ(r.format_name, "chatml");
  EXPECT_NE(r.fallback_reason.find("chat template:1:"), std::string::npos) << r.fallback_reason;
  chat::ChatRenderOptions strict;
  strict.allow_fallback = false;
  EXPECT_THROW(tmpl.render(sample_chat(), true, strict), TemplateError);
}

// A template vkchat cannot render falls back loudly: the result names the built-in format used
// and why, for the front end to show; detection from the template's text picks the format.
TEST(ChatTemplate, UnrenderableTemplateFallsBackAndNamesTheFormat) {
  const std::string llama3_markers = "{{ '<|start_header_id|>' }}{{ '<|end_header_id|>' }}";
  struct Case {
    std::string source;
    std::string reason;  // part of fallback_reason
  };
  const Case cases[] = {
      {llama3_markers + "{% call foo() %}x{% endcall %}", "'{% call %}' is not supported"},
      {llama3_markers + "{% for i in range(100000000) %}{% endfor %}", "items exceeds the limit"},
      {llama3_markers +
           "{% macro f(n) %}{% if n < 40 %}{{ f(n+1) }}{{ f(n+1) }}{% endif %}{% endmacro %}"
           "{{ f(0) }}",
       "units of work"},
  };
  for (const Case& c : cases) {
    chat::ChatTemplate tmpl = chat::ChatTemplate::from_source(c.source, "", "", "model template");
    chat::RenderResult r = tmpl.render(sample_chat(), true);
    EXPECT_TRUE(r.used_fallback) << c.source;
    EXPECT_EQ(r.format_name, "llama3") << c.source;
    EXPECT_EQ(r.fallback_reason.rfind("model template:1:", 0), 0u) << r.fallback_reason;
    EXPECT_NE(r.fallback_reason.find(c.reason), std::string::npos) << r.fallback_reason;
    EXPECT_NE(r.text.find("<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>"),
              std::string::npos)
        << r.text;
  }
}

// The caller's stop flag ends a render; a stop is not a template failure, so it never falls back.
TEST(ChatTemplate, RenderIsCancellableAndDoesNotFallBack) {
  chat::ChatTemplate tmpl = chat::ChatTemplate::from_source(
      "{% macro f(n) %}{% if n < 45 %}{{ f(n+1) }}{{ f(n+1) }}{% endif %}{% endmacro %}{{ f(0) }}");
  std::atomic<bool> stop{true};
  chat::ChatRenderOptions opts;
  opts.cancel = &stop;
  opts.limits.max_work = ~0ull;
  EXPECT_THROW(tmpl.render(sample_chat(), true, opts), vkchat::Cancelled);
  stop = false;
  chat::ChatTemplate ok = chat::ChatTemplate::from_source("{{ messages|length }}");
  EXPECT_EQ(ok.render(sample_chat(), true, opts).text, "4");
}

TEST(ChatTemplate, ContextDefaultsAndValidation) {
  chat::ChatTemplate tmpl = chat::ChatTemplate::from_source(
      "{{ bos_token }}|{{ eos_token }}|{{ add_generation_prompt }}|{{ tools|length }}", "B", "E");
  json::Value ctx = json::parse(R"({"messages": [], "tools": [1, 2]})");
  EXPECT_EQ(tmpl.render(ctx).text, "B|E|True|2");
  ctx.set("bos_token", "X");
  ctx.set("add_generation_prompt", false);
  EXPECT_EQ(tmpl.render(ctx).text, "X|E|False|2");
  EXPECT_THROW(tmpl.render(json::parse(R"({"messages": [{"content": "x"}]})")),
               std::invalid_argument);
  EXPECT_THROW(tmpl.render(json::parse(R"({"msgs": []})")), std::invalid_argument);
}

TEST(ChatTemplate, BuiltInFormats) {
  auto fmt = [](chat::ChatFormat f, bool add = true) {
    return chat::ChatTemplate::from_format(f).render(sample_chat(), add).text;
  };
  using F = chat::ChatFormat;
  EXPECT_EQ(fmt(F::Llama2), "[INST] Be brief.\nHi [/INST] Hello! </s>[INST] Bye [/INST]");
  EXPECT_EQ(fmt(F::Llama2Sys),
            "[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\nHi [/INST] Hello! </s>[INST] Bye [/INST]");
  EXPECT_EQ(fmt(F::Llama2SysBos),
            "[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\nHi [/INST] Hello! </s><s>[INST] Bye [/INST]");
  EXPECT_EQ(fmt(F::Llama2SysStrip),
            "[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\nHi [/INST]Hello!</s>[INST] Bye [/INST]");
  EXPECT_EQ(fmt(F::Llama3),
            "<|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|>"
            "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>"
            "<|start_header_id|>assistant<|end_header_id|>\n\nHello!<|eot_id|>"
            "<|start_header_id|>user<|end_header_id|>\n\nBye<|eot_id|>"
            "<|start_header_id|>assistant<|end_header_id|>\n\n");
  EXPECT_EQ(fmt(F::MistralV1), " [INST] Be brief.\n\nHi [/INST]  Hello! </s> [INST] Bye [/INST]");
  EXPECT_EQ(fmt(F::MistralV3), "[INST] Be brief.\n\nHi[/INST] Hello!</s>[INST] Bye[/INST]");
  EXPECT_EQ(fmt(F::MistralV3Tekken), "[INST]Be brief.\n\nHi[/INST] Hello! </s>[INST]Bye[/INST]");
  EXPECT_EQ(
      fmt(F::MistralV7),
      "[SYSTEM_PROMPT] Be brief.[/SYSTEM_PROMPT][INST] Hi[/INST]  Hello! </s>[INST] Bye[/INST]");
  EXPECT_EQ(fmt(F::Phi3, false),
            "<|system|>\nBe brief.<|end|>\n<|user|>\nHi<|end|>\n<|assistant|>\n Hello! "
            "<|end|>\n<|user|>\nBye<|end|>\n");
  EXPECT_EQ(fmt(F::Zephyr),
            "<|system|>\nBe brief.<|endoftext|>\n<|user|>\nHi<|endoftext|>\n<|assistant|>\n Hello! "
            "<|endoftext|>\n"
            "<|user|>\nBye<|endoftext|>\n<|assistant|>\n");
  EXPECT_EQ(fmt(F::Gemma, false),
            "<start_of_turn>user\nBe "
            "brief.\n\nHi<end_of_turn>\n<start_of_turn>model\nHello!<end_of_turn>\n"
            "<start_of_turn>user\nBye<end_of_turn>\n");
  EXPECT_EQ(fmt(F::Granite),
            "<|start_of_role|>system<|end_of_role|>Be brief.<|end_of_text|>\n"
            "<|start_of_role|>user<|end_of_role|>Hi<|end_of_text|>\n"
            "<|start_of_role|>assistant<|end_of_role|> Hello! <|end_of_text|>\n"
            "<|start_of_role|>user<|end_of_role|>Bye<|end_of_text|>\n"
            "<|start_of_role|>assistant<|end_of_role|>\n");
  EXPECT_EQ(fmt(F::DeepSeek3),
            "Be brief.\n\n<｜User｜>Hi<｜Assistant｜> Hello! "
            "<｜end▁of▁sentence｜><｜User｜>Bye<｜Assistant｜>");
  EXPECT_FALSE(chat::ChatTemplate::from_format(F::Phi3).render(sample_chat(), true).used_fallback);
  for (const char* name : {"chatml", "llama2", "llama3", "mistral-v7", "phi3", "gemma", "zephyr"}) {
    SCOPED_TRACE(name);
    auto f = chat::format_from_name(name);
    ASSERT_TRUE(f.has_value());
    EXPECT_EQ(chat::format_name(*f), name);
    EXPECT_FALSE(chat::stop_strings(*f).empty());
  }
  EXPECT_FALSE(chat::format_from_name("nope").has_value());
}

// The CLI: exact bytes on stdout, errors on stderr with exit code 1.
namespace {

struct CliRun {
  int status = -1;
  std::string out;
};

CliRun run_cli(const std::string& args) {
  std::string cmd =
      "SOURCE_DATE_EPOCH=1795651200 '" + vkchat::test::cli_path().string() + "' " + args + " 2>&1";
  CliRun r;
  std::FILE* p = popen(cmd.c_str(), "r");
  if (!p) throw std::runtime_error("popen failed");
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) r.out.append(buf, n);
  int st = pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

}  // namespace

TEST(ChatTemplateCli, PrintsTheRenderedPromptExactly) {
  std::string dir = shared_path("templates").string();
  CliRun r =
      run_cli("template '" + dir + "/ibm-granite-granite-3.3-2B-Instruct.jinja' --messages '" +
              dir + "/conversations/nosystem.json'");
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(r.out, read_file(dir + "/ibm-granite-granite-3.3-2B-Instruct.nosystem.txt"));

  r = run_cli("template '" + dir + "/meta-llama-Llama-3.1-8B-Instruct.jinja' --messages '" + dir +
              "/conversations/basic.json' --no-generation-prompt --bos '<|begin_of_text|>'");
  EXPECT_EQ(r.status, 0) << r.out;
  std::string expected = read_file(dir + "/meta-llama-Llama-3.1-8B-Instruct.basic.txt");
  expected.replace(0, 3, "<|begin_of_text|>");
  expected.resize(expected.size() -
                  std::string("<|start_header_id|>assistant<|end_header_id|>\n\n").size());
  EXPECT_EQ(r.out, expected);
}

TEST(ChatTemplateCli, TemplateErrorsFailWithTheMessage) {
  std::string dir = shared_path("templates").string();
  CliRun r = run_cli("template '" + dir + "/google-gemma-2-2b-it.jinja' --messages '" + dir +
                     "/conversations/basic.json'");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(
      r.out.find("google-gemma-2-2b-it.jinja:1:59: raise_exception: System role not supported"),
      std::string::npos)
      << r.out;
  r = run_cli("template '" + dir + "/google-gemma-2-2b-it.jinja'");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("--messages"), std::string::npos);
}

TEST(ChatTemplateCli, ModelInputUsesItsTemplateOrSaysWhichFallback) {
  std::string conv = shared_path("templates/conversations/nosystem.json").string();
  CliRun r = run_cli("template '" + shared_path("models/synth-qwen2-q4_0.gguf").string() +
                     "' --messages '" + conv + "'");
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(r.out,
            "<|im_start|>system\nYou are a helpful assistant<|im_end|>\n<|im_start|>user\nWhat is "
            "2+2?<|im_end|>\n"
            "<|im_start|>assistant\n4<|im_end|>\n<|im_start|>user\n  And 3+3?  "
            "<|im_end|>\n<|im_start|>assistant\n");
  r = run_cli("template '" + shared_path("models/stories260K.gguf").string() + "' --messages '" +
              conv + "'");
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("the model has no chat template; using the built-in 'chatml' format"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("<|im_start|>user\nWhat is 2+2?<|im_end|>\n"), std::string::npos);
}
