// The answer-token blob (answer_tokens.h): varints and 16-bit probabilities, so that an answer of
// a thousand tokens with five alternatives each takes some tens of kilobytes.
#include "store/answer_tokens.h"

#include <algorithm>
#include <cmath>

namespace vkchat::store {

namespace {

constexpr std::string_view kMagic = "VKT\x01";
constexpr std::uint32_t kUnknownP = 0xFFFF;
constexpr double kPScale = 65534.0;

void put_varint(std::string& out, std::uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

std::uint32_t quantize(double p) {
  if (std::isnan(p)) return 0;
  return static_cast<std::uint32_t>(std::lround(std::clamp(p, 0.0, 1.0) * kPScale));
}

void put_p(std::string& out, std::uint32_t q) {
  out.push_back(static_cast<char>(q & 0xFF));
  out.push_back(static_cast<char>(q >> 8));
}

void put_text(std::string& out, std::string_view text) {
  put_varint(out, text.size());
  out.append(text);
}

// Reads the blob front to back; every read checks what is left, and a failed one stays failed.
struct Reader {
  std::string_view in;
  bool ok = true;

  std::uint64_t varint() {
    std::uint64_t v = 0;
    for (int shift = 0; ok && shift < 64; shift += 7) {
      if (in.empty()) break;
      const auto byte = static_cast<unsigned char>(in.front());
      in.remove_prefix(1);
      v |= static_cast<std::uint64_t>(byte & 0x7F) << shift;
      if (!(byte & 0x80)) return v;
    }
    ok = false;
    return 0;
  }
  std::uint32_t byte() {
    if (in.empty()) {
      ok = false;
      return 0;
    }
    const auto b = static_cast<unsigned char>(in.front());
    in.remove_prefix(1);
    return b;
  }
  std::uint32_t p16() {
    const std::uint32_t lo = byte();
    return lo | (byte() << 8);
  }
  std::int32_t id() {
    const std::uint64_t v = varint();
    if (v > 0x7FFFFFFF) ok = false;
    return static_cast<std::int32_t>(v);
  }
  std::string text() {
    const std::uint64_t n = varint();
    if (!ok || n > in.size()) {
      ok = false;
      return {};
    }
    std::string s(in.substr(0, n));
    in.remove_prefix(n);
    return s;
  }
};

}  // namespace

double stored_probability(double p) {
  return quantize(p) / kPScale;
}

std::string encode_answer_tokens(std::span<const AnswerToken> tokens) {
  if (tokens.empty()) return {};
  std::string out(kMagic);
  put_varint(out, tokens.size());
  for (const AnswerToken& t : tokens) {
    put_varint(out, static_cast<std::uint32_t>(std::max(t.id, 0)));
    put_p(out, t.p ? quantize(*t.p) : kUnknownP);
    out.push_back(static_cast<char>(t.reasoning ? 1 : 0));
    put_text(out, t.text);
    const std::size_t n = std::min(t.alternatives.size(), kMaxAnswerAlternatives);
    out.push_back(static_cast<char>(n));
    for (std::size_t i = 0; i < n; ++i) {
      const TokenAlternative& a = t.alternatives[i];
      put_varint(out, static_cast<std::uint32_t>(std::max(a.id, 0)));
      put_p(out, quantize(a.p));
      put_text(out, a.text);
    }
  }
  return out;
}

std::optional<std::vector<AnswerToken>> decode_answer_tokens(std::string_view blob) {
  std::vector<AnswerToken> tokens;
  if (blob.empty()) return tokens;
  if (!blob.starts_with(kMagic)) return std::nullopt;
  Reader r{blob.substr(kMagic.size())};
  const std::uint64_t count = r.varint();
  // Each token takes at least 6 bytes: a count beyond that is damage, not a reason to allocate.
  if (!r.ok || count > r.in.size() / 6) return std::nullopt;
  tokens.reserve(static_cast<std::size_t>(count));
  for (std::uint64_t i = 0; i < count && r.ok; ++i) {
    AnswerToken t;
    t.id = r.id();
    const std::uint32_t p = r.p16();
    if (p != kUnknownP) t.p = p / kPScale;
    const std::uint32_t flags = r.byte();
    if (flags > 1) r.ok = false;
    t.reasoning = (flags & 1) != 0;
    t.text = r.text();
    const std::uint32_t n = r.byte();
    if (n > kMaxAnswerAlternatives) r.ok = false;
    for (std::uint32_t j = 0; j < n && r.ok; ++j) {
      TokenAlternative a;
      a.id = r.id();
      const std::uint32_t q = r.p16();
      if (q == kUnknownP) r.ok = false;
      a.p = q / kPScale;
      a.text = r.text();
      t.alternatives.push_back(std::move(a));
    }
    tokens.push_back(std::move(t));
  }
  if (!r.ok || !r.in.empty()) return std::nullopt;
  return tokens;
}

}  // namespace vkchat::store
