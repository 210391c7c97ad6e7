// Built-in chat formats, their detection and their stop strings (after llama.cpp's llama-chat.cpp).
#include "chat/chat_format.h"

#include <algorithm>
#include <stdexcept>

namespace vkchat::chat {

namespace {

struct FormatInfo {
  ChatFormat format;
  std::string_view name;
};

constexpr FormatInfo kFormats[] = {
    {ChatFormat::ChatML, "chatml"},
    {ChatFormat::Llama2, "llama2"},
    {ChatFormat::Llama2Sys, "llama2-sys"},
    {ChatFormat::Llama2SysBos, "llama2-sys-bos"},
    {ChatFormat::Llama2SysStrip, "llama2-sys-strip"},
    {ChatFormat::Llama3, "llama3"},
    {ChatFormat::MistralV1, "mistral-v1"},
    {ChatFormat::MistralV3, "mistral-v3"},
    {ChatFormat::MistralV3Tekken, "mistral-v3-tekken"},
    {ChatFormat::MistralV7, "mistral-v7"},
    {ChatFormat::Phi3, "phi3"},
    {ChatFormat::Gemma, "gemma"},
    {ChatFormat::Zephyr, "zephyr"},
    {ChatFormat::Granite, "granite"},
    {ChatFormat::DeepSeek3, "deepseek3"},
};

// ASCII whitespace trim, as llama.cpp's trim() does.
std::string trim(std::string_view s) {
  auto ws = [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
  };
  std::size_t b = 0, e = s.size();
  while (b < e && ws(s[b])) ++b;
  while (e > b && ws(s[e - 1])) --e;
  return std::string(s.substr(b, e - b));
}

std::string llama2(ChatFormat f, std::span<const Message> messages) {
  bool system_tags = f != ChatFormat::Llama2;
  bool bos_inside = f == ChatFormat::Llama2SysBos;
  bool strip = f == ChatFormat::Llama2SysStrip;
  std::string out = "[INST] ";
  bool inside_turn = true;  // the first [INST] is already open (BOS comes from the tokenizer)
  for (const Message& m : messages) {
    std::string content = strip ? trim(m.content) : m.content;
    if (!inside_turn) {
      inside_turn = true;
      out += bos_inside ? "<s>[INST] " : "[INST] ";
    }
    if (m.role == "system") {
      out += system_tags ? "<<SYS>>\n" + content + "\n<</SYS>>\n\n" : content + "\n";
    } else if (m.role == "user") {
      out += content + " [/INST]";
    } else {
      out += content + "</s>";
      inside_turn = false;
    }
  }
  return out;
}

std::string mistral(ChatFormat f, std::span<const Message> messages) {
  std::string out;
  if (f == ChatFormat::MistralV7) {
    for (const Message& m : messages) {
      if (m.role == "system") {
        out += "[SYSTEM_PROMPT] " + m.content + "[/SYSTEM_PROMPT]";
      } else if (m.role == "user") {
        out += "[INST] " + m.content + "[/INST]";
      } else {
        out += " " + m.content + "</s>";
      }
    }
    return out;
  }
  std::string lead = f == ChatFormat::MistralV1 ? " " : "";
  std::string trail = f == ChatFormat::MistralV3Tekken ? "" : " ";
  bool trim_assistant = f == ChatFormat::MistralV3;
  bool inside_turn = false;
  for (const Message& m : messages) {
    if (!inside_turn) {
      out += lead + "[INST]" + trail;
      inside_turn = true;
    }
    if (m.role == "system") {
      out += m.content + "\n\n";
    } else if (m.role == "user") {
      out += m.content + lead + "[/INST]";
    } else {
      out += trail + (trim_assistant ? trim(m.content) : m.content) + "</s>";
      inside_turn = false;
    }
  }
  return out;
}

}  // namespace

std::string_view format_name(ChatFormat f) {
  for (const FormatInfo& i : kFormats) {
    if (i.format == f) return i.name;
  }
  return "unknown";
}

std::optional<ChatFormat> format_from_name(std::string_view name) {
  for (const FormatInfo& i : kFormats) {
    if (i.name == name) return i.format;
  }
  return std::nullopt;
}

ChatFormat detect_from_template(std::string_view t) {
  if (auto named = format_from_name(t)) return *named;
  auto has = [&](std::string_view s) { return t.find(s) != std::string_view::npos; };
  if (has("<|im_start|>")) {
    // Phi-4 and SmolVLM use <|im_start|> without being ChatML
    return has("<|im_sep|>") || has("<end_of_utterance>") ? ChatFormat::Unknown
                                                          : ChatFormat::ChatML;
  }
  if (t.starts_with("mistral") || has("[INST]")) {
    if (has("[SYSTEM_PROMPT]")) return ChatFormat::MistralV7;
    if (has("' [INST] ' + system_message") || has("[AVAILABLE_TOOLS]")) {
      if (has(" [INST]")) return ChatFormat::MistralV1;
      if (has("\"[INST]\"")) return ChatFormat::MistralV3Tekken;
      return ChatFormat::MistralV3;
    }
    if (has("content.strip()")) return ChatFormat::Llama2SysStrip;
    if (has("bos_token + '[INST]")) return ChatFormat::Llama2SysBos;
    if (has("<<SYS>>")) return ChatFormat::Llama2Sys;
    return ChatFormat::Llama2;
  }
  if (has("<|assistant|>") && has("<|end|>")) return ChatFormat::Phi3;
  if (has("[gMASK]<sop>")) return ChatFormat::Unknown;                      // ChatGLM 4
  if (has("<|assistant|>") && has("<|user|>")) return ChatFormat::Unknown;  // Falcon 3, GLM-Edge
  if (has("<|{{ item['role'] }}|>") && has("<|begin_of_image|>")) return ChatFormat::Unknown;
  if (has("<|user|>") && has("<|endoftext|>")) return ChatFormat::Zephyr;
  if (has("bos_token + message['role']")) return ChatFormat::Unknown;  // Monarch
  if (has("<start_of_turn>")) return ChatFormat::Gemma;
  if (has("'\\n\\nAssistant: ' + eos_token") || has("GPT4 Correct ") ||
      (has("USER: ") && has("ASSISTANT: ")) || (has("### Instruction:") && has("<|EOT|>")) ||
      (has("<|START_OF_TURN_TOKEN|>") && has("<|USER_TOKEN|>"))) {
    return ChatFormat::Unknown;  // Orion, OpenChat, Vicuna, DeepSeek Coder, Command R
  }
  if (has("<|start_header_id|>") && has("<|end_header_id|>")) return ChatFormat::Llama3;
  if (has("[gMASK]sop") || has("<用户>") || has("'Assistant: ' + message['content'] + eos_token")) {
    return ChatFormat::Unknown;  // ChatGLM 3, MiniCPM, DeepSeek 2
  }
  if (has("<｜Assistant｜>") && has("<｜User｜>") && has("<｜end▁of▁sentence｜>"))
    return ChatFormat::DeepSeek3;
  if ((has("[|system|]") && has("[|assistant|]") && has("[|endofturn|]")) || has("rwkv-world") ||
      has("{{- 'User: ' + message['content']|trim + '\\n\\n' -}}")) {
    return ChatFormat::Unknown;  // EXAONE, RWKV
  }
  if (has("<|start_of_role|>")) return ChatFormat::Granite;
  return ChatFormat::Unknown;
}

ChatFormat detect_from_vocab(std::span<const std::string_view> tokens) {
  auto has = [&](std::string_view tok) {
    return std::find(tokens.begin(), tokens.end(), tok) != tokens.end();
  };
  if (has("<|im_start|>") && has("<|im_end|>")) return ChatFormat::ChatML;
  if (has("<|start_header_id|>") || has("<|eot_id|>")) return ChatFormat::Llama3;
  if (has("<start_of_turn>") && has("<end_of_turn>")) return ChatFormat::Gemma;
  if (has("<|assistant|>") && has("<|end|>")) return ChatFormat::Phi3;
  if (has("[INST]") && has("[/INST]"))
    return has("[SYSTEM_PROMPT]") ? ChatFormat::MistralV7 : ChatFormat::MistralV3;
  if (has("<|start_of_role|>")) return ChatFormat::Granite;
  if (has("<｜User｜>") && has("<｜Assistant｜>")) return ChatFormat::DeepSeek3;
  if (has("<|user|>") && has("<|assistant|>") && has("<|endoftext|>")) return ChatFormat::Zephyr;
  return ChatFormat::Unknown;
}

std::string apply_format(ChatFormat f, std::span<const Message> messages,
                         bool add_generation_prompt) {
  std::string out;
  switch (f) {
    case ChatFormat::ChatML:
      for (const Message& m : messages)
        out += "<|im_start|>" + m.role + "\n" + m.content + "<|im_end|>\n";
      if (add_generation_prompt) out += "<|im_start|>assistant\n";
      return out;
    case ChatFormat::Llama2:
    case ChatFormat::Llama2Sys:
    case ChatFormat::Llama2SysBos:
    case ChatFormat::Llama2SysStrip: return llama2(f, messages);
    case ChatFormat::Llama3:
      for (const Message& m : messages) {
        out += "<|start_header_id|>" + m.role + "<|end_header_id|>\n\n" + trim(m.content) +
               "<|eot_id|>";
      }
      if (add_generation_prompt) out += "<|start_header_id|>assistant<|end_header_id|>\n\n";
      return out;
    case ChatFormat::MistralV1:
    case ChatFormat::MistralV3:
    case ChatFormat::MistralV3Tekken:
    case ChatFormat::MistralV7: return mistral(f, messages);
    case ChatFormat::Phi3:
      for (const Message& m : messages) out += "<|" + m.role + "|>\n" + m.content + "<|end|>\n";
      if (add_generation_prompt) out += "<|assistant|>\n";
      return out;
    case ChatFormat::Gemma: {
      // Gemma has no system role: the system prompt is merged into the next user turn.
      std::string system;
      for (const Message& m : messages) {
        if (m.role == "system") {
          system += trim(m.content);
          continue;
        }
        std::string role = m.role == "assistant" ? "model" : m.role;
        out += "<start_of_turn>" + role + "\n";
        if (!system.empty() && role != "model") {
          out += system + "\n\n";
          system.clear();
        }
        out += trim(m.content) + "<end_of_turn>\n";
      }
      if (add_generation_prompt) out += "<start_of_turn>model\n";
      return out;
    }
    case ChatFormat::Zephyr:
      for (const Message& m : messages)
        out += "<|" + m.role + "|>\n" + m.content + "<|endoftext|>\n";
      if (add_generation_prompt) out += "<|assistant|>\n";
      return out;
    case ChatFormat::Granite:
      for (const Message& m : messages) {
        out += "<|start_of_role|>" + m.role + "<|end_of_role|>";
        if (m.role == "assistant_tool_call") out += "<|tool_call|>";
        out += m.content + "<|end_of_text|>\n";
      }
      if (add_generation_prompt) out += "<|start_of_role|>assistant<|end_of_role|>\n";
      return out;
    case ChatFormat::DeepSeek3:
      for (const Message& m : messages) {
        if (m.role == "system") {
          out += m.content + "\n\n";
        } else if (m.role == "user") {
          out += "<｜User｜>" + m.content;
        } else if (m.role == "assistant") {
          out += "<｜Assistant｜>" + m.content + "<｜end▁of▁sentence｜>";
        }
      }
      if (add_generation_prompt) out += "<｜Assistant｜>";
      return out;
    case ChatFormat::Unknown: break;
  }
  throw std::invalid_argument("no built-in chat format to apply");
}

std::vector<std::string> stop_strings(ChatFormat f) {
  switch (f) {
    case ChatFormat::ChatML: return {"<|im_end|>"};
    case ChatFormat::Llama2:
    case ChatFormat::Llama2Sys:
    case ChatFormat::Llama2SysBos:
    case ChatFormat::Llama2SysStrip:
    case ChatFormat::MistralV1:
    case ChatFormat::MistralV3:
    case ChatFormat::MistralV3Tekken:
    case ChatFormat::MistralV7: return {"</s>"};
    case ChatFormat::Llama3: return {"<|eot_id|>", "<|eom_id|>"};
    case ChatFormat::Phi3: return {"<|end|>", "<|endoftext|>"};
    case ChatFormat::Gemma: return {"<end_of_turn>"};
    case ChatFormat::Zephyr: return {"<|endoftext|>"};
    case ChatFormat::Granite: return {"<|end_of_text|>"};
    case ChatFormat::DeepSeek3: return {"<｜end▁of▁sentence｜>"};
    case ChatFormat::Unknown: break;
  }
  return {};
}

}  // namespace vkchat::chat
