// A small backtracking regex matcher for the pre-tokenizer patterns (see split_regex.h).
// Patterns compile to a program for a backtracking machine: Split tries its first branch and
// remembers the second, which gives ECMAScript's "first alternative, greedy" match order.
#include "tokenizer/split_regex.h"

#include <bitset>
#include <optional>
#include <stdexcept>
#include <string>

#include "tokenizer/unicode_props.h"

namespace vkchat::tokenizer::detail {
namespace {

// Marker bytes of the collapsed text, one per category (llama.cpp's choice).
constexpr std::uint32_t kMarkOther = 0xD0, kMarkNumber = 0xD1, kMarkLetter = 0xD2,
                        kMarkPunctuation = 0xD3, kMarkMark = 0xD4, kMarkSymbol = 0xD5;
constexpr std::uint32_t kCollapsedSpace = 0x0B;  // what non-ASCII whitespace becomes

struct CharSet {
  std::bitset<256> low;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> high;  // ranges at or above 256
  bool high_all = false;  // every codepoint >= 256 is in the set
  bool negate = false;

  bool contains(std::uint32_t c) const {
    bool in;
    if (c < 256) {
      in = low[c];
    } else {
      in = high_all;
      for (const auto& [lo, hi] : high) in = in || (lo <= c && c <= hi);
    }
    return in != negate;
  }
  void add_range(std::uint32_t lo, std::uint32_t hi) {
    for (std::uint32_t c = lo; c <= hi && c < 256; ++c) low.set(c);
    if (hi >= 256) high.emplace_back(std::max<std::uint32_t>(lo, 256), hi);
  }
  void add(std::uint32_t c) { add_range(c, c); }
  // Union with another set (which may be negated, like \S).
  void add_set(const CharSet& o) {
    for (std::uint32_t c = 0; c < 256; ++c) {
      if (o.contains(c)) low.set(c);
    }
    if (o.negate) {
      high_all = high_all || o.high.empty();
    } else {
      high_all = high_all || o.high_all;
      high.insert(high.end(), o.high.begin(), o.high.end());
    }
  }
};

// ECMAScript classes in the classic "C" locale: ASCII only.
CharSet builtin_class(char c) {
  CharSet s;
  switch (c) {
    case 's':
    case 'S':
      s.add_range(0x09, 0x0D);
      s.add(' ');
      break;
    case 'd':
    case 'D': s.add_range('0', '9'); break;
    case 'w':
    case 'W':
      s.add_range('0', '9');
      s.add_range('A', 'Z');
      s.add_range('a', 'z');
      s.add('_');
      break;
  }
  s.negate = (c == 'S' || c == 'D' || c == 'W');
  return s;
}

// \p{...} in collapsed text: the category's marker plus the ASCII characters llama.cpp files
// under it (llama.cpp counts '~' as a symbol since it fixed its table; the peer does too).
bool category_class(std::string_view name, CharSet& s) {
  if (name == "N") {
    s.add(kMarkNumber);
    s.add_range('0', '9');
  } else if (name == "L" || name == "Lu" || name == "Ll" || name == "Lt" || name == "Lm" ||
             name == "Lo") {
    s.add(kMarkLetter);
    s.add_range('A', 'Z');
    s.add_range('a', 'z');
  } else if (name == "P") {
    s.add(kMarkPunctuation);
    s.add_range(0x21, 0x23);
    s.add_range(0x25, 0x2A);
    s.add_range(0x2C, 0x2F);
    s.add_range(0x3A, 0x3B);
    s.add_range(0x3F, 0x40);
    s.add_range(0x5B, 0x5D);
    s.add(0x5F);
    s.add(0x7B);
    s.add(0x7D);
  } else if (name == "M") {
    s.add(kMarkMark);
  } else if (name == "S") {
    s.add(kMarkSymbol);
    s.add(0x24);
    s.add(0x2B);
    s.add_range(0x3C, 0x3E);
    s.add(0x5E);
    s.add(0x60);
    s.add(0x7C);
    s.add(0x7E);
  } else {
    return false;
  }
  return true;
}

struct Node {
  enum Kind { Empty, Set, Concat, Alt, Repeat, Look, End, Begin } kind = Empty;
  int set = -1;
  std::vector<int> kids;
  int min = 0, max = 0;   // Repeat; max < 0 means unbounded
  bool negative = false;  // Look
};

class Parser {
 public:
  Parser(std::string_view pattern, bool collapsed, std::vector<CharSet>& sets)
      : pattern_(pattern), cps_(decode_utf8(pattern)), collapsed_(collapsed), sets_(sets) {}

