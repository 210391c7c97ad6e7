// Jinja interpreter: each language feature, Python's semantics, error positions, sandbox limits.
#include <gtest/gtest.h>

#include <string>

#include "jinja/template.h"
#include "util/errors.h"
#include "util/json.h"

using vkchat::TemplateError;
namespace jinja = vkchat::jinja;
namespace json = vkchat::json;

namespace {

std::string render(std::string_view src, std::string_view context = "{}",
                   const jinja::RenderOptions& opts = {}) {
  return jinja::Template::parse(src).render(json::parse(context), opts);
}

// The error a template gives (at parse or render time).
TemplateError error_of(std::string_view src, std::string_view context = "{}",
                       const jinja::RenderOptions& opts = {}) {
  try {
    render(src, context, opts);
  } catch (const TemplateError& e) {
    return e;
  }
  ADD_FAILURE() << "no error from: " << src;
  return TemplateError(TemplateError::Kind::Runtime, "", 0, 0, "no error");
}

std::string where(const TemplateError& e) {
  return std::to_string(e.line()) + ":" + std::to_string(e.column());
}

}  // namespace

TEST(Jinja, TextAndExpressions) {
  EXPECT_EQ(render("plain text"), "plain text");
  EXPECT_EQ(render("{{ 'a' }}{{ \"b\" }}{{ 1 }}{{ 2.5 }}{{ true }}{{ none }}"), "ab12.5TrueNone");
  EXPECT_EQ(render("{{ x }}", R"({"x": "hi"})"), "hi");
  EXPECT_EQ(render("{{ 'a' 'b' }}"), "ab");
  EXPECT_EQ(render("{{ 'it''s' }}|{{ \"\\n\\t\\\\\\u00e9\\x41\" }}"),
            "its|\n\t\\\xC3\xA9"
            "A");
  EXPECT_EQ(render("{# a comment #}x"), "x");
}

TEST(Jinja, PrintsValuesLikePython) {
  EXPECT_EQ(render("{{ [1, 'a', none, true, 1.0] }}"), "[1, 'a', None, True, 1.0]");
  EXPECT_EQ(render("{{ {'k': [1, \"it's\"]} }}"), "{'k': [1, \"it's\"]}");
  EXPECT_EQ(render("{{ undefined_name }}|{{ 10 / 4 }}|{{ 1e16 }}|{{ 3 * 1.0 }}"), "|2.5|1e+16|3.0");
  EXPECT_EQ(render("{{ (1, 2) }}|{{ () }}"), "[1, 2]|[]");
}

TEST(Jinja, WhitespaceControlDashStripsAllWhitespace) {
  EXPECT_EQ(render("a  \n  {{- 'b' -}}  \n  c"), "abc");
  EXPECT_EQ(render("a \n {%- if true -%} \n b \n {%- endif -%} \n c"), "abc");
  EXPECT_EQ(render("a \n {#- c -#} \n b"), "ab");
}

TEST(Jinja, TrimBlocksAndLstripBlocksAreOnAsInHuggingFace) {
  // trim_blocks: the newline after a block tag goes; lstrip_blocks: indentation before it goes
  EXPECT_EQ(render("{% if true %}\n  yes\n  {% endif %}\nafter"), "  yes\nafter");
  EXPECT_EQ(render("<{% if true %}x{% endif %}>"), "<x>");
  // an expression tag is not a block: its newline and indentation stay
  EXPECT_EQ(render("  {{ 'v' }}\nz"), "  v\nz");
  // not at the start of a line: no lstrip
  EXPECT_EQ(render("a  {% if true %}b{% endif %}"), "a  b");
  // comments count as blocks
  EXPECT_EQ(render("  {# c #}\nx"), "x");
  // {%+ and +%} opt out
  EXPECT_EQ(render("  {%+ if true +%}\nx{% endif %}"), "  \nx");
  // both off: Jinja's defaults
  jinja::ParseOptions off{.trim_blocks = false, .lstrip_blocks = false};
  EXPECT_EQ(
      jinja::Template::parse("  {% if true %}\nx{% endif %}", "t", off).render(json::parse("{}")),
      "  \nx");
}

TEST(Jinja, OneTrailingNewlineOfTheSourceIsDropped) {
  EXPECT_EQ(render("x\n"), "x");
  EXPECT_EQ(render("x\n\n"), "x\n");
  EXPECT_EQ(render("a\r\nb"), "a\nb");
}

