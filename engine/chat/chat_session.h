// A multi-turn conversation with a loaded model: the message history, the KV cache that holds it,
// and the generation of each answer. The CLI's `chat` command and the GUI's worker thread both
// drive it; it has no Qt and no I/O of its own.
//
//   chat::ChatSession chat(*model, /*n_ctx=*/0, {.system_prompt = "Be brief."});
//   std::atomic<bool> stop{false};
//   chat.set_stop_flag(&stop);                          // optional: user stop from any thread
//   chat::TurnResult r = chat.send("Hello!", [](const chat::Piece& p) { show(p.text); });
//   r.text, r.finish, r.stats.tokens_reused, r.stats.decode_tps ...
//   chat.regenerate(std::nullopt, show);                // another answer to the same prompt
//   chat.set_messages(edited); chat.respond(show);      // edit and branch
//
// Contract:
// - Each answer renders the model's chat template (chat_template.h) over the conversation: the
//   system prompt (when set), then the messages, with add_generation_prompt. The text is
//   tokenized with special tokens parsed and BOS added only when the vocabulary asks for it and
//   the template did not already write it.
// - The KV cache keeps what the last answer left. A new prompt is compared token by token with
//   what the cache holds; the cache is cut at the first difference and only the rest is fed, so
//   a follow-up costs the new tokens, not the whole history (stats: tokens_reused,
//   tokens_prefilled). At least the prompt's last token is always fed, for fresh logits. A model
//   with a recurrent state (qwen35) cannot cut its cache anywhere: it checkpoints the state before
//   each prompt's last token and at each answer's end (llm::Session::checkpoint, a few per
//   conversation), and a new prompt goes on from the latest checkpoint inside the common prefix
//   (a follow-up feeds the new turn, a regenerate the prompt's last token), else from 0. A model
//   with sliding-window layers (gemma) keeps only window + max_chunk rows of them: it cuts the
//   cache where the prefix ends while those rows still hold that position's window (an answer
//   of up to about max_chunk tokens back), else re-prefills from 0 (Session::truncation_point).
// - Generation samples with the Sampler (sampler.h) from options().sampling, re-seeded at the
//   start of each answer (TurnResult::seed says with what) and primed with the prompt for its
//   penalties; greedy settings without penalties (and without alternatives) read back only the
//   argmax. Text is streamed through the callback in whole UTF-8 characters; a piece is never
//   empty. With options().alternatives > 0 every token of the answer comes with its probability
//   and the most probable tokens it was chosen among (TurnResult::choices; Sampler::sample with
//   k), without changing what is drawn; greedy settings without penalties take them from the
//   device where that pays (llm::Session::decode_top: a GPU), reading back no logits.
//   respond_from() begins the answer with given tokens (a branch from a token of an earlier
//   answer); they are fed with the prompt and reuse the cache as far as it matches.
// - An answer ends (FinishReason) at an end-of-generation token of the vocabulary (not part of
//   the text), at a stop string (the template's, then options().stop_strings; the stop string and
//   what follows are never shown, and text that could begin one is held back until it is
//   decided), after options().max_tokens tokens, when the stop flag is set (checked between
//   tokens and between prefill chunks, so at most the token or chunk being produced is finished;
//   set_prefill_chunk_seconds() bounds a chunk's time; the caller clears the flag before the next
//   turn), or when the context is full (below). set_prefill_progress() hears how much of the
//   prompt has been read after each chunk. set_between_tokens() runs a hook between tokens: after
//   a token's text went to the callback and before the next token is computed (not after the
//   last), just before the stop flag is read, so a hook that sets the flag ends the answer
//   without another token. A server's slots hand the device to each other there
//   (app/server/slot_pool.h).
// - The answer joins the history as {"assistant", text}, exactly the text that was streamed,
//   also when stopped or cut short. A turn that throws leaves the history as it was.
// - With options().split_reasoning, the streamed text goes through a ReasoningParser in the
//   template's format (reasoning.h), started inside the reasoning when the rendered prompt opened
//   it; reasoning pieces are marked, and the history keeps {"assistant", text, reasoning}, which
//   the next prompt passes to the template as reasoning_content. Stop strings apply to the text
//   as generated, before the split.
// - Context: a prompt needs room for a part of its answer (min(max_tokens, n_ctx / 4), at least
//   one token). ContextPolicy::DropOldest (the default) keeps the system prompt (and leading
//   system messages) and leaves out the oldest turns, a user message with the answers after it,
//   until the prompt leaves that room and fills at most half the context (so that the next turns
//   reuse the cache again), then re-prefills; when the cache fills during an answer it does the
//   same with the answer so far appended to the prompt, and continues the answer. The left-out
//   messages stay in messages() but are no longer rendered (first_rendered());
//   stats.messages_dropped counts them per turn. set_messages() with a history that keeps the
//   left-out messages as they were keeps them out, as send() does, so the prompt still starts
//   where the cache does. measure() tells what a prompt would hold without running it.
//   ContextPolicy::Error drops nothing. When the prompt cannot fit, send() and the others throw
//   ContextFull with a message for the user; when an answer fills the context and nothing can be
//   dropped, it ends with FinishReason::ContextFull and TurnResult::message says so.
// - One thread at a time (the Model's); only the stop flag may be set from elsewhere. The Model
//   must outlive the ChatSession. Vulkan and device errors propagate (the history is unchanged).
#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "chat/chat_format.h"
#include "chat/chat_template.h"
#include "sampler/sampler.h"
#include "util/errors.h"

