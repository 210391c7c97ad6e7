// Encoding and decoding (see tokenizer.h); loading lives in tokenizer_load.cpp.
#include "tokenizer/tokenizer.h"

#include <algorithm>
#include <stdexcept>

#include "tokenizer/spm.h"
#include "tokenizer/tokenizer_impl.h"
#include "tokenizer/unicode_props.h"

namespace vkchat::tokenizer {

Tokenizer::Tokenizer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Tokenizer::Tokenizer(Tokenizer&&) noexcept = default;
Tokenizer& Tokenizer::operator=(Tokenizer&&) noexcept = default;
Tokenizer::~Tokenizer() = default;

void Tokenizer::Impl::check_id(std::int32_t id) const {
  if (id < 0 || static_cast<std::size_t>(id) >= text.size()) {
    throw std::out_of_range("token id " + std::to_string(id) + " is outside the vocabulary (" +
                            std::to_string(text.size()) + " tokens)");
  }
}

void Tokenizer::Impl::append_piece(std::string& out, std::int32_t id, bool render_special,
                                   bool strip_space) const {
  check_id(id);
  if (!render_special && hidden(id)) return;
  const std::string& p = pieces[static_cast<std::size_t>(id)];
  const std::size_t skip = strip_space && !p.empty() && p[0] == ' ' ? 1 : 0;
  out.append(p, skip, std::string::npos);
}

namespace {

void encode_bpe(const Tokenizer::Impl& im, std::string_view text, std::vector<std::int32_t>& out) {
  // The pre-tokenizer works on codepoints (malformed UTF-8 already turned into U+FFFD); BPE
  // then works on the UTF-8 bytes of each word.
  std::vector<std::uint32_t> cps = detail::decode_utf8(text);
  const bool spm_style = im.pretokenizer->info().spm_style;
  if (spm_style) std::replace(cps.begin(), cps.end(), std::uint32_t{' '}, std::uint32_t{0x2581});
  const std::vector<std::size_t> words = im.pretokenizer->split(cps);
  std::string word;
  std::size_t at = 0;
  for (const std::size_t len : words) {
    word.clear();
    for (std::size_t i = at; i < at + len; ++i) detail::append_utf8(word, cps[i]);
    at += len;
    // Gemma 4 (llama.cpp PR 21343): a run of newlines that is a token is not merged piecewise.
    if (spm_style && word.find_first_not_of('\n') == std::string::npos) {
      if (const std::int32_t id = detail::lookup(im.token_to_id, word); id >= 0) {
        out.push_back(id);
        continue;
      }
    }
    im.merges->encode_word(word, im.ignore_merges, im.token_to_id, out);
  }
}

void encode_spm(const Tokenizer::Impl& im, std::string_view text, bool space_prefix,
                std::vector<std::int32_t>& out) {
  std::string escaped;
  escaped.reserve(text.size() + 8);
  if (space_prefix) escaped += "\xE2\x96\x81";
  for (char c : text) {
    if (c == ' ')
      escaped += "\xE2\x96\x81";
    else
      escaped.push_back(c);
  }
  detail::spm_encode(escaped, im.token_to_id, im.score, im.byte_tokens, out);
}

}  // namespace

std::vector<std::int32_t> Tokenizer::encode(std::string_view text, bool add_special,
                                            bool parse_special) const {
  const Impl& im = *impl_;
  std::vector<std::int32_t> out;
  out.reserve(text.size() / 3 + 2);
  if (add_special && im.add_bos) out.push_back(im.bos);
  bool after_special = true;  // SPM puts a space before the text and after each special token
  for (const detail::Fragment& f : im.specials.partition(text, parse_special)) {
    if (f.token >= 0) {
      out.push_back(f.token);
      after_special = true;
      continue;
    }
    const std::string_view part = text.substr(f.offset, f.length);
    if (im.kind == VocabKind::Spm) {
      encode_spm(im, part, im.add_space_prefix && after_special, out);
    } else {
      encode_bpe(im, part, out);
    }
    after_special = false;
  }
  if (add_special && im.add_eos) out.push_back(im.eos);
  return out;
}

void clean_up_spaces(std::string& t) {
  // Three passes over the buffer, in place, mirroring llama_detokenize index for index.
  std::size_t total = t.empty() ? 0 : 1;
  const std::size_t n1 = t.size();
  for (std::size_t i = 1; i < n1; ++i) {
    const char x = t[i];
    if (t[i - 1] == ' ' && (x == '?' || x == '!' || x == '.' || x == ',')) --total;  // " ?"
    t[total++] = x;
  }
  const std::size_t n2 = total;
  total = n2 ? 1 : 0;
  for (std::size_t i = 1; i < n2; ++i) {
    const char x = t[i];
    if (x == '\'' && i + 1 < n2 && t[i - 1] == ' ' && t[i + 1] == ' ') {  // " ' "
      --total;
      t[++i] = '\0';
    }
    t[total++] = x;
  }
  const std::size_t n3 = total;
  total = n3 ? 1 : 0;
  for (std::size_t i = 1; i < n3; ++i) {
    const char x = t[i];
    if (t[i - 1] == ' ' && x == '\'' && i + 1 < n3) {
      const char x1 = t[i + 1];
      if (x1 == 't' || x1 == 'd') {
        // " 't" and " 'd" keep their space
      } else if (x1 == 's' || x1 == 'm') {
        --total;
      } else if (i + 2 < n3) {
        const char x2 = t[i + 2];
        if ((x1 == 'r' && x2 == 'e') || (x1 == 'v' && x2 == 'e')) --total;  // " 're" " 've"
      }
    }
    t[total++] = x;
  }
  t.resize(total);
}

std::string Tokenizer::decode(std::span<const std::int32_t> ids, bool render_special) const {
  const Impl& im = *impl_;
  std::string out;
  bool strip = im.add_space_prefix;  // only the first token loses its leading space
  for (const std::int32_t id : ids) {
    im.append_piece(out, id, render_special, strip);
    strip = false;
  }
  if (im.clean_spaces) clean_up_spaces(out);
  return out;
}

std::string Tokenizer::piece(std::int32_t id, bool render_special) const {
  std::string out;
  impl_->append_piece(out, id, render_special, false);
  return out;
}

VocabKind Tokenizer::kind() const {
  return impl_->kind;
}
std::string_view Tokenizer::model_name() const {
  return impl_->model;
}
std::string_view Tokenizer::pre_name() const {
  return impl_->pre;
}
std::int32_t Tokenizer::vocab_size() const {
  return static_cast<std::int32_t>(impl_->text.size());
}

TokenType Tokenizer::token_type(std::int32_t id) const {
  impl_->check_id(id);
  return impl_->type[static_cast<std::size_t>(id)];
}

std::string_view Tokenizer::token_text(std::int32_t id) const {
  impl_->check_id(id);
  return impl_->text[static_cast<std::size_t>(id)];
}

std::optional<std::int32_t> Tokenizer::find_token(std::string_view text) const {
  const std::int32_t id = detail::lookup(impl_->token_to_id, text);
  return id >= 0 ? std::optional<std::int32_t>(id) : std::nullopt;
}

std::int32_t Tokenizer::bos() const {
  return impl_->bos;
}
std::int32_t Tokenizer::eos() const {
  return impl_->eos;
}
std::int32_t Tokenizer::eot() const {
  return impl_->eot;
}
std::int32_t Tokenizer::eom() const {
  return impl_->eom;
}
std::int32_t Tokenizer::unk() const {
  return impl_->unk;
}
std::int32_t Tokenizer::pad() const {
  return impl_->pad;
}
std::int32_t Tokenizer::sep() const {
  return impl_->sep;
}
bool Tokenizer::adds_bos() const {
  return impl_->add_bos;
}
bool Tokenizer::adds_eos() const {
  return impl_->add_eos;
}

bool Tokenizer::is_eog(std::int32_t id) const {
  return std::binary_search(impl_->eog.begin(), impl_->eog.end(), id);
}
std::span<const std::int32_t> Tokenizer::eog_ids() const {
  return impl_->eog;
}

bool Tokenizer::is_hidden(std::int32_t id) const {
  impl_->check_id(id);
  return impl_->hidden(id);
}

}  // namespace vkchat::tokenizer
