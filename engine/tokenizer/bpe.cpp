// Byte-level BPE merging (see bpe.h).
#include "tokenizer/bpe.h"

#include <algorithm>
#include <queue>

#include "tokenizer/unicode_props.h"
#include "util/errors.h"

namespace vkchat::tokenizer::detail {
namespace {

std::uint64_t pair_key(std::int32_t a, std::int32_t b) {
  return (static_cast<std::uint64_t>(static_cast<std::uint32_t>(a)) << 32) |
         static_cast<std::uint32_t>(b);
}

}  // namespace

std::int32_t BpeMerges::intern(std::string_view s) {
  if (const auto it = symbol_ids_.find(s); it != symbol_ids_.end()) return it->second;
  const auto id = static_cast<std::int32_t>(symbol_text_.size());
  symbol_ids_.emplace(std::string(s), id);
  symbol_text_.emplace_back(s);
  return id;
}

BpeMerges::BpeMerges(std::span<const std::string_view> merges, const TokenMap& vocab,
                     Symbols symbols)
    : symbols_(symbols) {
  if (symbols_ == Symbols::Bytes) {
    const auto& bytes = byte_to_unicode();
    for (int b = 0; b < 256; ++b) byte_symbol_[b] = intern(bytes[static_cast<std::size_t>(b)]);
  } else {
    static constexpr char kHex[] = "0123456789ABCDEF";
    for (int b = 0; b < 256; ++b) {
      const char hex[] = {'<', '0', 'x', kHex[b >> 4], kHex[b & 15], '>'};
      byte_token_[b] = lookup(vocab, std::string_view(hex, sizeof hex));
    }
  }
  merges_.reserve(merges.size());
  symbol_ids_.reserve(merges.size() + 256);
  symbol_text_.reserve(merges.size() + 256);
  std::string joined;
  for (std::size_t rank = 0; rank < merges.size(); ++rank) {
    // Like llama.cpp: split at the first space after the first byte. Every real vocabulary's
    // merges join two of its tokens into a third; anything else is a damaged file.
    const std::string_view line = merges[rank];
    const std::size_t space = line.find(' ', 1);
    if (space == std::string_view::npos) {
      throw MetadataError("merge " + std::to_string(rank) + " '" + std::string(line) +
                          "' is not two tokens separated by a space");
    }
    const std::string_view left = line.substr(0, space), right = line.substr(space + 1);
    joined.assign(left);
    joined.append(right);
    for (const std::string_view part : {left, right, std::string_view(joined)}) {
      if (lookup(vocab, part) < 0) {
        throw MetadataError("merge " + std::to_string(rank) + " '" + std::string(line) +
                            "' refers to '" + std::string(part) +
                            "', which is not in the vocabulary");
      }
    }
    const std::int32_t l = intern(left), r = intern(right);
    const std::int32_t result = intern(joined);
    merges_.try_emplace(pair_key(l, r), Merge{static_cast<std::int32_t>(rank), result});
  }
  symbol_token_.resize(symbol_text_.size());
  for (std::size_t i = 0; i < symbol_text_.size(); ++i) {
    symbol_token_[i] = lookup(vocab, symbol_text_[i]);
  }
}

void BpeMerges::spell(std::string_view piece, const TokenMap& vocab,
                      std::vector<std::int32_t>& out) const {
  if (const std::int32_t id = lookup(vocab, piece); id >= 0) {
    out.push_back(id);
    return;
  }
  // Not in the vocabulary: llama.cpp looks up each byte on its own (byte-level BPE: the byte of
  // the encoded text; SentencePiece-style: the byte's <0xXX> token) and drops bytes it lacks.
  for (char c : piece) {
    const std::int32_t id = symbols_ == Symbols::Bytes ? lookup(vocab, std::string_view(&c, 1))
                                                       : byte_token_[static_cast<std::uint8_t>(c)];
    if (id >= 0) out.push_back(id);
  }
}

void BpeMerges::encode_word(std::string_view word, bool ignore_merges, const TokenMap& vocab,
                            std::vector<std::int32_t>& out) const {
  if (word.empty()) return;
  const auto& bytes = byte_to_unicode();
  // The word in the merges' alphabet: GPT-2 byte symbols, or the UTF-8 text as it is.
  std::string encoded;
  if (symbols_ == Symbols::Bytes) {
    encoded.reserve(word.size() * 2);
    for (char c : word) encoded += bytes[static_cast<std::uint8_t>(c)];
  } else {
    encoded.assign(word);
  }
  if (ignore_merges) {
    if (const std::int32_t id = lookup(vocab, encoded); id >= 0) {
      out.push_back(id);
      return;
    }
  }

  // One symbol per byte or character, linked as a list; merged symbols absorb their right
  // neighbour. A character that takes part in no merge has no symbol id (-1) and stays alone.
  struct Symbol {
    std::int32_t id;
    std::int32_t prev, next;
    std::uint32_t start, len;  // the bytes of `encoded` covered; len 0 once absorbed
  };
  std::vector<Symbol> sym;
  sym.reserve(word.size());
  if (symbols_ == Symbols::Bytes) {
    std::uint32_t at = 0;
    for (char c : word) {
      const std::string& b = bytes[static_cast<std::uint8_t>(c)];
      sym.push_back({byte_symbol_[static_cast<std::uint8_t>(c)], 0, 0, at,
                     static_cast<std::uint32_t>(b.size())});
      at += static_cast<std::uint32_t>(b.size());
    }
  } else {
    for (std::size_t at = 0; at < encoded.size();) {
      const std::size_t len =
          std::min(encoded.size() - at, utf8_len(static_cast<unsigned char>(encoded[at])));
      const auto it = symbol_ids_.find(std::string_view(encoded).substr(at, len));
      sym.push_back({it == symbol_ids_.end() ? -1 : it->second, 0, 0,
                     static_cast<std::uint32_t>(at), static_cast<std::uint32_t>(len)});
      at += len;
    }
  }
  const auto n = static_cast<std::int32_t>(sym.size());
  for (std::int32_t i = 0; i < n; ++i) {
    sym[static_cast<std::size_t>(i)].prev = i - 1;
    sym[static_cast<std::size_t>(i)].next = i + 1 < n ? i + 1 : -1;
  }

  struct Candidate {
    std::int32_t rank, left, right;
    std::uint32_t len;
    std::int32_t result;
    bool operator<(const Candidate& o) const {  // priority_queue pops the "largest"
      return rank > o.rank || (rank == o.rank && left > o.left);
    }
  };
  std::priority_queue<Candidate> queue;
  const auto consider = [&](std::int32_t l, std::int32_t r) {
    if (l < 0 || r < 0) return;
    const Symbol& a = sym[static_cast<std::size_t>(l)];
    const Symbol& b = sym[static_cast<std::size_t>(r)];
    if (a.id < 0 || b.id < 0) return;
    const auto it = merges_.find(pair_key(a.id, b.id));
    if (it == merges_.end()) return;
    queue.push({it->second.rank, l, r, a.len + b.len, it->second.result});
  };
  for (std::int32_t i = 1; i < n; ++i) consider(i - 1, i);

  while (!queue.empty()) {
    const Candidate c = queue.top();
    queue.pop();
    Symbol& a = sym[static_cast<std::size_t>(c.left)];
    Symbol& b = sym[static_cast<std::size_t>(c.right)];
    // Stale when either side was absorbed or grew since the candidate was queued.
    if (a.len == 0 || b.len == 0 || a.len + b.len != c.len) continue;
    a.id = c.result;
    a.len += b.len;
    b.len = 0;
    a.next = b.next;
    if (b.next >= 0) sym[static_cast<std::size_t>(b.next)].prev = c.left;
    consider(a.prev, c.left);
    consider(c.left, a.next);
  }

  for (std::int32_t i = 0; i >= 0; i = sym[static_cast<std::size_t>(i)].next) {
    const Symbol& s = sym[static_cast<std::size_t>(i)];
    const std::int32_t token = s.id >= 0 ? symbol_token_[static_cast<std::size_t>(s.id)] : -1;
    if (token >= 0) {
      out.push_back(token);
    } else {
      spell(std::string_view(encoded).substr(s.start, s.len), vocab, out);
    }
  }
}

}  // namespace vkchat::tokenizer::detail
