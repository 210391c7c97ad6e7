// Evaluation: the ids go to a host-visible buffer, the forward pass is recorded into the
// session's one command buffer, submitted and waited for; the logits (or an argmax) come back.
#include "llm/session.h"

#include <algorithm>
#include <bit>
#include <chrono>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <string>

#include "llm/forward.h"
#include "ops/ops.h"
#include "quant/dequantize.h"
#include "util/errors.h"

namespace vkchat::llm {

namespace {

// The top-k words (ops::topk) in the argmax's scratch slot, which is sized for the most.
ops::Tensor top_words(const Scratch& scratch, std::uint32_t k) {
  ops::Tensor t = scratch.argmax;
  t.ne = {static_cast<std::int64_t>(ops::topk_words(k)), 1, 1, 1};
  return t;
}

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

double us_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::micro>(b - a).count();
}

// Sampling from NaN logits silently yields nothing useful (an empty answer, or token 0 over and
// over); a model that computes them is broken, and the user is told so. One pass over the
// vocabulary per token, negligible beside the forward pass.
void check_finite(std::span<const float> logits, std::int64_t position, const Model& model) {
  for (const float x : logits) {
    if (std::isfinite(x)) continue;
    throw NonFiniteOutput(model.summary().path + ": the model computed " +
                              (std::isnan(x) ? "NaN" : "infinite") + " logits at position " +
                              std::to_string(position) +
                              ": its weights or metadata hold NaN, infinite or absurd values",
                          position);
  }
}

// The context a session gets, after checking that its memory fits beside the weights.
std::int64_t checked_ctx(Model& model, std::int64_t n_ctx, std::int64_t max_chunk) {
  check_context_size(n_ctx);
  if (max_chunk < 1 || max_chunk > kMaxChunk) {
    throw std::invalid_argument("prefill chunk of " + std::to_string(max_chunk) +
                                " tokens: it must be 1 .. " + std::to_string(kMaxChunk));
  }
  if (n_ctx == 0) n_ctx = model.summary().n_ctx;
  MemoryEstimate need;
  need.n_ctx = n_ctx;
  need.weights = model.summary().memory.weights;
  need.kv_cache = Session::kv_bytes(model.hparams(), n_ctx, max_chunk);
  need.window_rows = KvCache::window_rows(model.hparams(), n_ctx, std::min(max_chunk, n_ctx));
  need.scratch = Session::scratch_bytes(model.hparams(), n_ctx, model.kernels(), max_chunk);
  check_fits(need, model.memory_budget(), "a session of " + std::to_string(n_ctx) + " positions",
             model.summary().device);
  return n_ctx;
}

std::vector<float> rope_freq_factors(const Model& model, std::int64_t n_ctx) {
  const model::TensorRef t = model::rope_factors(model.spec(), n_ctx);
  return t ? quant::dequantize_tensor(*t) : std::vector<float>{};
}

}  // namespace

std::uint64_t Session::kv_bytes(const model::HParams& hp, std::int64_t n_ctx,
                                std::int64_t max_chunk) {
  return KvCache::bytes(hp, n_ctx, std::min(max_chunk, n_ctx));
}

std::uint64_t Session::scratch_bytes(const model::HParams& hp, std::int64_t n_ctx,
                                     ops::Kernels& kernels, std::int64_t max_chunk) {
  return ScratchShape::plan(hp, n_ctx, kernels, max_chunk).total();
}

Session::Session(Model& model, std::int64_t n_ctx, std::int64_t max_chunk)
    : model_(&model),
      kv_(model.context(), model.hparams(), checked_ctx(model, n_ctx, max_chunk), max_chunk),
      scratch_(model.kernels(), model.hparams(), kv_.n_ctx(), rope_freq_factors(model, kv_.n_ctx()),
               model.summary().llama_cpp_rounding ? model::RopeAngles::LlamaCpp
                                                  : model::RopeAngles::Exact,
               max_chunk),
      cmd_(model.context()),
      grids_(scratch_.grid_area),
      logits_(static_cast<std::size_t>(model.hparams().n_vocab)),
      checkpoint_pos_(kv_.recurrent() ? KvCache::kCheckpoints : 0, -1),
      checkpoint_used_(checkpoint_pos_.size(), 0) {
  device_top_pays_ = model.kernels().config().device_topk != 0;
}

void Session::check(std::span<const std::int32_t> tokens) const {
  const std::int64_t n = static_cast<std::int64_t>(tokens.size());
  if (pos_ + n > n_ctx()) {
    throw std::out_of_range("context full: " + std::to_string(pos_) + " + " + std::to_string(n) +
                            " tokens exceed the context of " + std::to_string(n_ctx()));
  }
  for (std::int32_t t : tokens) {
    if (t < 0 || t >= n_vocab()) {
      throw std::out_of_range("token id " + std::to_string(t) + " is outside the vocabulary of " +
                              std::to_string(n_vocab()));
    }
  }
}