  std::vector<Node> nodes;

  int parse() {
    const int root = alternation();
    if (pos_ != cps_.size()) fail("unbalanced ')'");
    return root;
  }

 private:
  [[noreturn]] void fail(const std::string& why) const {
    throw std::invalid_argument("pre-tokenizer regex '" + std::string(pattern_) + "': " + why);
  }
  bool more() const { return pos_ < cps_.size(); }
  std::uint32_t peek() const { return cps_[pos_]; }
  bool eat(std::uint32_t c) {
    if (more() && peek() == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  int add(Node n) {
    nodes.push_back(std::move(n));
    return static_cast<int>(nodes.size()) - 1;
  }
  int add_set(CharSet s) {
    sets_.push_back(std::move(s));
    Node n;
    n.kind = Node::Set;
    n.set = static_cast<int>(sets_.size()) - 1;
    return add(std::move(n));
  }

  int alternation() {
    Node alt;
    alt.kind = Node::Alt;
    alt.kids.push_back(sequence());
    while (eat('|')) alt.kids.push_back(sequence());
    return alt.kids.size() == 1 ? alt.kids[0] : add(std::move(alt));
  }

  int sequence() {
    Node seq;
    seq.kind = Node::Concat;
    while (more() && peek() != '|' && peek() != ')') seq.kids.push_back(quantified());
    return add(std::move(seq));
  }

  int number() {
    int n = 0;
    bool any = false;
    while (more() && peek() >= '0' && peek() <= '9') {
      n = n * 10 + static_cast<int>(peek() - '0');
      ++pos_;
      any = true;
    }
    if (!any) fail("expected a number in {}");
    return n;
  }

  int quantified() {
    int atom_node = atom();
    int lo = 1, hi = 1;
    if (eat('*')) {
      lo = 0, hi = -1;
    } else if (eat('+')) {
      lo = 1, hi = -1;
    } else if (eat('?')) {
      lo = 0, hi = 1;
    } else if (more() && peek() == '{') {
      ++pos_;
      lo = hi = number();
      if (eat(',')) hi = (more() && peek() == '}') ? -1 : number();
      if (!eat('}')) fail("expected '}'");
      if (hi >= 0 && hi < lo) fail("bad {} bounds");
    } else {
      return atom_node;
    }
    if (more() && peek() == '?') fail("lazy quantifiers are not supported");
    Node rep;
    rep.kind = Node::Repeat;
    rep.kids = {atom_node};
    rep.min = lo;
    rep.max = hi;
    return add(std::move(rep));
  }

  int atom() {
    const std::uint32_t c = peek();
    ++pos_;
    switch (c) {
      case '(': {
        bool look = false, negative = false;
        if (eat('?')) {
          if (eat('='))
            look = true;
          else if (eat('!'))
            look = negative = true;
          else if (!eat(':'))
            fail("unsupported group kind");
        }
        const int inner = alternation();
        if (!eat(')')) fail("expected ')'");
        if (!look) return inner;
        Node n;
        n.kind = Node::Look;
        n.kids = {inner};
        n.negative = negative;
        return add(std::move(n));
      }
      case '[': return add_set(bracket());
      case '.': {
        CharSet s;
        s.add('\n');
        s.add('\r');
        s.add(0x2028);
        s.add(0x2029);
        s.negate = true;
        return add_set(std::move(s));
      }
      case '$': {
        Node n;
        n.kind = Node::End;
        return add(std::move(n));
      }
      case '^': {
        Node n;
        n.kind = Node::Begin;
        return add(std::move(n));
      }
      case '\\': return add_set(escape(false));
      case '*':
      case '+':
      case '?':
      case '{': fail("nothing to repeat");
      default: {
        CharSet s;
        s.add(c);
        return add_set(std::move(s));
      }
    }
  }

  // After a backslash, outside or inside brackets: a class or a single character.
  CharSet escape(bool in_bracket) {
    if (!more()) fail("dangling backslash");
    const std::uint32_t c = peek();
    ++pos_;
    CharSet s;
    switch (c) {
      case 's':
      case 'S':
      case 'd':
      case 'D':
      case 'w':
      case 'W': return builtin_class(static_cast<char>(c));
      case 'p': {
        if (!collapsed_) fail("\\p outside a category pattern");
        if (!eat('{')) fail("expected '{' after \\p");
        std::string name;
        while (more() && peek() != '}') name.push_back(static_cast<char>(cps_[pos_++]));
        if (!eat('}')) fail("expected '}'");
        if (!category_class(name, s)) fail("unsupported category \\p{" + name + "}");
        return s;
      }
      case 'r': s.add('\r'); return s;
      case 'n': s.add('\n'); return s;
      case 't': s.add('\t'); return s;
      case 'f': s.add('\f'); return s;
      case 'v': s.add('\v'); return s;
      case '0': s.add(0); return s;
      case 'b':
        if (in_bracket) {
          s.add('\b');
          return s;
        }
        fail("\\b is not supported");
      case 'B': fail("\\B is not supported");
      case 'x': s.add(hex_digits(2, 2)); return s;
      case 'u':
        // \uXXXX or \u{X...}: lets the tables spell non-ASCII codepoints in ASCII source.
        if (eat('{')) {
          s.add(hex_digits(1, 6));
          if (!eat('}')) fail("expected '}' after \\u{");
        } else {
          s.add(hex_digits(4, 4));
        }
        return s;
      default:
        if (c >= '1' && c <= '9') fail("backreferences are not supported");
        s.add(c);  // identity escape: \\ \$ \+ \[ ...
        return s;
    }
  }

  // The one character a set holds, if it holds exactly one.
  static std::optional<std::uint32_t> single_char(const CharSet& e) {
    if (e.negate || e.high_all) return std::nullopt;
    if (e.high.size() == 1 && e.low.none() && e.high[0].first == e.high[0].second) {
      return e.high[0].first;
    }
    if (!e.high.empty() || e.low.count() != 1) return std::nullopt;
    for (std::uint32_t c = 0; c < 256; ++c) {
      if (e.low[c]) return c;
    }
    return std::nullopt;
  }

  std::uint32_t hex_digits(int min, int max) {
    std::uint32_t v = 0;
    int n = 0;
    while (n < max && more()) {
      const std::uint32_t h = peek();
      const int d = (h >= '0' && h <= '9')   ? int(h - '0')
                    : (h >= 'a' && h <= 'f') ? int(h - 'a' + 10)
                    : (h >= 'A' && h <= 'F') ? int(h - 'A' + 10)
                                             : -1;
      if (d < 0) break;
      v = v * 16 + static_cast<std::uint32_t>(d);
      ++pos_;
      ++n;
    }
    if (n < min) fail("bad hex escape");
    return v;
  }

  CharSet bracket() {
    CharSet s;
    s.negate = eat('^');
    while (more() && peek() != ']') {  // ECMAScript: "[]" is an empty class
      // One class atom: a single character (possibly escaped) or a class escape.
      std::uint32_t lo = 0;
      bool single = true;
      if (eat('\\')) {
        CharSet e = escape(true);
        if (const auto c = single_char(e)) {
          lo = *c;
        } else {
          s.add_set(e);
          single = false;
        }
      } else {
        lo = cps_[pos_++];
      }
      if (!single) continue;
      // A range "lo-hi", unless the '-' is the last thing before ']'.
      if (more() && peek() == '-' && pos_ + 1 < cps_.size() && cps_[pos_ + 1] != ']') {
        ++pos_;
        std::uint32_t hi;
        if (eat('\\')) {
          const auto c = single_char(escape(true));
          if (!c) fail("class in a range");
          hi = *c;
        } else {
          hi = cps_[pos_++];
        }
        if (hi < lo) fail("reversed range in []");
        s.add_range(lo, hi);
      } else {
        s.add(lo);
      }
    }
    if (!eat(']')) fail("expected ']'");
    return s;
  }

  std::string_view pattern_;
  std::vector<std::uint32_t> cps_;
  std::size_t pos_ = 0;
  bool collapsed_;
  std::vector<CharSet>& sets_;
};

struct Inst {
  enum Op : std::uint8_t { Set, Split, Jmp, Match, End, Begin, Look } op = Match;
  bool negative = false;
  int x = 0, y = 0;  // Set: set index; Split: first, second; Jmp: target; Look: sub, next
};

bool nullable(const std::vector<Node>& nodes, int id) {
  const Node& n = nodes[static_cast<std::size_t>(id)];
  switch (n.kind) {
    case Node::Set: return false;
    case Node::Concat:
      for (int k : n.kids) {
        if (!nullable(nodes, k)) return false;
      }
      return true;
    case Node::Alt:
      for (int k : n.kids) {
        if (nullable(nodes, k)) return true;
      }
      return false;
    case Node::Repeat: return n.min == 0 || nullable(nodes, n.kids[0]);
    default: return true;
  }
}

}  // namespace

struct SplitRegex::Program {
  Input input = Input::Codepoints;
  std::vector<CharSet> sets;
  std::vector<Inst> code;

