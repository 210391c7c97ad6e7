// Holding back streamed text that could still turn into a stop string.
#include "chat/stop_filter.h"

#include <algorithm>

namespace vkchat::chat {

StopFilter::StopFilter(std::vector<std::string> stop_strings) {
  for (std::string& s : stop_strings) {
    if (!s.empty()) stops_.push_back(std::move(s));
  }
}

std::string StopFilter::push(std::string_view text) {
  if (stopped_) return {};
  held_ += text;

  // Every occurrence starts inside held_: emitted text never ends with a stop string's prefix.
  // The earliest occurrence wins; of two starting together, the longer.
  std::size_t first = std::string::npos;
  const std::string* match = nullptr;
  for (const std::string& s : stops_) {
    const std::size_t at = held_.find(s);
    if (at == std::string::npos) continue;
    if (at < first || (at == first && s.size() > match->size())) {
      first = at;
      match = &s;
    }
  }
  if (match) {
    matched_ = *match;
    std::string out = held_.substr(0, first);
    held_.clear();
    stopped_ = true;
    return out;
  }

  std::size_t keep = 0;  // the longest tail of held_ that a stop string starts with
  for (const std::string& s : stops_) {
    for (std::size_t k = std::min(s.size() - 1, held_.size()); k > keep; --k) {
      if (std::string_view(held_).substr(held_.size() - k) == std::string_view(s).substr(0, k)) {
        keep = k;
        break;
      }
    }
  }
  std::string out = held_.substr(0, held_.size() - keep);
  held_.erase(0, held_.size() - keep);
  return out;
}

std::string StopFilter::finish() {
  std::string out = std::move(held_);
  held_.clear();
  return out;
}

}  // namespace vkchat::chat
