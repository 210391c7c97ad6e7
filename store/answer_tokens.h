// An answer's tokens as the store keeps them (messages.answer_tokens, schema version 5): each
// generated token's text, probability and the alternatives it was chosen among, in a compact,
// versioned binary form. No Qt, no engine: plain values, so the GUI can show them without the
// model that wrote them.
//
// Format, version 1 (all integers unsigned LEB128 varints unless said otherwise):
//   "VKT" 0x01                     magic and version
//   count                          tokens
//   per token:
//     id                           token id
//     p                            2 bytes little-endian: round(p * 65534); 65535 = unknown (a
//                                  token given, not sampled)
//     flags                        1 byte: bit 0 = the token was inside the reasoning
//     text length, text bytes      what the token added to the text (may be empty)
//     alternatives                 1 byte, at most kMaxAnswerAlternatives
//     per alternative: id, p (2 bytes as above), text length, text bytes
// A later version is a new number; decode() reads every version it knows and refuses the rest.
#pragma once
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace vkchat::store {

// The most alternatives kept per token (the engine's sampler::kMaxAlternatives).
inline constexpr std::size_t kMaxAnswerAlternatives = 10;

struct TokenAlternative {
  std::int32_t id = 0;
  double p = 0;
  std::string text;

  bool operator==(const TokenAlternative&) const = default;
};

struct AnswerToken {
  std::int32_t id = 0;
  // Probability under the settings the answer used, to 1/65534; nullopt for a token that was
  // given rather than sampled (the start of a branch from a token).
  std::optional<double> p;
  std::string text;
  bool reasoning = false;
  std::vector<TokenAlternative> alternatives;  // the most probable first

  bool operator==(const AnswerToken&) const = default;
};

// The blob for `tokens`; empty for none. Probabilities are clamped to [0, 1] and rounded as the
// format says; alternatives beyond kMaxAnswerAlternatives are dropped.
std::string encode_answer_tokens(std::span<const AnswerToken> tokens);
// The tokens of a blob; an empty blob is none. nullopt for bytes that are not a blob of a known
// version (truncated, damaged, or written by a newer vkchat).
std::optional<std::vector<AnswerToken>> decode_answer_tokens(std::string_view blob);
// A probability as the format stores it, read back (what a round trip gives).
double stored_probability(double p);

}  // namespace vkchat::store
