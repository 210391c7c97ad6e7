// `vkchat-cli chat` driven through a pipe, as a script would: answers and /stats on stdout,
// speeds and notes on stderr (reasoning too, as "Thinking: " lines), the second turn's prefill
// only the new tokens, end of input or /quit ending cleanly.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "support/test_support.h"

namespace vkchat::test {
namespace {

struct ChatRun {
  int exit_code = -1;
  std::string out, err;
};

ChatRun run_chat(const std::string& flags, const std::string& input,
                 const std::string& model = "models/stories260K.gguf") {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("vkchat-chat-cli-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::filesystem::path in = dir / "in.txt", err = dir / "err.txt";
  std::ofstream(in, std::ios::binary) << input;
  ::setenv("VKCHAT_VK_VALIDATION", "1", 1);  // the CLI prints any validation message on stderr
  const CliRun r = run_cli("chat -m '" + shared_path(model).string() + "' " + flags + " < '" +
                           in.string() + "' 2> '" + err.string() + "'");
  ChatRun out{r.exit_code, r.out, read_file(err)};
  std::filesystem::remove_all(dir);
  EXPECT_EQ(out.err.find("vulkan validation"), std::string::npos) << out.err;
  return out;
}

// "key: value" lines of /stats output.
std::map<std::string, std::string> stats_of(const std::string& out) {
  std::map<std::string, std::string> m;
  for (std::size_t at = 0; at < out.size();) {
    std::size_t end = out.find('\n', at);
    if (end == std::string::npos) end = out.size();
    const std::string line = out.substr(at, end - at);
    const std::size_t colon = line.find(": ");
    if (colon != std::string::npos) m[line.substr(0, colon)] = line.substr(colon + 2);
    at = end + 1;
  }
  return m;
}

std::size_t count(const std::string& s, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = s.find(what); at != std::string::npos; at = s.find(what, at + 1)) ++n;
  return n;
}

TEST(ChatCli, ScriptedTurnsStatsAndCommands) {
  const ChatRun r = run_chat("--greedy -n 12 --ctx 256",
                             "Tell me a story.\n"
                             "What happened next?\n"
                             "/stats\n"
                             "/set temp 0.5\n"
                             "/set bogus 1\n"
                             "/regen\n"
                             "/help\n"
                             "/quit\n"
                             "This line is never read.\n");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto stats = stats_of(r.out);
  ASSERT_TRUE(stats.count("prompt") && stats.count("reused") && stats.count("prefilled")) << r.out;
  EXPECT_EQ(stats.at("turns"), "2");
  EXPECT_EQ(stats.at("format"), "chatml (fallback: the model has no chat template)");
  EXPECT_EQ(stats.at("generated"), "12");
  EXPECT_NE(stats.at("position").find("/256"), std::string::npos);
  EXPECT_NE(stats.at("decode").find("tok/s"), std::string::npos);
  EXPECT_NE(stats.at("ttft").find("ms"), std::string::npos);
  const long prompt = std::stol(stats.at("prompt"));
  const long reused = std::stol(stats.at("reused"));
  const long prefilled = std::stol(stats.at("prefilled"));
  // The second turn evaluates only what the first did not leave in the cache.
  EXPECT_GT(reused, prompt / 2);
  EXPECT_EQ(prefilled, prompt - reused);

  // stdout: answers, /stats and /help only; the per-turn speeds and notes are on stderr.
  EXPECT_EQ(r.out.find("[prompt"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("/regen"), std::string::npos);  // /help
  EXPECT_EQ(count(r.err, "[prompt"), 3u) << r.err;     // two turns and /regen; nothing after /quit
  EXPECT_NE(r.err.find("tok/s"), std::string::npos);
  EXPECT_NE(r.err.find("temp = 0.5"), std::string::npos);
  EXPECT_NE(r.err.find("unknown setting 'bogus'"), std::string::npos);
  EXPECT_NE(r.err.find("chat format chatml (fallback: the model has no chat template)"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(r.err.find("> "), std::string::npos);  // no prompts when stdin is not a terminal
}

// qwen35's recurrent state cannot be cut back to a shared prefix: the second turn restores the
// checkpoint at the end of the first prompt (all of it but the last token, fed again for its
// logits) and /regen the one at the end of its own prompt, and /stats says so.
TEST(ChatCli, RecurrentModelReusesStateCheckpoints) {
  const ChatRun r = run_chat("--greedy -n 12 --ctx 256",
                             "Tell me a story.\n"
                             "What happened next?\n"
                             "/stats\n"
                             "/regen\n"
                             "/stats\n"
                             "/quit\n",
                             "models/zoo/synth-qwen35-f16.gguf");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::size_t second = r.out.find("turns: ", r.out.find("turns: ") + 1);
  ASSERT_NE(second, std::string::npos) << r.out;
  const auto turn2 = stats_of(r.out.substr(0, second));
  const auto regen = stats_of(r.out.substr(second));
  ASSERT_TRUE(turn2.count("reused") && regen.count("reused")) << r.out;
  const std::size_t at = r.err.find("[prompt ");
  ASSERT_NE(at, std::string::npos) << r.err;
  const long first_prompt = std::stol(r.err.substr(at + 8));
  const long prompt = std::stol(turn2.at("prompt"));
  EXPECT_GT(prompt, first_prompt);
  EXPECT_GE(std::stol(turn2.at("reused")), first_prompt - 1);
  EXPECT_EQ(std::stol(turn2.at("reused")) + std::stol(turn2.at("prefilled")), prompt);
  EXPECT_EQ(std::stol(regen.at("prompt")), prompt);
  EXPECT_LE(std::stol(regen.at("prefilled")), 1);
  EXPECT_EQ(std::stol(regen.at("reused")) + std::stol(regen.at("prefilled")), prompt);
}

TEST(ChatCli, EndOfInputEndsTheChatAndBadUsageFails) {
  const ChatRun r = run_chat("--greedy -n 4", "Hello\n\n/nope\n");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(count(r.err, "[prompt"), 1u) << r.err;
  EXPECT_NE(r.err.find("unknown command /nope"), std::string::npos) << r.err;

  const ChatRun bad = run_chat("--context-policy sometimes", "");
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("--context-policy"), std::string::npos) << bad.err;
}

// Lines of `text` (without their line breaks).
std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  for (std::size_t at = 0; at < text.size();) {
    std::size_t end = text.find('\n', at);
    if (end == std::string::npos) end = text.size();
    out.push_back(text.substr(at, end - at));
    at = end + 1;
  }
  return out;
}

// DeepSeek-R1's template opens <think> in the prompt, so stories260K's whole answer is reasoning:
// it goes to stderr as "Thinking: " lines and stdout gets the (empty) answer alone. Qwen3's with
// --think off closes the block in the prompt: the answer is on stdout as without reasoning.
TEST(ChatCli, ReasoningIsShownApartAndThinkMapsToEnableThinking) {
  const std::string r1 = shared_path("templates/deepseek-ai-DeepSeek-R1-Distill-Llama-8B.jinja");
  const ChatRun r =
      run_chat("--greedy -n 10 --ctx 256 --think on --chat-template-file '" + r1 + "'",
               "Tell me a story.\n");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "\n");
  EXPECT_NE(r.err.find("--think: this chat template has no enable_thinking switch; ignored"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("chat format jinja; reasoning think-tags\n"), std::string::npos) << r.err;
  // Between the banner and the speeds, only reasoning lines, with some text.
  const std::vector<std::string> err = lines_of(r.err);
  std::size_t thinking = 0, text = 0;
  bool speeds = false;
  for (const std::string& line : err) {
    if (line.starts_with("[prompt")) speeds = true;
    if (!line.starts_with("Thinking: ")) continue;
    EXPECT_FALSE(speeds) << "reasoning after the turn ended";
    ++thinking;
    text += line.size() - 10;
  }
  EXPECT_GE(thinking, 1u) << r.err;
  // All 10 tokens were reasoning (it never closed): the speeds line says so.
  EXPECT_NE(r.err.find("max-tokens; thought 10 tokens for "), std::string::npos) << r.err;
  EXPECT_GT(text, 0u) << r.err;
  EXPECT_TRUE(speeds) << r.err;

  const std::string qwen3 = shared_path("templates/Qwen-Qwen3-0.6B.jinja");
  const ChatRun off =
      run_chat("--greedy -n 10 --ctx 256 --think off --chat-template-file '" + qwen3 + "'",
               "Tell me a story.\n/set think on\n/set think maybe\n");
  ASSERT_EQ(off.exit_code, 0) << off.err;
  EXPECT_EQ(off.err.find("Thinking: "), std::string::npos) << off.err;
  EXPECT_EQ(off.err.find("ignored"), std::string::npos) << off.err;
  EXPECT_EQ(off.err.find("thought"), std::string::npos) << off.err;
  EXPECT_NE(off.err.find("think = on\n"), std::string::npos) << off.err;
  EXPECT_NE(off.err.find("think must be on or off\n"), std::string::npos) << off.err;
  EXPECT_GT(off.out.size(), 1u);
  EXPECT_EQ(off.out.back(), '\n');

  const ChatRun bad = run_chat("--think maybe", "");
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("--think must be on or off"), std::string::npos) << bad.err;
}

}  // namespace
}  // namespace vkchat::test