TEST(Jinja, IfElifElse) {
  const char* t = "{% if n == 1 %}one{% elif n == 2 %}two{% else %}many{% endif %}";
  EXPECT_EQ(render(t, R"({"n": 1})"), "one");
  EXPECT_EQ(render(t, R"({"n": 2})"), "two");
  EXPECT_EQ(render(t, R"({"n": 5})"), "many");
  EXPECT_EQ(render("{% if x %}y{% endif %}"), "");
}

TEST(Jinja, ForLoopVariables) {
  EXPECT_EQ(
      render("{% for x in xs %}{{ loop.index }}{{ loop.index0 }}{{ loop.revindex }}"
             "{{ loop.revindex0 }}{{ loop.first }}{{ loop.last }}{{ loop.length }};{% endfor %}",
             R"({"xs": ["a", "b"]})"),
      "1021TrueFalse2;2110FalseTrue2;");
  EXPECT_EQ(render("{% for x in xs %}{{ loop.previtem }}>{{ x }}<{{ loop.nextitem }} {% endfor %}",
                   R"({"xs": [1, 2, 3]})"),
            ">1<2 1>2<3 2>3< ");
  EXPECT_EQ(render("{% for x in [] %}x{% else %}empty{% endfor %}"), "empty");
  EXPECT_EQ(render("{% for x in undefined_thing %}x{% endfor %}"), "");
  EXPECT_EQ(render("{% for x in range(10) if x is odd %}{{ x }}{{ loop.length }} {% endfor %}"),
            "15 35 55 75 95 ");
  EXPECT_EQ(render("{% for c in 'héé' %}[{{ c }}]{% endfor %}"), "[h][é][é]");
  EXPECT_EQ(render("{% for k in {'a': 1, 'b': 2} %}{{ k }}{% endfor %}"), "ab");
}

TEST(Jinja, ForUnpackingAndItems) {
  EXPECT_EQ(render("{% for k, v in d.items() %}{{ k }}={{ v }},{% endfor %}",
                   R"({"d": {"x": 1, "y": [2]}})"),
            "x=1,y=[2],");
  EXPECT_EQ(
      render("{% for k, v in d|items %}{{ k }}={{ v }},{% endfor %}", R"({"d": {"b": 1, "a": 2}})"),
      "b=1,a=2,");
  EXPECT_EQ(error_of("{% for a, b in [1] %}{% endfor %}").kind(), TemplateError::Kind::Runtime);
}

TEST(Jinja, BreakAndContinue) {
  EXPECT_EQ(render("{% for i in range(10) %}{% if i == 2 %}{% continue %}{% endif %}"
                   "{% if i == 5 %}{% break %}{% endif %}{{ i }}{% endfor %}"),
            "0134");
  EXPECT_EQ(where(error_of("x{% break %}")), "1:2");
}

TEST(Jinja, SetScopesLikeJinja) {
  // if does not open a scope; for does, so a set in a loop is gone after it
  EXPECT_EQ(render("{% if true %}{% set a = 1 %}{% endif %}{{ a }}"), "1");
  EXPECT_EQ(
      render("{% set a = 1 %}{% for i in [1, 2] %}{% set a = a + 10 %}{{ a }},{% endfor %}{{ a }}"),
      "11,11,1");
  EXPECT_EQ(render("{% set a, b = 1, 2 %}{{ b }}{{ a }}"), "21");
  EXPECT_EQ(render("{% set messages = messages[1:] %}{{ messages|length }}",
                   R"({"messages": [1, 2, 3]})"),
            "2");
  EXPECT_EQ(render("{% set block %}x{{ 1 + 1 }}{% endset %}[{{ block }}]"), "[x2]");
}

TEST(Jinja, NamespacesCarryStateOutOfLoops) {
  EXPECT_EQ(
      render("{% set ns = namespace(n=0, s='') %}{% for i in range(4) %}{% set ns.n = ns.n + i %}"
             "{% set ns.s = ns.s ~ i %}{% endfor %}{{ ns.n }} {{ ns.s }}"),
      "6 0123");
  EXPECT_EQ(render("{% set ns = namespace() %}{% set ns.x = 'y' %}{{ ns.x }}"), "y");
  TemplateError e = error_of("{% set d = {} %}\n{% set d.x = 1 %}");
  EXPECT_EQ(where(e), "2:1");
  EXPECT_NE(e.detail().find("namespace"), std::string::npos);
}

