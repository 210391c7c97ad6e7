// SentencePiece merging (see spm.h).
#include "tokenizer/spm.h"

#include <algorithm>
#include <queue>

#include "tokenizer/unicode_props.h"

namespace vkchat::tokenizer::detail {

void spm_encode(std::string_view text, const TokenMap& vocab, std::span<const float> scores,
                std::span<const std::int32_t, 256> byte_tokens, std::vector<std::int32_t>& out) {
  struct Symbol {
    std::size_t start;
    std::size_t len;  // 0 once absorbed
    std::int32_t prev, next;
  };
  std::vector<Symbol> sym;
  for (std::size_t off = 0; off < text.size();) {
    const std::size_t len =
        std::min(utf8_len(static_cast<unsigned char>(text[off])), text.size() - off);
    const auto index = static_cast<std::int32_t>(sym.size());
    sym.push_back({off, len, index - 1, off + len == text.size() ? -1 : index + 1});
    off += len;
  }
  if (sym.empty()) return;

  struct Candidate {
    float score;
    std::int32_t left, right;
    std::size_t len;
    bool operator<(const Candidate& o) const {  // highest score first, then leftmost
      return score < o.score || (score == o.score && left > o.left);
    }
  };
  std::priority_queue<Candidate> queue;
  const auto consider = [&](std::int32_t l, std::int32_t r) {
    if (l < 0 || r < 0) return;
    const Symbol& a = sym[static_cast<std::size_t>(l)];
    const Symbol& b = sym[static_cast<std::size_t>(r)];
    const std::int32_t id = lookup(vocab, text.substr(a.start, a.len + b.len));
    if (id < 0) return;
    queue.push({scores[static_cast<std::size_t>(id)], l, r, a.len + b.len});
  };
  for (std::size_t i = 1; i < sym.size(); ++i) {
    consider(static_cast<std::int32_t>(i) - 1, static_cast<std::int32_t>(i));
  }

  while (!queue.empty()) {
    const Candidate c = queue.top();
    queue.pop();
    Symbol& a = sym[static_cast<std::size_t>(c.left)];
    Symbol& b = sym[static_cast<std::size_t>(c.right)];
    if (a.len == 0 || b.len == 0 || a.len + b.len != c.len) continue;
    a.len += b.len;
    b.len = 0;
    a.next = b.next;
    if (b.next >= 0) sym[static_cast<std::size_t>(b.next)].prev = c.left;
    consider(a.prev, c.left);
    consider(c.left, a.next);
  }

  // Every merged symbol is a token; a leftover character outside the vocabulary becomes bytes.
  for (std::int32_t i = 0; i >= 0; i = sym[static_cast<std::size_t>(i)].next) {
    const Symbol& s = sym[static_cast<std::size_t>(i)];
    const std::string_view piece = text.substr(s.start, s.len);
    if (const std::int32_t id = lookup(vocab, piece); id >= 0) {
      out.push_back(id);
      continue;
    }
    for (char ch : piece) {
      const std::int32_t id = byte_tokens[static_cast<std::uint8_t>(ch)];
      if (id >= 0) out.push_back(id);
    }
  }
}

}  // namespace vkchat::tokenizer::detail
