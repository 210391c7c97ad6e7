// Building a Tokenizer from GGUF metadata, with llama.cpp's defaults and fix-ups (special-token
// detection by text, end-of-generation set, per-model strip attributes).
#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <string>

#include "gguf/gguf_reader.h"
#include "tokenizer/spm.h"
#include "tokenizer/tokenizer_impl.h"
#include "tokenizer/unicode_props.h"
#include "util/errors.h"

namespace vkchat::tokenizer {
namespace {

std::uint32_t attr_of(TokenType t) {
  switch (t) {
    case TokenType::Normal: return kAttrNormal;
    case TokenType::Unknown: return kAttrUnknown;
    case TokenType::Control: return kAttrControl;
    case TokenType::UserDefined: return kAttrUserDefined;
    case TokenType::Unused: return kAttrUnused;
    case TokenType::Byte: return kAttrByte;
    default: return 0;
  }
}

TokenType type_of(std::int32_t raw) {
  return raw >= 0 && raw <= 6 ? static_cast<TokenType>(raw) : TokenType::Undefined;
}

// An id from the metadata, ignored (as llama.cpp does) when absent or outside the vocabulary.
void read_id(const gguf::GgufFile& f, std::string_view key, std::int32_t n, std::int32_t& id) {
  if (id >= n) id = kNoToken;
  const gguf::Value* v = f.find(key);
  if (!v) return;
  const auto i = v->as_int();
  if (i && *i >= 0 && *i < n) id = static_cast<std::int32_t>(*i);
}

// Texts by which llama.cpp recognises special tokens that the metadata does not name.
constexpr std::string_view kEotTexts[] = {
    "<|eot_id|>",        "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>",
    "<|end_of_text|>",   "<EOT>",      "_<EOT>",  "[EOT]",         "<｜end▁of▁sentence｜>",
    "<end_of_utterance>"};
constexpr std::string_view kEomTexts[] = {"<|eom_id|>"};
constexpr std::string_view kFimPreTexts[] = {"<|fim_prefix|>",  "<fim-prefix>", "<fim_prefix>",
                                             "<｜fim▁begin｜>", "<PRE>",        "▁<PRE>",
                                             "<|code_prefix|>", "<|prefix|>"};
constexpr std::string_view kFimSufTexts[] = {"<|fim_suffix|>",  "<fim-suffix>", "<fim_suffix>",
                                             "<｜fim▁hole｜>",  "<SUF>",        "▁<SUF>",
                                             "<|code_suffix|>", "<|suffix|>"};
constexpr std::string_view kFimMidTexts[] = {"<|fim_middle|>",  "<fim-middle>", "<fim_middle>",
                                             "<｜fim▁end｜>",   "<MID>",        "▁<MID>",
                                             "<|code_middle|>", "<|middle|>"};
constexpr std::string_view kFimPadTexts[] = {"<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>",
                                             "[PAD]"};
constexpr std::string_view kFimRepTexts[] = {"<|fim_repo|>", "<|repo_name|>", "<fim-repo>",
                                             "<REPO>", "<reponame>"};
constexpr std::string_view kFimSepTexts[] = {"<|file_sep|>"};
constexpr std::string_view kEogTexts[] = {"<|eot_id|>",
                                          "<|im_end|>",
                                          "<|end|>",
                                          "<|return|>",
                                          "<|call|>",
                                          "<|flush|>",
                                          "<|calls|>",
                                          "<end_of_turn>",
                                          "<|endoftext|>",
                                          "</s>",
                                          "<|eom_id|>",
                                          "<EOT>",
                                          "_<EOT>",
                                          "[EOT]",
                                          "[EOS]",
                                          "<|end_of_text|>",
                                          "<end_of_utterance>",
                                          "<eos>",
                                          "<turn|>",
                                          "<|tool_response>",
                                          "<｜end▁of▁sentence｜>",
                                          "[e~["};

// llama.cpp marks a character outside the byte map with "[UNK_BYTE_0x<its bytes in hex><the
// whole token>]": that costs the token's length for each such character, the square of it in all.
// No real vocabulary has such characters in a normal token, so here the marker leaves the token
// out and a piece stays linear in its token.
std::string bpe_piece(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::uint32_t cp : detail::decode_utf8(text)) {
    const int b = detail::unicode_to_byte(cp);
    if (b >= 0) {
      out.push_back(static_cast<char>(b));
      continue;
    }
    std::string utf8;
    detail::append_utf8(utf8, cp);
    out += "[UNK_BYTE_0x";
    for (char c : utf8) {
      static constexpr char kHex[] = "0123456789abcdef";
      out.push_back(kHex[static_cast<std::uint8_t>(c) >> 4]);
      out.push_back(kHex[static_cast<std::uint8_t>(c) & 15]);
    }
    out += "]";
  }
  return out;
}

std::string make_piece(const Tokenizer::Impl& im, std::size_t id) {
  const std::uint32_t a = im.attr[id];
  const std::string& t = im.text[id];
  if (a & (kAttrUnknown | kAttrControl | kAttrUserDefined)) return t;
  if (a & kAttrNormal) {
    if (im.kind == VocabKind::Bpe && !im.pretokenizer->info().spm_style) return bpe_piece(t);
    std::string out;
    for (std::size_t i = 0; i < t.size(); ++i) {
      if (t.compare(i, 3, "\xE2\x96\x81") == 0) {
        out.push_back(' ');
        i += 2;
      } else {
        out.push_back(t[i]);
      }
    }
    return out;
  }
  if ((a & kAttrByte) && t.size() >= 5) {
    return std::string(1, static_cast<char>(std::strtol(t.substr(3, 2).c_str(), nullptr, 16)));
  }
  return {};
}

void load_vocabulary(const gguf::GgufFile& f, Tokenizer::Impl& im) {
  const auto tokens = f.get_array<std::string_view>("tokenizer.ggml.tokens");
  const std::size_t n = tokens.size();
  if (n == 0 || n > 0x7FFFFFFF) {
    throw MetadataError(f.path() + ": tokenizer.ggml.tokens has " + std::to_string(n) + " entries");
  }
  const gguf::Array* scores = f.find_array("tokenizer.ggml.scores");
  const gguf::Array* types = f.find_array("tokenizer.ggml.token_type");
  const auto* f32 = scores ? std::get_if<std::vector<float>>(&scores->items) : nullptr;
  const auto* i32 = scores ? std::get_if<std::vector<std::int32_t>>(&scores->items) : nullptr;
  const auto* tt = types ? std::get_if<std::vector<std::int32_t>>(&types->items) : nullptr;
  if ((scores && !f32 && !i32) || (f32 && f32->size() < n) || (i32 && i32->size() < n)) {
    throw MetadataError(f.path() + ": tokenizer.ggml.scores is not a float or int32 array of " +
                        std::to_string(n) + " entries");
  }
  if ((types && !tt) || (tt && tt->size() < n)) {
    throw MetadataError(f.path() + ": tokenizer.ggml.token_type is not an int32 array of " +
                        std::to_string(n) + " entries");
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (tokens[i].size() > kMaxTokenBytes) {
      throw MetadataError(f.path() + ": tokenizer.ggml.tokens[" + std::to_string(i) + "] is " +
                          std::to_string(tokens[i].size()) + " bytes long, more than the " +
                          std::to_string(kMaxTokenBytes) + " a token may have");
    }
  }
  im.text.resize(n);
  im.score.resize(n);
  im.type.resize(n);
  im.attr.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    im.text[i] = tokens[i].empty() ? "[EMPTY_" + std::to_string(i) + "]" : std::string(tokens[i]);
    im.score[i] = f32 ? (*f32)[i] : i32 ? static_cast<float>((*i32)[i]) : 0.0f;
    im.type[i] = tt ? type_of((*tt)[i]) : TokenType::Normal;
    im.attr[i] = tt ? attr_of(im.type[i]) : kAttrNormal;
  }
  im.token_to_id.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    im.token_to_id.insert_or_assign(std::string_view(im.text[i]), static_cast<std::int32_t>(i));
  }
}

