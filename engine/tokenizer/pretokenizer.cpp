// llama.cpp's pre-tokenizer table. The GPT-2 and Llama-3 patterns use hand-written matchers
// that behave exactly like llama.cpp's own (it special-cases those two patterns the same way);
// every other pattern goes through SplitRegex, which behaves like llama.cpp's std::regex path.
#include "tokenizer/pretokenizer.h"

#include <array>

#include "tokenizer/split_regex.h"
#include "tokenizer/unicode_props.h"
#include "util/errors.h"

namespace vkchat::tokenizer::detail {
namespace {

constexpr std::string_view kGpt2 =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S))";
constexpr std::string_view kLlama3 =
    R"((?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

// A family: the split patterns llama.cpp applies in order.
struct Family {
  std::string_view name;
  std::vector<std::string_view> patterns;
};

const std::vector<Family>& families() {
  static const std::vector<Family> f = {
      {"default", {R"([\p{P}\$\+<=>\^~\|]+)", kGpt2, R"(\p{N}+)", R"([0-9][0-9][0-9])"}},
      {"gpt2", {kGpt2}},
      {"llama3", {kLlama3}},
      {"deepseek-llm",
       {R"([\r\n])",
        R"(\s?[)"
        R"(A-Za-z\u{B5}\u{C0}-\u{D6}\u{D8}-\u{F6}\u{F8}-\u{1BA}\u{1BC}-\u{1BF})"
        R"(\u{1C4}-\u{293}\u{295}-\u{2AF}\u{370}-\u{373}\u{376}\u{377}\u{37B}-\u{37D})"
        R"(\u{37F}\u{386}\u{388}-\u{38A}\u{38C}\u{38E}-\u{3A1}\u{3A3}-\u{3F5})"
        R"(\u{3F7}-\u{481}\u{48A}-\u{52F}\u{531}-\u{556}\u{10A0}-\u{10C5}\u{13A0}-\u{13F5})"
        R"(\u{13F8}-\u{13FD}\u{1C90}-\u{1CBA}\u{1CBD}-\u{1CBF}\u{1D00}-\u{1D2B})"
        R"(\u{1D6B}-\u{1D77}\u{1D79}-\u{1D9A}\u{1E00}-\u{1F15}\u{1F18}-\u{1F1D})"
        R"(\u{1F20}-\u{1F45}\u{1F48}-\u{1F4D}\u{1F50}-\u{1F57}\u{1F59}\u{1F5B}\u{1F5D})"
        R"(\u{1F5F}-\u{1F7D}\u{1F80}-\u{1FB4}\u{1FB6}-\u{1FBC}\u{1FBE}\u{1FC2}-\u{1FC4})"
        R"(\u{1FC6}-\u{1FCC}\u{1FD0}-\u{1FD3}\u{1FD6}-\u{1FDB}\u{1FE0}-\u{1FEC})"
        R"(\u{1FF2}-\u{1FF4}\u{1FF6}-\u{1FFC}\u{2102}\u{2107}\u{210A}-\u{2113}\u{2115})"
        R"(\u{2119}-\u{211D}\u{2124}\u{2126}\u{2128}\u{212A}-\u{212D}\u{212F}-\u{2134})"
        R"(\u{2139}\u{213C}-\u{213F}\u{2145}-\u{2149}\u{214E}\u{2183}\u{2184})"
        R"(\u{2C00}-\u{2C7B}\u{2C7E}-\u{2CE4}\u{2CEB}-\u{2CEE}\u{2CF2}\u{2CF3})"
        R"(\u{A640}-\u{A66D}\u{A680}-\u{A69B}\u{A722}-\u{A76F}\u{A771}-\u{A787})"
        R"(\u{A78B}-\u{A78E}\u{AB70}-\u{ABBF}\u{FB00}-\u{FB06}\u{FB13}-\u{FB17})"
        R"(\u{FF21}-\u{FF3A}\u{FF41}-\u{FF5A}\u{10400}-\u{1044F}\u{104B0}-\u{104D3})"
        R"(\u{104D8}-\u{104FB}\u{10C80}-\u{10CB2}\u{10CC0}-\u{10CF2}\u{118A0}-\u{118DF})"
        R"(\u{1E900}-\u{1E943})"
        R"(]+)",
        R"(\s?[!-/:-~\u{FF01}-\u{FF0F}\u{FF1A}-\u{FF5E}\u{2018}-\u{201F}\u{3000}-\u{3002}]+)",
        R"(\s+$)", R"([\u{4E00}-\u{9FA5}\u{800}-\u{4E00}\u{AC00}-\u{D7FF}]+)", R"(\p{N}+)"}},
      {"deepseek-v3",
       {R"(\p{N}{1,3})", R"([\u{4E00}-\u{9FA5}\u{3040}-\u{309F}\u{30A0}-\u{30FF}]+)",
        R"([!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~][A-Za-z]+|[^\r\n\p{L}\p{P}\p{S}]?[\p{L}\p{M}]+| ?[\p{P}\p{S}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)"}},
      {"deepseek-coder",
       {R"([\r\n])", R"(\s?\p{L}+)", R"(\s?\p{P}+)",
        R"([\u{4E00}-\u{9FA5}\u{800}-\u{4E00}\u{AC00}-\u{D7FF}]+)", R"(\p{N})"}},
      {"falcon", {R"([\p{P}\$\+<=>\^~\|`]+)", kGpt2, R"([0-9][0-9][0-9])"}},
      {"starcoder", {R"(\p{N})", kGpt2}},
      {"qwen2",
       {R"((?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)"}},
      {"qwen35",
       {R"((?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?[\p{L}\p{M}]+|\p{N}| ?[^\s\p{L}\p{M}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)"}},
      {"poro", {R"( ?[^(\s|.,!?\u{2026}\u{3002}\u{FF0C}\u{3001}\u{964}\u{6D4}\u{60C})]+)"}},
      {"viking",
       {R"( ?[^(\s|.,!?\u{2026}\u{3002}\u{FF0C}\u{3001}\u{964}\u{6D4}\u{60C})]+)", R"(\p{N})"}},
      {"tekken",
       {R"([^\r\n\p{L}\p{N}]?((?=[\p{L}])([^a-z]))*((?=[\p{L}])([^A-Z]))+|[^\r\n\p{L}\p{N}]?((?=[\p{L}])([^a-z]))+((?=[\p{L}])([^A-Z]))*|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+)"}},
      {"gpt-4o",
       {R"([^\r\n\p{L}\p{N}]?((?=[\p{L}])([^a-z]))*((?=[\p{L}])([^A-Z]))+(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])?|[^\r\n\p{L}\p{N}]?((?=[\p{L}])([^a-z]))+((?=[\p{L}])([^A-Z]))*(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])?|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+)"}},
      {"granite-embed-multi",
       {R"([^\r\n\p{L}\p{N}]?((?=[\p{L}\p{M}])([^a-z]))*((?=[\p{L}\p{M}])([^A-Z]))+(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])?|[^\r\n\p{L}\p{N}]?((?=[\p{L}\p{M}])([^a-z]))+((?=[\p{L}\p{M}])([^A-Z]))*(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])?|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+)"}},
      {"chameleon",
       {R"(<sentinel:[0-9]+>)", R"((IMGIMG)((A|B|C|D|E|F|G|H|I){1,4})Z)", R"(([\t\n]|    |  ))",
        R"(\p{N})", R"([\p{P}!-/:-@\[-`{-~])", kGpt2}},
      {"bailingmoe",
       {R"('(?:[sSdDmMtT]|[lL][lL]|[vV][eE]|[rR][eE])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]|\s+(?!\S)|\s+)"}},
      {"seed-coder",
       {R"((?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1}| ?[^\s\p{L}\p{N}\r\n]+|\s*[\r\n]+|\s+(?!\S)|\s+)"}},
      {"exaone-moe",
       {R"((?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?(?:\p{L}\p{M}*(?: \p{L}\p{M}*)*)+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n/]?|\s*[\r\n]|\s+(?!\S)|\s+)"}},
      {"minicpm5",
       {R"(\p{N}{1,3})",
        R"((?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}+| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)"}},
      {"ufakzeka",
       {R"([^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)"}},
      // Only newlines split: merges then run over whole lines (see PreTokenizerInfo::spm_style).
      {"gemma4", {R"([^\n]+|[\n]+)"}},
      {"laguna",
       {R"([^\n]+|[\n]+)",
        R"((?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)"}},
  };
  return f;
}

