// `vkchat-cli chat -m MODEL [--system S] [sampling flags] [--ctx N] [-n MAX_TOKENS]`: an
// interactive conversation on stdin/stdout. Answers stream to stdout (one line break after each),
// and so do the outputs of /stats and /help; everything else (banner, prompt, speeds, notes, and
// a thinking model's reasoning as "Thinking: " lines) goes to stderr, so piped use reads only what
// it asked for.
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <string>

#include "chat/chat_session.h"
#include "cli/cli_common.h"
#include "cli/model_cli.h"
#include "cli/reasoning_flags.h"
#include "cli/remote_chat.h"
#include "cli/sampling_flags.h"
#include "llm/model.h"

namespace vkchat::cli {

extern const std::string_view kChatHelp;
const std::string_view kChatHelp =
    "usage: vkchat-cli chat -m MODEL [--system S] [-n MAX_TOKENS] [--ctx N]\n"
    "                       [--context-policy drop-oldest|error] [reasoning flags]\n"
    "                       [sampling flags]\n"
    "       vkchat-cli chat --remote URL [--api-key KEY] --model NAME [--system S] [-n N]\n"
    "                       [--think on|off] [--reasoning-effort E] [sampling flags]\n"
    "                       (an OpenAI-compatible server, e.g. serve)\n"
    "\n"
    "A conversation in the model's chat template (or the built-in format it falls back to).\n"
    "Each line on stdin is a user message (end a line with \\ to continue it on the next);\n"
    "the answer streams to stdout, followed by a line break, and its speeds go to stderr.\n"
    "Follow-up turns reuse the KV cache: only the new tokens are evaluated. Ctrl-C stops an\n"
    "answer; end of input ends the chat. A model that reasons before answering (its template\n"
    "marks it: <think>, gpt-oss's analysis channel, Gemma 4's thought channel) has its\n"
    "reasoning shown on stderr as \"Thinking: \" lines, apart from the answer on stdout; the\n"
    "next turn's prompt carries it as the template decides.\n"
    "  -m, --model MODEL       GGUF file\n"
    "  --system S              system prompt\n"
    "  -n MAX_TOKENS           tokens per answer, -1 = until the model ends it or the context\n"
    "                          is full (-1)\n"
    "  --ctx N                 context size (min(the model's, 4096))\n"
    "  --context-policy P      when the conversation outgrows the context: drop-oldest keeps\n"
    "                          the system prompt and leaves out the oldest turns; error stops\n"
    "                          with a message (drop-oldest)\n"
    "\n"
    "commands:\n"
    "  /reset                  forget the conversation (the system prompt stays)\n"
    "  /regen                  answer the last message again, with the next seed\n"
    "  /set KEY VALUE          temp, top-k, top-p, min-p, repeat-penalty, repeat-last-n,\n"
    "                          frequency-penalty, presence-penalty, seed, max-tokens, think\n"
    "  /stats                  turns, position, the last turn's reuse, prefill, speeds, TTFT\n"
    "  /help                   this list of commands\n"
    "  /quit                   end the chat (as does end of input)\n"
    "\n" VKCHAT_REASONING_FLAGS_HELP "\n" VKCHAT_SAMPLING_FLAGS_HELP;

namespace {

const char kCommandsHelp[] =
    "/reset              forget the conversation (the system prompt stays)\n"
    "/regen              answer the last message again, with the next seed\n"
    "/set KEY VALUE      temp, top-k, top-p, min-p, repeat-penalty, repeat-last-n,\n"
    "                    frequency-penalty, presence-penalty, seed (-1: random), max-tokens,\n"
    "                    think (on|off: the template's enable_thinking)\n"
    "/stats              turns, position, the last turn's reuse, prefill, speeds, TTFT\n"
    "/help               this list\n"
    "/quit               end the chat\n";

std::atomic<bool> g_stop{false};

extern "C" void on_sigint(int) {
  g_stop.store(true);
}

// Ctrl-C stops the answer in progress (not the program) while one of these lives.
class StopOnInterrupt {
 public:
  StopOnInterrupt() {
    g_stop.store(false);
    struct sigaction sa = {};
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_);
  }
  ~StopOnInterrupt() { sigaction(SIGINT, &old_, nullptr); }
  StopOnInterrupt(const StopOnInterrupt&) = delete;
  StopOnInterrupt& operator=(const StopOnInterrupt&) = delete;