void find_special_tokens(const gguf::GgufFile& f, Tokenizer::Impl& im) {
  const auto n = static_cast<std::int32_t>(im.text.size());
  std::int32_t fim_pre = kNoToken, fim_suf = kNoToken, fim_mid = kNoToken, fim_pad = kNoToken,
               fim_rep = kNoToken, fim_sep = kNoToken, mask = kNoToken;
  read_id(f, "tokenizer.ggml.bos_token_id", n, im.bos);
  read_id(f, "tokenizer.ggml.eos_token_id", n, im.eos);
  read_id(f, "tokenizer.ggml.eot_token_id", n, im.eot);
  read_id(f, "tokenizer.ggml.eom_token_id", n, im.eom);
  read_id(f, "tokenizer.ggml.unknown_token_id", n, im.unk);
  read_id(f, "tokenizer.ggml.seperator_token_id", n, im.sep);
  read_id(f, "tokenizer.ggml.padding_token_id", n, im.pad);
  read_id(f, "tokenizer.ggml.mask_token_id", n, mask);
  read_id(f, "tokenizer.ggml.fim_pre_token_id", n, fim_pre);
  read_id(f, "tokenizer.ggml.fim_suf_token_id", n, fim_suf);
  read_id(f, "tokenizer.ggml.fim_mid_token_id", n, fim_mid);
  read_id(f, "tokenizer.ggml.fim_pad_token_id", n, fim_pad);
  read_id(f, "tokenizer.ggml.fim_rep_token_id", n, fim_rep);
  read_id(f, "tokenizer.ggml.fim_sep_token_id", n, fim_sep);
  read_id(f, "tokenizer.ggml.prefix_token_id", n, fim_pre);
  read_id(f, "tokenizer.ggml.suffix_token_id", n, fim_suf);
  read_id(f, "tokenizer.ggml.middle_token_id", n, fim_mid);

  if (auto b = f.get_optional<bool>("tokenizer.ggml.add_bos_token")) im.add_bos = *b;
  if (auto e = f.get_optional<bool>("tokenizer.ggml.add_eos_token")) im.add_eos = *e;
  if (im.add_bos && im.bos == kNoToken) {
    throw MetadataError(f.path() +
                        ": tokenizer.ggml.add_bos_token is true, but there is no "
                        "tokenizer.ggml.bos_token_id");
  }
  if (im.add_eos && im.eos == kNoToken) {
    throw MetadataError(f.path() +
                        ": tokenizer.ggml.add_eos_token is true, but there is no "
                        "tokenizer.ggml.eos_token_id");
  }

  // Unnamed special tokens, recognised by their text (earlier names in a list win, which is
  // what the peer picks, e.g. <|eot_id|> over <|end_of_text|>); they become control tokens.
  const auto detect = [&](std::int32_t& id, std::span<const std::string_view> texts) {
    for (const std::string_view t : texts) {
      if (id != kNoToken) return;
      const std::int32_t found = detail::lookup(im.token_to_id, t);
      if (found >= 0) {
        id = found;
        im.attr[static_cast<std::size_t>(found)] |= kAttrControl;
      }
    }
  };
  detect(im.eot, kEotTexts);
  detect(im.eom, kEomTexts);
  detect(fim_pre, kFimPreTexts);
  detect(fim_suf, kFimSufTexts);
  detect(fim_mid, kFimMidTexts);
  detect(fim_pad, kFimPadTexts);
  detect(fim_rep, kFimRepTexts);
  detect(fim_sep, kFimSepTexts);

  for (std::size_t i = 0; i < im.text.size(); ++i) {
    if ((im.attr[i] & kAttrControl) && im.text[i].find("unused") != std::string::npos) {
      im.attr[i] |= kAttrUnused;
    }
  }

  std::vector<std::int32_t> eog;
  for (std::int32_t id : {fim_pad, fim_rep, fim_sep}) {
    if (id != kNoToken) eog.push_back(id);
  }
  for (const std::string_view t : kEogTexts) {
    const std::int32_t id = detail::lookup(im.token_to_id, t);
    if (id < 0) continue;
    eog.push_back(id);
    im.attr[static_cast<std::size_t>(id)] |= kAttrControl;
  }
  // gpt-oss: these structural tokens always render.
  for (const std::string_view t : {"<|channel|>", "<|message|>", "<|start|>", "<|constrain|>"}) {
    const std::int32_t id = detail::lookup(im.token_to_id, t);
    if (id >= 0) im.attr[static_cast<std::size_t>(id)] = kAttrUserDefined;
  }
  for (std::int32_t id : {im.eos, im.eot, im.eom}) {
    if (id != kNoToken) eog.push_back(id);
  }
  std::sort(eog.begin(), eog.end());
  eog.erase(std::unique(eog.begin(), eog.end()), eog.end());

  // o200k_harmony and solar-open: "<|end|>" ends a message, not the generation.
  const auto eog_with = [&](std::string_view text) -> std::int32_t {
    for (std::int32_t id : eog) {
      if (im.text[static_cast<std::size_t>(id)] == text) return id;
    }
    return kNoToken;
  };
  const std::int32_t end_id = eog_with("<|end|>");
  const bool has_call = eog_with("<|call|>") != kNoToken || eog_with("<|calls|>") != kNoToken;
  if (end_id != kNoToken && has_call &&
      (eog_with("<|return|>") != kNoToken || eog_with("<|flush|>") != kNoToken)) {
    eog.erase(std::find(eog.begin(), eog.end(), end_id));
    im.attr[static_cast<std::size_t>(end_id)] = kAttrUserDefined;
  }
  // gemma4 and paddleocr: "</s>" is not an end of generation there.
  const std::int32_t s_id = eog_with("</s>");
  if (s_id != kNoToken && eog_with("<|tool_response>") != kNoToken) {
    eog.erase(std::find(eog.begin(), eog.end(), s_id));
    im.attr[static_cast<std::size_t>(s_id)] = kAttrNormal;
  }
  im.eog = std::move(eog);
}

