#include "server/openai_request.h"

#include <cmath>
#include <nlohmann/json.hpp>

namespace vkchat::server {
namespace {

using json = nlohmann::json;

double number_field(const json& j, const char* name) {
  const json& v = j.at(name);
  if (!v.is_number()) throw RequestError(name, std::string("'") + name + "' must be a number");
  const double d = v.get<double>();
  if (!std::isfinite(d)) throw RequestError(name, std::string("'") + name + "' must be finite");
  return d;
}

std::int64_t integer_field(const json& j, const char* name) {
  const json& v = j.at(name);
  if (!v.is_number_integer()) {
    throw RequestError(name, std::string("'") + name + "' must be an integer");
  }
  return v.get<std::int64_t>();
}

bool bool_field(const json& j, const char* name) {
  const json& v = j.at(name);
  if (!v.is_boolean()) throw RequestError(name, std::string("'") + name + "' must be a boolean");
  return v.get<bool>();
}

// OpenAI allows content as a string or as an array of {type:"text", text} parts.
std::string content_text(const json& c) {
  if (c.is_string()) return c.get<std::string>();
  if (c.is_null()) return {};
  if (!c.is_array()) throw RequestError("messages", "message content must be a string or an array");
  std::string out;
  for (const json& part : c) {
    if (!part.is_object() || !part.contains("text") || !part["text"].is_string()) {
      throw RequestError("messages", "only text content parts are supported");
    }
    out += part["text"].get<std::string>();
  }
  return out;
}

}  // namespace

ChatRequest parse_chat_request(std::string_view body, bool is_chat) {
  json j = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) throw RequestError("", "the request body is not valid JSON");
  if (!j.is_object()) throw RequestError("", "the request body must be a JSON object");
  ChatRequest r;
  r.is_chat = is_chat;
  if (is_chat) {
    if (!j.contains("messages") || !j["messages"].is_array() || j["messages"].empty()) {
      throw RequestError("messages", "'messages' must be a non-empty array");
    }
    for (const json& m : j["messages"]) {
      if (!m.is_object() || !m.contains("role") || !m["role"].is_string()) {
        throw RequestError("messages", "each message needs a string 'role'");
      }
      chat::Message msg{m["role"].get<std::string>(),
                        content_text(m.contains("content") ? m["content"] : json())};
      // An earlier answer's reasoning, as llama-server takes it back (vLLM's name: reasoning);
      // the template decides whether the prompt carries it.
      for (const char* key : {"reasoning_content", "reasoning"}) {
        if (!m.contains(key) || m[key].is_null()) continue;
        if (!m[key].is_string()) {
          throw RequestError("messages", std::string("a message's '") + key + "' must be a string");
        }
        msg.reasoning_content = m[key].get<std::string>();
        break;
      }
      r.messages.push_back(std::move(msg));
    }
    if (r.messages.back().role != "user") {
      throw RequestError("messages", "the last message must be the user's");
    }
  } else {
    if (!j.contains("prompt") || !j["prompt"].is_string()) {
      throw RequestError("prompt", "'prompt' must be a string");
    }
    r.prompt = j["prompt"].get<std::string>();
  }
  if (j.contains("model")) {
    if (!j["model"].is_string()) throw RequestError("model", "'model' must be a string");
    r.model = j["model"].get<std::string>();
  }
  // OpenAI's defaults where they differ from llama.cpp's: temperature 1, no top-k/min-p cut.
  sampler::SamplerSettings& s = r.sampling;
  s.temperature = 1.0f;
  s.top_p = 1.0f;
  s.top_k = 0;
  s.min_p = 0.0f;
  if (j.contains("temperature")) s.temperature = static_cast<float>(number_field(j, "temperature"));
  if (j.contains("top_p")) s.top_p = static_cast<float>(number_field(j, "top_p"));
  if (j.contains("top_k")) s.top_k = static_cast<std::int32_t>(integer_field(j, "top_k"));
  if (j.contains("min_p")) s.min_p = static_cast<float>(number_field(j, "min_p"));
  if (j.contains("presence_penalty")) {
    s.presence_penalty = static_cast<float>(number_field(j, "presence_penalty"));
  }
  if (j.contains("frequency_penalty")) {
    s.frequency_penalty = static_cast<float>(number_field(j, "frequency_penalty"));
  }
  if (j.contains("repeat_penalty")) {
    s.repeat_penalty = static_cast<float>(number_field(j, "repeat_penalty"));
  }
  if (j.contains("seed") && !j["seed"].is_null()) {
    const std::int64_t seed = integer_field(j, "seed");
    s.seed = seed < 0 ? sampler::kRandomSeed : static_cast<std::uint64_t>(seed);
  }
  for (const char* name : {"max_tokens", "max_completion_tokens"}) {
    if (j.contains(name) && !j[name].is_null()) {
      r.max_tokens = integer_field(j, name);
      if (r.max_tokens < 1) throw RequestError(name, std::string("'") + name + "' must be >= 1");
    }
  }
  if (j.contains("stop") && !j["stop"].is_null()) {
    const json& st = j["stop"];
    if (st.is_string()) {
      r.stop.push_back(st.get<std::string>());
    } else if (st.is_array()) {
      for (const json& x : st) {
        if (!x.is_string()) throw RequestError("stop", "'stop' must hold strings");
        r.stop.push_back(x.get<std::string>());
      }
    } else {
      throw RequestError("stop", "'stop' must be a string or an array of strings");
    }
  }
  if (j.contains("stream") && !j["stream"].is_null()) r.stream = bool_field(j, "stream");
  if (j.contains("stream_options") && j["stream_options"].is_object() &&
      j["stream_options"].contains("include_usage")) {
    r.include_usage = bool_field(j["stream_options"], "include_usage");
  }
  // Chat: logprobs a boolean, top_logprobs the alternatives; completions (the legacy API):
  // logprobs the number of alternatives.
  if (j.contains("logprobs") && !j["logprobs"].is_null()) {
    const json& lp = j["logprobs"];
    if (is_chat) {
      if (bool_field(j, "logprobs")) r.top_logprobs = 0;
    } else if (lp.is_number_integer()) {
      const std::int64_t n = lp.get<std::int64_t>();
      if (n < 0 || n > 20) throw RequestError("logprobs", "'logprobs' must be 0 to 20");
      r.top_logprobs = static_cast<int>(n);
    } else if (lp.is_boolean()) {
      if (lp.get<bool>()) r.top_logprobs = 0;
    } else {
      throw RequestError("logprobs", "'logprobs' must be an integer");
    }
  }
  if (j.contains("top_logprobs") && !j["top_logprobs"].is_null()) {
    const std::int64_t n = integer_field(j, "top_logprobs");
    if (n < 0 || n > 20) throw RequestError("top_logprobs", "'top_logprobs' must be 0 to 20");
    if (r.top_logprobs >= 0) r.top_logprobs = static_cast<int>(n);
  }
  if (r.top_logprobs > kMaxTopLogprobs) r.top_logprobs = kMaxTopLogprobs;
  // Template switches: OpenAI's reasoning_effort, and chat_template_kwargs as llama-server and
  // vLLM take them (only enable_thinking and reasoning_effort are used; other keys are ignored).
  const auto effort = [&](const json& obj, const char* field) {
    if (!obj.contains("reasoning_effort") || obj["reasoning_effort"].is_null()) return;
    if (!obj["reasoning_effort"].is_string()) {
      throw RequestError(field, std::string("'") + field + "' must be a string");
    }
    r.switches.reasoning_effort = obj["reasoning_effort"].get<std::string>();
  };
  if (j.contains("chat_template_kwargs") && !j["chat_template_kwargs"].is_null()) {
    const json& kw = j["chat_template_kwargs"];
    if (!kw.is_object()) {
      throw RequestError("chat_template_kwargs", "'chat_template_kwargs' must be an object");
    }
    if (kw.contains("enable_thinking") && !kw["enable_thinking"].is_null()) {
      if (!kw["enable_thinking"].is_boolean()) {
        throw RequestError("chat_template_kwargs",
                           "'chat_template_kwargs.enable_thinking' must be a boolean");
      }
      r.switches.enable_thinking = kw["enable_thinking"].get<bool>();
    }
    effort(kw, "chat_template_kwargs");
  }
  effort(j, "reasoning_effort");
  try {
    s.validate();
  } catch (const std::invalid_argument& e) {
    throw RequestError("", e.what());
  }
  return r;
}

std::string_view finish_reason(chat::FinishReason r) {
  switch (r) {
    case chat::FinishReason::MaxTokens:
    case chat::FinishReason::ContextFull: return "length";
    default: return "stop";
  }
}

std::string error_json(std::string_view message, std::string_view type, std::string_view param,
                       std::string_view code) {
  json e = {{"message", message}, {"type", type}};
  e["param"] = param.empty() ? json() : json(param);
  e["code"] = code.empty() ? json() : json(code);
  return json{{"error", e}}.dump();
}

}  // namespace vkchat::server
