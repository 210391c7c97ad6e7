// Import from the sidebar (offscreen, no model): ChatGPT's conversations.json becomes
// conversations, the first one shown; a vkchat JSON export, imported, gives the same tree; a file
// that is neither is a banner with the reason, and nothing is added.
#include <gtest/gtest.h>

#include <QFile>
#include <QTemporaryDir>

#include "controller_harness.h"

namespace vkchat::test {
namespace {

QUrl fixture() {
  return QUrl::fromLocalFile(QStringLiteral(VKCHAT_TEST_DATA_DIR "/chatgpt_conversations.json"));
}

std::vector<std::pair<store::Role, std::string>> branch(const store::ChatStore& s,
                                                        std::int64_t id) {
  std::vector<std::pair<store::Role, std::string>> out;
  for (const store::Message& m : s.active_path(id)) out.emplace_back(m.role, m.content);
  return out;
}

TEST(ControllerImport, ChatGptExportThenOurOwnRoundTrip) {
  ControllerHarness h;
  gui::AppController& c = h.start();
  ui::ConversationsViewModel* vm = c.conversations();
  emit vm->importRequested(fixture());
  ASSERT_TRUE(QTest::qWaitFor([&] { return vm->list()->rowCount() == 2; }, 5000));
  h.settle();
  // The first conversation of the file is on screen, its branch as ChatGPT showed it.
  EXPECT_EQ(vm->currentTitle(), QStringLiteral("Gramophones"));
  ASSERT_EQ(c.chat()->messages()->rowCount(), 4);
  EXPECT_EQ(c.chat()->messages()->at(3).content, QStringLiteral("Emile Berliner, in 1887."));
  EXPECT_EQ(c.chat()->messages()->at(1).siblingCount, 2);

  // Our own export of it, imported again: the same tree.
  const qint64 first = vm->currentId();
  QTemporaryDir out;
  const QString file = out.filePath(QStringLiteral("gramophones.json"));
  emit vm->exportRequested(first, QStringLiteral("json"), QUrl::fromLocalFile(file));
  ASSERT_TRUE(QTest::qWaitFor([&] { return QFile::exists(file); }, 5000));
  h.settle();
  emit vm->importRequested(QUrl::fromLocalFile(file));
  ASSERT_TRUE(QTest::qWaitFor([&] { return vm->list()->rowCount() == 3; }, 5000));
  h.settle();
  const qint64 copy = vm->currentId();
  EXPECT_NE(copy, first);
  store::ChatStore s = h.openStore();
  EXPECT_EQ(branch(s, copy), branch(s, first));
  EXPECT_EQ(s.siblings(s.active_path(copy)[1].id).size(), 2u);

  // Not an export: the banner says why, and nothing is added.
  const QString bad = out.filePath(QStringLiteral("bad.json"));
  QFile f(bad);
  ASSERT_TRUE(f.open(QIODevice::WriteOnly));
  f.write("{\"hello\": 1}");
  f.close();
  emit vm->importRequested(QUrl::fromLocalFile(bad));
  ASSERT_TRUE(QTest::qWaitFor([&] { return !c.status()->errorText().isEmpty(); }, 5000));
  EXPECT_TRUE(c.status()->errorText().contains(QStringLiteral("neither a vkchat export")))
      << c.status()->errorText().toStdString();
  h.settle();
  EXPECT_EQ(vm->list()->rowCount(), 3);
}

}  // namespace
}  // namespace vkchat::test
