// Export of a conversation: Markdown of the active branch in order with its settings, and JSON of
// the whole tree that parses (SQLite reads it back here) with every field, awkward characters
// included.
#include <gtest/gtest.h>

#include "store/chat_store.h"
#include "store/sqlite_db.h"
#include "store/temp_dir.h"

using namespace vkchat::store;

namespace {

// A conversation with a dead branch, quotes, control characters and non-ASCII text.
std::int64_t make_chat(ChatStore& store) {
  std::int64_t c = store.create_conversation().id;
  ChatSettings s;
  s.sampling.temperature = 0.5;
  s.sampling.seed_mode = SeedMode::Fixed;
  s.sampling.seed = 11;
  s.system_prompt = "Answer in \"quotes\".";
  store.set_conversation_settings(c, s);
  store.set_conversation_model(c, "/m/stories.gguf", "h");
  Message q = store.add_user_message(c, "old question");
  store.edit_user_message(q.id, "Tab\there, \"quote\", back\\slash, caf\xC3\xA9 \xF0\x9F\x98\x80");
  Message a = store.begin_assistant_message(c, s.sampling);
  store.finish_assistant_message(a.id, "```cpp\nint x = 1;\n```\n\x01 done", 12,
                                 GenerationStats{50, 25, 10, FinishReason::Stop});
  store.add_user_message(c, "more?");
  store.begin_assistant_message(c, s.sampling);  // left streaming: incomplete in the export
  return c;
}

std::string json_at(const Database& db, const std::string& json, const std::string& path) {
  Statement st = db.prepare("SELECT json_extract(?1, ?2)");
  st.bind(json, path);
  st.step();
  return st.text(0);
}

}  // namespace

TEST(ChatExport, MarkdownFollowsTheActiveBranch) {
  vkchat::test::TempDir dir;
  ChatStore store = ChatStore::open(dir / "chat.db");
  std::int64_t c = make_chat(store);
  std::string md = store.export_markdown(c);
  EXPECT_EQ(md.rfind("# Tab here, \"quote\"", 0), 0u) << md;  // the automatic title
  EXPECT_NE(md.find("- Model: `/m/stories.gguf`"), std::string::npos) << md;
  EXPECT_NE(md.find("temperature 0.5, top-p 0.95, top-k 40"), std::string::npos) << md;
  EXPECT_NE(md.find("seed 11"), std::string::npos) << md;
  EXPECT_NE(md.find("## System prompt\n\nAnswer in \"quotes\".\n"), std::string::npos) << md;
  EXPECT_EQ(md.find("old question"), std::string::npos) << "the edited-away branch leaked";
  std::size_t user = md.find("## User\n\nTab\there");
  std::size_t answer = md.find("## Assistant\n\n```cpp\nint x = 1;\n```\n");
  std::size_t more = md.find("## User\n\nmore?");
  ASSERT_NE(user, std::string::npos) << md;
  ASSERT_NE(answer, std::string::npos) << md;
  ASSERT_NE(more, std::string::npos) << md;
  EXPECT_LT(user, answer);
  EXPECT_LT(answer, more);
  EXPECT_NE(md.find("*(the answer was interrupted here)*"), std::string::npos) << md;
  EXPECT_THROW(store.export_markdown(999), StoreError);
}

