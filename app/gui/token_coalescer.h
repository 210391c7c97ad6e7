// Batches streamed token text for the GUI: the worker produces tokens as fast as the device
// allows, the window wants about 30 updates a second. Text leaves only in whole UTF-8 characters
// (a token may end inside one), so each batch converts to a QString without replacement marks.
#pragma once
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace vkchat::gui {

class TokenCoalescer {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr std::chrono::milliseconds kInterval{33};  // ~30 batches a second

  explicit TokenCoalescer(std::chrono::milliseconds interval = kInterval) : interval_(interval) {}

  // Adds a token's text. Returns the batch to send now (all complete characters held), once
  // `interval` has passed since the last batch; the first token goes out at once.
  std::optional<std::string> add(std::string_view piece, Clock::time_point now);
  // Everything held, at the end of a generation (an incomplete last character included).
  std::string finish();

  int tokens() const { return tokens_; }  // added since construction

 private:
  std::chrono::milliseconds interval_;
  std::optional<Clock::time_point> last_;
  std::string pending_;
  int tokens_ = 0;
};

// The length of the longest prefix of `s` that does not end inside a UTF-8 character.
std::size_t utf8_complete_prefix(std::string_view s);

}  // namespace vkchat::gui
