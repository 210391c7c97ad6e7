// `vkchat-cli serve -m MODEL [--host 127.0.0.1] [--port 8080] [--api-key KEY] [--ctx N]
// [--parallel N] [--max-body BYTES] [--queue N] [reasoning flags]`: an OpenAI-compatible HTTP
// server over one
// loaded model (cpp-httplib from Debian; the request mapping is app/server/openai_request.h).
// One ChatSession holds the KV cache, so requests that share a prompt prefix reuse it; requests
// run one at a time in arrival order, and past --queue waiting ones get 503. Chat answers keep a
// thinking model's reasoning apart, in reasoning_content, as llama-server and vLLM do.
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <string>

#include "chat/chat_session.h"
#include "cli/cli_common.h"
#include "cli/model_cli.h"
#include "cli/reasoning_flags.h"
#include "llm/model.h"
#include "server/openai_request.h"

namespace vkchat::cli {

extern const std::string_view kServeHelp;
const std::string_view kServeHelp =
    "usage: vkchat-cli serve -m MODEL [--host 127.0.0.1] [--port 8080] [--api-key KEY]\n"
    "                        [--ctx N] [--parallel 1] [--queue 16] [--max-body 1048576]\n"
    "\n"
    "Serves the model over OpenAI's API: GET /v1/models, POST /v1/chat/completions (streamed\n"
    "as server-sent events or not), POST /v1/completions, GET /health. Binds 127.0.0.1 unless\n"
    "--host says otherwise. With --api-key every /v1 request needs 'Authorization: Bearer KEY'\n"
    "(401 otherwise). Bodies over --max-body bytes get 413, malformed JSON 400. Requests run one\n"
    "at a time in order; more than --queue waiting get 503. Ctrl-C ends the server.\n"
    "A thinking model's reasoning (as its template marks it) is returned apart from the answer,\n"
    "in the message's or delta's reasoning_content; requests may set reasoning_effort and\n"
    "chat_template_kwargs {enable_thinking, reasoning_effort}, which override the flags below.\n"
    "  --parallel N   slots generating at once; only 1 is supported yet\n"
    "\n" VKCHAT_REASONING_FLAGS_HELP;

namespace {

using json = nlohmann::json;

httplib::Server* g_server = nullptr;
extern "C" void on_serve_signal(int) {
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

// The loaded model behind a lock: one ChatSession whose KV cache requests share.
class Engine {
 public:
  Engine(llm::Model& model, std::string name, std::int64_t n_ctx, std::int64_t queue_limit,
         const ReasoningFlags& reasoning)
      : chat_(model, n_ctx), name_(std::move(name)), queue_limit_(queue_limit) {
    chat_.set_stop_flag(&stop_);
    if (auto t = template_from_flags(reasoning, chat_.chat_template())) {
      chat_.set_chat_template(std::move(*t));
    }
    std::vector<std::string> notes;
    switches_ = switches_for(reasoning, chat_.chat_template(), notes);
    for (const std::string& n : notes) std::fprintf(stderr, "%s\n", n.c_str());
  }
  const std::string& name() const { return name_; }

  // False when the queue is full (the caller answers 503).
  bool enter() {
    if (waiting_.fetch_add(1) >= queue_limit_) {
      waiting_.fetch_sub(1);
      return false;
    }
    return true;
  }
  void leave() { waiting_.fetch_sub(1); }

  // Runs one request; `on_piece` returns false when the client is gone (generation stops at the
  // next token). Throws what ChatSession throws.
  // Chat requests have their reasoning split off (piece.reasoning); completions get the text as
  // generated.
  chat::TurnResult run(const server::ChatRequest& req,
                       const std::function<bool(const chat::Piece&)>& on_piece) {
    std::lock_guard lock(mutex_);
    stop_.store(false);
    chat::ChatOptions o;
    o.sampling = req.sampling;
    o.max_tokens = req.max_tokens;
    o.stop_strings = req.stop;
    o.split_reasoning = req.is_chat;
    o.switches = switches_;
    if (req.switches.enable_thinking) o.switches.enable_thinking = req.switches.enable_thinking;
    if (!req.switches.reasoning_effort.empty()) {
      o.switches.reasoning_effort = req.switches.reasoning_effort;
    }
    chat_.set_options(std::move(o));
    std::vector<chat::Message> msgs = req.messages;
    if (!req.is_chat) msgs = {{"user", req.prompt}};
    chat_.set_messages(std::move(msgs));
    return chat_.respond([&](const chat::Piece& p) {
      if (!on_piece(p)) stop_.store(true);
    });
  }

 private:
  std::mutex mutex_;
  std::atomic<bool> stop_{false};
  chat::ChatSession chat_;
  std::string name_;
  std::int64_t queue_limit_;
  chat::TemplateSwitches switches_;  // from the flags; a request's own override them
  std::atomic<std::int64_t> waiting_{0};
};

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

json choice_json(const server::ChatRequest& req, const chat::TurnResult& r) {
  json c = {
      {"index", 0}, {"finish_reason", server::finish_reason(r.finish)}, {"logprobs", nullptr}};
  if (req.is_chat) {
    c["message"] = {{"role", "assistant"}, {"content", r.text}};
    // As llama-server: present only when the model reasoned.
    if (!r.reasoning.empty()) c["message"]["reasoning_content"] = r.reasoning;
  } else {
    c["text"] = r.text;
  }
  return c;
}

void handle_generate(Engine& engine, const httplib::Request& hreq, httplib::Response& res,
                     bool is_chat) {
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
  if (!engine.enter()) {
    send_error(res, 503, "the server is busy; try again later", "server_error");
    return;
  }
  const std::string id = make_id(is_chat ? "chatcmpl-" : "cmpl-");
  if (!req.stream) {
    // The queue place is given back however the request ends.
    struct Leave {
      Engine& e;
      ~Leave() { e.leave(); }
    } leave{engine};
    try {
      const chat::TurnResult r = engine.run(req, [](const chat::Piece&) { return true; });
      json out = {{"id", id},
                  {"object", is_chat ? "chat.completion" : "text_completion"},
                  {"created", now_s()},
                  {"model", engine.name()},
                  {"system_fingerprint", "vkchat"},
                  {"choices", json::array({choice_json(req, r)})},
                  {"usage", usage_json(r)}};
      res.set_content(out.dump(), "application/json");
    } catch (const std::exception& e) {
      send_error(res, 400, e.what(), "invalid_request_error");
    }
    return;
  }
  res.set_header("Cache-Control", "no-cache");
  // httplib calls the releaser when the response ends, also when the client left before the
  // provider ever ran: that is where the queue place is given back.
  res.set_chunked_content_provider(
      "text/event-stream",
      [&engine, req, id](std::size_t, httplib::DataSink& sink) {
        const char* chunk_object = req.is_chat ? "chat.completion.chunk" : "text_completion";
        auto event = [&](const json& choice, const json* usage) {
          json c = {{"id", id},
                    {"object", chunk_object},
                    {"created", now_s()},
                    {"model", engine.name()},
                    {"system_fingerprint", "vkchat"},
                    {"choices", choice.is_null() ? json::array() : json::array({choice})}};
          if (usage) c["usage"] = *usage;
          const std::string line = "data: " + c.dump() + "\n\n";
          return sink.is_writable() && sink.write(line.data(), line.size());
        };
        auto delta = [&](std::string_view text, bool first, bool reasoning = false) {
          if (req.is_chat) {
            json d = {{reasoning ? "reasoning_content" : "content", text}};
            if (first) d["role"] = "assistant";
            return json{
                {"index", 0}, {"delta", d}, {"finish_reason", nullptr}, {"logprobs", nullptr}};
          }
          return json{
              {"index", 0}, {"text", text}, {"finish_reason", nullptr}, {"logprobs", nullptr}};
        };
        bool alive = event(delta("", true), nullptr);
        try {
          const chat::TurnResult r = engine.run(req, [&](const chat::Piece& p) {
            return alive = alive && event(delta(p.text, false, p.reasoning), nullptr);
          });
          if (alive) {
            json last = delta("", false);
            if (req.is_chat) last["delta"] = json::object();
            last["finish_reason"] = server::finish_reason(r.finish);
            event(last, nullptr);
            if (req.include_usage) {
              const json u = usage_json(r);
              event(json(), &u);
            }
            const std::string done = "data: [DONE]\n\n";
            sink.write(done.data(), done.size());
            sink.done();
          }
        } catch (const std::exception& e) {
          const std::string line =
              "data: " + server::error_json(e.what(), "server_error", "", "") + "\n\n";
          sink.write(line.data(), line.size());
          sink.done();
        }
        return alive;
      },
      [&engine](bool) { engine.leave(); });
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
  if (parallel != 1) throw UsageError("--parallel: only 1 slot is supported yet");
  if (queue < 1) throw UsageError("--queue must be at least 1");
  if (max_body < 1) throw UsageError("--max-body must be at least 1");

  llm::LoadOptions load;
  load.n_ctx = n_ctx;
  const auto model = llm::Model::load(model_path, load);
  Engine engine(*model, model->summary().name, 0, queue, reasoning);

  httplib::Server svr;
  svr.set_payload_max_length(static_cast<std::size_t>(max_body));
  svr.new_task_queue = [queue] {
    return new httplib::ThreadPool(static_cast<std::size_t>(queue) + 2);
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
  std::signal(SIGINT, on_serve_signal);
  std::signal(SIGTERM, on_serve_signal);
  std::fprintf(stderr, "serving %s on http://%s:%lld\n", engine.name().c_str(), host.c_str(),
               static_cast<long long>(port));
  svr.listen_after_bind();
  g_server = nullptr;
  return kExitOk;
}

}  // namespace vkchat::cli
