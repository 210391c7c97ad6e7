// Full-text search over messages (FTS5): the user's words become a safe query, and each
// matching conversation comes back once, with a snippet around its best match.
#include "store/chat_store.h"

namespace vkchat::store {

namespace {

// Snippet markers that cannot be confused with text: the hit is returned as plain text with
// byte ranges, so any view can render highlights its own way (and escape the rest).
constexpr char kMarkOpen = '\x02';
constexpr char kMarkClose = '\x03';

// Each whitespace-separated word as a quoted FTS5 string with a prefix star: the user's text is
// never parsed as query syntax (quotes, AND, NEAR, column filters). A word of punctuation alone
// tokenizes to nothing, and FTS5 leaves such a term out of the AND.
std::string fts_query(std::string_view text) {
  std::string query;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n')) ++i;
    std::size_t start = i;
    while (i < text.size() && text[i] != ' ' && text[i] != '\t' && text[i] != '\n') ++i;
    std::string_view word = text.substr(start, i - start);
    if (word.empty()) continue;
    if (!query.empty()) query += ' ';
    query += '"';
    for (char c : word) {
      if (c == '"') query += '"';
      if (c == kMarkOpen || c == kMarkClose) continue;
      query += c;
    }
    query += "\"*";
  }
  return query;
}

void set_snippet(SearchHit& hit, std::string_view marked) {
  std::size_t open = 0;
  for (char c : marked) {
    if (c == kMarkOpen) {
      open = hit.snippet.size();
    } else if (c == kMarkClose) {
      hit.highlights.emplace_back(open, hit.snippet.size());
    } else {
      hit.snippet += c;
    }
  }
}

}  // namespace

std::vector<SearchHit> ChatStore::search(std::string_view text, int limit,
                                         bool include_reasoning) const {
  std::string query = fts_query(text);
  if (query.empty()) return {};
  // Best message per conversation first (SQLite takes the bare columns of a min() aggregate from
  // the row holding the minimum), then snippets for those few rows only: a common word can
  // match thousands of messages. ?3 = 1 adds the answers' reasoning (its own index); `src` says
  // which index the best hit came from, for its snippet.
  Statement best = db_.prepare(
      "WITH hits AS MATERIALIZED ("
      " SELECT m.conversation_id AS cid, m.id AS mid, messages_fts.rank AS score, 0 AS src"
      " FROM messages_fts JOIN messages m ON m.id = messages_fts.rowid"
      " WHERE messages_fts MATCH ?1"
      " UNION ALL"
      " SELECT m.conversation_id, m.id, reasoning_fts.rank, 1"
      " FROM reasoning_fts JOIN messages m ON m.id = reasoning_fts.rowid"
      " WHERE ?3 = 1 AND reasoning_fts MATCH ?1)"
      " SELECT cid, mid, c.title, min(score) AS top, src FROM hits"
      " JOIN conversations c ON c.id = cid WHERE c.deleted_at IS NULL"
      " GROUP BY cid ORDER BY top, cid DESC LIMIT ?2");
  best.bind(query, limit, include_reasoning ? 1 : 0);
  Statement content_snippet = db_.prepare(
      "SELECT snippet(messages_fts, 0, ?3, ?4, '\u2026', 12) FROM messages_fts"
      " WHERE messages_fts MATCH ?1 AND rowid = ?2");
  Statement reasoning_snippet = db_.prepare(
      "SELECT snippet(reasoning_fts, 0, ?3, ?4, '\u2026', 12) FROM reasoning_fts"
      " WHERE reasoning_fts MATCH ?1 AND rowid = ?2");
  std::vector<SearchHit> hits;
  while (best.step()) {
    SearchHit& hit = hits.emplace_back();
    hit.conversation_id = best.int64(0);
    hit.message_id = best.int64(1);
    hit.title = best.text(2);
    Statement& snippet = best.int64(4) == 1 ? reasoning_snippet : content_snippet;
    snippet.reset();
    snippet.bind(query, hit.message_id, std::string_view(&kMarkOpen, 1),
                 std::string_view(&kMarkClose, 1));
    if (snippet.step()) set_snippet(hit, snippet.text(0));
  }
  return hits;
}

}  // namespace vkchat::store
