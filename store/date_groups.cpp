// Date sections for the conversation list, by local calendar day.
#include "store/date_groups.h"

#include <ctime>

namespace vkchat::store {

namespace {

// Days since 1970-01-01 of the local calendar date at `ms` (days_from_civil, H. Hinnant), so
// differences count midnights passed, whatever the DST shifts in between.
std::int64_t local_day(std::int64_t ms) {
  std::time_t t = static_cast<std::time_t>(ms / 1000 - (ms % 1000 < 0 ? 1 : 0));
  std::tm tm{};
  localtime_r(&t, &tm);
  std::int64_t y = tm.tm_year + 1900;
  std::int64_t m = tm.tm_mon + 1;
  std::int64_t d = tm.tm_mday;
  y -= m <= 2;
  std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  std::int64_t yoe = y - era * 400;
  std::int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

}  // namespace

std::string_view date_group_label(DateGroup group) {
  switch (group) {
    case DateGroup::Today: return "Today";
    case DateGroup::Yesterday: return "Yesterday";
    case DateGroup::Previous7Days: return "Previous 7 days";
    case DateGroup::Older: return "Older";
  }
  return "";
}

DateGroup date_group(std::int64_t time_ms, std::int64_t now_ms) {
  std::int64_t days = local_day(now_ms) - local_day(time_ms);
  if (days <= 0) return DateGroup::Today;
  if (days == 1) return DateGroup::Yesterday;
  if (days <= 7) return DateGroup::Previous7Days;
  return DateGroup::Older;
}

std::vector<ConversationGroup> group_by_date(std::vector<Conversation> conversations,
                                             std::int64_t now_ms) {
  std::vector<ConversationGroup> buckets(4);
  for (std::size_t i = 0; i < buckets.size(); ++i) buckets[i].group = static_cast<DateGroup>(i);
  for (Conversation& c : conversations) {
    buckets[static_cast<std::size_t>(date_group(c.updated_at, now_ms))].conversations.push_back(
        std::move(c));
  }
  std::erase_if(buckets, [](const ConversationGroup& g) { return g.conversations.empty(); });
  return buckets;
}

}  // namespace vkchat::store