void build_special_matcher(const gguf::GgufFile& f, Tokenizer::Impl& im) {
  std::vector<std::int32_t> ids;
  for (std::size_t i = 0; i < im.text.size(); ++i) {
    if (im.attr[i] & (kAttrControl | kAttrUserDefined | kAttrUnknown)) {
      ids.push_back(static_cast<std::int32_t>(i));
    }
  }
  // Longest text first, ties by id (std::stable_sort's buffer trips ASan on GCC 12).
  std::sort(ids.begin(), ids.end(), [&](std::int32_t a, std::int32_t b) {
    const std::size_t la = im.text[static_cast<std::size_t>(a)].size();
    const std::size_t lb = im.text[static_cast<std::size_t>(b)].size();
    return la != lb ? la > lb : a < b;
  });

  // Phi-3: every special token eats the whitespace after it, except a few.
  std::string name = f.get_optional<std::string>("general.name").value_or("");
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (name.find("phi-3") != std::string::npos || name.find("phi3") != std::string::npos) {
    for (std::int32_t id : ids) im.attr[static_cast<std::size_t>(id)] |= kAttrRstrip;
    for (const auto& [text, on] : {std::pair<std::string_view, bool>{"</s>", true},
                                   {"<unk>", false},
                                   {"<s>", false},
                                   {"<|endoftext|>", false}}) {
      const std::int32_t id = detail::lookup(im.token_to_id, text);
      if (id < 0) continue;
      if (on)
        im.attr[static_cast<std::size_t>(id)] |= kAttrRstrip;
      else
        im.attr[static_cast<std::size_t>(id)] &= ~kAttrRstrip;
    }
  }

  std::vector<detail::SpecialToken> specials;
  for (std::int32_t id : ids) {
    const std::uint32_t a = im.attr[static_cast<std::size_t>(id)];
    specials.push_back({id, im.text[static_cast<std::size_t>(id)],
                        (a & (kAttrControl | kAttrUnknown)) == 0, (a & kAttrLstrip) != 0,
                        (a & kAttrRstrip) != 0});
  }
  im.specials = detail::SpecialMatcher(std::move(specials));
}