void Session::check_cancel() const {
  if (cancel_ && cancel_->load()) throw Cancelled("evaluation cancelled");
}

void Session::record(vk::CommandBuffer& cmd, std::int64_t n, std::int64_t end,
                     ops::StepGrids* grids, Output out) {
  ops::Ops ops(model_->kernels(), cmd);
  const DeviceWeights& w = model_->weights();
  const ForwardRounding rounding{model_->summary().llama_cpp_rounding};
  record_forward(ops, model_->hparams(), w, kv_, scratch_,
                 ops::Positions{scratch_.step, 0, end, grids}, n, rounding);
  switch (out) {
    case Output::None: break;
    case Output::LastLogits:
      record_logits(ops, model_->hparams(), w, scratch_, n - 1, 1, rounding);
      scratch_.copy_out(cmd, scratch_.logits.row_range(0, 1));
      break;
    case Output::AllLogits:
      record_logits(ops, model_->hparams(), w, scratch_, 0, n, rounding);
      scratch_.copy_out(cmd, scratch_.logits.row_range(0, n));
      break;
    case Output::Argmax:
      record_logits(ops, model_->hparams(), w, scratch_, n - 1, 1, rounding);
      ops.argmax(scratch_.logits.row_range(0, 1), scratch_.argmax);
      scratch_.copy_out(cmd, scratch_.argmax);
      break;
    case Output::Top: {
      record_logits(ops, model_->hparams(), w, scratch_, n - 1, 1, rounding);
      const ops::Tensor top = top_words(scratch_, top_k_);
      ops.topk(scratch_.logits.row_range(0, 1), top, top_k_);
      scratch_.copy_out(cmd, top);
      break;
    }
  }
}

Session::DecodeRecording& Session::decode_recording(const DecodeKey& key) {
  auto it = std::find_if(decode_.begin(), decode_.end(),
                         [&](const DecodeRecording& r) { return r.key == key; });
  if (it == decode_.end()) {
    if (decode_.size() < kDecodeRecordings) {
      decode_.push_back({std::nullopt, vk::CommandBuffer(model_->context()), 0});
      it = decode_.end() - 1;
    } else {
      it = std::min_element(
          decode_.begin(), decode_.end(),
          [](const DecodeRecording& a, const DecodeRecording& b) { return a.used < b.used; });
    }
  }
  it->used = ++decode_clock_;
  return *it;
}

void Session::run(std::span<const std::int32_t> tokens, Output out) {
  const auto n = static_cast<std::int64_t>(tokens.size());
  const Clock::time_point t_record = Clock::now();
  std::copy(tokens.begin(), tokens.end(), scratch_.host_ids());
  scratch_.set_first_position(pos_);
  // One token replays the decode recording, made for every position up to the context's
  // (ops::Positions), so a decode step records nothing, allocates nothing and updates no
  // descriptor: the host writes the id and the position above and submits. It is recorded again
  // only when what it computes changes (the output, top_k_); the context, the model and the
  // caches' layout are the session's own. The first pass of a recurrent model zeroes the state
  // first, which only a pass recorded at position 0 does.
  const bool reset = pos_ == 0 && kv_.recurrent();
  const DecodeKey key{out, out == Output::Top ? top_k_ : 0};
  DecodeRecording* decoding = n == 1 && !reset ? &decode_recording(key) : nullptr;
  vk::CommandBuffer& cmd = decoding ? decoding->cmd : cmd_;
  const bool replay = decoding && replay_ && decoding->key == key;
  if (!replay) {
    if (decoding) decoding->key.reset();  // until this recording is complete
    cmd.begin();
    if (reset) kv_.record_reset(cmd);
    if (decoding) {
      record(cmd, n, n_ctx(), &grids_, out);
      decoding->key = key;
      ++stats_.decode_recordings;
    } else {
      record(cmd, n, pos_ + n, nullptr, out);  // a prefill chunk: sized for its positions
    }
  }
  if (decoding) grids_.write(pos_);
  // Timed apart so that a benchmark can tell the host's own work from the wait for the device.
  const Clock::time_point t_submit = Clock::now();
  if (replay) {
    cmd.resubmit();
  } else {
    cmd.submit();
  }
  const Clock::time_point t_wait = Clock::now();
  cmd.wait();
  const Clock::time_point t_done = Clock::now();
  stats_.last_record_us = us_between(t_record, t_submit);
  stats_.last_submit_us = us_between(t_submit, t_wait);
  stats_.last_wait_us = us_between(t_wait, t_done);
  ++stats_.submits;
  pos_ += n;
  reach_ = std::max(reach_, pos_);
}

