// The text filters that need more than a line: format (Python's % formatting), wordwrap
// (Python's textwrap, as Jinja2 calls it), wordcount and urlencode. Each fails with EvalError.
#pragma once
#include <cstdint>
#include <string>

#include "jinja/builtins.h"
#include "jinja/value.h"

namespace vkchat::jinja {

// `fmt % args`: %s %r %d %i %f %F %e %E %g %G %x %X %o %c %% with flags (-+ 0#), width and
// precision; a dict argument (or keywords) fills %(name)s.
std::string percent_format(Env& env, const std::string& fmt, const Args& args);

// Jinja2's wordwrap: each line of `s` wrapped at `width` code points (break_on_hyphens is
// accepted; words are split only at whitespace), the pieces joined with `wrapstring`.
std::string wordwrap(Env& env, const std::string& s, std::int64_t width, bool break_long_words,
                     const std::string& wrapstring);

// Jinja2's wordcount: the number of runs of word characters (regex \w+).
std::int64_t wordcount(Env& env, const std::string& s);

// Jinja2's urlencode: a string percent-encoded (UTF-8, "/" kept); a dict or a list of pairs
// as a query string (k=v joined with &, spaces as +).
std::string urlencode(Env& env, const Value& v);

}  // namespace vkchat::jinja
