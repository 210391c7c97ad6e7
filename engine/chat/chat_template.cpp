// The model's Jinja chat template with a built-in format behind it.
#include "chat/chat_template.h"

#include <algorithm>
#include <stdexcept>

#include "gguf/gguf_reader.h"

namespace vkchat::chat {

namespace {

std::string token_text(const gguf::GgufFile& f, std::span<const std::string_view> tokens,
                       std::string_view key) {
  std::optional<std::int64_t> id = f.get_optional<std::int64_t>(key);
  if (!id || *id < 0 || static_cast<std::size_t>(*id) >= tokens.size()) return "";
  return std::string(tokens[static_cast<std::size_t>(*id)]);
}

// A message's content as text for a built-in format: strings as they are, null as empty,
// OpenAI-style lists of parts as their concatenated text, anything else as JSON.
std::string content_text(const json::Value& c) {
  if (c.is_string()) return c.as_string();
  if (c.is_null()) return "";
  if (c.is_array()) {
    std::string out;
    bool all_text = true;
    for (const json::Value& part : c.as_array()) {
      const json::Value* t = part.find("text");
      if (t && t->is_string()) {
        out += t->as_string();
      } else {
        all_text = false;
      }
    }
    if (all_text) return out;
  }
  return json::serialize(c);
}

std::vector<Message> messages_of(const json::Value& context) {
  const json::Value* msgs = context.find("messages");
  if (!msgs || !msgs->is_array()) {
    throw std::invalid_argument("chat context needs \"messages\": an array of {role, content}");
  }
  std::vector<Message> out;
  for (const json::Value& m : msgs->as_array()) {
    const json::Value* role = m.find("role");
    if (!role || !role->is_string()) {
      throw std::invalid_argument("every message needs a string \"role\"");
    }
    const json::Value* content = m.find("content");
    out.push_back({role->as_string(), content ? content_text(*content) : ""});
  }
  return out;
}

}  // namespace

void ChatTemplate::load(std::string source, std::string name) {
  source_ = std::move(source);
  if (source_.empty()) return;
  family_ = detect_from_template(source_);
  reasoning_ = detect_reasoning_format(source_);
  if (family_ != ChatFormat::Unknown) fallback_ = family_;
  try {
    template_ = jinja::Template::parse(source_, std::move(name));
  } catch (const TemplateError& e) {
    parse_error_ = e;
  }
}

ChatTemplate ChatTemplate::from_gguf(const gguf::GgufFile& file) {
  ChatTemplate t;
  std::span<const std::string_view> tokens;
  if (file.find_array("tokenizer.ggml.tokens")) {
    tokens = file.get_array<std::string_view>("tokenizer.ggml.tokens");
  }
  t.bos_ = token_text(file, tokens, "tokenizer.ggml.bos_token_id");
  t.eos_ = token_text(file, tokens, "tokenizer.ggml.eos_token_id");
  ChatFormat from_vocab = detect_from_vocab(tokens);
  if (from_vocab != ChatFormat::Unknown) t.fallback_ = from_vocab;
  t.load(file.get_optional<std::string>("tokenizer.chat_template").value_or(""),
         file.path() + ": tokenizer.chat_template");
  return t;
}

ChatTemplate ChatTemplate::from_source(std::string source, std::string bos_token,
                                       std::string eos_token, std::string name) {
  ChatTemplate t;
  t.bos_ = std::move(bos_token);
  t.eos_ = std::move(eos_token);
  t.load(std::move(source), std::move(name));
  return t;
}

ChatTemplate ChatTemplate::from_format(ChatFormat format, std::string bos_token,
                                       std::string eos_token) {
  if (format == ChatFormat::Unknown) throw std::invalid_argument("no built-in chat format given");
  ChatTemplate t;
  t.bos_ = std::move(bos_token);
  t.eos_ = std::move(eos_token);
  t.family_ = t.fallback_ = format;
  return t;
}

RenderResult ChatTemplate::render(const json::Value& context, const ChatRenderOptions& opts) const {
  if (!context.is_object()) throw std::invalid_argument("chat context must be a JSON object");
  json::Value ctx = context;
  if (!ctx.find("bos_token")) ctx.set("bos_token", bos_);
  if (!ctx.find("eos_token")) ctx.set("eos_token", eos_);
  if (!ctx.find("add_generation_prompt")) ctx.set("add_generation_prompt", true);
  std::vector<Message> messages = messages_of(ctx);  // validates the context on both paths

  RenderResult r;
  auto add_stops = [&](ChatFormat f) {
    r.stop_strings = stop_strings(f);
    const std::string& eos = ctx["eos_token"].is_string() ? ctx["eos_token"].as_string() : eos_;
    if (!eos.empty() &&
        std::find(r.stop_strings.begin(), r.stop_strings.end(), eos) == r.stop_strings.end()) {
      r.stop_strings.push_back(eos);
    }
  };

  if (template_) {
    try {
      r.text = template_->render(ctx, {opts.limits, opts.now, opts.cancel});
      r.format_name = "jinja";
      add_stops(family_);
      return r;
    } catch (const TemplateError& e) {
      if (!opts.allow_fallback) throw;
      r.fallback_reason = e.what();
    }
  } else if (parse_error_) {
    if (!opts.allow_fallback) throw *parse_error_;
    r.fallback_reason = parse_error_->what();
  } else if (!opts.allow_fallback && family_ == ChatFormat::Unknown) {
    throw std::invalid_argument("there is no chat template to render");
  } else if (family_ == ChatFormat::Unknown) {
    r.fallback_reason = "the model has no chat template";
  }
  const json::Value& agp = ctx["add_generation_prompt"];
  r.text = apply_format(fallback_, messages, agp.is_bool() ? agp.as_bool() : true);
  r.format_name = std::string(format_name(fallback_));
  r.used_fallback = !r.fallback_reason.empty();
  add_stops(fallback_);
  return r;
}

bool ChatTemplate::uses_variable(std::string_view name) const {
  return source_.find(name) != std::string::npos;
}

RenderResult ChatTemplate::render(std::span<const Message> messages, bool add_generation_prompt,
                                  const ChatRenderOptions& opts,
                                  const TemplateSwitches& switches) const {
  json::Array list;
  for (const Message& m : messages) {
    json::Value msg(
        json::Object{{"role", json::Value(m.role)}, {"content", json::Value(m.content)}});
    // Only when there is some: a template tells "no reasoning" by the field being undefined.
    if (!m.reasoning_content.empty()) {
      msg.set("reasoning_content", m.reasoning_content);
      if (reasoning_ == ReasoningFormat::Harmony) msg.set("thinking", m.reasoning_content);
    }
    list.push_back(std::move(msg));
  }
  json::Value ctx(json::Object{{"messages", json::Value(std::move(list))},
                               {"add_generation_prompt", json::Value(add_generation_prompt)}});
  if (switches.enable_thinking) ctx.set("enable_thinking", *switches.enable_thinking);
  if (!switches.reasoning_effort.empty()) ctx.set("reasoning_effort", switches.reasoning_effort);
  return render(ctx, opts);
}

}  // namespace vkchat::chat