// `tokenizer.ggml.pre` values, as llama.cpp maps them. Fields: name, family, ignore_merges,
// add_bos, clean_spaces.
struct NameEntry {
  std::string_view name, family;
  bool ignore_merges, add_bos, clean_spaces;
};

constexpr NameEntry kNames[] = {
    {"default", "default", false, false, true},
    {"llama3", "llama3", true, true, true},
    {"llama-v3", "llama3", true, true, true},
    {"llama-bpe", "llama3", true, true, true},
    {"falcon3", "llama3", true, true, true},
    {"falcon-h1", "llama3", true, true, true},
    {"pixtral", "llama3", true, true, true},
    {"midm-2.0", "llama3", true, true, true},
    {"lfm2", "llama3", true, true, true},
    {"jina-v5-nano", "llama3", true, true, true},
    {"dbrx", "llama3", false, false, true},
    {"smaug-bpe", "llama3", false, false, true},
    {"glm4", "llama3", false, false, true},
    {"chatglm-bpe", "llama3", false, false, true},
    {"deepseek-llm", "deepseek-llm", false, false, false},
    {"deepseek-coder", "deepseek-coder", false, false, false},
    {"deepseek-v3", "deepseek-v3", false, false, false},
    {"hunyuan-dense", "deepseek-v3", false, false, false},
    {"joyai-llm", "deepseek-v3", false, false, false},
    {"hy_v4", "deepseek-v3", false, false, false},
    {"falcon", "falcon", false, false, true},
    {"mpt", "gpt2", false, false, true},
    {"gpt-2", "gpt2", false, false, true},
    {"phi-2", "gpt2", false, false, true},
    {"jina-es", "gpt2", false, false, true},
    {"jina-de", "gpt2", false, false, true},
    {"gigachat", "gpt2", false, false, true},
    {"jina-v2-es", "gpt2", false, false, true},
    {"jina-v2-de", "gpt2", false, false, true},
    {"a.x-4.0", "gpt2", false, false, true},
    {"mellum", "gpt2", false, false, true},
    {"modern-bert", "gpt2", false, false, true},
    {"jina-v1-en", "gpt2", false, false, true},
    {"jina-v2-code", "gpt2", false, false, true},
    {"roberta-bpe", "gpt2", false, false, true},
    {"olmo", "gpt2", false, false, true},
    {"jais", "gpt2", false, false, true},
    {"exaone4", "gpt2", false, false, true},
    {"trillion", "gpt2", false, false, false},
    {"granite-docling", "gpt2", false, false, false},
    {"starcoder", "starcoder", false, false, true},
    {"refact", "starcoder", false, false, true},
    {"command-r", "starcoder", false, false, false},
    {"smollm", "starcoder", false, false, false},
    {"codeshell", "starcoder", false, false, true},
    {"exaone", "starcoder", false, false, true},
    {"minerva-7b", "starcoder", false, false, true},
    {"mellum2", "starcoder", false, false, true},
    {"qwen2", "qwen2", false, false, false},
    {"deepseek-r1-qwen", "qwen2", false, false, false},
    {"kormo", "qwen2", false, false, false},
    {"f2llmv2", "qwen2", false, false, false},
    {"megrez", "qwen2", false, false, true},
    {"stablelm2", "qwen2", false, false, true},
    {"hunyuan", "qwen2", false, false, false},
    {"solar-open", "qwen2", false, false, false},
    {"qwen35", "qwen35", false, false, false},
    {"poro-chat", "poro", false, false, false},
    {"bloom", "poro", false, false, true},
    {"gpt3-finnish", "poro", false, false, true},
    {"viking", "viking", false, false, false},
    {"tekken", "tekken", true, true, false},
    {"chameleon", "chameleon", false, true, false},
    {"gpt-4o", "gpt-4o", false, false, false},
    {"llama4", "gpt-4o", false, false, false},
    {"kanana2", "gpt-4o", false, false, false},
    {"talkie", "gpt-4o", false, false, false},
    {"minimax-m2", "gpt-4o", false, false, false},
    {"granite-embed-multi-97m", "granite-embed-multi", true, false, false},
    {"bailingmoe", "bailingmoe", false, false, false},
    {"bailingmoe2", "bailingmoe", false, false, false},
    {"llada-moe", "bailingmoe", false, false, false},
    {"seed-coder", "seed-coder", false, false, false},
    {"grok-2", "qwen2", false, false, false},
    {"exaone-moe", "exaone-moe", false, false, true},
    {"minicpm5", "minicpm5", true, false, true},
    {"ufakzeka", "ufakzeka", false, false, false},
    {"laguna", "laguna", false, false, false},
    {"gemma4", "gemma4", false, true, true},
};

