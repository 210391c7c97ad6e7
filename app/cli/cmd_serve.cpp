// `vkchat-cli serve -m MODEL [--host 127.0.0.1] [--port 8080] [--api-key KEY] [--ctx N]
// [--parallel N] [--max-body BYTES] [--queue N] [reasoning flags]`: an OpenAI-compatible HTTP
// server over one loaded model (cpp-httplib from Debian; the request mapping is
// app/server/openai_request.h, the slots app/server/slot_engine.h, the routes
// app/server/openai_server.h, which the app's server switch runs too). --parallel slots, each a
// ChatSession with its own KV cache, answer that many requests at once, taking turns on the
// device token by token; a request goes to the free slot whose cache shares the longest prefix
// with it, so requests that share a prompt prefix reuse it. The others wait in arrival order,
// and past --queue waiting ones get 503. Chat answers keep a thinking model's reasoning apart,
// in reasoning_content, as llama-server and vLLM do.
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "chat/chat_session.h"
#include "cli/cli_common.h"
#include "cli/model_cli.h"
#include "cli/reasoning_flags.h"
#include "llm/model.h"
#include "server/openai_server.h"
#include "server/slot_engine.h"
#include "util/errors.h"

// The most --parallel slots (each is a KV cache and a thread; far more than one device serves
// well).
#define VKCHAT_SERVE_MAX_SLOTS 64
#define VKCHAT_SERVE_TEXT_(x) #x
#define VKCHAT_SERVE_TEXT(x) VKCHAT_SERVE_TEXT_(x)
#define VKCHAT_SERVE_MAX_SLOTS_TEXT VKCHAT_SERVE_TEXT(VKCHAT_SERVE_MAX_SLOTS)

namespace vkchat::cli {

extern const std::string_view kServeHelp;
const std::string_view kServeHelp =
    "usage: vkchat-cli serve -m MODEL [--host 127.0.0.1] [--port 8080] [--api-key KEY]\n"
    "                        [--ctx N] [--parallel 1] [--queue 16] [--max-body 1048576]\n"
    "\n"
    "Serves the model over OpenAI's API: GET /v1/models, POST /v1/chat/completions (streamed\n"
    "as server-sent events or not), POST /v1/completions, GET /health. Binds 127.0.0.1 unless\n"
    "--host says otherwise. With --api-key every /v1 request needs 'Authorization: Bearer KEY'\n"
    "(401 otherwise). Bodies over --max-body bytes get 413, malformed JSON 400. --parallel slots\n"
    "answer that many requests at once, each with its own KV cache (they must all fit in the\n"
    "device's memory), taking turns on the device token by token; a request goes to the free\n"
    "slot holding the longest prefix of its prompt. The others wait in arrival order; more than\n"
    "--queue waiting get 503 (0: whenever every slot is busy). Ctrl-C ends the server.\n"
    "A thinking model's reasoning (as its template marks it) is returned apart from the answer,\n"
    "in the message's or delta's reasoning_content; requests may set reasoning_effort and\n"
    "chat_template_kwargs {enable_thinking, reasoning_effort}, which override the flags below.\n"
    "  --parallel N   slots generating at once, 1 to " VKCHAT_SERVE_MAX_SLOTS_TEXT
    "\n"
    "\n" VKCHAT_REASONING_FLAGS_HELP;

namespace {

server::OpenAiServer* g_server = nullptr;
extern "C" void on_serve_signal(int) {
  if (g_server) g_server->request_stop();
}

}  // namespace

int run_serve(Args& args) {
  const std::string model_path = model_flag(args);
  const std::string host = args.value("--host").value_or("127.0.0.1");
  const std::int64_t port = args.integer("--port").value_or(server::kDefaultPort);
  const auto api_key = args.value("--api-key");
  const std::int64_t n_ctx = context_flag(args);
  const std::int64_t parallel = args.integer("--parallel").value_or(1);
  const std::int64_t queue =
      args.integer("--queue").value_or(static_cast<std::int64_t>(server::kDefaultQueue));
  const std::int64_t max_body = args.integer("--max-body").value_or(1 << 20);
  const ReasoningFlags reasoning = parse_reasoning_flags(args);
  if (!args.positionals().empty()) throw UsageError("serve takes no positional arguments");
  if (port < 0 || port > 65535) throw UsageError("--port must be from 0 to 65535");
  if (parallel < 1 || parallel > VKCHAT_SERVE_MAX_SLOTS) {
    throw UsageError("--parallel must be from 1 to " VKCHAT_SERVE_MAX_SLOTS_TEXT);
  }
  if (queue < 0) throw UsageError("--queue must be 0 or more");
  if (max_body < 1) throw UsageError("--max-body must be at least 1");

  llm::LoadOptions load;
  load.n_ctx = n_ctx;
  const auto model = llm::Model::load(model_path, load);
  // The template and switches are decided once, from the model's own template and the flags.
  const chat::ChatTemplate model_template = chat::ChatTemplate::from_gguf(model->gguf());
  const std::optional<chat::ChatTemplate> flag_template =
      template_from_flags(reasoning, model_template);
  std::vector<std::string> notes;
  chat::TemplateSwitches switches =
      switches_for(reasoning, flag_template ? *flag_template : model_template, notes);
  for (const std::string& n : notes) std::fprintf(stderr, "%s\n", n.c_str());
  server::SlotEngine engine(*model, model->summary().name, static_cast<std::size_t>(parallel),
                            static_cast<std::size_t>(queue), std::move(switches),
                            [&](chat::ChatSession& chat) {
                              if (auto t = template_from_flags(reasoning, chat.chat_template())) {
                                chat.set_chat_template(std::move(*t));
                              }
                            });

  server::OpenAiServer svr(engine);
  server::ServeOptions options;
  options.host = host;
  options.port = static_cast<int>(port);
  options.api_key = api_key;
  options.max_body = static_cast<std::size_t>(max_body);
  // How far a departed client's answer went: one line each, so that it can be seen (and tested)
  // that generation stopped with the client.
  options.on_client_gone = [](std::int64_t tokens) {
    std::fprintf(stderr, "a client left mid-answer: stopped after %lld tokens\n",
                 static_cast<long long>(tokens));
  };
  try {
    svr.start(options);
  } catch (const server::ListenError& e) {
    // A port in use is not a mistake in the flags: no "see --help".
    if (e.error() == EADDRINUSE) throw InputError(std::string(e.what()) + "; --port picks another");
    throw UsageError(e.what());
  }
  g_server = &svr;
  std::signal(SIGINT, on_serve_signal);
  std::signal(SIGTERM, on_serve_signal);
  std::fprintf(stderr, "serving %s on http://%s:%lld\n", engine.name().c_str(), host.c_str(),
               static_cast<long long>(port));
  svr.wait();
  g_server = nullptr;
  return kExitOk;
}

}  // namespace vkchat::cli
