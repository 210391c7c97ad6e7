// A conversation over one KV cache: prompt rendering, prefix reuse, generation and its stops.
#include "chat/chat_session.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <random>
#include <stdexcept>

#include "chat/stop_filter.h"
#include "llm/model.h"
#include "llm/session.h"
#include "tokenizer/tokenizer.h"

namespace vkchat::chat {

namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

std::size_t leading_system(std::span<const Message> conv) {
  std::size_t n = 0;
  while (n < conv.size() && conv[n].role == "system") ++n;
  return n;
}

std::size_t last_user(std::span<const Message> conv) {
  for (std::size_t i = conv.size(); i-- > 0;) {
    if (conv[i].role == "user") return i;
  }
  return conv.size();
}

std::size_t common_prefix(std::span<const std::int32_t> a, std::span<const std::int32_t> b) {
  const std::size_t n = std::min(a.size(), b.size());
  return static_cast<std::size_t>(std::mismatch(a.begin(), a.begin() + n, b.begin()).first -
                                  a.begin());
}

std::uint64_t next_seed(std::uint64_t s) {
  ++s;
  return s == sampler::kRandomSeed ? s + 1 : s;
}

}  // namespace

std::string_view finish_reason_name(FinishReason r) {
  switch (r) {
    case FinishReason::EndOfGeneration: return "eog";
    case FinishReason::StopString: return "stop-string";
    case FinishReason::MaxTokens: return "max-tokens";
    case FinishReason::Stopped: return "stopped";
    case FinishReason::ContextFull: return "context-full";
  }
  return "unknown";
}

struct ChatSession::Prompt {
  std::string text;  // the rendered conversation, without the answer so far
  std::vector<std::int32_t> tokens;
  std::vector<std::string> stop_strings;
};

ChatSession::ChatSession(llm::Model& model, std::int64_t n_ctx, ChatOptions options,
                         std::int64_t max_chunk)
    : tok_(&model.tokenizer()),
      template_(ChatTemplate::from_gguf(model.gguf())),
      session_(
          std::make_unique<llm::Session>(model, n_ctx, max_chunk > 0 ? max_chunk : llm::kMaxChunk)),
      sampler_(options.sampling),
      options_(std::move(options)) {
  probe_format();
}

ChatSession::~ChatSession() = default;

void ChatSession::set_chat_template(ChatTemplate t) {
  template_ = std::move(t);
  probe_format();
}

void ChatSession::probe_format() {
  // What the header line of a front end shows before the first turn.
  std::vector<Message> probe;
  if (!options_.system_prompt.empty()) probe.push_back({"system", options_.system_prompt});
  probe.push_back({"user", "Hello"});
  const RenderResult r = template_.render(probe, true, {}, options_.switches);
  format_ = {r.format_name, r.used_fallback, r.fallback_reason};
}

void ChatSession::set_options(ChatOptions options) {
  sampler_.set_settings(options.sampling);  // validates
  options_ = std::move(options);
}

void ChatSession::set_stop_flag(const std::atomic<bool>* stop) {
  stop_ = stop;
  session_->set_cancel_flag(stop);
}

void ChatSession::set_prefill_chunk_seconds(double seconds) {
  session_->set_chunk_seconds(seconds);
}

std::size_t ChatSession::start_of(std::span<const Message> conv) const {
  std::size_t first = leading_system(conv);
  const bool same_dropped =
      first_kept_ <= conv.size() && first_kept_ <= history_.size() &&
      std::equal(conv.begin(), conv.begin() + static_cast<std::ptrdiff_t>(first_kept_),
                 history_.begin(), [](const Message& a, const Message& b) {
                   return a.role == b.role && a.content == b.content &&
                          a.reasoning_content == b.reasoning_content;
                 });
  if (same_dropped) first = std::max(first, first_kept_);
  return std::min(first, last_user(conv));
}

void ChatSession::set_messages(std::vector<Message> messages) {
  first_kept_ = start_of(messages);
  history_ = std::move(messages);
}

