// The OpenAI client over cpp-httplib: URL splitting, the model list, one streamed chat completion
// parsed event by event (events end at a blank line; "data: [DONE]" ends the stream), and the
// mapping of HTTP statuses and socket errors to RemoteError kinds.
#include "remote/openai_client.h"

#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <exception>
#include <utility>

namespace vkchat::remote {
namespace {

using json = nlohmann::json;

// "http://host:port/v1" -> client base "http://host:port" and path prefix "/v1".
std::pair<std::string, std::string> split_url(const std::string& url) {
  const auto scheme = url.find("://");
  const std::string name = scheme == std::string::npos ? "" : url.substr(0, scheme);
  if (name != "http" && name != "https") {
    throw RemoteError(ErrorKind::BadUrl, "the server's URL needs http:// or https://, got " + url);
  }
  const auto slash = url.find('/', scheme + 3);
  std::string base = url.substr(0, slash);
  if (base.size() <= scheme + 3) throw RemoteError(ErrorKind::BadUrl, "no host in " + url);
  std::string prefix = slash == std::string::npos ? "/v1" : url.substr(slash);
  while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
  return {base, prefix};
}

// A key of a JSON object as a string, or empty (a const json's operator[] on a missing key is
// undefined behaviour, and the server's JSON is not trusted).
std::string string_at(const json& o, const char* key) {
  if (!o.is_object()) return {};
  const auto it = o.find(key);
  return it != o.end() && it->is_string() ? it->get<std::string>() : std::string();
}

int int_at(const json& o, const char* key) {
  if (!o.is_object()) return -1;
  const auto it = o.find(key);
  return it != o.end() && it->is_number_integer() ? it->get<int>() : -1;
}

std::vector<TokenLogprob> logprobs_of(const json& choice) {
  std::vector<TokenLogprob> out;
  const auto lp = choice.find("logprobs");
  if (lp == choice.end() || !lp->is_object()) return out;
  const auto content = lp->find("content");
  if (content == lp->end() || !content->is_array()) return out;
  for (const json& t : *content) {
    if (!t.is_object() || !t.contains("logprob") || !t["logprob"].is_number()) continue;
    TokenLogprob& p = out.emplace_back();
    p.token = string_at(t, "token");
    p.logprob = t["logprob"].get<double>();
    const auto top = t.find("top_logprobs");
    if (top == t.end() || !top->is_array()) continue;
    for (const json& a : *top) {
      if (a.is_object() && a.contains("logprob") && a["logprob"].is_number()) {
        p.top.emplace_back(string_at(a, "token"), a["logprob"].get<double>());
      }
    }
  }
  return out;
}

// What the client's state and httplib's error say happened to a request that did not complete.
RemoteError transport_error(httplib::Error err, bool aborted, bool answered, double seconds,
                            const Endpoint& e) {
  if (aborted) return {ErrorKind::Cancelled, "stopped"};
  const std::string where = " (" + e.url + ")";
  switch (err) {
    case httplib::Error::Connection:
      return {ErrorKind::Refused, "could not connect to the server" + where};
    case httplib::Error::ConnectionTimeout:
      return {ErrorKind::Timeout, "the server did not accept the connection within " +
                                      std::to_string(e.connect_timeout_s) + " s" + where};
    case httplib::Error::Canceled: return {ErrorKind::Cancelled, "stopped"};
    default: break;
  }
  // A read that failed after as long as the timeout is one; before it, the connection went.
  if (err == httplib::Error::Read && !answered && seconds + 0.5 >= e.read_timeout_s) {
    return {ErrorKind::Timeout,
            "the server did not answer within " + std::to_string(e.read_timeout_s) + " s" + where};
  }
  if (err == httplib::Error::Read && answered && seconds + 0.5 >= e.read_timeout_s) {
    return {ErrorKind::Timeout,
            "the server stopped sending for " + std::to_string(e.read_timeout_s) + " s" + where};
  }
  return {ErrorKind::Dropped,
          "the connection to the server was lost (" + httplib::to_string(err) + ")" + where};
}

// "HTTP 401: <the server's message>", with what a wrong key or an unknown model means.
RemoteError status_error(int status, const std::string& body) {
  const std::string message = error_message(body);
  const std::string text =
      "HTTP " + std::to_string(status) + (message.empty() ? std::string() : ": " + message);
  if (status == 401 || status == 403) {
    return {ErrorKind::Unauthorized, text + " (check the API key)", status};
  }
  if (status == 404) return {ErrorKind::NotFound, text, status};
  return {ErrorKind::Http, text, status};
}

}  // namespace

std::string error_message(const std::string& body) {
  const json e = json::parse(body, nullptr, false);
  if (e.is_object() && e.contains("error")) {
    const json& inner = e["error"];
    if (inner.is_string()) return inner.get<std::string>();  // Ollama's {"error": "..."}
    if (const std::string m = string_at(inner, "message"); !m.empty()) return m;
  }
  return body.substr(0, 300);
}

Delta parse_chunk(const json& c, StreamEnd& end) {
  Delta d;
  if (!c.is_object()) return d;
  if (const auto usage = c.find("usage"); usage != c.end() && usage->is_object()) {
    end.prompt_tokens = int_at(*usage, "prompt_tokens");
    end.completion_tokens = int_at(*usage, "completion_tokens");
  }
  const auto choices = c.find("choices");
  if (choices == c.end() || !choices->is_array() || choices->empty()) return d;
  const json& choice = (*choices)[0];
  if (!choice.is_object()) return d;
  if (const std::string f = string_at(choice, "finish_reason"); !f.empty()) end.finish_reason = f;
  const auto delta = choice.find("delta");
  if (delta == choice.end() || !delta->is_object()) return d;
  // llama-server and vkchat send reasoning_content; newer vLLM sends reasoning (some versions
  // both, with the same text: the first found is taken).
  d.reasoning = string_at(*delta, "reasoning_content");
  if (d.reasoning.empty()) d.reasoning = string_at(*delta, "reasoning");
  d.content = string_at(*delta, "content");
  d.logprobs = logprobs_of(choice);
  return d;
}

Client::Client(Endpoint endpoint) : endpoint_(std::move(endpoint)) {
  auto [base, prefix] = split_url(endpoint_.url);
  path_prefix_ = std::move(prefix);
  http_ = std::make_unique<httplib::Client>(base);
  http_->set_connection_timeout(endpoint_.connect_timeout_s, 0);
  http_->set_read_timeout(endpoint_.read_timeout_s, 0);
  http_->set_write_timeout(endpoint_.read_timeout_s, 0);
  if (!endpoint_.api_key.empty()) http_->set_bearer_token_auth(endpoint_.api_key);
}

Client::~Client() = default;

void Client::abort() {
  aborted_.store(true);
  http_->stop();
}

std::vector<std::string> Client::list_models() {
  aborted_.store(false);
  const auto start = std::chrono::steady_clock::now();
  httplib::Result res = http_->Get(path_prefix_ + "/models");
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!res) throw transport_error(res.error(), aborted_.load(), false, seconds, endpoint_);
  if (res->status != 200) throw status_error(res->status, res->body);
  const json j = json::parse(res->body, nullptr, false);
  const auto data = j.is_object() ? j.find("data") : j.end();
  if (!j.is_object() || data == j.end() || !data->is_array()) {
    throw RemoteError(
        ErrorKind::BadAnswer,
        "the server's model list is not OpenAI's (no \"data\" array) (" + endpoint_.url + ")");
  }
  std::vector<std::string> ids;
  for (const json& m : *data) {
    if (std::string id = string_at(m, "id"); !id.empty()) ids.push_back(std::move(id));
  }
  return ids;
}