constexpr std::uint32_t kOutside = 0xFFFFFFFF;

// A chunk of codepoints with their categories; positions past the end read as "nothing".
struct ChunkView {
  const std::vector<std::uint32_t>& cps;
  const std::vector<CpInfo>& info;
  std::size_t end;
  std::uint32_t cp(std::size_t p) const { return p < end ? cps[p] : kOutside; }
  CpInfo flags(std::size_t p) const { return p < end ? info[p] : CpInfo{}; }
};

bool is_letter(CpInfo f) {
  return f.category == kLetter;
}
bool is_number(CpInfo f) {
  return f.category == kNumber;
}
bool is_word(CpInfo f) {
  return f.whitespace || is_letter(f) || is_number(f);
}
bool is_any(CpInfo f) {
  return f.category != 0 || f.whitespace;
}

// Appends piece lengths as the matchers advance.
struct Cutter {
  std::vector<std::size_t>& out;
  std::size_t prev;
  std::size_t cut(std::size_t end) {
    const std::size_t len = end - prev;
    if (len > 0) out.push_back(len);
    prev = end;
    return len;
  }
};

// \s+(?!\S)|\s+ (the tail both hand matchers share) for a run of `spaces` whitespace at pos:
// where a non-space follows, the run's last space is left to prefix the next piece. With no
// whitespace, the single codepoint at pos is its own piece. Returns the end of the piece.
std::size_t whitespace_run_end(const ChunkView& v, std::size_t pos, std::size_t spaces) {
  if (spaces > 1 && v.cp(pos + spaces) != kOutside) return pos + spaces - 1;
  if (spaces > 0) return pos + spaces;
  return pos + 1;
}