TEST(Jinja, Macros) {
  EXPECT_EQ(render("{% macro greet(name, punct='!') %}Hi {{ name }}{{ punct }}{% endmacro %}"
                   "{{ greet('A') }} {{ greet('B', '?') }} {{ greet(punct='.', name='C') }}"),
            "Hi A! Hi B? Hi C.");
  // recursion, and macros see globals but not the caller's locals
  EXPECT_EQ(
      render(
          "{% macro f(n) %}{% if n > 0 %}{{ n }}{{ f(n - 1) }}{% endif %}{% endmacro %}{{ f(3) }}"),
      "321");
  EXPECT_EQ(
      render("{% macro m() %}{{ g }}{{ l }}{% endmacro %}{% for l in [1] %}{{ m() }}{% endfor %}",
             R"({"g": "G"})"),
      "G");
  EXPECT_EQ(error_of("{% macro m(a) %}{% endmacro %}{{ m(1, 2) }}").kind(),
            TemplateError::Kind::Runtime);
}

TEST(Jinja, ArithmeticAndComparisons) {
  EXPECT_EQ(
      render("{{ 7 // 2 }} {{ -7 // 2 }} {{ -7 % 3 }} {{ 7 % -3 }} {{ 2 ** 10 }} {{ 1 + 2 * 3 }}"),
      "3 -4 2 -2 1024 7");
  EXPECT_EQ(render("{{ 'ab' * 3 }} {{ [1] * 2 }} {{ [1] + [2] }} {{ 'a' ~ 1 ~ none }}"),
            "ababab [1, 1] [1, 2] a1None");
  EXPECT_EQ(
      render(
          "{{ 1 < 2 < 3 }} {{ 3 > 2 > 2 }} {{ 1 == 1.0 }} {{ 'a' != 'b' }} {{ [1, 2] < [1, 3] }}"),
      "True False True True True");
  EXPECT_EQ(render("{{ 'x' if false }}|{{ 'y' if true else 'z' }}|{{ 0 or 'd' }}|{{ 1 and 2 }}"),
            "|y|d|2");
  EXPECT_EQ(render("{{ not true }} {{ -(3) }} {{ +4 }} {{ 5 - 2 - 1 }}"), "False -3 4 2");
  EXPECT_EQ(
      render("{{ 'b' in 'abc' }} {{ 2 in [1, 2] }} {{ 'k' in {'k': 1} }} {{ 'z' not in 'abc' }} "
             "{{ 'x' in undefined_thing }}"),
      "True True True True False");
  // filters bind tighter than arithmetic, ~ tighter than +
  EXPECT_EQ(render("{{ xs|length - 1 }} {{ ' a '|trim + 'b' }}", R"({"xs": [1, 2, 3]})"), "2 ab");
}

TEST(Jinja, ArithmeticErrors) {
  EXPECT_EQ(error_of("{{ 1 / 0 }}").detail(), "division by zero");
  EXPECT_EQ(error_of("{{ 9223372036854775807 + 1 }}").detail(), "integer overflow");
  EXPECT_EQ(error_of("{{ 'a' + 1 }}").detail(), "unsupported operand types for +: 'str' and 'int'");
  EXPECT_EQ(error_of("{{ x + 'a' }}").detail(), "'x' is undefined");
  EXPECT_EQ(error_of("{{ 1 < 'a' }}").kind(), TemplateError::Kind::Runtime);
}

TEST(Jinja, SlicingAndIndexing) {
  const char* ctx = R"({"xs": [0, 1, 2, 3, 4], "s": "h\u00e9llo"})";
  EXPECT_EQ(
      render(
          "{{ xs[1:3] }} {{ xs[::-1] }} {{ xs[-2:] }} {{ xs[:-1] }} {{ xs[::2] }} {{ xs[4:1:-2] }}",
          ctx),
      "[1, 2] [4, 3, 2, 1, 0] [3, 4] [0, 1, 2, 3] [0, 2, 4] [4, 2]");
  EXPECT_EQ(render("{{ s[1] }} {{ s[-1] }} {{ s[1:3] }} {{ s[::-1] }} {{ s|length }}", ctx),
            "é o él olléh 5");
  EXPECT_EQ(render("{{ xs[10] is defined }} {{ xs.0 }} {{ xs[-1] }}", ctx), "False 0 4");
  EXPECT_EQ(
      render("{{ d['a']['b'] }} {{ d.a.b }} {{ d.nope is defined }}", R"({"d": {"a": {"b": 7}}})"),
      "7 7 False");
}

TEST(Jinja, UndefinedFollowsJinja2) {
  EXPECT_EQ(render("[{{ u }}]{{ u is defined }}{{ u|default('d') }}{{ u|length }}{% if not u %}F{% "
                   "endif %}"),
            "[]Falsed0F");
  EXPECT_EQ(render("{{ d.missing is defined }}", R"({"d": {}})"), "False");
  TemplateError e = error_of("line1\n  {{ d.missing.deeper }}", R"({"d": {}})");
  EXPECT_EQ(where(e), "2:15");
  EXPECT_EQ(e.detail(), "'dict object' has no attribute 'missing'");
  EXPECT_EQ(error_of("{{ nope.attr }}").detail(), "'nope' is undefined");
  EXPECT_EQ(error_of("{{ nope() }}").detail(), "'nope' is undefined, so it cannot be called");
}