StreamEnd Client::stream_chat(json body, const std::function<void(const Delta&)>& on_delta) {
  aborted_.store(false);
  body["stream"] = true;
  body["stream_options"] = {{"include_usage", true}};
  StreamEnd end;
  bool done = false;      // "data: [DONE]" came
  bool answered = false;  // some bytes came
  std::string pending, error_body;
  int status = 0;
  std::exception_ptr failure;
  httplib::Request req;
  req.method = "POST";
  req.path = path_prefix_ + "/chat/completions";
  req.body = body.dump();
  req.set_header("Content-Type", "application/json");
  req.set_header("Accept", "text/event-stream");
  req.response_handler = [&](const httplib::Response& r) {
    status = r.status;
    return true;
  };
  req.content_receiver = [&](const char* data, std::size_t n, std::uint64_t, std::uint64_t) {
    answered = true;
    if (aborted_.load()) return false;
    if (status != 200) {
      // Only an error answer's start is shown: keep the first 4 KiB.
      if (error_body.size() < 4096) error_body.append(data, std::min(n, 4096 - error_body.size()));
      return true;
    }
    pending.append(data, n);
    for (std::size_t cut; (cut = pending.find("\n\n")) != std::string::npos;) {
      std::string event = pending.substr(0, cut);
      pending.erase(0, cut + 2);
      if (!event.empty() && event.back() == '\r') event.pop_back();
      if (event.rfind("data:", 0) != 0) continue;  // comments, event names
      std::string payload = event.substr(event.rfind("data: ", 0) == 0 ? 6 : 5);
      if (payload == "[DONE]") {
        done = true;
        continue;
      }
      const json chunk = json::parse(payload, nullptr, false);
      if (chunk.is_object() && chunk.contains("error")) {
        // An error in the stream (llama-server sends one when the generation fails).
        failure = std::make_exception_ptr(RemoteError(
            ErrorKind::Http, "the server failed mid-answer: " + error_message(payload)));
        return false;
      }
      const Delta d = parse_chunk(chunk, end);
      if (d.content.empty() && d.reasoning.empty() && d.logprobs.empty()) continue;
      // Nothing may be thrown through httplib: the caller's exception is carried past it.
      try {
        on_delta(d);
      } catch (...) {
        failure = std::current_exception();
        return false;
      }
    }
    return !aborted_.load();
  };
  httplib::Response res;
  httplib::Error err = httplib::Error::Success;
  const auto start = std::chrono::steady_clock::now();
  const bool ok = http_->send(req, res, err);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (failure) std::rethrow_exception(failure);
  if (aborted_.load()) throw RemoteError(ErrorKind::Cancelled, "stopped");
  if (!ok) throw transport_error(err, false, answered, seconds, endpoint_);
  if (res.status != 200) {
    throw status_error(res.status, error_body.empty() ? res.body : error_body);
  }
  // A stream that ends without [DONE] or a finish_reason was cut off: the server went away.
  if (!done && end.finish_reason.empty()) {
    throw RemoteError(
        ErrorKind::Dropped,
        "the server closed the connection before the answer ended (" + endpoint_.url + ")");
  }
  return end;
}

}  // namespace vkchat::remote
