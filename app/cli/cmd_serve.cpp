// `vkchat-cli serve -m MODEL [--host 127.0.0.1] [--port 8080] [--api-key KEY] [--ctx N]
// [--parallel N] [--max-body BYTES] [--queue N] [reasoning flags]`: an OpenAI-compatible HTTP
// server over one loaded model (cpp-httplib from Debian; the request mapping is
// app/server/openai_request.h, the slots app/server/slot_engine.h). --parallel slots, each a
// ChatSession with its own KV cache, answer that many requests at once, taking turns on the
// device token by token; a request goes to the free slot whose cache shares the longest prefix
// with it, so requests that share a prompt prefix reuse it. The others wait in arrival order,
// and past --queue waiting ones get 503. Chat answers keep a thinking model's reasoning apart,
// in reasoning_content, as llama-server and vLLM do.
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <limits>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "chat/chat_session.h"
#include "cli/cli_common.h"
#include "cli/model_cli.h"
#include "cli/reasoning_flags.h"
#include "llm/model.h"
#include "server/openai_request.h"
#include "server/slot_engine.h"

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

using json = nlohmann::json;

httplib::Server* g_server = nullptr;
server::SlotEngine* g_engine = nullptr;
extern "C" void on_serve_signal(int) {
  // The running answers stop first, so that the server's threads end and it can exit.
  if (g_engine) g_engine->stop_all();
  if (g_server) g_server->stop();
}

std::string make_id(const char* prefix) {
  static std::atomic<std::uint64_t> n{0};
  return std::string(prefix) +
         std::to_string(std::chrono::system_clock::now().time_since_epoch() /
                        std::chrono::milliseconds(1)) +
         "-" + std::to_string(++n);
}

std::int64_t now_s() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void send_error(httplib::Response& res, int status, std::string_view message, std::string_view type,
                std::string_view param = {}, std::string_view code = {}) {
  res.status = status;
  res.set_content(server::error_json(message, type, param, code), "application/json");
}

json usage_json(const chat::TurnResult& r) {
  return {{"prompt_tokens", r.stats.prompt_tokens},
          {"completion_tokens", r.stats.tokens_generated},
          {"total_tokens", r.stats.prompt_tokens + r.stats.tokens_generated}};
}

// A token as OpenAI's logprobs give it: its text, log-probability and UTF-8 bytes (a token may
// hold part of a character: the bytes are exact, the text's invalid bytes are replaced on output).
json token_logprob(const std::string& text, double p) {
  json bytes = json::array();
  for (const unsigned char c : text) bytes.push_back(c);
  return {{"token", text},
          {"logprob", p > 0 ? std::log(p) : -std::numeric_limits<double>::max()},
          {"bytes", bytes}};
}

// Chat: {"content": [{token, logprob, bytes, top_logprobs: [...]}]}; completions (the legacy
// API): {tokens, token_logprobs, top_logprobs: [{text: logprob}], text_offset}. null when the
// request asked for none.
json logprobs_json(const server::ChatRequest& req, std::span<const chat::TokenChoice> choices) {
  if (req.top_logprobs < 0) return nullptr;
  const auto top = static_cast<std::size_t>(req.top_logprobs);
  if (req.is_chat) {
    json content = json::array();
    for (const chat::TokenChoice& c : choices) {
      json t = token_logprob(c.text, c.p);
      json alts = json::array();
      for (std::size_t i = 0; i < std::min(top, c.alternatives.size()); ++i) {
        alts.push_back(token_logprob(c.alternatives[i].text, c.alternatives[i].p));
      }
      t["top_logprobs"] = std::move(alts);
      content.push_back(std::move(t));
    }
    return {{"content", std::move(content)}};
  }
  json tokens = json::array(), lps = json::array(), tops = json::array(), offsets = json::array();
  std::size_t offset = 0;
  for (const chat::TokenChoice& c : choices) {
    tokens.push_back(c.text);
    lps.push_back(token_logprob(c.text, c.p)["logprob"]);
    json alts = json::object();
    for (std::size_t i = 0; i < std::min(top, c.alternatives.size()); ++i) {
      alts[c.alternatives[i].text] =
          token_logprob(c.alternatives[i].text, c.alternatives[i].p)["logprob"];
    }
    tops.push_back(std::move(alts));
    offsets.push_back(offset);
    offset += c.text.size();
  }
  return {{"tokens", tokens},
          {"token_logprobs", lps},
          {"top_logprobs", tops},
          {"text_offset", offsets}};
}

