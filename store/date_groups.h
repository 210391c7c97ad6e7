// The sidebar's date sections: a conversation's last update against today, in local time.
#pragma once
#include <cstdint>
#include <string_view>
#include <vector>

#include "store/store_types.h"

namespace vkchat::store {

enum class DateGroup { Today, Yesterday, Previous7Days, Older };

std::string_view date_group_label(DateGroup group);  // "Today", ..., "Older"

// Calendar days in the local time zone: Yesterday is the day before `now_ms`, Previous7Days the
// six days before that. A time after now (a clock set back) counts as Today.
DateGroup date_group(std::int64_t time_ms, std::int64_t now_ms);

struct ConversationGroup {
  DateGroup group = DateGroup::Today;
  std::vector<Conversation> conversations;
};

// Splits a list (newest first, as list_conversations returns it) into its date groups, Today
// first, keeping the list's order inside each; empty groups are left out.
std::vector<ConversationGroup> group_by_date(std::vector<Conversation> conversations,
                                             std::int64_t now_ms);

}  // namespace vkchat::store