TEST(Jinja, Tests) {
  EXPECT_EQ(
      render(
          "{{ none is none }}{{ 1 is none }}{{ 'a' is string }}{{ 1 is string }}{{ {} is mapping }}"
          "{{ [] is mapping }}"),
      "TrueFalseTrueFalseTrueFalse");
  EXPECT_EQ(
      render("{{ [] is iterable }}{{ 'a' is iterable }}{{ 1 is iterable }}{{ [] is sequence }}"
             "{{ 1 is number }}{{ 1.5 is number }}{{ 'a' is number }}{{ 1 is integer }}"
             "{{ 1.0 is float }}{{ true is boolean }}{{ 1 is boolean }}"),
      "TrueTrueFalseTrueTrueTrueFalseTrueTrueTrueFalse");
  EXPECT_EQ(
      render("{{ 3 is odd }}{{ 3 is even }}{{ 9 is divisibleby 3 }}{{ 9 is divisibleby(4) }}"
             "{{ 'ab' is lower }}{{ 'AB' is upper }}{{ 1 is equalto 1 }}{{ x is not defined }}"
             "{{ false is false }}{{ true is true }}{{ 2 is gt 1 }}{{ 1 is in [1] }}"),
      "TrueFalseTrueFalseTrueTrueTrueTrueTrueTrueTrueTrue");
  EXPECT_EQ(render("{{ not x is defined }}"), "True");
}

TEST(Jinja, StringFilters) {
  EXPECT_EQ(render("[{{ '  a b \n'|trim }}][{{ 'xxaxx'|trim('x') }}]"), "[a b][a]");
  EXPECT_EQ(render("{{ 'abc'|upper }} {{ 'ABC'|lower }} {{ 'hello wORLD x1y'|title }} {{ "
                   "'hELLO'|capitalize }}"),
            "ABC abc Hello World X1Y Hello");
  EXPECT_EQ(render("{{ 'straße'|upper }} {{ 'ÉCOLE'|lower }}"), "STRASSE école");
  EXPECT_EQ(render("{{ 'a-b-c'|replace('-', '+') }} {{ 'aaa'|replace('a', 'b', 2) }} {{ "
                   "'ab'|replace('', '.') }}"),
            "a+b+c bba .a.b.");
  EXPECT_EQ(render("{{ 'hello'|length }} {{ 'héllo'|count }}"), "5 5");
  EXPECT_EQ(render("{{ 'a\nb\n\nc'|indent(2) }}|{{ 'x\ny'|indent(2, true) }}"),
            "a\n  b\n\n  c|  x\n  y");
  EXPECT_EQ(render("{{ '<a href=\"x\">'|e }}"), "&lt;a href=&#34;x&#34;&gt;");
}

TEST(Jinja, SequenceFilters) {
  const char* ctx = R"({"xs": [3, 1, 2], "ms": [{"role": "user", "n": 1}, {"role": "bot", "n": 2},
                       {"role": "user", "n": 3}], "w": ["b", "A", "c"]})";
  EXPECT_EQ(
      render("{{ xs|join(',') }} {{ xs|first }} {{ xs|last }} {{ xs|sort }} {{ xs|reverse|list }} "
             "{{ xs|sum }} {{ xs|min }} {{ xs|max }}",
             ctx),
      "3,1,2 3 2 [1, 2, 3] [2, 1, 3] 6 1 3");
  EXPECT_EQ(render("{{ ms|selectattr('role', 'equalto', 'user')|map(attribute='n')|list }} "
                   "{{ ms|rejectattr('role', 'equalto', 'user')|map(attribute='n')|join }} "
                   "{{ ms|map(attribute='role')|unique|list }} {{ xs|select('odd')|list }} "
                   "{{ xs|reject('odd')|list }} {{ ms|sum(attribute='n') }}",
                   ctx),
            "[1, 3] 2 ['user', 'bot'] [3, 1] [2] 6");
  EXPECT_EQ(render("{{ w|sort }} {{ w|sort(case_sensitive=true) }} {{ w|sort(reverse=true) }} "
                   "{{ ms|sort(attribute='n', reverse=true)|map(attribute='n')|list }}",
                   ctx),
            "['A', 'b', 'c'] ['A', 'b', 'c'] ['c', 'b', 'A'] [3, 2, 1]");
  EXPECT_EQ(render("{{ {'b': 1, 'a': 2}|dictsort }} {{ {'b': 1}|items|list }} {{ 'ab'|list }} "
                   "{{ ['x', 'y']|map('upper')|join }}"),
            "[['a', 2], ['b', 1]] [['b', 1]] ['a', 'b'] XY");
  EXPECT_EQ(render("{{ u|first is defined }} {{ []|join }}|{{ u|items|list }}"), "False |[]");
}

