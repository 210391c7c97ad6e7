// Messages as a tree: the active path, edits and regenerations as sibling branches, switching
// branches, automatic titles, and streaming answers through checkpoints.
#include <gtest/gtest.h>

#include "store/chat_store.h"
#include "store/temp_dir.h"

using namespace vkchat::store;

namespace {

std::vector<std::string> contents(const std::vector<Message>& path) {
  std::vector<std::string> out;
  for (const Message& m : path) out.push_back(m.content);
  return out;
}

using Texts = std::vector<std::string>;

// An answer written in one go: begin, finish.
Message answer(ChatStore& store, std::int64_t conversation, const std::string& text) {
  Message m = store.begin_assistant_message(conversation, SamplingSettings{});
  store.finish_assistant_message(m.id, text, 3, GenerationStats{});
  return store.message(m.id);
}

}  // namespace

TEST(MessageTree, AppendBuildsTheActivePath) {
  vkchat::test::TempDir dir;
  ChatStore store = ChatStore::open(dir / "chat.db");
  std::int64_t c = store.create_conversation().id;
  EXPECT_TRUE(store.active_path(c).empty());
  Message u1 = store.add_user_message(c, "Hi there");
  EXPECT_EQ(u1.parent_id, std::nullopt);
  EXPECT_EQ(u1.role, Role::User);
  EXPECT_TRUE(u1.complete);
  Message a1 = answer(store, c, "Hello!");
  EXPECT_EQ(a1.parent_id, u1.id);
  Message u2 = store.add_user_message(c, "Tell me a story");
  EXPECT_EQ(u2.parent_id, a1.id);
  EXPECT_EQ(store.conversation(c).active_leaf_id, u2.id);
  EXPECT_EQ(contents(store.active_path(c)), (Texts{"Hi there", "Hello!", "Tell me a story"}));
  EXPECT_THROW(store.active_path(999), StoreError);
  EXPECT_THROW(store.add_user_message(999, "x"), StoreError);
}

TEST(MessageTree, TitleComesFromTheFirstUserMessageUntilRenamed) {
  vkchat::test::TempDir dir;
  ChatStore store = ChatStore::open(dir / "chat.db");
  std::int64_t c = store.create_conversation().id;
  EXPECT_EQ(store.conversation(c).title, "");
  Message first = store.add_user_message(c, "  \n  How do   I bake\tbread?\nWith details.");
  EXPECT_EQ(store.conversation(c).title, "How do I bake bread?");
  answer(store, c, "Like this.");
  store.add_user_message(c, "And cake?");
  EXPECT_EQ(store.conversation(c).title, "How do I bake bread?");  // only the first one
  // Editing the first message starts a new branch from the top: its title follows.
  store.edit_user_message(first.id, "How do I bake rye bread?");
  EXPECT_EQ(store.conversation(c).title, "How do I bake rye bread?");
  store.rename_conversation(c, "Baking");
  store.edit_user_message(first.id, "Something else");
  EXPECT_EQ(store.conversation(c).title, "Baking");

  // Long titles are cut at a character boundary (the é is 2 bytes) and marked.
  std::int64_t d = store.create_conversation().id;
  store.add_user_message(d, std::string(59, 'x') + "\xC3\xA9\xC3\xA9 and more");
  EXPECT_EQ(store.conversation(d).title, std::string(59, 'x') + "\xC3\xA9\u2026");
  std::int64_t e = store.create_conversation().id;
  store.add_user_message(e, std::string(59, 'x') + " yz");  // the space would be the 60th
  EXPECT_EQ(store.conversation(e).title, std::string(59, 'x') + "\u2026");
}

TEST(MessageTree, EditMakesASiblingBranchAndKeepsTheOld) {
  vkchat::test::TempDir dir;
  ChatStore store = ChatStore::open(dir / "chat.db");
  std::int64_t c = store.create_conversation().id;
  store.add_user_message(c, "q1");
  answer(store, c, "a1");
  Message q2 = store.add_user_message(c, "q2");
  answer(store, c, "a2");

  Message q2b = store.edit_user_message(q2.id, "q2 edited");
  EXPECT_EQ(q2b.parent_id, q2.parent_id);
  EXPECT_EQ(q2b.sibling_index, 1);
  EXPECT_EQ(q2b.sibling_count, 2);
  EXPECT_EQ(contents(store.active_path(c)), (Texts{"q1", "a1", "q2 edited"}));
  answer(store, c, "a2 for the edit");
  EXPECT_EQ(contents(store.active_path(c)), (Texts{"q1", "a1", "q2 edited", "a2 for the edit"}));
  EXPECT_EQ(store.message(q2.id).content, "q2");  // the original is untouched

  std::vector<Message> sibs = store.siblings(q2b.id);
  ASSERT_EQ(sibs.size(), 2u);
  EXPECT_EQ(sibs[0].id, q2.id);
  EXPECT_EQ(sibs[0].sibling_index, 0);
  EXPECT_EQ(sibs[1].id, q2b.id);

  // Back to the first branch: the path continues down to its own answer.
  std::int64_t leaf = store.select_branch(q2.id);
  EXPECT_EQ(contents(store.active_path(c)), (Texts{"q1", "a1", "q2", "a2"}));
  EXPECT_EQ(store.conversation(c).active_leaf_id, leaf);
  store.select_branch(q2b.id);
  EXPECT_EQ(contents(store.active_path(c)).back(), "a2 for the edit");

  // Only user messages can be edited.
  EXPECT_THROW(store.edit_user_message(leaf, "no"), StoreError);
}

