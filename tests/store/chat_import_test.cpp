// Import: vkchat's own JSON export round-trips (export, import, the same conversation tree), and
// ChatGPT's conversations.json (a hand-written fixture in the documented shape: a mapping of
// nodes with parent and children, message.author.role, message.content.parts) becomes
// conversations with their branches. Input that cannot be read writes nothing and says why.
#include <gtest/gtest.h>

#include <map>
#include <tuple>

#include "store/answer_tokens.h"
#include "store/chat_store.h"
#include "store/sqlite_db.h"
#include "store/temp_dir.h"
#include "support/test_support.h"

using namespace vkchat::store;

namespace {

// A conversation's tree without its ids: each message's fields and its parent's position in id
// order, and the active branch as positions.
struct Tree {
  std::string title;
  ChatSettings settings;
  std::vector<std::tuple<int, Role, std::string, bool, std::optional<SamplingSettings>,
                         std::optional<GenerationStats>, std::optional<Provenance>, std::int64_t,
                         std::string, int, double>>
      messages;
  std::vector<int> active;
  bool operator==(const Tree&) const = default;
};

Tree tree_of(const ChatStore& s, std::int64_t conv) {
  Tree t;
  const Conversation c = s.conversation(conv);
  t.title = c.title;
  t.settings = c.settings;
  // Every message of every branch, read by id from a connection of the test's own.
  std::map<std::int64_t, Message> all;
  Database raw = Database::open(s.path());
  Statement st = raw.prepare("SELECT id FROM messages WHERE conversation_id = ?1");
  st.bind(conv);
  while (st.step()) all.emplace(st.int64(0), s.message(st.int64(0)));
  std::map<std::int64_t, int> index;
  for (const auto& [id, m] : all) index.emplace(id, static_cast<int>(index.size()));
  for (const auto& [id, m] : all) {
    t.messages.emplace_back(m.parent_id ? index.at(*m.parent_id) : -1, m.role, m.content,
                            m.complete, m.sampling, m.stats, m.provenance, m.created_at,
                            m.reasoning, m.reasoning_tokens, m.reasoning_ms);
  }
  for (const Message& m : s.active_path(conv)) t.active.push_back(index.at(m.id));
  return t;
}

TEST(Import, TheAppsOwnExportRoundTrips) {
  vkchat::test::TempDir dir;
  ChatStore s = ChatStore::open(dir / "a.db");
  const std::int64_t conv = s.create_conversation().id;
  ChatSettings settings;
  settings.system_prompt = "Be brief.";
  settings.sampling.temperature = 0.3;
  settings.sampling.seed_mode = SeedMode::Fixed;
  settings.sampling.seed = 99;
  settings.enable_thinking = false;
  settings.reasoning_effort = "high";
  s.set_conversation_settings(conv, settings);
  s.rename_conversation(conv, "Birds \"and\" bees");
  const Message q = s.add_user_message(conv, "What is a wren?");
  SamplingSettings used = settings.sampling;
  const Message a1 = s.begin_assistant_message(conv, used);
  // Failed, with why (the stats' error travels in the export).
  s.finish_assistant_message(a1.id, "A small bird.", 4,
                             {10.5, 20.25, 30, FinishReason::Error, "the server closed it"});
  used.seed = 100;
  const Message a2 = s.regenerate(a1.id, used);
  s.finish_assistant_message(a2.id, "A tiny brown bird\nwith a loud song.", 9,
                             {11, 21, 31, FinishReason::Length},
                             {"Wrens are small and loud", 6, 75.5},
                             Provenance{"/m/wren.gguf", std::string(64, 'e'), "vkchat 0.1.0",
                                        "llvmpipe", 4096, "<s>What is a wren?"});
  const std::vector<AnswerToken> tokens = {{7, 0.5, "A", false, {{7, 0.5, "A"}, {9, 0.25, "The"}}},
                                           {12, 0.125, " tiny", false, {{12, 0.125, " tiny"}}}};
  s.set_answer_tokens(a2.id, encode_answer_tokens(tokens));
  s.edit_user_message(q.id, "What is a robin?");
  const Message a3 = s.begin_assistant_message(conv, used);
  s.checkpoint(a3.id, "A red-breasted", 3);  // cut short: stays incomplete
  s.select_branch(a2.id);

  const std::string json = s.export_json(conv);
  const std::vector<std::int64_t> ids = s.import_json(json);
  ASSERT_EQ(ids.size(), 1u);
  EXPECT_NE(ids[0], conv);
  EXPECT_EQ(tree_of(s, ids[0]), tree_of(s, conv));
  EXPECT_EQ(tree_of(s, ids[0]).messages.size(), 5u);
  EXPECT_EQ(s.active_path(ids[0]).back().content, "A tiny brown bird\nwith a loud song.");
  ASSERT_TRUE(s.active_path(ids[0]).back().provenance.has_value());
  EXPECT_EQ(s.active_path(ids[0]).back().provenance->device, "llvmpipe");
  EXPECT_EQ(s.active_path(ids[0]).back().reasoning, "Wrens are small and loud");
  // The token view's data and the template switches come along.
  EXPECT_EQ(s.active_path(ids[0]).back().answer_tokens, encode_answer_tokens(tokens));
  EXPECT_EQ(s.conversation(ids[0]).settings.enable_thinking, std::optional<bool>(false));
  EXPECT_EQ(s.conversation(ids[0]).settings.reasoning_effort, "high");
  // The export of the copy is the export of the original, but for the ids.
  ChatStore other = ChatStore::open(dir / "b.db");
  const std::int64_t again = other.import_json(s.export_json(ids[0])).at(0);
  EXPECT_EQ(tree_of(other, again), tree_of(s, conv));
  EXPECT_EQ(s.search("robin").size(), 2u);  // the copy is searchable: one hit per conversation
}

TEST(Import, ChatGptConversationsJson) {
  vkchat::test::TempDir dir;
  ChatStore s = ChatStore::open(dir / "g.db");
  const std::string json =
      vkchat::test::read_file(std::string(VKCHAT_TEST_DATA_DIR) + "/chatgpt_conversations.json");
  const std::vector<std::int64_t> ids = s.import_json(json);
  ASSERT_EQ(ids.size(), 2u);

  const Conversation g = s.conversation(ids[0]);
  EXPECT_EQ(g.title, "Gramophones");
  EXPECT_FALSE(g.title_is_auto);
  EXPECT_EQ(g.created_at, 1700000000123);
  EXPECT_EQ(g.settings.system_prompt, "");  // the hidden, empty system message is left out
  const std::vector<Message> path = s.active_path(ids[0]);
  ASSERT_EQ(path.size(), 4u);
  EXPECT_EQ(path[0].role, Role::User);
  EXPECT_EQ(path[0].content, "What is a gramophone?");
  EXPECT_EQ(path[0].parent_id, std::nullopt);
  EXPECT_EQ(path[0].created_at, 1700000001250);
  EXPECT_EQ(path[1].content, "A phonograph that plays flat discs.");  // its parts joined
  EXPECT_EQ(path[1].sibling_count, 2);  // the other answer is a branch
  EXPECT_EQ(s.siblings(path[1].id)[0].content, "An early record player.");
  EXPECT_EQ(path[2].content, "Who invented it?");
  // The tool's node is left out; the answer after it hangs under the question.
  EXPECT_EQ(path[3].role, Role::Assistant);
  EXPECT_EQ(path[3].content, "Emile Berliner, in 1887.");
  EXPECT_EQ(path[3].parent_id, path[2].id);

  const Conversation h = s.conversation(ids[1]);
  EXPECT_EQ(h.title, "Haiku about rain");
  EXPECT_EQ(h.settings.system_prompt, "Answer in haiku.");
  const std::vector<Message> haiku = s.active_path(ids[1]);
  ASSERT_EQ(haiku.size(), 2u);
  EXPECT_EQ(haiku[0].content, "Write one about this rain.");  // the image part is not text
  EXPECT_EQ(haiku[1].content.substr(0, 20), "Grey drops on the gl");
  EXPECT_EQ(s.list_conversations().size(), 2u);
  EXPECT_EQ(s.search("Berliner").size(), 1u);
}

TEST(Import, InputItCannotReadWritesNothingAndSaysWhy) {
  vkchat::test::TempDir dir;
  ChatStore s = ChatStore::open(dir / "bad.db");
  auto reason = [&](const std::string& json) {
    try {
      s.import_json(json);
    } catch (const StoreError& e) {
      return e.detail();
    }
    return std::string("(imported)");
  };
  EXPECT_EQ(reason("{nope"), "the file is not JSON");
  EXPECT_NE(reason("{\"hello\": 1}").find("neither a vkchat export"), std::string::npos);
  EXPECT_NE(reason("{\"format\": \"vkchat.conversation\", \"version\": 9, \"messages\": []}")
                .find("version 9"),
            std::string::npos);
  EXPECT_NE(reason("{\"format\": \"vkchat.conversation\", \"version\": 2, \"messages\": ["
                   "{\"id\": 1, \"parent_id\": 5, \"role\": \"user\", \"content\": \"x\"}]}")
                .find("parent 5 is not in the file"),
            std::string::npos);
  EXPECT_NE(reason("{\"format\": \"vkchat.conversation\", \"version\": 2, \"messages\": ["
                   "{\"id\": 1, \"parent_id\": 2, \"role\": \"user\", \"content\": \"x\"},"
                   "{\"id\": 2, \"parent_id\": 1, \"role\": \"user\", \"content\": \"y\"}]}")
                .find("loop"),
            std::string::npos);
  EXPECT_NE(reason("{\"format\": \"vkchat.conversation\", \"version\": 2, \"messages\": ["
                   "{\"id\": 1, \"role\": \"wizard\", \"content\": \"x\"}]}")
                .find("wizard"),
            std::string::npos);
  for (const char* tokens : {"zz", "ABC", "00FF"}) {  // not hex, odd, not a token blob
    EXPECT_NE(reason(std::string("{\"format\": \"vkchat.conversation\", \"version\": 2, "
                                 "\"messages\": [{\"id\": 1, \"role\": \"assistant\", "
                                 "\"content\": \"x\", \"answer_tokens\": \"") +
                     tokens + "\"}]}")
                  .find("answer_tokens that are not valid"),
              std::string::npos)
        << tokens;
  }
  EXPECT_NE(reason("[{\"title\": \"t\"}]").find("no \"mapping\""), std::string::npos);
  EXPECT_TRUE(s.list_conversations().empty());
}

}  // namespace
