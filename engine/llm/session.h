// One conversation's state on the GPU: the KV cache, the position, and the evaluation of tokens.
//
//   llm::Session s(*model);              // context: the model's default (LoadOptions::n_ctx)
//   s.feed(prompt_ids);                  // prefill; s.logits() = next-token logits
//   std::int32_t t = sampler.sample(s.logits());
//   while (...) t = sampler.sample(s.decode(t));   // or s.decode_argmax(t) when greedy
//
// Contract:
// - feed() runs the tokens at positions position() .. in chunks of up to max_chunk (kMaxChunk, 512,
//   by default) through the matrix x matrix kernels, one submit per chunk. With
//   set_chunk_seconds(s) the chunks are sized from the measured prefill rate to take about s each
//   (whole tiles of kChunkTile tokens when at least one fits, else fewer, down to one token), so
//   that a cancel is seen within about s, or one token's time on a slow device; the progress
//   callback hears after each chunk. decode() runs one token: one command buffer, recorded once
//   per session and output and replayed for every token (the position and the token id are
//   read by the shaders from mapped memory the host writes), one submit and one wait, no
//   recording, no allocation and no descriptor update; only the logits come back
//   (decode_argmax: only the argmax). stats() keeps the host-side parts of the
//   last one (record, submit, wait, readback), timed with steady_clock, for `vkchat-cli bench`.
// - Ids outside the vocabulary and overflowing the context throw std::out_of_range before
//   anything runs. truncate(n) forgets positions n.. (regenerate, reuse of a chat prefix); a
//   recurrent model (qwen35) can go back only to 0 or to a checkpoint(): a device copy of its
//   recurrent state at a position, KvCache::kCheckpoints of them, the least recently used
//   replaced. A model with sliding-window layers (gemma) keeps their rows in rings of window +
//   max_chunk rows (KvCache): it can go back to n only while the rings still hold the rows n's
//   window reaches (after at most about max_chunk positions past n), else only to 0;
//   truncation_point says where, and nothing is ever computed from dropped rows.
// - Logits that come back (feed, feed_all, decode) are checked: a NaN or infinity throws
//   NonFiniteOutput naming the position (NaN weights, a NaN rope base); decode_argmax's id is
//   not checked, but a generation always starts with feed().
// - The cancellation flag, when set, is checked before each token or chunk: Cancelled is thrown
//   and the position stays where the last completed chunk left it.
// - One thread at a time; the Model must outlive the Session.
#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <vector>

#include "llm/kv_cache.h"
#include "llm/model.h"
#include "llm/scratch.h"

namespace vkchat::llm {

struct SessionStats {
  std::int64_t prefill_tokens = 0;  // through feed()
  double prefill_seconds = 0;
  std::int64_t decode_tokens = 0;  // through decode() / decode_argmax()
  double decode_seconds = 0;
  std::int64_t submits = 0;  // command buffers submitted (one per decoded token)
  // Decode passes recorded: one per session and output (decode, decode_argmax, decode_top's k)
  // while replaying (Session::set_replay), one per token otherwise.
  std::int64_t decode_recordings = 0;
  double ttft_ms = 0;  // the last feed(): from the call until the next token's logits were there
  // Host-side parts of the last decode() / decode_argmax(), in microseconds (steady_clock):
  // recording the pass, the submit call, the wait for the device, and the copy of its output
  // out of mapped memory with the finiteness check. A benchmark reads them after each token.
  double last_record_us = 0;
  double last_submit_us = 0;
  double last_wait_us = 0;
  double last_readback_us = 0;
  double prefill_tps() const { return prefill_seconds > 0 ? prefill_tokens / prefill_seconds : 0; }
  double decode_tps() const { return decode_seconds > 0 ? decode_tokens / decode_seconds : 0; }
};

// What Session::decode_top reads back: the k largest next-token logits with their ids,
// descending (ties: the lower id), the largest logit and sum(exp(logit - max)) over the
// vocabulary, so that p(id) = exp(logit - max) / sum. Fewer than k when fewer are finite.
struct TopLogits {
  std::vector<std::int32_t> ids;
  std::vector<float> logits;
  float max = 0;
  double sum = 0;
};

// Prefill progress of one feed(): tokens evaluated so far, and all of them.
using FeedProgress = std::function<void(std::int64_t done, std::int64_t total)>;

class Session {
 public:
  // The matmul kernels' token tile: chunks set_chunk_seconds() picks are multiples of it when
  // one tile fits the time (the first chunk of a session is one tile, to measure the rate).
  static constexpr std::int64_t kChunkTile = 8;