 private:
  struct sigaction old_ = {};
};

chat::ContextPolicy parse_policy(const std::string& s) {
  if (s == "drop-oldest") return chat::ContextPolicy::DropOldest;
  if (s == "error") return chat::ContextPolicy::Error;
  throw UsageError("--context-policy must be drop-oldest or error");
}

double parse_number(const std::string& key, const std::string& text) {
  std::size_t used = 0;
  double v = 0;
  try {
    v = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != text.size()) {
    throw std::invalid_argument(key + " needs a number, not '" + text + "'");
  }
  return v;
}

// /set KEY VALUE on a copy of the options.
chat::ChatOptions with_setting(chat::ChatOptions o, const std::string& key,
                               const std::string& text) {
  const double v = parse_number(key, text);
  sampler::SamplerSettings& s = o.sampling;
  auto integer = [&] {
    if (v != static_cast<double>(static_cast<std::int32_t>(v))) {
      throw std::invalid_argument(key + " needs an integer");
    }
    return static_cast<std::int32_t>(v);
  };
  if (key == "temp" || key == "temperature") {
    s.temperature = static_cast<float>(v);
  } else if (key == "top-k") {
    s.top_k = integer();
  } else if (key == "top-p") {
    s.top_p = static_cast<float>(v);
  } else if (key == "min-p") {
    s.min_p = static_cast<float>(v);
  } else if (key == "repeat-penalty") {
    s.repeat_penalty = static_cast<float>(v);
  } else if (key == "repeat-last-n") {
    s.repeat_last_n = integer();
  } else if (key == "frequency-penalty") {
    s.frequency_penalty = static_cast<float>(v);
  } else if (key == "presence-penalty") {
    s.presence_penalty = static_cast<float>(v);
  } else if (key == "seed") {
    if (v < -1 || v != static_cast<double>(static_cast<std::int64_t>(v))) {
      throw std::invalid_argument("seed must be -1 (random) or a non-negative integer");
    }
    s.seed = v == -1 ? sampler::kRandomSeed : static_cast<std::uint64_t>(v);
  } else if (key == "max-tokens" || key == "n") {
    o.max_tokens = integer();
  } else {
    throw std::invalid_argument("unknown setting '" + key + "' (see /help)");
  }
  check_sampling_ranges(s, "");
  return o;
}

class Repl {
 public:
  Repl(chat::ChatSession& chat, bool interactive)
      : chat_(chat),
        interactive_(interactive),
        dim_(isatty(STDERR_FILENO) != 0),
        thinking_(stderr, dim_) {}

  int run() {
    std::string line;
    while (read_message(line)) {
      if (line.empty()) continue;
      if (line[0] == '/') {
        if (!command(line)) break;
      } else {
        turn([&](const chat::OnPiece& show) { return chat_.send(line, show); });
      }
    }
    if (interactive_) std::fputs("\n", stderr);
    return kExitOk;
  }

 private:
  // One message: lines joined while they end with a backslash. False at end of input.
  bool read_message(std::string& out) {
    out.clear();
    if (interactive_) std::fputs("> ", stderr);
    std::string line;
    while (std::getline(std::cin, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.empty() || line.back() != '\\') {
        out += line;
        return true;
      }
      line.pop_back();
      out += line + "\n";
      if (interactive_) std::fputs(". ", stderr);
    }
    return !out.empty();
  }

