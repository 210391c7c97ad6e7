// Full-text search: finds words and prefixes across branches, follows checkpoints, finishes,
// deletes and purges, ignores query syntax in the user's text, and marks the matched words.
#include <gtest/gtest.h>

#include "store/chat_store.h"
#include "store/temp_dir.h"

using namespace vkchat::store;

namespace {

std::vector<std::int64_t> hit_ids(const std::vector<SearchHit>& hits) {
  std::vector<std::int64_t> out;
  for (const SearchHit& h : hits) out.push_back(h.conversation_id);
  return out;
}

using Ids = std::vector<std::int64_t>;

}  // namespace

TEST(MessageSearch, FindsWordsPrefixesAndMarksThem) {
  vkchat::test::TempDir dir;
  ChatStore store = ChatStore::open(dir / "chat.db");
  std::int64_t bread = store.create_conversation().id;
  store.add_user_message(bread, "How do I bake sourdough bread at home?");
  std::int64_t cafe = store.create_conversation().id;
  store.add_user_message(cafe, "Which Caf\xC3\xA9 serves the best bread?");
  std::int64_t other = store.create_conversation().id;
  store.add_user_message(other, "Nothing to see here");

  std::vector<SearchHit> hits = store.search("sourdough");
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].conversation_id, bread);
  EXPECT_EQ(hits[0].title, "How do I bake sourdough bread at home?");
  EXPECT_EQ(hits[0].snippet, "How do I bake sourdough bread at home?");
  ASSERT_EQ(hits[0].highlights.size(), 1u);
  auto [b, e] = hits[0].highlights[0];
  EXPECT_EQ(hits[0].snippet.substr(b, e - b), "sourdough");

  Ids both = hit_ids(store.search("bread"));
  std::sort(both.begin(), both.end());
  EXPECT_EQ(both, (Ids{bread, cafe}));
  EXPECT_EQ(hit_ids(store.search("sourd")), (Ids{bread}));       // prefix
  EXPECT_EQ(hit_ids(store.search("BREAD home")), (Ids{bread}));  // every word, any case
  EXPECT_EQ(hit_ids(store.search("cafe")), (Ids{cafe}));         // diacritics folded
  EXPECT_TRUE(store.search("croissant").empty());
  EXPECT_TRUE(store.search("   ").empty());
}

TEST(MessageSearch, UserTextIsNeverQuerySyntax) {
  vkchat::test::TempDir dir;
  ChatStore store = ChatStore::open(dir / "chat.db");
  std::int64_t c = store.create_conversation().id;
  store.add_user_message(c, "He said \"NEAR\" AND OR NOT content: x* (yes)");
  for (const char* q : {"\"", "\"NEAR", "AND", "OR NOT", "content:", "x*", "(yes", "*", "-", "^",
                        "NEAR(a b)", "\x02\x03", "''", "\xE2\x80\x94", "\xF0\x9F\x98\x80*", "\\"}) {
    SCOPED_TRACE(q);
    EXPECT_NO_THROW(store.search(q));
  }
  EXPECT_EQ(hit_ids(store.search("\"near\"")), (Ids{c}));
  EXPECT_EQ(hit_ids(store.search("content:")), (Ids{c}));
  EXPECT_EQ(hit_ids(store.search("(yes)")), (Ids{c}));
  EXPECT_EQ(hit_ids(store.search("said \xE2\x80\x94")), (Ids{c}));  // an em dash matches nothing
  EXPECT_TRUE(store.search("\xE2\x80\x94").empty());
}

TEST(MessageSearch, OneHitPerConversationAcrossBranches) {
  vkchat::test::TempDir dir;
  ChatStore store = ChatStore::open(dir / "chat.db");
  std::int64_t c = store.create_conversation().id;
  Message q = store.add_user_message(c, "tell me about penguins");
  Message a = store.begin_assistant_message(c, SamplingSettings{});
  store.finish_assistant_message(a.id, "Penguins are birds. Penguins swim.", 7, GenerationStats{});
  store.edit_user_message(q.id, "tell me about penguins again");
  std::vector<SearchHit> hits = store.search("penguins");
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].conversation_id, c);
  // The best-ranked message of the three: the answer, which says it twice.
  EXPECT_EQ(hits[0].message_id, a.id);
  EXPECT_EQ(hits[0].highlights.size(), 2u);
}

TEST(MessageSearch, FollowsCheckpointsFinishesDeletesAndPurges) {
  vkchat::test::TempDir dir;
  ChatStore store = ChatStore::open(dir / "chat.db");
  std::int64_t c = store.create_conversation().id;
  store.add_user_message(c, "question");
  Message m = store.begin_assistant_message(c, SamplingSettings{});
  store.checkpoint(m.id, "partial walrus", 2);
  EXPECT_EQ(hit_ids(store.search("walrus")), (Ids{c}));
  store.checkpoint(m.id, "partial narwhal", 2);  // streamed text can change before it finishes
  EXPECT_TRUE(store.search("walrus").empty());
  EXPECT_EQ(hit_ids(store.search("narwhal")), (Ids{c}));
  store.finish_assistant_message(m.id, "final orca", 2, GenerationStats{});
  EXPECT_TRUE(store.search("narwhal").empty());
  EXPECT_EQ(hit_ids(store.search("orca")), (Ids{c}));

  store.delete_conversation(c);
  EXPECT_TRUE(store.search("orca").empty());
  store.restore_conversation(c);
  EXPECT_EQ(hit_ids(store.search("orca")), (Ids{c}));
  store.delete_conversation(c);
  store.purge_conversation(c);
  EXPECT_TRUE(store.search("orca").empty());
  EXPECT_TRUE(store.search("question").empty());
  // The index holds nothing the messages table does not: FTS5's own check, against the table.
  EXPECT_EQ(store.integrity_check(), "ok");
}

TEST(MessageSearch, RanksAndLimits) {
  vkchat::test::TempDir dir;
  ChatStore store = ChatStore::open(dir / "chat.db");
  std::vector<std::int64_t> ids;
  for (int i = 0; i < 5; ++i) {
    std::int64_t c = store.create_conversation().id;
    ids.push_back(c);
    std::string text = "common";
    for (int k = 0; k < i; ++k) text += " kiwi";
    text += " filler words to pad the message out";
    store.add_user_message(c, text);
  }
  std::vector<SearchHit> hits = store.search("common", 3);
  EXPECT_EQ(hits.size(), 3u);
  // More occurrences rank higher (bm25).
  EXPECT_EQ(hit_ids(store.search("kiwi")), (Ids{ids[4], ids[3], ids[2], ids[1]}));
}
