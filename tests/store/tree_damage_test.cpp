// A message tree damaged by hand (SQL on the file, as another program or a bad edit could leave
// it): a loop of parents, a parent that is missing or in another conversation, an active leaf in
// another conversation. Every walk stays bounded by the conversation's message count, the damage
// is reported, and the rest of the history stays readable and writable.
#include <gtest/gtest.h>

#include "store/chat_store.h"
#include "store/sqlite_db.h"
#include "store/temp_dir.h"

using namespace vkchat::store;

namespace {

struct Chat {
  std::int64_t id = 0;
  std::vector<std::int64_t> messages;  // user, answer, user, answer... in order
};

// A conversation of `turns` questions and answers.
Chat make_chat(ChatStore& store, int turns, const std::string& tag) {
  Chat chat;
  chat.id = store.create_conversation().id;
  for (int t = 0; t < turns; ++t) {
    chat.messages.push_back(store.add_user_message(chat.id, tag + " q" + std::to_string(t)).id);
    Message a = store.begin_assistant_message(chat.id, SamplingSettings{});
    store.finish_assistant_message(a.id, tag + " a" + std::to_string(t), 2, GenerationStats{});
    chat.messages.push_back(a.id);
  }
  return chat;
}

// Damage the file through a second connection, foreign keys off as any sqlite3 shell has them.
void damage(const std::filesystem::path& file, const std::string& sql) {
  Database db = Database::open(file);
  db.exec(sql);
}

std::vector<std::int64_t> ids(const std::vector<Message>& path) {
  std::vector<std::int64_t> out;
  for (const Message& m : path) out.push_back(m.id);
  return out;
}

class TreeDamage : public ::testing::Test {
 protected:
  void SetUp() override {
    file_ = dir_ / "chat.db";
    store_.emplace(ChatStore::open(file_));
    chat_ = make_chat(*store_, 3, "main");  // 6 messages: m[0] .. m[5]
    other_ = make_chat(*store_, 1, "other");
    EXPECT_EQ(store_->tree_damage(chat_.id), "");
    EXPECT_EQ(store_->tree_damage(other_.id), "");
  }
  std::int64_t m(std::size_t i) const { return chat_.messages.at(i); }