TEST(ChatExport, JsonParsesWithEveryField) {
  vkchat::test::TempDir dir;
  ChatStore store = ChatStore::open(dir / "chat.db");
  std::int64_t c = make_chat(store);
  std::string json = store.export_json(c);
  Database db = Database::open(":memory:");
  Statement valid = db.prepare("SELECT json_valid(?1)");
  valid.bind(json);
  valid.step();
  ASSERT_EQ(valid.int64(0), 1) << json;

  EXPECT_EQ(json_at(db, json, "$.format"), "vkchat.conversation");
  EXPECT_EQ(json_at(db, json, "$.version"), "2");
  EXPECT_EQ(json_at(db, json, "$.id"), std::to_string(c));
  EXPECT_EQ(json_at(db, json, "$.model.path"), "/m/stories.gguf");
  EXPECT_EQ(json_at(db, json, "$.settings.temperature"), "0.5");
  EXPECT_EQ(json_at(db, json, "$.settings.seed_mode"), "fixed");
  EXPECT_EQ(json_at(db, json, "$.settings.system_prompt"), "Answer in \"quotes\".");
  EXPECT_EQ(json_at(db, json, "$.damage"), "");  // absent for a healthy tree
  // Every branch: the edited-away question is there, beside its edit (both at the top).
  Statement len = db.prepare("SELECT json_array_length(?1, '$.messages')");
  len.bind(json);
  len.step();
  EXPECT_EQ(len.int64(0), 5);
  EXPECT_EQ(json_at(db, json, "$.messages[0].content"), "old question");
  EXPECT_EQ(json_at(db, json, "$.messages[0].parent_id"), "");
  EXPECT_EQ(json_at(db, json, "$.messages[1].parent_id"), "");
  // Strings come back exactly, control characters and all.
  EXPECT_EQ(json_at(db, json, "$.messages[1].content"),
            "Tab\there, \"quote\", back\\slash, caf\xC3\xA9 \xF0\x9F\x98\x80");
  EXPECT_EQ(json_at(db, json, "$.messages[2].content"), "```cpp\nint x = 1;\n```\n\x01 done");
  EXPECT_EQ(json_at(db, json, "$.messages[2].role"), "assistant");
  EXPECT_EQ(json_at(db, json, "$.messages[2].token_count"), "12");
  EXPECT_EQ(json_at(db, json, "$.messages[2].complete"), "1");
  EXPECT_EQ(json_at(db, json, "$.messages[2].stats.decode_tokens_per_s"), "25.0");
  EXPECT_EQ(json_at(db, json, "$.messages[2].stats.finish_reason"), "stop");
  EXPECT_EQ(json_at(db, json, "$.messages[2].sampling.seed"), "11");
  EXPECT_EQ(json_at(db, json, "$.messages[1].stats"), "");  // null for user messages
  EXPECT_EQ(json_at(db, json, "$.messages[4].complete"), "0");
  EXPECT_EQ(json_at(db, json, "$.messages[2].parent_id"), json_at(db, json, "$.messages[1].id"));
  EXPECT_EQ(json_at(db, json, "$.messages[3].parent_id"), json_at(db, json, "$.messages[2].id"));
  // The branch on screen, top first, without the old question.
  std::string path;
  for (const Message& m : store.active_path(c)) {
    path += (path.empty() ? "[" : ",") + std::to_string(m.id);
  }
  EXPECT_EQ(json_at(db, json, "$.active_path"), path + "]");
  EXPECT_EQ(json_at(db, json, "$.active_path[0]"), json_at(db, json, "$.messages[1].id"));
  EXPECT_THROW(store.export_json(999), StoreError);
}

// An answer's reasoning goes with it: a quote above the answer in Markdown, an object in JSON
// (absent for answers without reasoning).
TEST(ChatExport, ReasoningIsExportedApartFromTheAnswer) {
  vkchat::test::TempDir dir;
  ChatStore store = ChatStore::open(dir / "chat.db");
  const std::int64_t c = store.create_conversation().id;
  store.add_user_message(c, "Why is the sky blue?");
  Message a = store.begin_assistant_message(c, SamplingSettings{});
  store.finish_assistant_message(a.id, "Rayleigh scattering.", 4, GenerationStats{},
                                 {"Short waves scatter more.\nSay so.", 7, 125.5});
  const std::string md = store.export_markdown(c);
  EXPECT_NE(md.find("> *Thinking*\n>\n> Short waves scatter more.\n> Say so.\n\nRayleigh"),
            std::string::npos)
      << md;

  const std::string json = store.export_json(c);
  Database db = Database::open(dir / "chat.db");
  EXPECT_EQ(json_at(db, json, "$.messages[1].reasoning.text"),
            "Short waves scatter more.\nSay so.");
  EXPECT_EQ(json_at(db, json, "$.messages[1].reasoning.tokens"), "7");
  EXPECT_EQ(json_at(db, json, "$.messages[1].reasoning.ms"), "125.5");
  EXPECT_EQ(json_at(db, json, "$.messages[1].content"), "Rayleigh scattering.");
  EXPECT_EQ(json_at(db, json, "$.messages[0].reasoning"), "");  // null: none
}