  // False for /quit.
  bool command(const std::string& line) {
    std::istringstream in(line);
    std::string name, key, value, extra;
    in >> name >> key >> value >> extra;
    if (name == "/quit" || name == "/exit") return false;
    if (name == "/help") {
      std::fputs(kCommandsHelp, stdout);
    } else if (name == "/stats") {
      print_stats();
    } else if (name == "/reset") {
      chat_.reset();
      note("conversation cleared");
    } else if (name == "/regen") {
      if (chat_.turns() == 0) {
        note("nothing to regenerate yet");
      } else {
        turn([&](const chat::OnPiece& show) { return chat_.regenerate(std::nullopt, show); });
      }
    } else if (name == "/set") {
      if (key.empty() || value.empty() || !extra.empty()) {
        note("usage: /set KEY VALUE (see /help)");
      } else {
        try {
          chat_.set_options(key == "think" ? with_think(chat_.options(), value)
                                           : with_setting(chat_.options(), key, value));
          note(key + " = " + value);
        } catch (const std::invalid_argument& e) {
          note(e.what());
        }
      }
    } else {
      note("unknown command " + name + " (see /help)");
    }
    std::fflush(stdout);
    return true;
  }

  template <class F>
  void turn(F&& run) {
    chat::TurnResult r;
    try {
      StopOnInterrupt interrupt;
      r = run([this](const chat::Piece& p) {
        if (p.reasoning) {
          thinking_.print(p.text);
          return;
        }
        thinking_.end();
        std::fwrite(p.text.data(), 1, p.text.size(), stdout);
        std::fflush(stdout);
      });
    } catch (const chat::ContextFull& e) {
      thinking_.end();
      note(e.what());
      return;
    }
    thinking_.end();
    std::fputs("\n", stdout);
    std::fflush(stdout);
    const chat::TurnStats& s = r.stats;
    char buf[256];
    std::snprintf(buf, sizeof buf,
                  "[prompt %lld tokens: %lld reused, %lld prefilled at %.1f tok/s; %lld generated "
                  "at %.1f tok/s; TTFT %.1f ms; %.*s]",
                  static_cast<long long>(s.prompt_tokens), static_cast<long long>(s.tokens_reused),
                  static_cast<long long>(s.tokens_prefilled), s.prefill_tps,
                  static_cast<long long>(s.tokens_generated), s.decode_tps, s.ttft_ms,
                  static_cast<int>(chat::finish_reason_name(r.finish).size()),
                  chat::finish_reason_name(r.finish).data());
    std::string line = buf;
    // Only for an answer that reasoned, so the line is as before otherwise.
    if (s.reasoning_tokens > 0) {
      line.insert(line.size() - 1,
                  "; thought " + std::to_string(s.reasoning_tokens) + " tokens for " +
                      std::to_string(static_cast<long long>(s.reasoning_ms)) + " ms");
    }
    note(line);
    if (s.messages_dropped > 0) {
      note(std::to_string(s.messages_dropped) + " old messages left out to fit the context of " +
           std::to_string(s.n_ctx) + " tokens");
    }
    if (!r.message.empty()) note(r.message);
  }

  void print_stats() {
    const chat::TurnStats& s = chat_.last_stats();
    const chat::FormatInfo& f = chat_.format();
    std::printf("turns: %lld\n", static_cast<long long>(chat_.turns()));
    std::printf("position: %lld/%lld\n", static_cast<long long>(chat_.position()),
                static_cast<long long>(chat_.n_ctx()));
    std::printf("prompt: %lld\n", static_cast<long long>(s.prompt_tokens));
    std::printf("reused: %lld\n", static_cast<long long>(s.tokens_reused));
    std::printf("prefilled: %lld\n", static_cast<long long>(s.tokens_prefilled));
    std::printf("generated: %lld\n", static_cast<long long>(s.tokens_generated));
    std::printf("dropped: %lld\n", static_cast<long long>(s.messages_dropped));
    std::printf("prefill: %.1f tok/s\n", s.prefill_tps);
    std::printf("decode: %.1f tok/s\n", s.decode_tps);
    std::printf("ttft: %.1f ms\n", s.ttft_ms);
    std::printf("format: %s%s%s%s\n", f.name.c_str(), f.used_fallback ? " (fallback: " : "",
                f.fallback_reason.c_str(), f.used_fallback ? ")" : "");
  }