namespace vkchat::llm {
class Model;
class Session;
}  // namespace vkchat::llm
namespace vkchat::tokenizer {
class Tokenizer;
}

namespace vkchat::chat {

// The conversation does not fit the context; the message says by how much and what to do.
class ContextFull : public InputError {
 public:
  using InputError::InputError;
};

enum class ContextPolicy { DropOldest, Error };

enum class FinishReason {
  EndOfGeneration,  // the model produced an end-of-generation token
  StopString,       // a stop string appeared in the text
  MaxTokens,        // options().max_tokens were generated
  Stopped,          // the stop flag was set
  ContextFull,      // no room left and nothing that could be dropped
};

// "eog", "stop-string", "max-tokens", "stopped", "context-full".
std::string_view finish_reason_name(FinishReason r);

struct ChatOptions {
  std::string system_prompt;  // rendered first when not empty
  sampler::SamplerSettings sampling;
  std::int64_t max_tokens = -1;  // per answer; <= 0: until another stop condition
  ContextPolicy context_policy = ContextPolicy::DropOldest;
  std::vector<std::string> stop_strings;  // in addition to the template's
  // Template variables (enable_thinking, reasoning_effort) for every render.
  TemplateSwitches switches;
  // Keep the reasoning apart (reasoning.h, in the template's format): pieces say which they are,
  // TurnResult::text is the answer only and TurnResult::reasoning the thinking, and the history
  // keeps the reasoning as the message's reasoning_content. Off: the text is the model's as it
  // came, tags and all, in TurnResult::text (what front ends that do not show reasoning expect).
  bool split_reasoning = false;
  // Per generated token, keep its probability and this many of the most probable tokens it was
  // drawn among (TurnResult::choices; at most sampler::kMaxAlternatives). 0: none, and greedy
  // settings read back only the argmax.
  std::size_t alternatives = 0;
};

// Per turn (one call of send / regenerate / respond).
struct TurnStats {
  std::int64_t prompt_tokens = 0;     // the rendered prompt (the last one, after any drop)
  std::int64_t tokens_reused = 0;     // of the prompt, found in the cache
  std::int64_t tokens_prefilled = 0;  // fed to build the prompt (all re-prefills together)
  std::int64_t tokens_generated = 0;  // sampled tokens in the answer (no end-of-generation token)
  std::int64_t messages_dropped = 0;  // left out of the context during this turn
  double prefill_tps = 0;             // prefill tokens per second on the device
  double decode_tps = 0;              // generated tokens per second on the device
  double ttft_ms = 0;                 // from the call until the first token was sampled
  // With split_reasoning: the tokens sampled until the reasoning ended (all of them when it never
  // did; 0 without reasoning), and the time from the first token until then.
  std::int64_t reasoning_tokens = 0;
  double reasoning_ms = 0;
  double total_ms = 0;        // the whole call
  std::int64_t position = 0;  // tokens in the cache afterwards
  std::int64_t n_ctx = 0;
};

// One candidate for a position of the answer: a token, its probability, and its text.
struct TokenOption {
  std::int32_t id = 0;
  double p = 0;
  std::string text;  // its bytes as they would stand in the text (Tokenizer::piece)
};

// A token of the answer with the alternatives it was chosen among (ChatOptions::alternatives):
// probabilities under the settings used (Sampler::sample with k; greedy: the model's own).
struct TokenChoice {
  std::int32_t id = 0;
  double p = 0;            // NaN for a token given (respond_from), not sampled
  std::string text;        // the text this token added, as generated (before stop strings and the
                           // reasoning split; empty while a UTF-8 character is incomplete)
  bool reasoning = false;  // with split_reasoning: the answer was inside its reasoning
  std::vector<TokenOption> alternatives;  // the most probable first; empty for a given token
};

struct TurnResult {
  std::string text;       // the answer, as streamed and as added to the history
  std::string reasoning;  // with split_reasoning: the reasoning streamed before or within it
  FinishReason finish = FinishReason::EndOfGeneration;
  std::string message;               // why, when finish is ContextFull
  std::uint64_t seed = 0;            // the sampler's seed for this answer
  std::vector<std::int32_t> tokens;  // the sampled ids of the answer
  // With ChatOptions::alternatives > 0: one per entry of `tokens`; else empty.
  std::vector<TokenChoice> choices;
  TurnStats stats;
};

// The chat format a render used: "jinja" (the model's template) or a built-in one.
struct FormatInfo {
  std::string name;
  bool used_fallback = false;
  std::string fallback_reason;
};

// A streamed piece of the answer: non-empty text, and how many tokens the answer has so far
// (reasoning tokens included). `reasoning`: the piece is reasoning, not answer (split_reasoning).
struct Piece {
  std::string_view text;
  std::int64_t tokens = 0;
  bool reasoning = false;
  // With ChatOptions::alternatives > 0: the tokens generated since the previous piece (their
  // text is this piece's, or held back for a later one: stop strings, incomplete characters),
  // so that a stream can report each token's probability with the text it carries.
  std::span<const TokenChoice> choices;
};
using OnPiece = std::function<void(const Piece&)>;
// Prefill progress: prompt tokens read so far, and all that are to be read (after the reuse).
using OnPrefill = std::function<void(std::int64_t done, std::int64_t total)>;

// What answering a history would put in the context (ChatSession::measure).
struct ContextUse {
  std::int64_t prompt_tokens = 0;  // the rendered prompt, after any drop
  std::size_t first_rendered = 0;  // as ChatSession::first_rendered()
  std::int64_t messages_dropped = 0;
  bool fits = true;  // false: it cannot fit even after dropping (send() would throw ContextFull)
};

class ChatSession {
 public:
  // n_ctx: positions of the KV cache (0: the model's default). max_chunk: the session's most
  // tokens per prefill pass (0: llm::kMaxChunk; sliding-window layers keep window + max_chunk
  // rows, llm::Session). Throws what llm::Session throws (InsufficientMemory) and
  // std::invalid_argument for bad sampling settings.
  explicit ChatSession(llm::Model& model, std::int64_t n_ctx = 0, ChatOptions options = {},
                       std::int64_t max_chunk = 0);
  ChatSession(const ChatSession&) = delete;
  ChatSession& operator=(const ChatSession&) = delete;
  ~ChatSession();

