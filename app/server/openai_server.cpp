// The OpenAI routes over a SlotEngine on cpp-httplib's server, on a thread of its own
// (openai_server.h). Events of a stream are queued while its slot holds the device and written
// between tokens without it, so that a slow client never holds up the other slots.
#include "server/openai_server.h"

#include <httplib.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "chat/chat_session.h"
#include "server/openai_request.h"
#include "server/slot_engine.h"

namespace vkchat::server {
namespace {

using json = nlohmann::json;

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
  res.set_content(error_json(message, type, param, code), "application/json");
}

json usage_json(const chat::TurnResult& r) {
  return {{"prompt_tokens", r.stats.prompt_tokens},
          {"completion_tokens", r.stats.tokens_generated},
          {"total_tokens", r.stats.prompt_tokens + r.stats.tokens_generated}};
}

// A probability's log, as OpenAI's logprob fields carry it (the most negative double for 0).
double logprob(double p) {
  return p > 0 ? std::log(p) : -std::numeric_limits<double>::max();
}

// A token as OpenAI's logprobs give it: its text, log-probability and UTF-8 bytes (a token may
// hold part of a character: the bytes are exact, the text's invalid bytes are replaced on output).
json token_logprob(const std::string& text, double p) {
  json bytes = json::array();
  for (const unsigned char c : text) bytes.push_back(c);
  return {{"token", text}, {"logprob", logprob(p)}, {"bytes", bytes}};
}

// Chat: {"content": [{token, logprob, bytes, top_logprobs: [...]}]}; completions (the legacy
// API): {tokens, token_logprobs, top_logprobs: [{text: logprob}], text_offset}. null when the
// request asked for none.
json logprobs_json(const ChatRequest& req, std::span<const chat::TokenChoice> choices) {
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
    lps.push_back(logprob(c.p));
    json alts = json::object();
    for (std::size_t i = 0; i < std::min(top, c.alternatives.size()); ++i) {
      alts[c.alternatives[i].text] = logprob(c.alternatives[i].p);
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

json choice_json(const ChatRequest& req, const chat::TurnResult& r) {
  json c = {{"index", 0},
            {"finish_reason", finish_reason(r.finish)},
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

using OnClientGone = std::function<void(std::int64_t)>;

void handle_generate(SlotEngine& engine, const OnClientGone& on_gone, const httplib::Request& hreq,
                     httplib::Response& res, bool is_chat) {
  ChatRequest req;
  try {
    req = parse_chat_request(hreq.body, is_chat);
  } catch (const RequestError& e) {
    send_error(res, 400, e.what(), "invalid_request_error", e.field());
    return;
  }
  if (!req.model.empty() && req.model != engine.name()) {
    send_error(res, 404, "model '" + req.model + "' is not served here", "invalid_request_error",
               "model", "model_not_found");
    return;
  }
  // Waits here, before any header is sent, while every slot is busy and earlier requests wait.
  std::optional<SlotPool::Lease> lease = engine.acquire(req);
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
  auto held = std::make_shared<std::optional<SlotPool::Lease>>(std::move(lease));
  res.set_chunked_content_provider(
      "text/event-stream",
      [&engine, &on_gone, req, id, held](std::size_t, httplib::DataSink& sink) {
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
        // Runs before every token and prefill chunk is computed (SlotEngine's between()). The
        // connection is checked each time, not only when there is text to write: a prefill
        // chunk, or a token whose text is held back (part of a character, a possible stop
        // string), writes nothing, and a client gone meanwhile would be noticed only at the next
        // text, a whole prefill or some tokens later. Nor is a write's result enough: a write to
        // a peer that has closed succeeds once (the reset comes back after it). Debian's
        // cpp-httplib (0.11) answers is_writable() false once the socket is at EOF or reset (it
        // polls and peeks), without waiting when nothing came.
        auto flush = [&] {
          alive = alive && sink.is_writable();
          if (alive && !queued.empty()) alive = sink.write(queued.data(), queued.size());
          queued.clear();
          return alive;
        };
        auto gone = [&](std::int64_t tokens) {
          if (on_gone) on_gone(tokens);
          return false;
        };
        if (!flush()) return gone(0);  // the role event at once, before any token
        try {
          const chat::TurnResult r = engine.run(
              **held, req,
              [&](const chat::Piece& p) {
                if (alive) queued += event(delta(p.text, false, p.reasoning, p.choices), nullptr);
              },
              flush);
          if (!alive) return gone(r.stats.tokens_generated);
          json last = delta("", false);
          if (req.is_chat) last["delta"] = json::object();
          last["finish_reason"] = finish_reason(r.finish);
          queued += event(last, nullptr);
          if (req.include_usage) {
            const json u = usage_json(r);
            queued += event(json(), &u);
          }
          queued += "data: [DONE]\n\n";
          if (flush()) sink.done();
        } catch (const std::exception& e) {
          queued += "data: " + error_json(e.what(), "server_error", "", "") + "\n\n";
          if (flush()) sink.done();
        }
        return alive;
      },
      [held](bool) { held->reset(); });
}

}  // namespace

struct OpenAiServer::Impl {
  explicit Impl(SlotEngine& e) : engine(e) {}
  SlotEngine& engine;
  httplib::Server svr;
  std::optional<std::string> api_key;
  OnClientGone on_client_gone;
  int port = 0;
  std::atomic<bool> ended{false};  // listen_after_bind() returned
  std::thread thread;
};

OpenAiServer::OpenAiServer(SlotEngine& engine) : impl_(std::make_unique<Impl>(engine)) {}

OpenAiServer::~OpenAiServer() {
  stop();
}

int OpenAiServer::port() const {
  return impl_->port;
}

void OpenAiServer::start(const ServeOptions& options) {
  if (impl_->thread.joinable()) throw std::logic_error("OpenAiServer::start called twice");
  Impl& s = *impl_;
  SlotEngine& engine = s.engine;
  httplib::Server& svr = s.svr;
  s.api_key = options.api_key;
  s.on_client_gone = options.on_client_gone;
  svr.set_payload_max_length(options.max_body);
  // httplib writes a response's headers and body (and each streamed event) apart: without
  // TCP_NODELAY, Nagle's algorithm holds each small write back until the client's delayed ACK,
  // 40 ms on Linux, per answer and per token.
  svr.set_tcp_nodelay(true);
  // A thread for each running and each waiting request, and spare ones that answer 503 and hold
  // idle keep-alive connections while all of those are taken.
  constexpr std::size_t kSpareThreads = 8;
  const std::size_t threads = engine.slots() + engine.queue_limit() + kSpareThreads;
  svr.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  svr.set_pre_routing_handler([&s](const httplib::Request& req, httplib::Response& res) {
    if (!s.api_key || req.path == "/health") return httplib::Server::HandlerResponse::Unhandled;
    if (req.get_header_value("Authorization") != "Bearer " + *s.api_key) {
      send_error(res, 401, "invalid or missing API key", "invalid_request_error", "",
                 "invalid_api_key");
      return httplib::Server::HandlerResponse::Handled;
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });
  svr.Get("/health", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(R"({"status":"ok"})", "application/json");
  });
  svr.Get("/v1/models", [&engine](const httplib::Request&, httplib::Response& res) {
    json m = {{"object", "list"},
              {"data", json::array({{{"id", engine.name()},
                                     {"object", "model"},
                                     {"created", now_s()},
                                     {"owned_by", "vkchat"}}})}};
    res.set_content(m.dump(), "application/json");
  });
  svr.Post("/v1/chat/completions", [&s](const httplib::Request& req, httplib::Response& res) {
    handle_generate(s.engine, s.on_client_gone, req, res, true);
  });
  svr.Post("/v1/completions", [&s](const httplib::Request& req, httplib::Response& res) {
    handle_generate(s.engine, s.on_client_gone, req, res, false);
  });
  svr.set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (!res.body.empty()) return;
    const char* type = res.status == 413 ? "request_too_large" : "invalid_request_error";
    send_error(res, res.status, std::string("HTTP error ") + std::to_string(res.status), type);
  });

  // httplib's default options add SO_REUSEPORT, with which a second server of the same user
  // binds a port one already listens on and the kernel splits the connections between them.
  // SO_REUSEADDR alone still rebinds a port whose old connections linger in TIME_WAIT.
  svr.set_socket_options([](socket_t sock) {
    const int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  errno = 0;
  const int bound = options.port == 0 ? svr.bind_to_any_port(options.host)
                    : svr.bind_to_port(options.host, options.port) ? options.port
                                                                   : -1;
  if (bound < 0) {
    const int error = errno;
    throw ListenError(error == EADDRINUSE
                          ? "port " + std::to_string(options.port) +
                                " is in use (by another program, or another vkchat)"
                          : "cannot listen on " + options.host + ":" + std::to_string(options.port),
                      error);
  }
  s.port = bound;
  s.thread = std::thread([&s] {
    s.svr.listen_after_bind();
    s.ended.store(true);
  });
}

void OpenAiServer::wait() {
  if (impl_->thread.joinable()) impl_->thread.join();
}

void OpenAiServer::request_stop() {
  // The running answers stop first, so that the server's threads end and it can exit.
  impl_->engine.stop_all();
  impl_->svr.stop();
}

void OpenAiServer::stop() {
  if (!impl_->thread.joinable()) return;
  // httplib's stop() does nothing until listen_after_bind() has begun to listen (0.11 has no
  // wait_until_ready()): a stop right after start() waits for that moment.
  while (!impl_->svr.is_running() && !impl_->ended.load()) std::this_thread::yield();
  request_stop();
  wait();
}

}  // namespace vkchat::server