  void note(const std::string& text) {
    std::fprintf(stderr, dim_ ? "\033[2m%s\033[0m\n" : "%s\n", text.c_str());
  }

  // /set think on|off: the template's enable_thinking from the next turn on.
  chat::ChatOptions with_think(chat::ChatOptions o, const std::string& value) const {
    if (value != "on" && value != "off") throw std::invalid_argument("think must be on or off");
    if (!chat_.chat_template().uses_variable("enable_thinking")) {
      throw std::invalid_argument("this chat template has no enable_thinking switch");
    }
    o.switches.enable_thinking = value == "on";
    return o;
  }

  chat::ChatSession& chat_;
  bool interactive_;
  bool dim_;
  ThinkingPrinter thinking_;
};

}  // namespace

int run_chat(Args& args) {
  if (const auto remote = args.value("--remote")) {
    RemoteChatOptions r;
    r.url = *remote;
    r.api_key = args.value("--api-key").value_or("");
    const auto name = args.value("--model");
    if (!name) throw UsageError("--remote needs --model NAME (one of the server's /v1/models)");
    r.model = *name;
    r.system_prompt = args.value("--system").value_or("");
    r.max_tokens = args.integer("-n", "--n-predict").value_or(-1);
    r.sampling = parse_sampling_flags(args);
    const ReasoningFlags rf = parse_reasoning_flags(args);
    if (rf.template_file)
      throw UsageError("--chat-template-file is for a local model, not --remote");
    r.think = rf.think;
    r.reasoning_effort = rf.reasoning_effort;
    if (!args.positionals().empty()) throw UsageError("chat takes no positional arguments");
    return run_remote_chat(r);
  }
  const std::string model_path = model_flag(args);
  const auto system = args.value("--system");
  const std::int64_t max_tokens = args.integer("-n", "--n-predict").value_or(-1);
  const std::int64_t n_ctx = context_flag(args);
  const auto policy = args.value("--context-policy");
  chat::ChatOptions options;
  options.sampling = parse_sampling_flags(args);
  const ReasoningFlags reasoning = parse_reasoning_flags(args);
  if (!args.positionals().empty()) throw UsageError("chat takes no positional arguments");
  options.split_reasoning = true;
  options.system_prompt = system.value_or("");
  options.max_tokens = max_tokens;
  if (policy) options.context_policy = parse_policy(*policy);

  llm::LoadOptions load;
  load.n_ctx = n_ctx;
  const auto model = llm::Model::load(model_path, load);
  chat::ChatSession chat(*model, 0, std::move(options));
  chat.set_stop_flag(&g_stop);
  if (auto t = template_from_flags(reasoning, chat.chat_template())) {
    chat.set_chat_template(std::move(*t));
  }
  std::vector<std::string> notes;
  chat::ChatOptions with_switches = chat.options();
  with_switches.switches = switches_for(reasoning, chat.chat_template(), notes);
  chat.set_options(std::move(with_switches));
  for (const std::string& n : notes) std::fprintf(stderr, "%s\n", n.c_str());

  const llm::ModelSummary& m = model->summary();
  const chat::FormatInfo& f = chat.format();
  // The reasoning format is named only where there is one, so the line stays as it was otherwise.
  const std::string reasoning_note =
      chat.reasoning_format() == chat::ReasoningFormat::None
          ? ""
          : "; reasoning " + std::string(chat::reasoning_format_name(chat.reasoning_format()));
  std::fprintf(stderr, "%s (%s, %s) on %s; context %lld tokens; chat format %s%s%s%s%s\n",
               m.name.c_str(), m.arch.c_str(), m.file_type.c_str(), m.device.c_str(),
               static_cast<long long>(chat.n_ctx()), f.name.c_str(),
               f.used_fallback ? " (fallback: " : "", f.fallback_reason.c_str(),
               f.used_fallback ? ")" : "", reasoning_note.c_str());
  const bool interactive = isatty(STDIN_FILENO) != 0;
  if (interactive) std::fputs("Type a message, or /help for commands.\n", stderr);
  return Repl(chat, interactive).run();
}

}  // namespace vkchat::cli