  // Adds a user message and answers it.
  TurnResult send(std::string user_text, const OnPiece& on_piece = {});
  // Replaces the last answer with a new one from the same prompt. seed: the sampler's seed for
  // it (the last answer's TurnResult::seed gives the same answer again); nullopt: the last seed
  // plus one, so a different draw that a fixed seed still makes reproducible. Without an answer
  // to replace (the history ends with a user message) it answers that message. Throws
  // std::logic_error when there is no user message to answer.
  TurnResult regenerate(std::optional<std::uint64_t> seed = std::nullopt,
                        const OnPiece& on_piece = {});
  // Answers the history as it is; the last message must be the user's (std::logic_error).
  TurnResult respond(const OnPiece& on_piece = {});
  // As respond(), but the answer begins with `start` (the tokens of an earlier answer up to one
  // position and the alternative chosen there): they are fed with the prompt, not sampled, and
  // then stream, stop and count as generated ones; generation goes on after them. Ids outside
  // the vocabulary throw std::out_of_range, a start that leaves no room ContextFull.
  TurnResult respond_from(std::span<const std::int32_t> start, const OnPiece& on_piece = {});

  // The whole history, e.g. after the user edited a message (leading system messages allowed).
  // Nothing is evaluated now: the next answer reuses whatever prefix of the cache still matches.
  // Messages left out of the context stay out when the new history begins with them unchanged.
  void set_messages(std::vector<Message> messages);
  // The prompt that answering `messages` (ending with the user's message) would render under the
  // context policy, starting from first_rendered() as set_messages() would; nothing is evaluated.
  ContextUse measure(std::span<const Message> messages);
  // Forgets the history (the system prompt stays). The cache is kept for its prefix.
  void reset();
  const std::vector<Message>& messages() const { return history_; }
  // The first message of messages() that the last prompt rendered (after leading system
  // messages, which are always rendered): > 0 when DropOldest left turns out.
  std::size_t first_rendered() const { return first_kept_; }