void Session::set_chunk_seconds(double seconds) {
  if (!(seconds >= 0)) throw std::invalid_argument("chunk seconds must not be negative");
  chunk_seconds_ = seconds;
}

std::int64_t Session::chunk_tokens() const {
  const std::int64_t most = scratch_.shape().max_tokens;
  return chunk_seconds_ > 0 ? std::min(chunk_tokens_, most) : most;
}

void Session::feed(std::span<const std::int32_t> tokens, const FeedProgress& progress) {
  check(tokens);
  if (tokens.empty()) return;
  const Clock::time_point t0 = Clock::now();
  have_logits_ = false;
  const auto total = static_cast<std::int64_t>(tokens.size());
  const std::int64_t most = scratch_.shape().max_tokens;
  for (std::int64_t off = 0; off < total;) {
    check_cancel();
    const std::int64_t n = std::min(total - off, chunk_tokens());
    const Clock::time_point c0 = Clock::now();
    run(tokens.subspan(static_cast<std::size_t>(off), static_cast<std::size_t>(n)),
        off + n == total ? Output::LastLogits : Output::None);
    off += n;
    if (chunk_seconds_ > 0) {
      // The next chunk from this one's rate: whole tiles when one fits the time, else as many
      // tokens as fit (at least one; each chunk reads all the weights, so not fewer than that).
      const double per_token = seconds_since(c0) / static_cast<double>(n);
      const auto fit = static_cast<std::int64_t>(chunk_seconds_ / std::max(per_token, 1e-9));
      chunk_tokens_ = std::clamp<std::int64_t>(
          fit >= kChunkTile ? fit / kChunkTile * kChunkTile : fit, 1, most);
    }
    if (progress) progress(off, total);
  }
  std::memcpy(logits_.data(), scratch_.host_view(scratch_.logits), logits_.size() * sizeof(float));
  check_finite(logits_, pos_ - 1, *model_);
  have_logits_ = true;
  const double dt = seconds_since(t0);
  stats_.prefill_tokens += total;
  stats_.prefill_seconds += dt;
  stats_.ttft_ms = dt * 1e3;
}

std::vector<float> Session::feed_all(std::span<const std::int32_t> tokens) {
  check(tokens);
  const Clock::time_point t0 = Clock::now();
  have_logits_ = false;
  const std::size_t V = logits_.size();
  std::vector<float> all(tokens.size() * V);
  const auto step = static_cast<std::size_t>(scratch_.shape().logit_rows);
  for (std::size_t off = 0; off < tokens.size(); off += step) {
    check_cancel();
    const std::size_t n = std::min(tokens.size() - off, step);
    run(tokens.subspan(off, n), Output::AllLogits);
    std::memcpy(all.data() + off * V, scratch_.host_view(scratch_.logits), n * V * sizeof(float));
    for (std::size_t i = 0; i < n; ++i) {
      check_finite(std::span<const float>(all).subspan((off + i) * V, V),
                   pos_ - static_cast<std::int64_t>(n - i), *model_);
    }
  }
  if (!tokens.empty()) {
    std::copy(all.end() - static_cast<std::ptrdiff_t>(V), all.end(), logits_.begin());
    have_logits_ = true;
  }
  stats_.prefill_tokens += static_cast<std::int64_t>(tokens.size());
  stats_.prefill_seconds += seconds_since(t0);
  return all;
}

std::span<const float> Session::decode(std::int32_t token) {
  check(std::span(&token, 1));
  check_cancel();
  const Clock::time_point t0 = Clock::now();
  run(std::span(&token, 1), Output::LastLogits);
  const Clock::time_point t_read = Clock::now();
  std::memcpy(logits_.data(), scratch_.host_view(scratch_.logits), logits_.size() * sizeof(float));
  check_finite(logits_, pos_ - 1, *model_);
  have_logits_ = true;
  stats_.last_readback_us = us_between(t_read, Clock::now());
  stats_.decode_tokens += 1;
  stats_.decode_seconds += seconds_since(t0);
  return logits_;
}

std::int32_t Session::decode_argmax(std::int32_t token) {
  check(std::span(&token, 1));
  check_cancel();
  const Clock::time_point t0 = Clock::now();
  have_logits_ = false;
  run(std::span(&token, 1), Output::Argmax);
  const Clock::time_point t_read = Clock::now();
  std::int32_t best = 0;
  std::memcpy(&best, scratch_.host_view(scratch_.argmax), sizeof best);
  stats_.last_readback_us = us_between(t_read, Clock::now());
  stats_.decode_tokens += 1;
  stats_.decode_seconds += seconds_since(t0);
  return best;
}