  struct Frame {
    int pc;
    std::size_t sp;
  };

  int emit(Inst in) {
    code.push_back(in);
    return static_cast<int>(code.size()) - 1;
  }

  void compile(const std::vector<Node>& nodes, int id, std::string_view pattern) {
    const Node& n = nodes[static_cast<std::size_t>(id)];
    switch (n.kind) {
      case Node::Empty: break;
      case Node::Set: emit({Inst::Set, false, n.set, 0}); break;
      case Node::End: emit({Inst::End, false, 0, 0}); break;
      case Node::Begin: emit({Inst::Begin, false, 0, 0}); break;
      case Node::Concat:
        for (int k : n.kids) compile(nodes, k, pattern);
        break;
      case Node::Alt: {
        std::vector<int> jumps;
        for (std::size_t i = 0; i + 1 < n.kids.size(); ++i) {
          const int split = emit({Inst::Split, false, 0, 0});
          code[split].x = static_cast<int>(code.size());
          compile(nodes, n.kids[i], pattern);
          jumps.push_back(emit({Inst::Jmp, false, 0, 0}));
          code[split].y = static_cast<int>(code.size());
        }
        compile(nodes, n.kids.back(), pattern);
        for (int j : jumps) code[j].x = static_cast<int>(code.size());
        break;
      }
      case Node::Repeat: {
        const int body = n.kids[0];
        if (n.max < 0 && nullable(nodes, body)) {
          throw std::invalid_argument("pre-tokenizer regex '" + std::string(pattern) +
                                      "': a loop whose body can match empty");
        }
        for (int i = 0; i < n.min; ++i) compile(nodes, body, pattern);
        if (n.max < 0) {
          const int split = emit({Inst::Split, false, 0, 0});
          code[split].x = static_cast<int>(code.size());
          compile(nodes, body, pattern);
          emit({Inst::Jmp, false, split, 0});
          code[split].y = static_cast<int>(code.size());
        } else {
          std::vector<int> splits;
          for (int i = n.min; i < n.max; ++i) {
            const int split = emit({Inst::Split, false, 0, 0});
            code[split].x = static_cast<int>(code.size());
            splits.push_back(split);
            compile(nodes, body, pattern);
          }
          for (int s : splits) code[s].y = static_cast<int>(code.size());
        }
        break;
      }
      case Node::Look: {
        // Look, then a jump over the sub-program, which ends in its own Match.
        const int look = emit({Inst::Look, n.negative, 0, 0});
        const int skip = emit({Inst::Jmp, false, 0, 0});
        code[look].x = static_cast<int>(code.size());
        compile(nodes, n.kids[0], pattern);
        emit({Inst::Match, false, 0, 0});
        code[skip].x = static_cast<int>(code.size());
        code[look].y = static_cast<int>(code.size());
        break;
      }
    }
  }

