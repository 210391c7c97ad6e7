// The work account's failures: each names the limit that was reached.
#include "jinja/work.h"

#include <string>

#include "jinja/value.h"
#include "util/errors.h"

namespace vkchat::jinja {

thread_local Work* Work::current_ = nullptr;

void Work::string_of(std::uint64_t bytes) {
  if (bytes > limits_.max_output_bytes) {
    throw EvalError("a string of " + std::to_string(bytes) + " bytes exceeds the limit of " +
                        std::to_string(limits_.max_output_bytes) + " bytes",
                    TemplateError::Kind::Limit);
  }
}

void Work::over_work() const {
  throw EvalError("the template did more than " + std::to_string(limits_.max_work) +
                      " units of work (a loop or recursion that does not end?)",
                  TemplateError::Kind::Limit);
}

void Work::over_memory(std::uint64_t more) const {
  throw EvalError("the template's strings, lists and dicts would hold " +
                      std::to_string(live_ + more) + " bytes, more than the limit of " +
                      std::to_string(limits_.max_live_bytes),
                  TemplateError::Kind::Limit);
}

void Work::cancelled() {
  throw Cancelled("template rendering cancelled");
}

}  // namespace vkchat::jinja