TEST(MessageTree, RegenerateMakesASiblingAnswer) {
  vkchat::test::TempDir dir;
  ChatStore store = ChatStore::open(dir / "chat.db");
  std::int64_t c = store.create_conversation().id;
  Message q = store.add_user_message(c, "Name a colour");
  Message first = answer(store, c, "Red");
  SamplingSettings hotter;
  hotter.temperature = 1.5;
  hotter.seed = 99;
  Message again = store.regenerate(first.id, hotter);
  EXPECT_EQ(again.parent_id, q.id);
  EXPECT_FALSE(again.complete);
  EXPECT_EQ(again.sampling, hotter);
  store.finish_assistant_message(again.id, "Blue", 1, GenerationStats{});
  EXPECT_EQ(contents(store.active_path(c)), (Texts{"Name a colour", "Blue"}));
  std::vector<Message> sibs = store.siblings(first.id);
  ASSERT_EQ(sibs.size(), 2u);
  EXPECT_EQ(sibs[0].content, "Red");
  EXPECT_EQ(sibs[1].content, "Blue");
  EXPECT_EQ(store.active_path(c).back().sibling_index, 1);
  EXPECT_EQ(store.active_path(c).back().sibling_count, 2);
  store.select_branch(first.id);
  EXPECT_EQ(contents(store.active_path(c)), (Texts{"Name a colour", "Red"}));
  EXPECT_THROW(store.regenerate(q.id, hotter), StoreError);  // only answers regenerate
}

TEST(MessageTree, StreamingCheckpointsAndFinish) {
  vkchat::test::TempDir dir;
  std::int64_t id = 0;
  std::int64_t c = 0;
  SamplingSettings used;
  used.seed = 1234;
  used.top_k = 5;
  GenerationStats stats{120.5, 33.25, 87.0, FinishReason::Length};
  {
    ChatStore store = ChatStore::open(dir / "chat.db");
    c = store.create_conversation().id;
    store.add_user_message(c, "Count");
    Message m = store.begin_assistant_message(c, used);
    id = m.id;
    EXPECT_EQ(m.content, "");
    EXPECT_FALSE(m.complete);
    EXPECT_EQ(m.stats, std::nullopt);
    store.checkpoint(id, "one", 1);
    store.checkpoint(id, "one two", 2);
    // A checkpoint that ends inside a character keeps only whole characters (é = C3 A9).
    store.checkpoint(id, "one two \xC3", 3);
    EXPECT_EQ(store.message(id).content, "one two ");
    store.checkpoint(id, "one two \xE2\x82\xAC", 3);  // a whole 3-byte character stays
    EXPECT_EQ(store.message(id).content, "one two \xE2\x82\xAC");
    EXPECT_EQ(store.message(id).token_count, 3);
    EXPECT_FALSE(store.message(id).complete);
  }
  ChatStore store = ChatStore::open(dir / "chat.db");
  EXPECT_EQ(store.message(id).content, "one two \xE2\x82\xAC");
  store.finish_assistant_message(id, "one two three", 4, stats);
  Message done = store.message(id);
  EXPECT_TRUE(done.complete);
  EXPECT_EQ(done.content, "one two three");
  EXPECT_EQ(done.token_count, 4);
  EXPECT_EQ(done.stats, stats);
  EXPECT_EQ(done.sampling, used);
  // A finished answer is final: late checkpoints from a stale stream are refused.
  EXPECT_THROW(store.checkpoint(id, "late", 5), StoreError);
  EXPECT_THROW(store.finish_assistant_message(id, "again", 5, stats), StoreError);
  EXPECT_THROW(store.checkpoint(store.active_path(c).front().id, "user", 1), StoreError);
  EXPECT_THROW(store.checkpoint(424242, "none", 1), StoreError);
}

TEST(MessageTree, BranchesSurviveReopenAndPurge) {
  vkchat::test::TempDir dir;
  std::int64_t c = 0;
  {
    ChatStore store = ChatStore::open(dir / "chat.db");
    c = store.create_conversation().id;
    Message q = store.add_user_message(c, "q");
    Message a = answer(store, c, "a");
    store.regenerate(a.id, SamplingSettings{});
    store.edit_user_message(q.id, "q'");
    answer(store, c, "a'");
  }
  ChatStore store = ChatStore::open(dir / "chat.db");
  EXPECT_EQ(contents(store.active_path(c)), (Texts{"q'", "a'"}));
  Message root = store.active_path(c).front();
  EXPECT_EQ(root.sibling_count, 2);
  store.select_branch(store.siblings(root.id).front().id);
  // The newest answer under the first question was the regenerated (still empty) one.
  EXPECT_EQ(contents(store.active_path(c)), (Texts{"q", ""}));
  store.delete_conversation(c);
  store.purge_conversation(c);
  EXPECT_EQ(store.integrity_check(), "ok");
}
