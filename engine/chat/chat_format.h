// Built-in chat formats: the prompt layouts of the common model families, written out in code
// the way llama.cpp's llm_chat_apply_template does, for models whose GGUF has no chat template or
// one that fails. A format is detected from a template's text (as llama.cpp's
// llm_chat_detect_template does) or, without a template, from the vocabulary's special tokens.
#pragma once
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace vkchat::chat {

enum class ChatFormat {
  Unknown,
  ChatML,
  Llama2,          // [INST] ... [/INST], system prompt as plain text
  Llama2Sys,       // with <<SYS>> ... <</SYS>>
  Llama2SysBos,    // and <s> before each later [INST]
  Llama2SysStrip,  // and contents stripped
  Llama3,
  MistralV1,
  MistralV3,
  MistralV3Tekken,
  MistralV7,
  Phi3,
  Gemma,
  Zephyr,
  Granite,
  DeepSeek3,
};

struct Message {
  std::string role;
  std::string content;
  // An assistant message's reasoning, kept apart from content (reasoning.h). The template gets
  // it as the message's "reasoning_content" and decides whether it is rendered (Qwen3 renders
  // it after the last user message; most templates drop it). Built-in formats drop it.
  std::string reasoning_content;
};

std::string_view format_name(ChatFormat f);  // "chatml", "llama3", ...
std::optional<ChatFormat> format_from_name(std::string_view name);

// From a template's text, checking the same markers in the same order as llama.cpp; formats
// llama.cpp knows but this list lacks come out as Unknown.
ChatFormat detect_from_template(std::string_view tmpl);

// From the vocabulary (tokenizer.ggml.tokens): <|im_start|> is ChatML, <|eot_id|> Llama 3, ...
// Unknown when no marker token is present.
ChatFormat detect_from_vocab(std::span<const std::string_view> tokens);

// The prompt text. Never starts with a BOS token (the tokenizer adds it). Throws
// std::invalid_argument for Unknown.
std::string apply_format(ChatFormat f, std::span<const Message> messages,
                         bool add_generation_prompt);

// Texts that end an assistant turn in this format ("<|im_end|>", "<|eot_id|>", ...).
std::vector<std::string> stop_strings(ChatFormat f);

}  // namespace vkchat::chat
