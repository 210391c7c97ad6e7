// Internal to store/: the column lists the store selects and how a row becomes a struct, so
// every query reads conversations and messages the same way.
#pragma once
#include <charconv>
#include <string>
#include <string_view>

#include "store/sqlite_db.h"
#include "store/store_types.h"

namespace vkchat::store::rows {

// A conversation's sampling settings, and a message's "settings used", are these columns in this
// order wherever they are read or written.
inline constexpr std::string_view kSamplingColumns =
    "temperature, top_p, top_k, min_p, repeat_penalty, max_tokens, seed_mode, seed";
SamplingSettings sampling(const Statement& st, int first_column);
void bind_sampling(Statement& st, int first_index, const SamplingSettings& s);

// SELECT kConversationColumns FROM conversations ...
inline constexpr std::string_view kConversationColumns =
    "id, title, title_is_auto, created_at, updated_at, model_path, model_hash, system_prompt, "
    "active_leaf_id, deleted_at, temperature, top_p, top_k, min_p, repeat_penalty, max_tokens, "
    "seed_mode, seed, enable_thinking, reasoning_effort, preset";
Conversation conversation(const Statement& st);

// SELECT kMessageColumns FROM messages m ... (the table must be aliased m).
inline constexpr std::string_view kMessageColumns =
    "m.id, m.conversation_id, m.parent_id, m.role, m.content, m.created_at, m.token_count, "
    "m.complete, m.prefill_tps, m.decode_tps, m.ttft_ms, m.finish_reason, m.temperature, "
    "m.top_p, m.top_k, m.min_p, m.repeat_penalty, m.max_tokens, m.seed_mode, m.seed, "
    "m.model_path, m.model_sha256, m.engine_version, m.device, m.context_size, m.prompt, "
    "(SELECT count(*) FROM messages s WHERE s.conversation_id = m.conversation_id "
    " AND s.parent_id IS m.parent_id AND s.id < m.id), "
    "(SELECT count(*) FROM messages s WHERE s.conversation_id = m.conversation_id "
    " AND s.parent_id IS m.parent_id), "
    "m.reasoning, m.reasoning_tokens, m.reasoning_ms, m.answer_tokens, m.error";
Message message(const Statement& st);

// The leaf of conversation ?1's branch on screen: its active_leaf_id when that is one of its own
// messages, else its newest message. A leaf pointing into another conversation (a hand-edited
// file) is never followed: that would show another conversation's messages.
inline constexpr std::string_view kActiveLeaf =
    "coalesce((SELECT m.id FROM conversations c JOIN messages m ON m.id = c.active_leaf_id"
    " AND m.conversation_id = c.id WHERE c.id = ?1),"
    " (SELECT max(id) FROM messages WHERE conversation_id = ?1))";

// A CTE `path(id, depth)`: the active branch of conversation ?1 (kActiveLeaf), depth 0 at the
// leaf, following parents only within the conversation. A damaged tree can hold a cycle of
// parents, so the walk takes at most as many steps as the conversation has messages; readers
// drop the repeats (ChatStore::active_path). The last row's id may be a missing parent: join it.
std::string active_path_cte();

// Text forms as stored; a value outside the schema's CHECK lists is a StoreError.
Role role_at(const Statement& st, int column);
SeedMode seed_mode_at(const Statement& st, int column);
FinishReason finish_reason_at(const Statement& st, int column);

// A number in its shortest exact text form: stored settings read back identical, and exports
// show 0.8 rather than 0.800000.
template <class T>
std::string number_text(T value) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  return std::string(buf, end);
}

}  // namespace vkchat::store::rows