void Session::decode_top(std::int32_t token, std::uint32_t k, TopLogits& out) {
  if (k < 1 || k > ops::kTopkMax) {
    throw std::invalid_argument("decode_top: k must be 1 to " + std::to_string(ops::kTopkMax));
  }
  check(std::span(&token, 1));
  check_cancel();
  const Clock::time_point t0 = Clock::now();
  have_logits_ = false;
  top_k_ = k;
  run(std::span(&token, 1), Output::Top);
  const Clock::time_point t_read = Clock::now();
  std::uint32_t words[ops::topk_words(ops::kTopkMax)];
  std::memcpy(words, scratch_.host_view(scratch_.argmax),
              ops::topk_words(k) * sizeof(std::uint32_t));
  out.ids.clear();
  out.logits.clear();
  for (std::uint32_t i = 0; i < k && words[i] != 0xFFFFFFFFu; ++i) {
    out.ids.push_back(static_cast<std::int32_t>(words[i]));
    out.logits.push_back(std::bit_cast<float>(words[k + i]));
  }
  out.max = std::bit_cast<float>(words[2 * k]);
  out.sum = std::bit_cast<float>(words[2 * k + 1]);
  if (out.ids.empty()) {  // nothing finite: decode_argmax's token 0
    out.ids.push_back(0);
    out.logits.push_back(out.max);
  }
  stats_.last_readback_us = us_between(t_read, Clock::now());
  stats_.decode_tokens += 1;
  stats_.decode_seconds += seconds_since(t0);
}

void Session::truncate(std::int64_t n) {
  if (n < 0 || n > pos_) {
    throw std::out_of_range("truncate to " + std::to_string(n) + " past position " +
                            std::to_string(pos_));
  }
  if (n != truncation_point(n)) {
    throw std::invalid_argument(
        "truncate to " + std::to_string(n) + " of " + std::to_string(pos_) +
        " positions: " + model_->hparams().arch_name +
        (kv_.recurrent() && !kv_.windowed()
             ? "'s recurrent state cannot be truncated, only reset to 0 or to a checkpoint"
             : "'s sliding-window layers no longer hold the rows position " + std::to_string(n) +
                   " attends to (truncation_point says where to go back to)"));
  }
  if (n != pos_ && n != 0) {  // a recurrent model goes back to the checkpoint at n
    const auto slot = static_cast<std::size_t>(
        std::find(checkpoint_pos_.begin(), checkpoint_pos_.end(), n) - checkpoint_pos_.begin());
    if (slot < checkpoint_pos_.size()) {
      cmd_.begin();
      kv_.record_restore(cmd_, static_cast<int>(slot));
      cmd_.submit_and_wait();
      checkpoint_used_[slot] = ++checkpoint_clock_;
    }
  }
  for (std::int64_t& p : checkpoint_pos_) {
    if (p > n) p = -1;  // what follows n is forgotten, and the states after it with it
  }
  pos_ = n;
  if (n == 0) reach_ = 0;  // every ring starts over
  have_logits_ = false;
}

std::int64_t Session::truncation_point(std::int64_t n) const {
  if (n == pos_) return n;
  std::int64_t best = n;
  if (kv_.recurrent()) {
    best = 0;
    for (const std::int64_t p : checkpoint_pos_) {
      if (p <= n && p > best) best = p;
    }
  }
  // A sliding-window ring that dropped rows best's window needs: recomputing them would need the
  // rows before them, and so on back to 0 (each position's K and V depend on every earlier
  // position's through the layers below), so 0 is the only other place to resume from.
  return kv_.resumable(best, reach_) ? best : 0;
}

void Session::checkpoint() {
  if (checkpoint_pos_.empty() || pos_ == 0) return;
  auto slot = static_cast<std::size_t>(
      std::find(checkpoint_pos_.begin(), checkpoint_pos_.end(), pos_) - checkpoint_pos_.begin());
  if (slot < checkpoint_pos_.size()) {
    checkpoint_used_[slot] = ++checkpoint_clock_;
    return;
  }
  // An empty slot if there is one (its use is 0), else the least recently used.
  slot =
      static_cast<std::size_t>(std::min_element(checkpoint_used_.begin(), checkpoint_used_.end()) -
                               checkpoint_used_.begin());
  for (std::size_t i = 0; i < checkpoint_pos_.size(); ++i) {
    if (checkpoint_pos_[i] < 0) {
      slot = i;
      break;
    }
  }
  cmd_.begin();
  kv_.record_save(cmd_, static_cast<int>(slot));
  cmd_.submit_and_wait();
  checkpoint_pos_[slot] = pos_;
  checkpoint_used_[slot] = ++checkpoint_clock_;
}

}  // namespace vkchat::llm