  vkchat::test::TempDir dir_;
  std::filesystem::path file_;
  std::optional<ChatStore> store_;
  Chat chat_, other_;
};

TEST_F(TreeDamage, MessageThatIsItsOwnParent) {
  // The case of the issue: a self-loop in the middle of the active branch.
  damage(file_, "UPDATE messages SET parent_id = " + std::to_string(m(3)) +
                    " WHERE id = " + std::to_string(m(3)));
  const std::vector<Message> path = store_->active_path(chat_.id);
  // The path ends at the loop instead of repeating the message for ever.
  EXPECT_EQ(ids(path), (std::vector<std::int64_t>{m(3), m(4), m(5)}));
  const std::string report = store_->tree_damage(chat_.id);
  EXPECT_NE(report.find("loop"), std::string::npos) << report;
  EXPECT_NE(report.find("3 messages"), std::string::npos) << report;  // m(3), m(4), m(5)
  // Exports stay bounded: Markdown has the path once, JSON every message once with the damage.
  const std::string md = store_->export_markdown(chat_.id);
  EXPECT_EQ(md.find("main a1"), md.rfind("main a1")) << md;
  EXPECT_EQ(md.find("## User\n\nmain q0"), std::string::npos) << md;  // above the loop
  const std::string json = store_->export_json(chat_.id);
  EXPECT_NE(json.find("\"damage\":\"the message tree is damaged"), std::string::npos) << json;
  EXPECT_EQ(json.find("main a1"), json.rfind("main a1")) << json;
  // The rest of the history is usable: the other conversation, and writing to this one.
  EXPECT_EQ(store_->active_path(other_.id).size(), 2u);
  EXPECT_EQ(store_->tree_damage(other_.id), "");
  Message next = store_->add_user_message(chat_.id, "still here?");
  EXPECT_EQ(next.parent_id, m(5));
  EXPECT_EQ(store_->active_path(chat_.id).size(), 4u);
}

TEST_F(TreeDamage, SelectBranchEndsOnALoopAtTheLeaf) {
  // The newest child of the leaf is the leaf itself: select_branch used to loop for ever.
  damage(file_, "UPDATE messages SET parent_id = " + std::to_string(m(5)) +
                    " WHERE id = " + std::to_string(m(5)));
  EXPECT_EQ(store_->select_branch(m(5)), m(5));
  EXPECT_EQ(store_->select_branch(m(4)), m(4));  // m(5) answers itself now, not m(4)
  // From the top the walk stops where the loop cut the tree (m(5) no longer answers m(4)).
  EXPECT_EQ(store_->select_branch(m(0)), m(4));
  EXPECT_EQ(ids(store_->active_path(chat_.id)),
            (std::vector<std::int64_t>{m(0), m(1), m(2), m(3), m(4)}));
}

TEST_F(TreeDamage, TwoMessagesThatAnswerEachOther) {
  damage(file_, "UPDATE messages SET parent_id = " + std::to_string(m(3)) +
                    " WHERE id = " + std::to_string(m(2)));
  EXPECT_EQ(ids(store_->active_path(chat_.id)),
            (std::vector<std::int64_t>{m(2), m(3), m(4), m(5)}));
  EXPECT_EQ(store_->select_branch(m(2)), m(5));
  EXPECT_NE(store_->tree_damage(chat_.id).find("4 messages form a loop"), std::string::npos)
      << store_->tree_damage(chat_.id);
}

TEST_F(TreeDamage, LongLoopStaysBoundedByTheMessageCount) {
  // 400 messages whose first answers the last: every message of the conversation is on a loop.
  Chat big = make_chat(*store_, 200, "big");
  damage(file_, "UPDATE messages SET parent_id = " + std::to_string(big.messages.back()) +
                    " WHERE id = " + std::to_string(big.messages.front()));
  const std::vector<Message> path = store_->active_path(big.id);
  EXPECT_EQ(path.size(), big.messages.size());  // each message once
  EXPECT_EQ(path.back().id, big.messages.back());
  EXPECT_EQ(store_->select_branch(big.messages.front()), big.messages.back());
  EXPECT_NE(store_->tree_damage(big.id).find("400 messages form a loop"), std::string::npos)
      << store_->tree_damage(big.id);
  EXPECT_LT(store_->export_markdown(big.id).size(), 400u * 200u);
}

TEST_F(TreeDamage, MissingParent) {
  damage(file_, "UPDATE messages SET parent_id = 999999 WHERE id = " + std::to_string(m(2)));
  EXPECT_EQ(ids(store_->active_path(chat_.id)),
            (std::vector<std::int64_t>{m(2), m(3), m(4), m(5)}));
  const std::string report = store_->tree_damage(chat_.id);
  EXPECT_NE(report.find("1 message answers a message that is missing (and 3 messages below it)"),
            std::string::npos)
      << report;
  EXPECT_EQ(report.find("loop"), std::string::npos) << report;
}

TEST_F(TreeDamage, ParentInAnotherConversation) {
  damage(file_, "UPDATE messages SET parent_id = " + std::to_string(other_.messages[1]) +
                    " WHERE id = " + std::to_string(m(2)));
  // The walk does not leave the conversation: nothing of the other one shows here.
  for (const Message& msg : store_->active_path(chat_.id)) {
    EXPECT_EQ(msg.conversation_id, chat_.id);
  }
  EXPECT_EQ(store_->active_path(chat_.id).front().id, m(2));
  EXPECT_NE(store_->tree_damage(chat_.id).find("missing"), std::string::npos);
  EXPECT_EQ(store_->tree_damage(other_.id), "");
}

TEST_F(TreeDamage, ActiveLeafInAnotherConversationIsNotFollowed) {
  damage(file_, "UPDATE conversations SET active_leaf_id = " + std::to_string(other_.messages[1]) +
                    " WHERE id = " + std::to_string(chat_.id));
  // Its own newest branch instead of the other conversation's messages.
  EXPECT_EQ(ids(store_->active_path(chat_.id)), chat_.messages);
  const std::string report = store_->tree_damage(chat_.id);
  EXPECT_NE(report.find("not one of its messages"), std::string::npos) << report;
  // A new message goes below this conversation's own leaf, which repairs the pointer.
  Message next = store_->add_user_message(chat_.id, "go on");
  EXPECT_EQ(next.parent_id, m(5));
  EXPECT_EQ(store_->tree_damage(chat_.id), "");
  EXPECT_EQ(ids(store_->active_path(other_.id)), other_.messages);
}

}  // namespace
