// Token-by-token decoding that never emits a partial UTF-8 character (see tokenizer.h).
#include <algorithm>

#include "tokenizer/tokenizer.h"
#include "tokenizer/tokenizer_impl.h"
#include "tokenizer/unicode_props.h"

namespace vkchat::tokenizer {

StreamingDecoder::StreamingDecoder(const Tokenizer& tokenizer, bool render_special)
    : tok_(&tokenizer), render_special_(render_special) {}

void StreamingDecoder::render_also(std::vector<std::int32_t> ids) {
  std::sort(ids.begin(), ids.end());
  render_also_ = std::move(ids);
}

std::string StreamingDecoder::push(std::int32_t id) {
  const Tokenizer::Impl& im = *tok_->impl_;
  const bool render =
      render_special_ || std::binary_search(render_also_.begin(), render_also_.end(), id);
  im.append_piece(pending_, id, render, first_ && im.add_space_prefix);
  first_ = false;

  // Hand out everything up to the last complete character...
  std::size_t cut = pending_.size() - detail::incomplete_utf8_tail(pending_);
  // ...except, where spaces get cleaned up, from a space among the last three bytes on: the
  // clean-up looks at most three bytes past a space, so text before that point is final and
  // cleaning it separately gives the same bytes as cleaning the whole.
  if (im.clean_spaces) {
    for (;;) {
      const std::size_t from = cut >= 3 ? cut - 3 : 0;
      const std::size_t space = pending_.find_last_of(' ', cut == 0 ? 0 : cut - 1);
      if (cut == 0 || space == std::string::npos || space < from) break;
      cut = space;
    }
  }
  std::string ready = pending_.substr(0, cut);
  pending_.erase(0, cut);
  if (im.clean_spaces) clean_up_spaces(ready);
  return ready;
}

std::string StreamingDecoder::finish() {
  std::string rest = std::move(pending_);
  pending_.clear();
  first_ = true;
  if (tok_->impl_->clean_spaces) clean_up_spaces(rest);
  return rest;
}

void StreamingDecoder::reset() {
  pending_.clear();
  first_ = true;
}

}  // namespace vkchat::tokenizer
