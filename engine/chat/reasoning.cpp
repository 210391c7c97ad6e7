// The reasoning formats and their streaming parser; see reasoning.h for the contract.
#include "chat/reasoning.h"

#include <algorithm>

namespace vkchat::chat {

namespace {

constexpr std::string_view kThinkOpen = "<think>";
constexpr std::string_view kThinkClose = "</think>";
constexpr std::string_view kGemmaOpen = "<|channel>thought";
constexpr std::string_view kGemmaClose = "<channel|>";
constexpr std::string_view kHarmonyChannel = "<|channel|>";
constexpr std::string_view kHarmonyStart = "<|start|>";
constexpr std::string_view kHarmonyMessage = "<|message|>";
constexpr std::string_view kHarmonyEnd = "<|end|>";
constexpr std::string_view kHarmonyAnalysis = "<|channel|>analysis<|message|>";
// A harmony header longer than this without <|message|> is not a header: it is shown as content.
constexpr std::size_t kMaxHeader = 512;

bool is_space(char c) {
  return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

std::size_t first_non_space(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size() && is_space(s[i])) ++i;
  return i;
}

std::size_t trailing_space(std::string_view s) {
  std::size_t n = 0;
  while (n < s.size() && is_space(s[s.size() - 1 - n])) ++n;
  return n;
}

// The length of the longest suffix of `text` that is a proper prefix of `tag`: what may still
// become the tag when more text arrives.
std::size_t partial_tag(std::string_view text, std::string_view tag) {
  for (std::size_t n = std::min(text.size(), tag.size() - 1); n > 0; --n) {
    if (text.substr(text.size() - n) == tag.substr(0, n)) return n;
  }
  return 0;
}

std::string_view open_tag(ReasoningFormat f) {
  return f == ReasoningFormat::Gemma4 ? kGemmaOpen : kThinkOpen;
}
std::string_view close_tag(ReasoningFormat f) {
  return f == ReasoningFormat::Gemma4 ? kGemmaClose : kThinkClose;
}

// A harmony header's channel is analysis, and it is no tool call (" to=..." names a recipient).
bool is_analysis_header(std::string_view header) {
  const std::size_t at = header.rfind(kHarmonyChannel);
  if (at == std::string_view::npos || header.find(" to=") != std::string_view::npos) return false;
  std::string_view name = header.substr(at + kHarmonyChannel.size());
  name = name.substr(0, std::min(name.find(' '), name.find('<')));
  return name == "analysis";
}

}  // namespace

std::string_view reasoning_format_name(ReasoningFormat f) {
  switch (f) {
    case ReasoningFormat::None: return "none";
    case ReasoningFormat::ThinkTags: return "think-tags";
    case ReasoningFormat::Harmony: return "harmony";
    case ReasoningFormat::Gemma4: return "gemma4";
  }
  return "none";
}

std::optional<ReasoningFormat> reasoning_format_from_name(std::string_view name) {
  for (ReasoningFormat f : {ReasoningFormat::None, ReasoningFormat::ThinkTags,
                            ReasoningFormat::Harmony, ReasoningFormat::Gemma4}) {
    if (reasoning_format_name(f) == name) return f;
  }
  return std::nullopt;
}

ReasoningFormat detect_reasoning_format(std::string_view src) {
  if (src.find(kHarmonyChannel) != std::string_view::npos) return ReasoningFormat::Harmony;
  if (src.find("<|channel>") != std::string_view::npos) return ReasoningFormat::Gemma4;
  if (src.find(kThinkOpen) != std::string_view::npos) return ReasoningFormat::ThinkTags;
  return ReasoningFormat::None;
}

std::vector<std::string_view> reasoning_markers(ReasoningFormat f) {
  switch (f) {
    case ReasoningFormat::None: return {};
    case ReasoningFormat::ThinkTags: return {kThinkOpen, kThinkClose};
    case ReasoningFormat::Gemma4: return {"<|channel>", kGemmaClose};
    case ReasoningFormat::Harmony:
      return {kHarmonyChannel, kHarmonyMessage, kHarmonyStart, kHarmonyEnd, "<|constrain|>"};
  }
  return {};
}

bool prompt_opens_reasoning(ReasoningFormat f, std::string_view prompt) {
  std::string_view open, close;
  switch (f) {
    case ReasoningFormat::None: return false;
    case ReasoningFormat::Harmony:
      open = kHarmonyAnalysis;
      close = kHarmonyEnd;
      break;
    case ReasoningFormat::ThinkTags:
    case ReasoningFormat::Gemma4:
      open = open_tag(f);
      close = close_tag(f);
      break;
  }
  const std::size_t at = prompt.rfind(open);
  return at != std::string_view::npos &&
         prompt.find(close, at + open.size()) == std::string_view::npos;
}

ReasoningParser::ReasoningParser(ReasoningFormat format, bool in_reasoning)
    : format_(format), state_(State::Start) {
  if (format_ == ReasoningFormat::None) {
    state_ = State::Content;
  } else if (in_reasoning && format_ == ReasoningFormat::Harmony) {
    state_ = State::Body;
    body_is_reasoning_ = true;
  } else if (in_reasoning) {
    state_ = State::ReasoningLead;
  }
}

bool ReasoningParser::in_reasoning() const {
  return state_ == State::ReasoningLead || state_ == State::Reasoning ||
         (state_ == State::Body && body_is_reasoning_);
}

void ReasoningParser::emit_reasoning(ReasoningSplit& out, std::string_view text) {
  out.reasoning += text;
  reasoning_ += text;
}

void ReasoningParser::emit_content(ReasoningSplit& out, std::string_view text) {
  out.content += text;
  content_ += text;
}

ReasoningSplit ReasoningParser::push(std::string_view text) {
  ReasoningSplit out;
  pending_ += text;
  run(out, false);
  return out;
}

ReasoningSplit ReasoningParser::finish() {
  ReasoningSplit out;
  run(out, true);
  return out;
}

void ReasoningParser::run(ReasoningSplit& out, bool final) {
  const bool harmony = format_ == ReasoningFormat::Harmony;
  for (;;) {
    switch (state_) {
      case State::Start:
      case State::Between: {
        if (harmony) {
          // A message starts with <|channel|> (the first) or <|start|> (the others); anything
          // else is not harmony and is shown as it is.
          if (pending_.empty()) return;
          bool maybe = false;
          for (std::string_view tag : {kHarmonyChannel, kHarmonyStart}) {
            if (pending_.starts_with(tag)) {
              state_ = State::Header;
              break;
            }
            if (tag.starts_with(pending_)) maybe = true;
          }
          if (state_ == State::Header) continue;
          if (maybe && !final) return;
          state_ = State::Content;
          continue;
        }
        const std::size_t ws = first_non_space(pending_);
        if (ws == pending_.size()) {
          // Only whitespace so far: it stays the answer's if no tag follows.
          if (final) {
            emit_content(out, pending_);
            pending_.clear();
          }
          return;
        }
        const std::string_view rest = std::string_view(pending_).substr(ws);
        const std::string_view open = open_tag(format_);
        if (rest.starts_with(open)) {
          pending_.erase(0, ws + open.size());
          state_ = State::ReasoningLead;
          continue;
        }
        if (open.starts_with(rest) && !final) return;
        state_ = State::Content;
        continue;
      }
      case State::ReasoningLead:
      case State::ContentLead: {
        const std::size_t ws = first_non_space(pending_);
        pending_.erase(0, ws);
        if (pending_.empty()) return;
        state_ = state_ == State::ReasoningLead ? State::Reasoning : State::Content;
        continue;
      }
      case State::Reasoning: {
        const std::string_view close = close_tag(format_);
        const std::size_t at = pending_.find(close);
        if (at != std::string::npos) {
          std::string_view body = std::string_view(pending_).substr(0, at);
          emit_reasoning(out, body.substr(0, body.size() - trailing_space(body)));
          pending_.erase(0, at + close.size());
          state_ = format_ == ReasoningFormat::ThinkTags ? State::ContentLead : State::Content;
          continue;
        }
        // Hold back what may begin the closing tag and the whitespace before it, which is
        // dropped if the tag follows.
        std::size_t keep = pending_.size() - (final ? 0 : partial_tag(pending_, close));
        keep -= trailing_space(std::string_view(pending_).substr(0, keep));
        emit_reasoning(out, std::string_view(pending_).substr(0, keep));
        pending_.erase(0, final ? pending_.size() : keep);
        return;
      }
      case State::Content:
        emit_content(out, pending_);
        pending_.clear();
        return;
      case State::Header: {
        const std::size_t at = pending_.find(kHarmonyMessage);
        if (at != std::string::npos) {
          body_is_reasoning_ = is_analysis_header(std::string_view(pending_).substr(0, at));
          pending_.erase(0, at + kHarmonyMessage.size());
          state_ = State::Body;
          continue;
        }
        if (!final && pending_.size() <= kMaxHeader) return;
        state_ = State::Content;  // an unfinished or overlong header is shown, not lost
        continue;
      }
      case State::Body: {
        const std::size_t at = pending_.find(kHarmonyEnd);
        const std::size_t keep =
            at != std::string::npos
                ? at
                : pending_.size() - (final ? 0 : partial_tag(pending_, kHarmonyEnd));
        const std::string_view body = std::string_view(pending_).substr(0, keep);
        if (body_is_reasoning_) {
          emit_reasoning(out, body);
        } else {
          emit_content(out, body);
        }
        if (at == std::string::npos) {
          pending_.erase(0, keep);
          return;
        }
        pending_.erase(0, at + kHarmonyEnd.size());
        state_ = State::Between;
        continue;
      }
    }
  }
}

ReasoningSplit split_reasoning(ReasoningFormat format, std::string_view text, bool in_reasoning) {
  ReasoningParser p(format, in_reasoning);
  ReasoningSplit a = p.push(text);
  ReasoningSplit b = p.finish();
  a.reasoning += b.reasoning;
  a.content += b.content;
  return a;
}

}  // namespace vkchat::chat