// JSON text for the wire: a token's text may hold part of a UTF-8 character, which is replaced.
std::string wire(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

json choice_json(const server::ChatRequest& req, const chat::TurnResult& r) {
  json c = {{"index", 0},
            {"finish_reason", server::finish_reason(r.finish)},
            {"logprobs", logprobs_json(req, r.choices)}};
  if (req.is_chat) {
    c["message"] = {{"role", "assistant"}, {"content", r.text}};
    // As llama-server: present only when the model reasoned.
    if (!r.reasoning.empty()) c["message"]["reasoning_content"] = r.reasoning;
  } else {
    c["text"] = r.text;
  }
  return c;
}

void handle_generate(server::SlotEngine& engine, const httplib::Request& hreq,
                     httplib::Response& res, bool is_chat) {
  server::ChatRequest req;
  try {
    req = server::parse_chat_request(hreq.body, is_chat);
  } catch (const server::RequestError& e) {
    send_error(res, 400, e.what(), "invalid_request_error", e.field());
    return;
  }
  if (!req.model.empty() && req.model != engine.name()) {
    send_error(res, 404, "model '" + req.model + "' is not served here", "invalid_request_error",
               "model", "model_not_found");
    return;
  }
  // Waits here, before any header is sent, while every slot is busy and earlier requests wait.
  std::optional<server::SlotPool::Lease> lease = engine.acquire(req);
  if (!lease) {
    res.set_header("Retry-After", "1");  // OpenAI's clients wait that long before they retry
    send_error(res, 503, "the server is busy; try again later", "server_error");
    return;
  }
  const std::string id = make_id(is_chat ? "chatcmpl-" : "cmpl-");
  if (!req.stream) {
    try {
      const chat::TurnResult r = engine.run(*lease, req);
      json out = {{"id", id},
                  {"object", is_chat ? "chat.completion" : "text_completion"},
                  {"created", now_s()},
                  {"model", engine.name()},
                  {"system_fingerprint", "vkchat"},
                  {"choices", json::array({choice_json(req, r)})},
                  {"usage", usage_json(r)}};
      res.set_content(wire(out), "application/json");
    } catch (const std::exception& e) {
      send_error(res, 400, e.what(), "invalid_request_error");
    }
    return;
  }
  res.set_header("Cache-Control", "no-cache");
  // httplib calls the releaser when the response ends, also when the client left before the
  // provider ever ran: that is where the slot is given back.
  auto held = std::make_shared<std::optional<server::SlotPool::Lease>>(std::move(lease));
  res.set_chunked_content_provider(
      "text/event-stream",
      [&engine, req, id, held](std::size_t, httplib::DataSink& sink) {
        const char* chunk_object = req.is_chat ? "chat.completion.chunk" : "text_completion";
        auto event = [&](const json& choice, const json* usage) {
          json c = {{"id", id},
                    {"object", chunk_object},
                    {"created", now_s()},
                    {"model", engine.name()},
                    {"system_fingerprint", "vkchat"},
                    {"choices", choice.is_null() ? json::array() : json::array({choice})}};
          if (usage) c["usage"] = *usage;
          return "data: " + wire(c) + "\n\n";
        };
        auto delta = [&](std::string_view text, bool first, bool reasoning = false,
                         std::span<const chat::TokenChoice> choices = {}) {
          const json lp = first || choices.empty() ? json(nullptr) : logprobs_json(req, choices);
          if (req.is_chat) {
            json d = {{reasoning ? "reasoning_content" : "content", text}};
            if (first) d["role"] = "assistant";
            return json{{"index", 0}, {"delta", d}, {"finish_reason", nullptr}, {"logprobs", lp}};
          }
          return json{{"index", 0}, {"text", text}, {"finish_reason", nullptr}, {"logprobs", lp}};
        };
        // Events are queued while the slot holds the device and written between tokens without
        // it, so that a slow client never holds up the other slots.
        std::string queued = event(delta("", true), nullptr);
        bool alive = true;
        auto flush = [&] {
          if (alive && !queued.empty()) {
            alive = sink.is_writable() && sink.write(queued.data(), queued.size());
          }
          queued.clear();
          return alive;
        };
        if (!flush()) return false;  // the role event at once, before any token
        try {
          const chat::TurnResult r = engine.run(
              **held, req,
              [&](const chat::Piece& p) {
                if (alive) queued += event(delta(p.text, false, p.reasoning, p.choices), nullptr);
              },
              flush);
          json last = delta("", false);
          if (req.is_chat) last["delta"] = json::object();
          last["finish_reason"] = server::finish_reason(r.finish);
          queued += event(last, nullptr);
          if (req.include_usage) {
            const json u = usage_json(r);
            queued += event(json(), &u);
          }
          queued += "data: [DONE]\n\n";
          if (flush()) sink.done();
        } catch (const std::exception& e) {
          queued += "data: " + server::error_json(e.what(), "server_error", "", "") + "\n\n";
          if (flush()) sink.done();
        }
        return alive;
      },
      [held](bool) { held->reset(); });
}

}  // namespace

