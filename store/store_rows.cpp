// Reading store rows into structs, and the text forms of the store's enums.
#include "store/store_rows.h"

#include <array>

namespace vkchat::store {

namespace {

constexpr std::array<std::string_view, 2> kSeedModes = {"random", "fixed"};
constexpr std::array<std::string_view, 3> kRoles = {"system", "user", "assistant"};
constexpr std::array<std::string_view, 4> kFinishReasons = {"stop", "length", "cancelled", "error"};

template <class Enum, std::size_t N>
Enum enum_at(const Statement& st, int column, const std::array<std::string_view, N>& names) {
  std::string text = st.text(column);
  for (std::size_t i = 0; i < N; ++i) {
    if (names[i] == text) return static_cast<Enum>(i);
  }
  st.fail_value(column, "unexpected value '" + text + "'");
}

}  // namespace

std::string_view to_string(SeedMode mode) {
  return kSeedModes[static_cast<std::size_t>(mode)];
}
std::string_view to_string(Role role) {
  return kRoles[static_cast<std::size_t>(role)];
}
std::string_view to_string(FinishReason reason) {
  return kFinishReasons[static_cast<std::size_t>(reason)];
}

namespace rows {

std::string active_path_cte() {
  return "WITH RECURSIVE path(id, depth) AS ("
         " SELECT m.id, 0 FROM messages m WHERE m.id = " +
         std::string(kActiveLeaf) +
         " UNION ALL"
         " SELECT m.parent_id, p.depth + 1 FROM path p"
         " JOIN messages m ON m.id = p.id AND m.conversation_id = ?1"
         " WHERE m.parent_id IS NOT NULL"
         " AND p.depth < (SELECT count(*) FROM messages WHERE conversation_id = ?1)) ";
}

Role role_at(const Statement& st, int column) {
  return enum_at<Role>(st, column, kRoles);
}
SeedMode seed_mode_at(const Statement& st, int column) {
  return enum_at<SeedMode>(st, column, kSeedModes);
}
FinishReason finish_reason_at(const Statement& st, int column) {
  return enum_at<FinishReason>(st, column, kFinishReasons);
}

SamplingSettings sampling(const Statement& st, int first) {
  SamplingSettings s;
  s.temperature = st.real(first);
  s.top_p = st.real(first + 1);
  s.top_k = static_cast<int>(st.int64(first + 2));
  s.min_p = st.real(first + 3);
  s.repeat_penalty = st.real(first + 4);
  s.max_tokens = static_cast<int>(st.int64(first + 5));
  s.seed_mode = seed_mode_at(st, first + 6);
  // Seeds are 64-bit unsigned; SQLite integers are signed: stored by bit pattern.
  s.seed = static_cast<std::uint64_t>(st.int64(first + 7));
  return s;
}

void bind_sampling(Statement& st, int first, const SamplingSettings& s) {
  st.bind_at(first, s.temperature);
  st.bind_at(first + 1, s.top_p);
  st.bind_at(first + 2, s.top_k);
  st.bind_at(first + 3, s.min_p);
  st.bind_at(first + 4, s.repeat_penalty);
  st.bind_at(first + 5, s.max_tokens);
  st.bind_at(first + 6, to_string(s.seed_mode));
  st.bind_at(first + 7, static_cast<std::int64_t>(s.seed));
}

Conversation conversation(const Statement& st) {
  Conversation c;
  c.id = st.int64(0);
  c.title = st.text(1);
  c.title_is_auto = st.int64(2) != 0;
  c.created_at = st.int64(3);
  c.updated_at = st.int64(4);
  c.model_path = st.text(5);
  c.model_hash = st.text(6);
  c.settings.system_prompt = st.text(7);
  c.active_leaf_id = st.optional_int64(8);
  c.deleted_at = st.optional_int64(9);
  c.settings.sampling = sampling(st, 10);
  if (!st.is_null(18)) c.settings.enable_thinking = st.int64(18) != 0;
  c.settings.reasoning_effort = st.text(19);
  c.preset = st.text(20);
  return c;
}

Message message(const Statement& st) {
  Message m;
  m.id = st.int64(0);
  m.conversation_id = st.int64(1);
  m.parent_id = st.optional_int64(2);
  m.role = role_at(st, 3);
  m.content = st.text(4);
  m.created_at = st.int64(5);
  m.token_count = static_cast<int>(st.int64(6));
  m.complete = st.int64(7) != 0;
  if (!st.is_null(11)) {
    m.stats = GenerationStats{st.real(8), st.real(9), st.real(10), finish_reason_at(st, 11),
                              st.is_null(32) ? std::string() : st.text(32)};
  }
  if (!st.is_null(12)) m.sampling = sampling(st, 12);
  if (!st.is_null(20)) {
    m.provenance = Provenance{
        st.text(20), st.text(21), st.text(22), st.text(23), static_cast<int>(st.int64(24)),
        st.text(25)};
  }
  m.sibling_index = static_cast<int>(st.int64(26));
  m.sibling_count = static_cast<int>(st.int64(27));
  m.reasoning = st.text(28);
  m.reasoning_tokens = static_cast<int>(st.int64(29));
  m.reasoning_ms = st.real(30);
  m.answer_tokens = st.blob(31);
  return m;
}

}  // namespace rows

}  // namespace vkchat::store