TEST(Jinja, ConversionFilters) {
  EXPECT_EQ(render("{{ '42'|int + 1 }} {{ 'x'|int }} {{ 'x'|int(7) }} {{ 3.9|int }} {{ '2.5'|float "
                   "}} {{ 2|float }}"),
            "43 0 7 3 2.5 2.0");
  EXPECT_EQ(
      render("{{ 3.14159|round(2) }} {{ 2.5|round }} {{ 2.1|round(method='ceil') }} {{ -3|abs }}"),
      "3.14 3.0 3.0 3");
  EXPECT_EQ(render("{{ 1|string ~ 'x' }} {{ [1]|string }} {{ none|string }}"), "1x [1] None");
  EXPECT_EQ(
      render("{{ ''|default('d') }} {{ ''|default('d', true) }} {{ u|d('x') }} {{ 0|default(5) }}"),
      " d x 0");
}

TEST(Jinja, ToJsonMatchesPythonJsonDumps) {
  const char* ctx =
      R"({"t": {"name": "get", "args": [1, 2.5, true, null, "é\"\n"], "empty": {}, "e2": []}})";
  EXPECT_EQ(render("{{ t|tojson }}", ctx),
            R"({"name": "get", "args": [1, 2.5, true, null, "é\"\n"], "empty": {}, "e2": []})");
  EXPECT_EQ(render("{{ t.args|tojson(indent=2) }}", ctx),
            "[\n  1,\n  2.5,\n  true,\n  null,\n  \"é\\\"\\n\"\n]");
  EXPECT_EQ(
      render("{{ {'b': 1, 'a': {'d': 2, 'c': 3}}|tojson(sort_keys=true) }} {{ "
             "'é'|tojson(ensure_ascii=true) }} "
             "{{ {'a': [1, 2]}|tojson(separators=(',', ':')) }} {{ 'x'|tojson }} {{ 3|tojson }}"),
      R"({"a": {"c": 3, "d": 2}, "b": 1} "\u00e9" {"a":[1,2]} "x" 3)");
  EXPECT_EQ(render("{{ t.args[:2]|tojson(indent=4) }}", ctx), "[\n    1,\n    2.5\n]");
  EXPECT_EQ(error_of("{{ u|tojson }}").kind(), TemplateError::Kind::Runtime);
}

TEST(Jinja, StringMethods) {
  EXPECT_EQ(render("[{{ '  x  '.strip() }}][{{ '  x  '.lstrip() }}][{{ '  x  '.rstrip() }}][{{ "
                   "'\nx\n'.strip('\n') }}]"),
            "[x][x  ][  x][x]");
  EXPECT_EQ(render("{{ 'abc'.startswith('ab') }} {{ 'abc'.endswith('bc') }} {{ "
                   "'abc'.startswith(('x', 'a')) }}"),
            "True True True");
  EXPECT_EQ(
      render("{{ ' a  b '.split() }} {{ 'a,b,,c'.split(',') }} {{ 'a b c'.split(' ', 1) }} "
             "{{ 'a b c'.rsplit(' ', 1) }} {{ 'x</think>y</think>z'.split('</think>')[-1] }}"),
      "['a', 'b'] ['a', 'b', '', 'c'] ['a', 'b c'] ['a b', 'c'] z");
  EXPECT_EQ(render("{{ 'a-b'.replace('-', '') }} {{ 'hello world'.title() }} {{ 'ab'.upper() }} "
                   "{{ 'héllo'.find('l') }} {{ 'aXbXc'.count('X') }} {{ ', '.join(['a', 'b']) }}"),
            "ab Hello World AB 2 2 a, b");
  EXPECT_EQ(render("{{ 'a\nb'.splitlines() }} {{ '12'.isdigit() }} {{ ' '.isspace() }}"),
            "['a', 'b'] True True");
}

TEST(Jinja, DictMethodsAndImmutability) {
  const char* ctx = R"({"m": {"role": "user", "tool_calls": null}})";
  EXPECT_EQ(
      render("{{ m.get('role') }} {{ m.get('nope') }} {{ m.get('nope', 1) }} {{ m.keys()|list }} "
             "{{ m.values()|list }} {{ m.get('tool_calls') is none }}",
             ctx),
      "user None 1 ['role', 'tool_calls'] ['user', None] True");
  TemplateError e = error_of("{% set xs = [1] %}{{ xs.append(2) }}");
  EXPECT_NE(e.detail().find("immutable"), std::string::npos);
}