  // Takes effect at the next turn. Throws std::invalid_argument for bad sampling settings.
  void set_options(ChatOptions options);
  const ChatOptions& options() const { return options_; }
  // Checked between tokens and by the prefill; nullptr for none. Must outlive its use.
  void set_stop_flag(const std::atomic<bool>* stop);
  // The time one prefill chunk may take (llm::Session::set_chunk_seconds), so that a stop during
  // a long prompt lands within about that; 0: the largest chunks (fastest).
  void set_prefill_chunk_seconds(double seconds);
  void set_prefill_progress(OnPrefill on_prefill) { on_prefill_ = std::move(on_prefill); }
  // Called on the generating thread between tokens (see the contract); empty: none.
  void set_between_tokens(std::function<void()> hook) { between_tokens_ = std::move(hook); }

  // The format of the last render (before any turn: of a probe conversation).
  const FormatInfo& format() const { return format_; }
  // How the model's template marks reasoning (None without a template); split_reasoning uses it.
  ReasoningFormat reasoning_format() const { return template_.reasoning_format(); }
  const ChatTemplate& chat_template() const { return template_; }
  // Renders with `t` instead of the model's own template from now on (a --chat-template-file);
  // the cache is kept for whatever prefix still matches.
  void set_chat_template(ChatTemplate t);
  // User messages in the history.
  std::int64_t turns() const;
  const TurnStats& last_stats() const { return last_stats_; }
  std::int64_t position() const;
  std::int64_t n_ctx() const;
  // The tokens the KV cache holds, position() of them.
  std::span<const std::int32_t> cached_tokens() const { return cache_; }
  // The prompt the last turn rendered (after any drop), without the answer.
  const std::string& last_prompt() const { return last_prompt_; }

 private:
  struct Prompt;

  void probe_format();  // format_ from rendering a probe conversation

  // `given`: the answer's first tokens, fed rather than sampled (respond_from).
  TurnResult run_turn(std::vector<Message> conv, std::uint64_t seed, const OnPiece& on_piece,
                      std::span<const std::int32_t> given = {});
  // The finished turn becomes the history: `conv` with the answer, what was left out, the stats.
  void keep_turn(std::vector<Message> conv, const TurnResult& res, std::size_t first);
  // `cancel`: the template's render stops with Cancelled once it is set (nullptr: never).
  Prompt build_prompt(std::span<const Message> conv, std::size_t first,
                      std::string_view answer_so_far, const std::atomic<bool>* cancel = nullptr);
  // Drops turns (DropOldest) until the prompt leaves `room` tokens; nullopt when it cannot fit.
  std::optional<Prompt> fit(std::span<const Message> conv, std::size_t& first,
                            std::string_view answer_so_far, std::int64_t room,
                            std::int64_t& dropped, const std::atomic<bool>* cancel = nullptr);
  // Cuts the cache where it stops matching `tokens` and feeds the rest, adding the count fed to
  // `fed` (also when feeding throws, e.g. Cancelled); returns the count reused.
  std::int64_t prefill(std::span<const std::int32_t> tokens, std::int64_t& fed);
  std::vector<std::int32_t> tokenize(const std::string& text) const;
  std::int64_t answer_room() const;
  // The ContextFull message: what the prompt holds (system prompt, messages) against the context.
  std::string too_long(std::span<const Message> conv, std::size_t first);
  std::uint64_t fresh_seed() const;
  // Where rendering `conv` starts: first_kept_ when the messages before it are those left out
  // last time, else after the leading system messages; never past the last user message.
  std::size_t start_of(std::span<const Message> conv) const;
  bool stop_requested() const;

  const tokenizer::Tokenizer* tok_;
  ChatTemplate template_;
  std::unique_ptr<llm::Session> session_;
  sampler::Sampler sampler_;
  ChatOptions options_;
  std::vector<Message> history_;
  std::size_t first_kept_ = 0;
  std::vector<std::int32_t> cache_;
  const std::atomic<bool>* stop_ = nullptr;
  OnPrefill on_prefill_;
  std::function<void()> between_tokens_;
  std::optional<std::uint64_t> last_seed_;
  FormatInfo format_;
  TurnStats last_stats_;
  std::string last_prompt_;
};

}  // namespace vkchat::chat