ContextUse ChatSession::measure(std::span<const Message> messages) {
  ContextUse use;
  std::size_t first = start_of(messages);
  std::optional<Prompt> p = fit(messages, first, "", answer_room(), use.messages_dropped);
  use.fits = p.has_value();
  use.prompt_tokens = static_cast<std::int64_t>(
      p ? p->tokens.size() : build_prompt(messages, first, "").tokens.size());
  use.first_rendered = first;
  // Counted from the start of the history, not only what this call left out.
  use.messages_dropped = static_cast<std::int64_t>(first - leading_system(messages));
  return use;
}

void ChatSession::reset() {
  set_messages({});
}

std::int64_t ChatSession::turns() const {
  return std::count_if(history_.begin(), history_.end(),
                       [](const Message& m) { return m.role == "user"; });
}

std::int64_t ChatSession::position() const {
  return session_->position();
}
std::int64_t ChatSession::n_ctx() const {
  return session_->n_ctx();
}

bool ChatSession::stop_requested() const {
  return stop_ && stop_->load();
}

std::uint64_t ChatSession::fresh_seed() const {
  if (options_.sampling.seed != sampler::kRandomSeed) return options_.sampling.seed;
  std::random_device rd;
  const std::uint64_t s = (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
  return s == sampler::kRandomSeed ? s + 1 : s;
}

std::string ChatSession::too_long(std::span<const Message> conv, std::size_t first) {
  // Name what the prompt holds, so that the user knows what to shorten.
  const std::int64_t need = static_cast<std::int64_t>(build_prompt(conv, first, "").tokens.size());
  auto count = [&](const std::string& text) {
    return static_cast<std::int64_t>(tok_->encode(text, false, false).size());
  };
  std::int64_t system = options_.system_prompt.empty() ? 0 : count(options_.system_prompt);
  const std::size_t lead = leading_system(conv);
  for (std::size_t i = 0; i < lead; ++i) system += count(conv[i].content);
  std::int64_t messages = 0;
  const std::size_t from = std::max(first, lead);
  for (std::size_t i = from; i < conv.size(); ++i) messages += count(conv[i].content);
  const std::size_t kept = conv.size() - from;
  std::string parts =
      system > 0 ? "the system prompt (" + std::to_string(system) + " tokens) and " : "";
  parts += kept == 1 ? "your message (" + std::to_string(messages) + " tokens)"
                     : std::to_string(kept) + " messages (" + std::to_string(messages) + " tokens)";
  const std::string holds = "the context holds " + std::to_string(n_ctx()) + " tokens";
  const std::string room = " and room for the answer (" + std::to_string(answer_room()) + ")";
  if (options_.context_policy == ContextPolicy::DropOldest) {
    return "the message is too long: the prompt is " + parts + ", " + std::to_string(need) +
           " tokens with the chat template, plus" + room + ", and " + holds +
           "; shorten it or use a larger context";
  }
  return "the conversation does not fit: the prompt is " + parts + ", " + std::to_string(need) +
         " tokens with the chat template, plus" + room + ", and " + holds +
         "; start a new chat or use a larger context";
}

std::int64_t ChatSession::answer_room() const {
  const std::int64_t quarter = std::max<std::int64_t>(1, n_ctx() / 4);
  return options_.max_tokens > 0 ? std::min(options_.max_tokens, quarter) : quarter;
}

std::vector<std::int32_t> ChatSession::tokenize(const std::string& text) const {
  // Special tokens in the text are the template's; BOS only if the template did not write it.
  std::vector<std::int32_t> ids = tok_->encode(text, /*add_special=*/false, /*parse_special=*/true);
  const std::int32_t bos = tok_->bos();
  if (tok_->adds_bos() && bos != tokenizer::kNoToken && (ids.empty() || ids.front() != bos)) {
    ids.insert(ids.begin(), bos);
  }
  if (ids.empty()) throw std::invalid_argument("the chat template rendered an empty prompt");
  return ids;
}

ChatSession::Prompt ChatSession::build_prompt(std::span<const Message> conv, std::size_t first,
                                              std::string_view answer_so_far,
                                              const std::atomic<bool>* cancel) {
  std::vector<Message> msgs;
  if (!options_.system_prompt.empty()) msgs.push_back({"system", options_.system_prompt});
  const std::size_t lead = leading_system(conv);
  msgs.insert(msgs.end(), conv.begin(), conv.begin() + static_cast<std::ptrdiff_t>(lead));
  msgs.insert(msgs.end(), conv.begin() + static_cast<std::ptrdiff_t>(std::max(first, lead)),
              conv.end());
  ChatRenderOptions render_options;
  render_options.cancel = cancel;
  RenderResult r = template_.render(msgs, true, render_options, options_.switches);
  format_ = {r.format_name, r.used_fallback, r.fallback_reason};
  Prompt p;
  p.tokens = tokenize(r.text + std::string(answer_so_far));
  p.text = std::move(r.text);
  p.stop_strings = std::move(r.stop_strings);
  return p;
}

std::optional<ChatSession::Prompt> ChatSession::fit(std::span<const Message> conv,
                                                    std::size_t& first,
                                                    std::string_view answer_so_far,
                                                    std::int64_t room, std::int64_t& dropped,
                                                    const std::atomic<bool>* cancel) {
  const std::int64_t n = n_ctx();
  Prompt p = build_prompt(conv, first, answer_so_far, cancel);
  auto size = [&] { return static_cast<std::int64_t>(p.tokens.size()); };
  if (size() + room > n && options_.context_policy == ContextPolicy::DropOldest) {
    // Dropping costs a re-prefill of everything after the system prompt, so drop down to half
    // the context: the next turns then reuse the cache again.
    const std::size_t current = last_user(conv);
    while ((size() + room > n || size() > n / 2) && first < current) {
      std::size_t next = first + 1;
      while (next < current && conv[next].role != "user") ++next;
      dropped += static_cast<std::int64_t>(next - first);
      first = next;
      p = build_prompt(conv, first, answer_so_far, cancel);
    }
  }
  if (size() + 1 > n) return std::nullopt;
  return p;
}

std::int64_t ChatSession::prefill(std::span<const std::int32_t> tokens, std::int64_t& fed) {
  // A recurrent model keeps no state per position: it reuses the cache up to its latest
  // checkpoint inside the common prefix (Session::truncation_point), or none of it; a model with
  // sliding-window rings reuses the prefix while they still hold its window's rows, else none.
  const auto reuse = static_cast<std::size_t>(session_->truncation_point(
      static_cast<std::int64_t>(std::min(common_prefix(cache_, tokens), tokens.size() - 1))));
  session_->truncate(static_cast<std::int64_t>(reuse));
  cache_.resize(reuse);
  try {
    const std::span<const std::int32_t> rest = tokens.subspan(reuse);
    if (session_->recurrent() && rest.size() > 1) {
      // Checkpoint before the prompt's last token: a regenerate of this prompt feeds only that.
      const auto total = static_cast<std::int64_t>(rest.size());
      const auto body = static_cast<std::int64_t>(rest.size() - 1);
      session_->feed(rest.first(rest.size() - 1), [&](std::int64_t done, std::int64_t) {
        if (on_prefill_) on_prefill_(done, total);
      });
      session_->checkpoint();
      session_->feed(rest.last(1), [&](std::int64_t done, std::int64_t) {
        if (on_prefill_) on_prefill_(body + done, total);
      });
    } else {
      session_->feed(rest, on_prefill_);
    }
  } catch (...) {
    const auto at = static_cast<std::size_t>(
        std::clamp<std::int64_t>(session_->position(), static_cast<std::int64_t>(reuse),
                                 static_cast<std::int64_t>(tokens.size())));
    cache_.assign(tokens.begin(), tokens.begin() + static_cast<std::ptrdiff_t>(at));
    fed += static_cast<std::int64_t>(at - reuse);
    throw;
  }
  cache_.assign(tokens.begin(), tokens.end());
  fed += static_cast<std::int64_t>(tokens.size() - reuse);
  return static_cast<std::int64_t>(reuse);
}

TurnResult ChatSession::send(std::string user_text, const OnPiece& on_piece) {
  std::vector<Message> conv = history_;
  conv.push_back({"user", std::move(user_text)});
  return run_turn(std::move(conv), fresh_seed(), on_piece);
}

TurnResult ChatSession::respond(const OnPiece& on_piece) {
  if (history_.empty() || history_.back().role != "user") {
    throw std::logic_error("respond(): the last message is not the user's");
  }
  return run_turn(history_, fresh_seed(), on_piece);
}

TurnResult ChatSession::respond_from(std::span<const std::int32_t> start, const OnPiece& on_piece) {
  if (history_.empty() || history_.back().role != "user") {
    throw std::logic_error("respond_from(): the last message is not the user's");
  }
  const std::int64_t n_vocab = session_->n_vocab();
  for (std::int32_t t : start) {
    if (t < 0 || t >= n_vocab) {
      throw std::out_of_range("the answer's start holds token id " + std::to_string(t) +
                              ", outside the vocabulary of " + std::to_string(n_vocab) +
                              " (an answer of another model?)");
    }
  }
  return run_turn(history_, fresh_seed(), on_piece, start);
}

TurnResult ChatSession::regenerate(std::optional<std::uint64_t> seed, const OnPiece& on_piece) {
  std::vector<Message> conv = history_;
  if (!conv.empty() && conv.back().role == "assistant") conv.pop_back();
  if (conv.empty() || conv.back().role != "user") {
    throw std::logic_error("regenerate(): there is no user message to answer");
  }
  const std::uint64_t s = seed ? *seed : last_seed_ ? next_seed(*last_seed_) : fresh_seed();
  return run_turn(std::move(conv), s, on_piece);
}

TurnResult ChatSession::run_turn(std::vector<Message> conv, std::uint64_t seed,
                                 const OnPiece& on_piece, std::span<const std::int32_t> given) {
  const Clock::time_point t0 = Clock::now();
  session_->reset_stats();
  TurnResult res;
  res.seed = seed;
  TurnStats& st = res.stats;
  st.n_ctx = n_ctx();

  std::size_t first = start_of(conv);
  std::optional<Prompt> prompt;
  try {
    // The template renders with the stop flag: a Stop (or a closed request) ends even a slow one.
    prompt = fit(conv, first, "", answer_room(), st.messages_dropped, stop_);
  } catch (const Cancelled&) {
    // Nothing was fed: the answer is empty and stopped, the cache as it was.
    res.finish = FinishReason::Stopped;
    st.position = position();
    st.total_ms = ms_since(t0);
    keep_turn(std::move(conv), res, first);
    return res;
  }
  if (!prompt) throw ContextFull(too_long(conv, first));
  if (!given.empty() &&
      static_cast<std::int64_t>(prompt->tokens.size() + given.size()) + 1 > n_ctx()) {
    throw ContextFull("the answer's start (" + std::to_string(given.size()) +
                      " tokens) and the prompt (" + std::to_string(prompt->tokens.size()) +
                      " tokens) do not fit the context of " + std::to_string(n_ctx()) + " tokens");
  }

  std::vector<std::string> stops = prompt->stop_strings;
  stops.insert(stops.end(), options_.stop_strings.begin(), options_.stop_strings.end());
  StopFilter filter(std::move(stops));
  tokenizer::StreamingDecoder decoder(*tok_);
  const ReasoningFormat reasoning =
      options_.split_reasoning ? template_.reasoning_format() : ReasoningFormat::None;
  ReasoningParser parser(reasoning, prompt_opens_reasoning(reasoning, prompt->text));
  std::vector<std::int32_t> markers;
  for (std::string_view m : reasoning_markers(reasoning)) {
    const std::optional<std::int32_t> id = tok_->find_token(m);
    if (id && tok_->is_hidden(*id)) markers.push_back(*id);
  }
  decoder.render_also(std::move(markers));
  std::size_t choices_shown = 0;  // res.choices already handed to a piece
  auto show = [&](const std::string& text, bool is_reasoning) {
    if (text.empty()) return;
    (is_reasoning ? res.reasoning : res.text) += text;
    const std::span<const TokenChoice> fresh =
        std::span<const TokenChoice>(res.choices).subspan(choices_shown);
    choices_shown = res.choices.size();
    if (on_piece) {
      on_piece({text, static_cast<std::int64_t>(res.tokens.size()), is_reasoning, fresh});
    }
  };
  auto emit = [&](const std::string& text) {
    if (text.empty()) return;
    ReasoningSplit s = parser.push(text);
    show(s.reasoning, true);
    show(s.content, false);
  };
  auto emit_rest = [&] {
    ReasoningSplit s = parser.finish();
    show(s.reasoning, true);
    show(s.content, false);
  };
  const std::size_t alternatives = std::min(options_.alternatives, sampler::kMaxAlternatives);
  // The alternatives need the whole distribution, so they read back every logit.
  const bool argmax_only =
      options_.sampling.greedy() && !options_.sampling.penalties_active() && alternatives == 0;
  // The choice behind the token the loop handles next, until it joins res.choices.
  TokenChoice pending;
  sampler::SampleDetail detail;
  auto choose = [&](std::span<const float> logits) {
    if (alternatives == 0) return sampler_.sample(logits);
    const std::int32_t id = sampler_.sample(logits, alternatives, detail);
    pending = TokenChoice{id, detail.p, {}, false, {}};
    for (const sampler::TokenProb& t : detail.top) {
      pending.alternatives.push_back({t.id, t.p, tok_->piece(t.id)});
    }
    return id;
  };
  // Greedy without penalties: the device computes the top k and the softmax sum (the same
  // probabilities as Sampler::sample with k takes from the logits), and only they come back.
  const bool device_top = options_.sampling.greedy() && !options_.sampling.penalties_active() &&
                          alternatives > 0 && session_->device_top_pays();
  llm::TopLogits top;
  auto decode_top = [&](std::int32_t previous) {
    session_->decode_top(previous, static_cast<std::uint32_t>(alternatives), top);
    const std::int32_t id = top.ids[0];
    const bool finite = top.sum > 0 && std::isfinite(top.max);
    pending = TokenChoice{id, finite ? 1.0 / top.sum : 1.0, {}, false, {}};
    for (std::size_t i = 0; i < top.ids.size(); ++i) {
      const double p =
          finite ? std::exp(static_cast<double>(top.logits[i]) - top.max) / top.sum : 1.0;
      if (p > 0.0) pending.alternatives.push_back({top.ids[i], p, tok_->piece(top.ids[i])});
      if (!finite) break;
    }
    return id;
  };
  std::size_t next_given = 0;
  auto take_given = [&] {
    const std::int32_t id = given[next_given++];
    pending = TokenChoice{id, std::numeric_limits<double>::quiet_NaN(), {}, false, {}};
    return id;
  };

  try {
    bool stopped = false;
    st.tokens_reused = session_->truncation_point(static_cast<std::int64_t>(
        std::min(common_prefix(cache_, prompt->tokens), prompt->tokens.size() - 1)));
    try {
      if (given.empty()) {
        prefill(prompt->tokens, st.tokens_prefilled);
      } else {
        std::vector<std::int32_t> with_start = prompt->tokens;
        with_start.insert(with_start.end(), given.begin(), given.end());
        prefill(with_start, st.tokens_prefilled);
      }
    } catch (const Cancelled&) {
      stopped = true;
    }

    sampler_.reset();
    sampler_.set_seed(seed);
    const std::size_t window = options_.sampling.repeat_last_n < 0
                                   ? prompt->tokens.size()
                                   : static_cast<std::size_t>(options_.sampling.repeat_last_n);
    for (std::size_t i = prompt->tokens.size() - std::min(window, prompt->tokens.size());
         i < prompt->tokens.size(); ++i) {
      sampler_.accept(prompt->tokens[i]);
    }

    res.finish = FinishReason::Stopped;
    std::int32_t token = stopped          ? tokenizer::kNoToken
                         : !given.empty() ? take_given()
                                          : choose(session_->logits());
    if (!stopped) st.ttft_ms = ms_since(t0);
    while (!stopped) {
      if (tok_->is_eog(token)) {
        res.finish = FinishReason::EndOfGeneration;
        break;
      }
      sampler_.accept(token);
      res.tokens.push_back(token);
      std::string text = decoder.push(token);
      if (alternatives > 0) {
        pending.text = text;
        res.choices.push_back(std::move(pending));
      }
      emit(filter.push(text));
      if (alternatives > 0) res.choices.back().reasoning = parser.in_reasoning();
      const auto generated = static_cast<std::int64_t>(res.tokens.size());
      if (parser.in_reasoning()) {
        st.reasoning_tokens = generated;
        st.reasoning_ms = ms_since(t0) - st.ttft_ms;
      }
      if (filter.stopped()) {
        res.finish = FinishReason::StopString;
        break;
      }
      if (options_.max_tokens > 0 && generated >= options_.max_tokens) {
        res.finish = FinishReason::MaxTokens;
        break;
      }
      if (between_tokens_) between_tokens_();
      if (stop_requested()) break;
      try {
        if (next_given < given.size()) {
          token = take_given();  // fed with the prompt already
          continue;
        }
        if (next_given == given.size() && !given.empty()) {
          ++next_given;  // the first sampled token: from the logits after the given ones
          token = choose(session_->logits());
          continue;
        }
        if (session_->position() < session_->n_ctx()) {
          token = argmax_only  ? session_->decode_argmax(token)
                  : device_top ? decode_top(token)
                               : choose(session_->decode(token));
          cache_.push_back(res.tokens.back());
          continue;
        }
        // The cache is full mid-answer: leave out old turns and go on from the answer so far.
        std::int64_t room = answer_room();
        if (options_.max_tokens > 0) room = std::min(room, options_.max_tokens - generated);
        std::optional<Prompt> shifted =
            fit(conv, first, tok_->decode(res.tokens), room, st.messages_dropped, stop_);
        if (!shifted) {
          res.finish = FinishReason::ContextFull;
          res.message = "the context of " + std::to_string(n_ctx()) + " tokens is full" +
                        (options_.context_policy == ContextPolicy::DropOldest
                             ? " and there are no older turns to leave out"
                             : "");
          break;
        }
        prompt = std::move(shifted);
        prefill(prompt->tokens, st.tokens_prefilled);
        token = choose(session_->logits());
      } catch (const Cancelled&) {
        break;
      }
    }
    if (!filter.stopped()) {
      emit(filter.push(decoder.finish()));
      emit(filter.finish());
    }
    emit_rest();
    session_->checkpoint();  // the answer's end: where the next turn's prompt goes on from
  } catch (...) {
    // Keep the mirror of the cache exact whatever failed (a device error, the callback).
    const auto n = session_->truncation_point(
        std::min<std::int64_t>(static_cast<std::int64_t>(cache_.size()), session_->position()));
    cache_.resize(static_cast<std::size_t>(n));
    session_->truncate(n);
    throw;
  }

  const llm::SessionStats& ss = session_->stats();
  st.prompt_tokens = static_cast<std::int64_t>(prompt->tokens.size());
  st.tokens_generated = static_cast<std::int64_t>(res.tokens.size());
  st.prefill_tps = ss.prefill_tps();
  st.decode_tps = ss.decode_tps();
  st.position = position();
  st.total_ms = ms_since(t0);

  keep_turn(std::move(conv), res, first);
  last_prompt_ = prompt->text;
  return res;
}

void ChatSession::keep_turn(std::vector<Message> conv, const TurnResult& res, std::size_t first) {
  conv.push_back({"assistant", res.text, res.reasoning});
  history_ = std::move(conv);
  first_kept_ = first;
  last_seed_ = res.seed;
  last_stats_ = res.stats;
}

}  // namespace vkchat::chat