// A BPE model's pre-tokenizer and the defaults that come with it.
void use_pretokenizer(const gguf::GgufFile& f, const std::string& pre, Tokenizer::Impl& im) {
  im.pre = pre;
  try {
    im.pretokenizer.emplace(im.pre);
  } catch (const UnsupportedModel& e) {
    throw UnsupportedModel(f.path() + ": " + e.what());
  }
  const detail::PreTokenizerInfo& info = im.pretokenizer->info();
  im.add_bos = info.add_bos;
  im.clean_spaces = info.clean_spaces;
  im.ignore_merges = info.ignore_merges;
}

}  // namespace

Tokenizer Tokenizer::from_gguf(const gguf::GgufFile& f) {
  auto im = std::make_unique<Impl>();
  im->model = f.get<std::string>("tokenizer.ggml.model");
  if (im->model == "llama") {
    im->kind = VocabKind::Spm;
    im->bos = 1, im->eos = 2, im->unk = 0;
    im->add_bos = true;
    im->add_space_prefix = true;
  } else if (im->model == "gpt2") {
    im->kind = VocabKind::Bpe;
    im->bos = 11, im->eos = 11;
    use_pretokenizer(f, f.get_optional<std::string>("tokenizer.ggml.pre").value_or(""), *im);
    if (im->pre == "glm4" || im->pre == "chatglm-bpe") im->bos = kNoToken;
  } else if (im->model == "gemma4") {
    // SentencePiece-style BPE; llama.cpp takes its pre-tokenizer from the model, whatever
    // tokenizer.ggml.pre says, and names no special ids by default.
    im->kind = VocabKind::Bpe;
    use_pretokenizer(f, "gemma4", *im);
  } else {
    throw UnsupportedModel(f.path() + ": tokenizer model '" + im->model +
                           "' (tokenizer.ggml.model) is not supported; 'llama' (SentencePiece), "
                           "'gpt2' (byte-level BPE) and 'gemma4' (SentencePiece-style BPE) are");
  }
  if (auto p = f.get_optional<bool>("tokenizer.ggml.add_space_prefix")) im->add_space_prefix = *p;

  load_vocabulary(f, *im);
  find_special_tokens(f, *im);
  // Gemma 4 needs BOS even where the file says otherwise (llama.cpp PR 21500).
  if (im->pretokenizer && im->pretokenizer->info().spm_style && !im->add_bos) {
    if (im->bos == kNoToken) {
      throw MetadataError(f.path() + ": a gemma4 tokenizer needs tokenizer.ggml.bos_token_id");
    }
    im->add_bos = true;
  }
  build_special_matcher(f, *im);

  im->pieces.resize(im->text.size());
  for (std::size_t i = 0; i < im->text.size(); ++i) im->pieces[i] = make_piece(*im, i);

  if (im->kind == VocabKind::Spm) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    for (int b = 0; b < 256; ++b) {
      const std::string hex = {'<', '0', 'x', kHex[b >> 4], kHex[b & 15], '>'};
      std::int32_t id = detail::lookup(im->token_to_id, hex);
      if (id < 0) id = detail::lookup(im->token_to_id, std::string(1, static_cast<char>(b)));
      if (id < 0) id = im->unk;
      im->byte_tokens[static_cast<std::size_t>(b)] = id;
    }
  } else {
    const auto merges = f.get_array<std::string_view>("tokenizer.ggml.merges");
    try {
      im->merges = std::make_unique<detail::BpeMerges>(merges, im->token_to_id,
                                                       im->pretokenizer->info().spm_style
                                                           ? detail::BpeMerges::Symbols::Characters
                                                           : detail::BpeMerges::Symbols::Bytes);
    } catch (const MetadataError& e) {
      throw MetadataError(f.path() + ": tokenizer.ggml.merges: " + e.what());
    }
  }
  return Tokenizer(std::move(im));
}

}  // namespace vkchat::tokenizer