TEST(Jinja, GlobalsAndLiterals) {
  EXPECT_EQ(render("{{ range(3)|list }} {{ range(1, 7, 2)|list }} {{ range(3, 0, -1)|list }}"),
            "[0, 1, 2] [1, 3, 5] [3, 2, 1]");
  EXPECT_EQ(render("{{ dict(a=1)['a'] }} {{ {'x': 1, 'y': {'z': [2]}}.y.z[0] }} {{ [1, 2,][1] }}"),
            "1 2 2");
  EXPECT_EQ(render("{% set m = {'string': 'str', 'number': 'float'} %}{{ m['number'] }} {{ m[u] is "
                   "defined }}"),
            "float False");
}

TEST(Jinja, StrftimeNowUsesTheGivenTime) {
  jinja::RenderOptions opts;
  std::tm t{};
  t.tm_year = 2026 - 1900;
  t.tm_mon = 10;
  t.tm_mday = 26;
  t.tm_wday = 4;
  t.tm_yday = 329;
  t.tm_hour = 15;
  t.tm_min = 4;
  t.tm_sec = 5;
  opts.now = t;
  EXPECT_EQ(render("{{ strftime_now('%Y-%m-%d') }}|{{ strftime_now('%d %b %Y') }}|{{ "
                   "strftime_now('%B %d, %Y') }}|"
                   "{{ strftime_now('%A %a %H:%M:%S %I%p %j %y %%') }}",
                   "{}", opts),
            "2026-11-26|26 Nov 2026|November 26, 2026|Thursday Thu 15:04:05 03PM 330 26 %");
  EXPECT_EQ(render("{{ strftime_now is defined }}"), "True");
}

TEST(Jinja, RaiseExceptionIsARaisedErrorAtItsPosition) {
  TemplateError e = error_of("{% if true %}\n  {{ raise_exception('no ' ~ 'way') }}{% endif %}");
  EXPECT_EQ(e.kind(), TemplateError::Kind::Raised);
  EXPECT_EQ(e.detail(), "no way");
  EXPECT_EQ(where(e), "2:6");
  EXPECT_EQ(std::string(e.what()), "template:2:6: raise_exception: no way");
}

TEST(Jinja, GenerationBlocksRenderTheirBody) {
  EXPECT_EQ(render("a{% generation %}b{% endgeneration %}c"), "abc");
}

TEST(Jinja, SyntaxErrorsCarryPositions) {
  struct Case {
    const char* src;
    const char* pos;
    const char* contains;
  };
  const Case cases[] = {
      {"abc {{ x ", "1:5", "unclosed tag"},
      {"x\n{% if x %}", "2:11", "expected '{% endif %}'"},
      {"{{ x | nofilter }}", "1:8", "unknown filter 'nofilter'"},
      {"{{ x is notatest }}", "1:9", "unknown test 'notatest'"},
      {"\n\n  {% endfor %}", "3:3", "unexpected '{% endfor %}'"},
      {"{{ 'abc }}", "1:4", "unterminated string"},
      {"{# never closed", "1:1", "unclosed comment"},
      {"{{ (1 + 2 }}", "1:11", "expected ')'"},
      {"{{ 1 + }}", "1:8", "expected an expression"},
      {"{% include 'x.jinja' %}", "1:1", "cannot read other files"},
      {"{% frobnicate %}", "1:1", "unknown tag 'frobnicate'"},
      {"{{ a ? b }}", "1:6", "unexpected character '?'"},
      {"é{{ ) }}", "1:5", "unexpected ')'"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.src);
    TemplateError e = error_of(c.src);
    EXPECT_EQ(e.kind(), TemplateError::Kind::Syntax);
    EXPECT_EQ(where(e), c.pos) << e.what();
    EXPECT_NE(e.detail().find(c.contains), std::string::npos) << e.what();
  }
}

TEST(Jinja, SandboxLimitsLoopIterations) {
  jinja::RenderOptions opts;
  opts.limits.max_loop_iterations = 1000;
  EXPECT_EQ(render("{% for i in range(1000) %}{% endfor %}ok", "{}", opts), "ok");
  TemplateError e = error_of(
      "{% for i in range(40) %}\n{% for j in range(40) %}{% endfor %}{% endfor %}", "{}", opts);
  EXPECT_EQ(e.kind(), TemplateError::Kind::Limit);
  EXPECT_EQ(where(e), "2:1");
  EXPECT_EQ(error_of("{{ range(100000)|length }}", "{}", opts).kind(), TemplateError::Kind::Limit);
}