  // n_ctx: positions of the KV cache; 0 takes the model's default. max_chunk: the most tokens
  // one forward pass takes (1 .. kMaxChunk; a sliding-window ring holds window + max_chunk rows:
  // tests take a small one to wrap rings in short prompts). InsufficientMemory when the cache
  // and scratch do not fit beside the weights in the model's budget.
  explicit Session(Model& model, std::int64_t n_ctx = 0, std::int64_t max_chunk = kMaxChunk);
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Evaluates the tokens; afterwards logits() holds the distribution after the last one.
  void feed(std::span<const std::int32_t> tokens, const FeedProgress& progress = {});
  // Evaluates the tokens and returns the logits after each of them: tokens.size() rows of
  // n_vocab (teacher forcing, scoring).
  std::vector<float> feed_all(std::span<const std::int32_t> tokens);
  // Evaluates one token and returns the logits after it (valid until the next call).
  std::span<const float> decode(std::int32_t token);
  // Evaluates one token and returns the most probable next token (the first of equal logits),
  // reading back only that id. logits() is not updated.
  std::int32_t decode_argmax(std::int32_t token);
  // Evaluates one token and computes on the device the k (1..ops::kTopkMax) largest next-token
  // logits and the softmax sum (shaders/topk.comp), reading back only those: decode_argmax with
  // the alternatives a greedy answer shows. ids[0] is decode_argmax's token (0 when no logit is
  // finite); logits() is not updated.
  void decode_top(std::int32_t token, std::uint32_t k, TopLogits& out);
  // Whether decode_top is the faster way to a greedy token's alternatives than decode() and the
  // host's softmax: on a GPU, not on a CPU device (llvmpipe), where topk.comp's one workgroup
  // runs on one core (ops::KernelConfig::device_topk; docs/PERFORMANCE.md).
  bool device_top_pays() const { return device_top_pays_; }

  // The logits after the last token evaluated by feed() or decode(); empty before any.
  std::span<const float> logits() const {
    return have_logits_ ? std::span<const float>(logits_) : std::span<const float>();
  }
  std::int64_t position() const { return pos_; }
  std::int64_t n_ctx() const { return kv_.n_ctx(); }
  std::int64_t n_vocab() const { return model_->hparams().n_vocab; }
  // Forgets positions n and beyond (n <= position()); logits() becomes empty. A model with
  // recurrent layers (qwen35) keeps no per-position state: there n must be 0, position() or a
  // checkpoint's position (its state is restored), and one with sliding-window rings only a
  // position whose window rows they still hold; others throw std::invalid_argument (see
  // truncation_point). Checkpoints past n are dropped.
  void truncate(std::int64_t n);
  // The largest position <= n that truncate() accepts: n, or when n is not position() for a
  // recurrent model the latest checkpoint at or before n; for a model with sliding-window rings
  // that position if its window's rows are still held (KvCache::resumable), else 0. A chat
  // reusing a prefix truncates there and re-prefills the rest.
  std::int64_t truncation_point(std::int64_t n) const;
  // Whether truncation needs checkpoints (some layer keeps a recurrent state).
  bool recurrent() const { return kv_.recurrent(); }
  // Saves the recurrent state at position() into a checkpoint slot (one device copy, one submit);
  // nothing for a model without recurrent layers or when position() is saved already.
  void checkpoint();

