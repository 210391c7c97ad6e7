// Stop strings over streamed text: what may be shown now, and where the answer ends.
//
//   chat::StopFilter f(result.stop_strings);
//   show(f.push(piece));       // for each decoded piece, in order
//   if (f.stopped()) ...;      // a stop string was found: the answer ended before it
//   show(f.finish());          // at the end of the answer: the text held back
//
// Contract: push() returns the text that can no longer become part of a stop string. Text that
// could be the start of one (a suffix of what arrived that is a prefix of a stop string) is held
// back until the next piece decides it. When a stop string appears, the text before its first
// occurrence is returned, stopped() becomes true, and the stop string and everything after it are
// never returned. Concatenating every push() and finish() gives the arrived text up to the first
// stop string (all of it when none appears). Cuts fall only at the start of a stop string or at
// the end of a piece, so text made of whole UTF-8 characters comes out in whole characters.
// Empty stop strings are ignored.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace vkchat::chat {

class StopFilter {
 public:
  explicit StopFilter(std::vector<std::string> stop_strings);

  std::string push(std::string_view text);
  // The held-back text, at the end of the answer (empty once stopped).
  std::string finish();
  bool stopped() const { return stopped_; }
  // The stop string that ended the text; empty when none did.
  const std::string& matched() const { return matched_; }

 private:
  std::vector<std::string> stops_;
  std::string held_;
  std::string matched_;
  bool stopped_ = false;
};

}  // namespace vkchat::chat