TEST(Jinja, SandboxLimitsOutputAndStringSize) {
  jinja::RenderOptions opts;
  opts.limits.max_output_bytes = 1000;
  EXPECT_EQ(render("{% for i in range(100) %}0123456789{% endfor %}", "{}", opts).size(), 1000u);
  EXPECT_EQ(error_of("{% for i in range(101) %}0123456789{% endfor %}", "{}", opts).kind(),
            TemplateError::Kind::Limit);
  EXPECT_EQ(error_of("{% set s = 'x' * 2000 %}", "{}", opts).kind(), TemplateError::Kind::Limit);
  EXPECT_EQ(error_of("{{ 'ab' * 9223372036854775807 }}").kind(), TemplateError::Kind::Limit);
  // doubling a string in a loop hits the size bound long before memory runs out
  EXPECT_EQ(error_of("{% set ns = namespace(s='x') %}{% for i in range(100) %}{% set ns.s = ns.s ~ "
                     "ns.s %}{% endfor %}")
                .kind(),
            TemplateError::Kind::Limit);
}

TEST(Jinja, SandboxLimitsRecursion) {
  TemplateError e = error_of("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}");
  EXPECT_EQ(e.kind(), TemplateError::Kind::Limit);
  EXPECT_NE(e.detail().find("nested deeper than 50"), std::string::npos);
  // hostile nesting in the source is a syntax error, not a stack overflow
  EXPECT_EQ(
      error_of("{{ " + std::string(100000, '(') + "1" + std::string(100000, ')') + " }}").kind(),
      TemplateError::Kind::Syntax);
  std::string chain = "{{ 1";
  for (int i = 0; i < 50000; ++i) chain += " + 1";
  EXPECT_EQ(error_of(chain + " }}").kind(), TemplateError::Kind::Syntax);
  std::string nested;
  for (int i = 0; i < 10000; ++i) nested += "{% if true %}";
  EXPECT_EQ(error_of(nested).kind(), TemplateError::Kind::Syntax);
  EXPECT_EQ(error_of("{{ x" + std::string(50000, '|') + " }}").kind(), TemplateError::Kind::Syntax);
}

TEST(Jinja, SandboxLimitsValueNestingAndWork) {
  using K = TemplateError::Kind;
  // a namespace that holds itself cannot be printed or serialized forever
  TemplateError e = error_of("{% set ns = namespace() %}{% set ns.me = ns %}\n{{ ns }}");
  EXPECT_EQ(e.kind(), K::Limit);
  EXPECT_EQ(where(e), "2:1");
  EXPECT_EQ(error_of("{% set ns = namespace() %}{% set ns.me = [ns] %}{{ ns|tojson }}").kind(),
            K::Limit);
  // wrapping a list in a list in a loop stops at the nesting bound
  e = error_of(
      "{% set ns = namespace(x=1) %}{% for i in range(5000) %}{% set ns.x = [ns.x] %}{% endfor %}");
  EXPECT_EQ(e.kind(), K::Limit);
  EXPECT_NE(e.detail().find("nested deeper than 1000"), std::string::npos);
  EXPECT_EQ(render("{% set ns = namespace(x=1) %}{% for i in range(900) %}{% set ns.x = [ns.x] "
                   "%}{% endfor %}"
                   "{{ ns.x|tojson|length }}"),
            "1801");
  // work: repeating an operation over a big string is bounded even when each step is small
  jinja::RenderOptions opts;
  opts.limits.max_work = 1'000'000;
  EXPECT_EQ(
      render("{% set s = 'x' * 1000 %}{% for i in range(100) %}{% set t = s|trim %}{% endfor %}ok",
             "{}", opts),
      "ok");
  e = error_of(
      "{% set s = 'x' * 100000 %}{% for i in range(100) %}{% set t = s|trim %}{% endfor %}", "{}",
      opts);
  EXPECT_EQ(e.kind(), K::Limit);
  EXPECT_NE(e.detail().find("units of work"), std::string::npos);
}

TEST(Jinja, RendersManyTimesFromOneParse) {
  jinja::Template t = jinja::Template::parse("{{ n * 2 }}");
  EXPECT_EQ(t.render(json::parse(R"({"n": 1})")), "2");
  EXPECT_EQ(t.render(json::parse(R"({"n": 21})")), "42");
  EXPECT_THROW(t.render(json::parse("[1]")), std::invalid_argument);
}