  void set_cancel_flag(const std::atomic<bool>* cancel) { cancel_ = cancel; }
  // Target seconds per prefill chunk; 0 (the default): the largest chunks, fastest prefill.
  void set_chunk_seconds(double seconds);
  // The size of the next prefill chunk (it follows the measured rate).
  std::int64_t chunk_tokens() const;
  // Whether decode steps replay one recording (the default) or record their pass afresh each
  // token, as before issue 17: the same ops either way, so the same logits bit for bit (a test
  // compares them), only the host's time differs.
  void set_replay(bool on) { replay_ = on; }
  const SessionStats& stats() const { return stats_; }
  void reset_stats() { stats_ = {}; }

  // Device bytes a session of n_ctx positions allocates (KV cache: sliding-window layers keep
  // window + max_chunk rows; scratch).
  static std::uint64_t kv_bytes(const model::HParams& hp, std::int64_t n_ctx,
                                std::int64_t max_chunk = kMaxChunk);
  static std::uint64_t scratch_bytes(const model::HParams& hp, std::int64_t n_ctx,
                                     ops::Kernels& kernels, std::int64_t max_chunk = kMaxChunk);

 private:
  enum class Output { None, LastLogits, AllLogits, Argmax, Top };
  // One submit: n tokens at position pos_ through the model, then `out`.
  void run(std::span<const std::int32_t> tokens, Output out);
  // Records n tokens' pass for first positions up to end - n, then `out`; with grids, its
  // attention grids read from them (a replayed pass).
  void record(vk::CommandBuffer& cmd, std::int64_t n, std::int64_t end, ops::StepGrids* grids,
              Output out);
  // A decode step's pass and its output, recorded once and replayed (run()).
  struct DecodeKey {
    Output out = Output::None;
    std::uint32_t top_k = 0;
    bool operator==(const DecodeKey&) const = default;
  };
  struct DecodeRecording {
    std::optional<DecodeKey> key;  // empty until recorded completely
    vk::CommandBuffer cmd;
    std::uint64_t used = 0;  // decode_clock_ when last replayed
  };
  // One recording per output a caller alternates between (decode and decode_argmax, a top-k
  // for the alternatives), so alternating records nothing; a fifth replaces the least recent.
  static constexpr std::size_t kDecodeRecordings = 4;
  DecodeRecording& decode_recording(const DecodeKey& key);
  void check(std::span<const std::int32_t> tokens) const;
  void check_cancel() const;

  Model* model_;
  KvCache kv_;
  Scratch scratch_;
  vk::CommandBuffer cmd_;                // prefill chunks, checkpoints: recorded for each submit
  std::vector<DecodeRecording> decode_;  // one token: recorded once, replayed
  std::uint64_t decode_clock_ = 0;
  ops::StepGrids grids_;  // the replayed passes' attention grids, rewritten every token
  bool replay_ = true;
  std::int64_t pos_ = 0;
  // The furthest position since the last start at 0: the rings have dropped the rows more than
  // their size behind it (KvCache::resumable).
  std::int64_t reach_ = 0;
  std::vector<float> logits_;  // n_vocab, allocated once
  bool have_logits_ = false;
  std::uint32_t top_k_ = 1;  // Output::Top's k
  bool device_top_pays_ = true;
  const std::atomic<bool>* cancel_ = nullptr;
  double chunk_seconds_ = 0;
  std::int64_t chunk_tokens_ = kChunkTile;  // learned from the last chunk when chunk_seconds_ > 0
  SessionStats stats_;
  // Per checkpoint slot: the position it holds (-1: empty) and when it was last saved or used.
  std::vector<std::int64_t> checkpoint_pos_;
  std::vector<std::uint64_t> checkpoint_used_;
  std::uint64_t checkpoint_clock_ = 0;
};

}  // namespace vkchat::llm
