#include "token_coalescer.h"

namespace vkchat::gui {

std::size_t utf8_complete_prefix(std::string_view s) {
  // Look back at most 3 bytes for the lead byte of the last character.
  const std::size_t n = s.size();
  for (std::size_t back = 1; back <= 4 && back <= n; ++back) {
    const auto c = static_cast<unsigned char>(s[n - back]);
    if ((c & 0xC0) == 0x80) continue;  // a continuation byte
    std::size_t need = 1;
    if ((c & 0xE0) == 0xC0) {
      need = 2;
    } else if ((c & 0xF0) == 0xE0) {
      need = 3;
    } else if ((c & 0xF8) == 0xF0) {
      need = 4;
    }
    return back < need ? n - back : n;
  }
  return n;  // only continuation bytes: invalid text, passed on as it is
}

std::optional<std::string> TokenCoalescer::add(std::string_view piece, Clock::time_point now) {
  ++tokens_;
  pending_.append(piece);
  if (last_ && now - *last_ < interval_) return std::nullopt;
  const std::size_t ready = utf8_complete_prefix(pending_);
  if (ready == 0) return std::nullopt;
  last_ = now;
  std::string out = pending_.substr(0, ready);
  pending_.erase(0, ready);
  return out;
}

std::string TokenCoalescer::finish() {
  std::string out;
  out.swap(pending_);
  return out;
}

}  // namespace vkchat::gui