// Expected texts are Python Jinja2 3.1's (trim_blocks and lstrip_blocks on).
TEST(Jinja, FormatFilterIsPythonPercentFormatting) {
  EXPECT_EQ(render("{{ '%s-%d|%5.2f|%-4s|%04d|%x|%#x|%o|%e|%g|%r|%%|%c' | format('a', 3, 3.14159, "
                   "'ab', 42, 255, 255, 8, 12345.678, 0.0001, 'q', 65) }}"),
            "a-3| 3.14|ab  |0042|ff|0xff|10|1.234568e+04|0.0001|'q'|%|A");
  EXPECT_EQ(render("{{ '%(name)s is %(age)d' | format(name='Bob', age=7) }}"), "Bob is 7");
  EXPECT_EQ(render("{{ '%+d % d %5s|%-5d|%.3s' | format(5, 5, 'x', 3, 'abcdef') }}"),
            "+5  5     x|3    |abc");
  EXPECT_EQ(error_of("{{ '%s %s' | format(1) }}").kind(), TemplateError::Kind::Runtime);
  EXPECT_EQ(error_of("{{ '%s' | format(1, 2) }}").kind(), TemplateError::Kind::Runtime);
  EXPECT_EQ(error_of("{{ '%d' | format('x') }}").kind(), TemplateError::Kind::Runtime);
  // a huge width is bounded like any other string
  EXPECT_EQ(error_of("{{ '%999999999s' | format('x') }}").kind(), TemplateError::Kind::Limit);
}

TEST(Jinja, WordwrapWordcountUrlencodeCenterTruncate) {
  EXPECT_EQ(render("{{ 'The quick brown fox jumps over the lazy dog' | wordwrap(10) }}"),
            "The quick\nbrown fox\njumps over\nthe lazy\ndog");
  EXPECT_EQ(render("{{ 'aaaaaaaaaaaaaaaaaaaaaaaaa bb' | wordwrap(10) }}"),
            "aaaaaaaaaa\naaaaaaaaaa\naaaaa bb");
  EXPECT_EQ(render("{{ 'aaaaaaaaaaaaaaaaaaaaaaaaa bb' | wordwrap(10, false) }}"),
            "aaaaaaaaaaaaaaaaaaaaaaaaa\nbb");
  EXPECT_EQ(render("{{ 'one  two   three\\nfour five six seven' | wordwrap(9, wrapstring='|') }}"),
            "one  two|three|four five|six seven");
  EXPECT_EQ(render("{{ 'a\\n\\nb' | wordwrap(5) }}"), "a\n\nb");
  EXPECT_EQ(render("{{ 'Hello, world! It_is 3 words... \xC3\xBC"
                   "ber' | wordcount }}"),
            "6");
  EXPECT_EQ(render("{{ 'a b/c?d=\xC3\xA9&f' | urlencode }}"), "a%20b/c%3Fd%3D%C3%A9%26f");
  EXPECT_EQ(render("{{ {'a b': 'c&d', 'e': 1} | urlencode }}"), "a+b=c%26d&e=1");
  EXPECT_EQ(render("{{ [('k', 'v 1'), ('x', 'y')] | urlencode }}"), "k=v+1&x=y");
  EXPECT_EQ(render("[{{ 'ab' | center(7) }}][{{ 'abc' | center(6) }}][{{ 'abc' | center(2) }}]"),
            "[   ab  ][ abc  ][abc]");
  EXPECT_EQ(render("{{ 'The quick brown fox jumps' | truncate(14) }}|{{ 'The quick brown fox' | "
                   "truncate(14, true) }}|{{ 'short' | truncate(10) }}|{{ 'The quick brown fox "
                   "jumps' | truncate(14, end='!', leeway=0) }}"),
            "The quick...|The quick brown fox|short|The quick!");
}

TEST(Jinja, WithStatementHasItsOwnScope) {
  EXPECT_EQ(render("{% with a = 1, b = 'x' %}{{ a }}{{ b }}{% set c = 3 %}{{ c }}{% endwith %}"
                   "[{{ a }}{{ c }}]"),
            "1x3[]");
  // the values are evaluated outside: `a + 1` reads the outer a
  EXPECT_EQ(render("{% set a = 5 %}{% with a = a + 1 %}{{ a }}{% endwith %}{{ a }}"), "65");
  EXPECT_EQ(render("{% with %}{% set x = 1 %}{{ x }}{% endwith %}{{ x }}"), "1");
  EXPECT_EQ(render("{% for i in range(3) %}{% with x = i * 2 %}{% if x == 2 %}{% break %}"
                   "{% endif %}{{ x }}{% endwith %}{% endfor %}"),
            "0");
  TemplateError e = error_of("{% with a = 1 %}\n{{ a }}");
  EXPECT_EQ(e.kind(), TemplateError::Kind::Syntax);
}