// 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
void split_gpt2(const ChunkView& v, std::size_t begin, std::vector<std::size_t>& out) {
  Cutter c{out, begin};
  std::size_t pos = begin;
  while (pos < v.end) {
    const std::uint32_t cp = v.cp(pos);
    const CpInfo f = v.flags(pos);
    if (cp == '\'' && pos + 1 < v.end) {
      const std::uint32_t n = v.cp(pos + 1);
      if (n == 's' || n == 't' || n == 'm' || n == 'd') {
        pos += c.cut(pos + 2);
        continue;
      }
      if (pos + 2 < v.end) {
        const std::uint32_t nn = v.cp(pos + 2);
        if ((n == 'r' && nn == 'e') || (n == 'v' && nn == 'e') || (n == 'l' && nn == 'l')) {
          pos += c.cut(pos + 3);
          continue;
        }
      }
    }
    CpInfo f2 = cp == ' ' ? v.flags(pos + 1) : f;
    if (is_letter(f2) || is_number(f2)) {
      const bool letters = is_letter(f2);
      pos += (cp == ' ');
      while (letters ? is_letter(f2) : is_number(f2)) f2 = v.flags(++pos);
      c.cut(pos);
      continue;
    }
    if (!is_word(f2) && is_any(f2)) {
      pos += (cp == ' ');
      while (!is_word(f2) && is_any(f2)) f2 = v.flags(++pos);
      c.cut(pos);
      continue;
    }
    std::size_t spaces = 0;
    while (v.flags(pos + spaces).whitespace) ++spaces;
    pos = whitespace_run_end(v, pos, spaces);
    c.cut(pos);
  }
}

// (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|
// \s*[\r\n]+|\s+(?!\S)|\s+
void split_llama3(const ChunkView& v, std::size_t begin, std::vector<std::size_t>& out) {
  Cutter c{out, begin};
  std::size_t pos = begin;
  while (pos < v.end) {
    const std::uint32_t cp = v.cp(pos);
    const CpInfo f = v.flags(pos);
    if (cp == '\'' && pos + 1 < v.end) {
      const std::uint32_t n = cp_tolower(v.cp(pos + 1));
      if (n == 's' || n == 't' || n == 'm' || n == 'd') {
        pos += c.cut(pos + 2);
        continue;
      }
      if (pos + 2 < v.end) {
        const std::uint32_t nn = cp_tolower(v.cp(pos + 2));
        if ((n == 'r' && nn == 'e') || (n == 'v' && nn == 'e') || (n == 'l' && nn == 'l')) {
          pos += c.cut(pos + 3);
          continue;
        }
      }
    }
    if (!(cp == '\r' || cp == '\n' || is_number(f))) {
      if (is_letter(f) || is_letter(v.flags(pos + 1))) {
        ++pos;
        while (is_letter(v.flags(pos))) ++pos;
        c.cut(pos);
        continue;
      }
    }
    if (is_number(f)) {
      std::size_t run_start = pos;
      while (is_number(v.flags(pos))) {
        if (++pos - run_start >= 3) {
          c.cut(pos);
          run_start = pos;
        }
      }
      c.cut(pos);
      continue;
    }
    CpInfo f2 = cp == ' ' ? v.flags(pos + 1) : f;
    if (!is_word(f2) && is_any(f)) {
      pos += (cp == ' ');
      while (!is_word(f2) && is_any(f2)) f2 = v.flags(++pos);
      while (v.cp(pos) == '\r' || v.cp(pos) == '\n') ++pos;
      c.cut(pos);
      continue;
    }
    std::size_t spaces = 0, last_newline_end = 0;
    while (v.flags(pos + spaces).whitespace) {
      const std::uint32_t s = v.cp(pos + spaces);
      if (s == '\r' || s == '\n') last_newline_end = pos + spaces + 1;
      ++spaces;
    }
    if (last_newline_end > 0) {
      pos = last_newline_end;
      c.cut(pos);
      continue;
    }
    pos = whitespace_run_end(v, pos, spaces);
    c.cut(pos);
  }
}

}  // namespace