int run_serve(Args& args) {
  const std::string model_path = model_flag(args);
  const std::string host = args.value("--host").value_or("127.0.0.1");
  const std::int64_t port = args.integer("--port").value_or(8080);
  const auto api_key = args.value("--api-key");
  const std::int64_t n_ctx = context_flag(args);
  const std::int64_t parallel = args.integer("--parallel").value_or(1);
  const std::int64_t queue = args.integer("--queue").value_or(16);
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

  httplib::Server svr;
  svr.set_payload_max_length(static_cast<std::size_t>(max_body));
  // httplib writes a response's headers and body (and each streamed event) apart: without
  // TCP_NODELAY, Nagle's algorithm holds each small write back until the client's delayed ACK,
  // 40 ms on Linux, per answer and per token.
  svr.set_tcp_nodelay(true);
  // A thread for each running and each waiting request, and spare ones that answer 503 and hold
  // idle keep-alive connections while all of those are taken.
  constexpr std::size_t kSpareThreads = 8;
  svr.new_task_queue = [parallel, queue] {
    return new httplib::ThreadPool(static_cast<std::size_t>(parallel + queue) + kSpareThreads);
  };
  svr.set_pre_routing_handler([&](const httplib::Request& req, httplib::Response& res) {
    if (!api_key || req.path == "/health") return httplib::Server::HandlerResponse::Unhandled;
    if (req.get_header_value("Authorization") != "Bearer " + *api_key) {
      send_error(res, 401, "invalid or missing API key", "invalid_request_error", "",
                 "invalid_api_key");
      return httplib::Server::HandlerResponse::Handled;
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });
  svr.Get("/health", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(R"({"status":"ok"})", "application/json");
  });
  svr.Get("/v1/models", [&](const httplib::Request&, httplib::Response& res) {
    json m = {{"object", "list"},
              {"data", json::array({{{"id", engine.name()},
                                     {"object", "model"},
                                     {"created", now_s()},
                                     {"owned_by", "vkchat"}}})}};
    res.set_content(m.dump(), "application/json");
  });
  svr.Post("/v1/chat/completions", [&](const httplib::Request& req, httplib::Response& res) {
    handle_generate(engine, req, res, true);
  });
  svr.Post("/v1/completions", [&](const httplib::Request& req, httplib::Response& res) {
    handle_generate(engine, req, res, false);
  });
  svr.set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (!res.body.empty()) return;
    const char* type = res.status == 413 ? "request_too_large" : "invalid_request_error";
    send_error(res, res.status, std::string("HTTP error ") + std::to_string(res.status), type);
  });

  if (!svr.bind_to_port(host, static_cast<int>(port))) {
    throw UsageError("cannot listen on " + host + ":" + std::to_string(port));
  }
  g_server = &svr;
  g_engine = &engine;
  std::signal(SIGINT, on_serve_signal);
  std::signal(SIGTERM, on_serve_signal);
  std::fprintf(stderr, "serving %s on http://%s:%lld\n", engine.name().c_str(), host.c_str(),
               static_cast<long long>(port));
  svr.listen_after_bind();
  g_server = nullptr;
  g_engine = nullptr;
  return kExitOk;
}

}  // namespace vkchat::cli