  // Runs from `pc` at `sp`; returns the end of the first match in priority order, or -1.
  long run(int pc, std::size_t sp, std::size_t begin, std::size_t end, const std::uint32_t* sym,
           std::vector<Frame>& stack) const {
    const std::size_t base = stack.size();
    for (;;) {
      const Inst& in = code[static_cast<std::size_t>(pc)];
      bool ok = false;
      switch (in.op) {
        case Inst::Set:
          if (sp < end && sets[static_cast<std::size_t>(in.x)].contains(sym[sp])) {
            ++pc;
            ++sp;
            continue;
          }
          break;
        case Inst::Split:
          stack.push_back({in.y, sp});
          pc = in.x;
          continue;
        case Inst::Jmp: pc = in.x; continue;
        case Inst::Match: stack.resize(base); return static_cast<long>(sp);
        case Inst::End:
          if (sp == end) {
            ++pc;
            continue;
          }
          break;
        case Inst::Begin:
          if (sp == begin) {
            ++pc;
            continue;
          }
          break;
        case Inst::Look:
          ok = run(in.x, sp, begin, end, sym, stack) >= 0;
          if (ok != in.negative) {
            pc = in.y;
            continue;
          }
          break;
      }
      if (stack.size() == base) return -1;
      pc = stack.back().pc;
      sp = stack.back().sp;
      stack.pop_back();
    }
  }
};

SplitRegex::SplitRegex(std::string_view pattern) : prog_(std::make_unique<Program>()) {
  // Like llama.cpp: a pattern naming a Unicode category runs on collapsed text and must then be
  // pure ASCII; any other pattern runs on codepoints.
  bool collapsed = false;
  for (std::string_view cat : {"\\p{N}", "\\p{L}", "\\p{P}", "\\p{M}", "\\p{S}"}) {
    collapsed = collapsed || pattern.find(cat) != std::string_view::npos;
  }
  if (collapsed) {
    for (char c : pattern) {
      if (static_cast<unsigned char>(c) >= 0x80) {
        throw std::invalid_argument("pre-tokenizer regex '" + std::string(pattern) +
                                    "': mixes Unicode categories and non-ASCII characters");
      }
    }
  }
  prog_->input = collapsed ? Input::Collapsed : Input::Codepoints;
  Parser parser(pattern, collapsed, prog_->sets);
  const int root = parser.parse();
  if (nullable(parser.nodes, root)) {
    throw std::invalid_argument("pre-tokenizer regex '" + std::string(pattern) +
                                "': can match the empty string");
  }
  prog_->compile(parser.nodes, root, pattern);
  prog_->emit({Inst::Match, false, 0, 0});
}

SplitRegex::~SplitRegex() = default;
SplitRegex::SplitRegex(SplitRegex&&) noexcept = default;
SplitRegex& SplitRegex::operator=(SplitRegex&&) noexcept = default;

SplitRegex::Input SplitRegex::input() const {
  return prog_->input;
}

std::vector<std::size_t> SplitRegex::split(std::span<const std::uint32_t> symbols,
                                           std::span<const std::size_t> chunks) const {
  std::vector<std::size_t> out;
  out.reserve(chunks.size());
  std::vector<Program::Frame> stack;
  std::size_t begin = 0;
  for (const std::size_t len : chunks) {
    const std::size_t end = begin + len;
    std::size_t gap = begin;  // start of the text not yet assigned to a piece
    std::size_t pos = begin;
    while (pos < end) {
      const long m = prog_->run(0, pos, begin, end, symbols.data(), stack);
      if (m < 0) {
        ++pos;
        continue;
      }
      if (pos > gap) out.push_back(pos - gap);
      out.push_back(static_cast<std::size_t>(m) - pos);
      pos = gap = static_cast<std::size_t>(m);
    }
    if (gap < end) out.push_back(end - gap);
    begin = end;
  }
  return out;
}

std::vector<std::uint32_t> collapse_codepoints(std::span<const std::uint32_t> cps) {
  std::vector<std::uint32_t> out(cps.size());
  for (std::size_t i = 0; i < cps.size(); ++i) {
    const std::uint32_t cp = cps[i];
    if (cp < 0x80) {
      out[i] = cp;
      continue;
    }
    const CpInfo info = cp_info(cp);
    if (info.whitespace) {
      out[i] = kCollapsedSpace;
      continue;
    }
    switch (info.category) {
      case kNumber: out[i] = kMarkNumber; break;
      case kLetter: out[i] = kMarkLetter; break;
      case kPunctuation: out[i] = kMarkPunctuation; break;
      case kMark: out[i] = kMarkMark; break;
      case kSymbol: out[i] = kMarkSymbol; break;
      default: out[i] = kMarkOther; break;
    }
  }
  return out;
}

std::vector<std::uint32_t> widen_codepoints(std::span<const std::uint32_t> cps) {
  std::vector<std::uint32_t> out(cps.begin(), cps.end());
  for (std::uint32_t& cp : out) {
    if (cp > 0x7F && cp_info(cp).whitespace) cp = kCollapsedSpace;
  }
  return out;
}

}  // namespace vkchat::tokenizer::detail