struct PreTokenizer::Rules {
  enum class Kind { Gpt2, Llama3, Regex };
  struct Rule {
    Kind kind;
    std::unique_ptr<SplitRegex> regex;
  };
  std::vector<Rule> rules;
};

PreTokenizer::PreTokenizer(std::string_view pre) : rules_(std::make_unique<Rules>()) {
  if (pre.empty()) pre = "default";
  const NameEntry* entry = nullptr;
  for (const NameEntry& e : kNames) {
    if (e.name == pre) entry = &e;
  }
  if (!entry) {
    throw UnsupportedModel("unknown pre-tokenizer '" + std::string(pre) +
                           "' (tokenizer.ggml.pre); this build knows the llama.cpp families "
                           "default, gpt2, llama3, qwen2, deepseek, starcoder, falcon, tekken, "
                           "gpt-4o and their aliases");
  }
  info_ = {std::string(entry->family), entry->ignore_merges, entry->add_bos, entry->clean_spaces,
           entry->family == "gemma4"};
  for (const Family& fam : families()) {
    if (fam.name != entry->family) continue;
    for (std::string_view p : fam.patterns) {
      if (p == kGpt2) {
        rules_->rules.push_back({Rules::Kind::Gpt2, nullptr});
      } else if (p == kLlama3) {
        rules_->rules.push_back({Rules::Kind::Llama3, nullptr});
      } else {
        rules_->rules.push_back({Rules::Kind::Regex, std::make_unique<SplitRegex>(p)});
      }
    }
  }
}

PreTokenizer::~PreTokenizer() = default;
PreTokenizer::PreTokenizer(PreTokenizer&&) noexcept = default;
PreTokenizer& PreTokenizer::operator=(PreTokenizer&&) noexcept = default;

std::vector<std::string_view> PreTokenizer::known_names() {
  std::vector<std::string_view> names;
  for (const NameEntry& e : kNames) names.push_back(e.name);
  return names;
}

std::vector<std::size_t> PreTokenizer::split(const std::vector<std::uint32_t>& cps) const {
  std::vector<std::size_t> chunks{cps.size()};
  if (cps.empty()) return {};
  std::vector<CpInfo> info;
  std::vector<std::uint32_t> collapsed, wide;
  for (const Rules::Rule& rule : rules_->rules) {
    std::vector<std::size_t> next;
    next.reserve(chunks.size() * 2);
    if (rule.kind == Rules::Kind::Regex) {
      const bool use_collapsed = rule.regex->input() == SplitRegex::Input::Collapsed;
      std::vector<std::uint32_t>& symbols = use_collapsed ? collapsed : wide;
      if (symbols.empty())
        symbols = use_collapsed ? collapse_codepoints(cps) : widen_codepoints(cps);
      next = rule.regex->split(symbols, chunks);
    } else {
      if (info.empty()) {
        info.resize(cps.size());
        for (std::size_t i = 0; i < cps.size(); ++i) info[i] = cp_info(cps[i]);
      }
      std::size_t begin = 0;
      for (const std::size_t len : chunks) {
        const ChunkView view{cps, info, begin + len};
        if (rule.kind == Rules::Kind::Gpt2)
          split_gpt2(view, begin, next);
        else
          split_llama3(view, begin, next);
        begin += len;
      }
    }
    chunks = std::move(next);
  }
  return chunks;
}

}  // namespace vkchat::tokenizer::detail
