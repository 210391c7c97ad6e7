// The list view-models under QAbstractItemModelTester: keyed updates (moves, inserts, removals,
// changes) keep the model consistent and end at exactly the requested rows.
#include <gtest/gtest.h>

#include <QAbstractItemModelTester>
#include <QRandomGenerator>
#include <QSignalSpy>
#include <algorithm>

#include "conversation_list_model.h"
#include "message_list_model.h"
#include "model_state.h"

namespace vkchat::ui {
namespace {

ConversationItem conv(qint64 id, QString title = {}) {
  return {id,
          title.isEmpty() ? QStringLiteral("chat %1").arg(id) : title,
          QStringLiteral("Today"),
          {},
          0};
}

TEST(ConversationListModel, KeyedUpdatesReachTheTargetList) {
  ConversationListModel model;
  QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
  QRandomGenerator rng(1234);
  for (int round = 0; round < 300; ++round) {
    QList<ConversationItem> next;
    const int n = static_cast<int>(rng.bounded(12));
    for (int i = 0; i < n; ++i) {
      const qint64 id = rng.bounded(20) + 1;
      if (std::any_of(next.begin(), next.end(), [&](const auto& c) { return c.id == id; })) {
        continue;
      }
      next.append(conv(id, rng.bounded(3) == 0 ? QStringLiteral("renamed %1").arg(id) : QString()));
    }
    model.setItems(next);
    ASSERT_EQ(model.items(), next) << "round " << round;
    ASSERT_EQ(model.rowCount(), next.size());
    for (int row = 0; row < next.size(); ++row) {
      const QModelIndex index = model.index(row);
      EXPECT_EQ(model.data(index, ConversationListModel::IdRole).toLongLong(), next[row].id);
      EXPECT_EQ(model.data(index, ConversationListModel::TitleRole).toString(), next[row].title);
    }
  }
}

TEST(ConversationListModel, ARefreshWithTheSameRowsSignalsNothing) {
  ConversationListModel model;
  QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
  model.setItems({conv(3), conv(2), conv(1)});
  QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
  QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
  QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
  model.setItems({conv(3), conv(2), conv(1)});
  EXPECT_EQ(reset.count(), 0);
  EXPECT_EQ(inserted.count(), 0);
  EXPECT_EQ(changed.count(), 0);

  // A conversation that moves to the top is one move, not a reset.
  QSignalSpy moved(&model, &QAbstractItemModel::rowsMoved);
  model.setItems({conv(1), conv(3), conv(2)});
  EXPECT_EQ(moved.count(), 1);
  EXPECT_EQ(reset.count(), 0);
}

TEST(ConversationListModel, RoleNamesAreWhatTheQmlUses) {
  ConversationListModel model;
  const auto names = model.roleNames();
  for (const char* name : {"conversationId", "title", "section", "snippet", "messageId"}) {
    EXPECT_TRUE(names.values().contains(QByteArray(name))) << name;
  }
}

TEST(MessageListModel, StreamingTextGrowsOneRow) {
  MessageListModel model;
  QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
  model.setItems(
      {{1, "user", "Hi", false, true, 0, 1, {}}, {2, "assistant", "", true, true, 0, 1, {}}});
  QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
  EXPECT_TRUE(model.appendText(2, "Hel"));
  EXPECT_TRUE(model.appendText(2, "lo"));
  EXPECT_FALSE(model.appendText(99, "x"));
  ASSERT_EQ(changed.count(), 2);
  EXPECT_EQ(changed[0][0].toModelIndex().row(), 1);
  EXPECT_EQ(model.data(model.index(1), MessageListModel::ContentRole).toString(), "Hello");
  EXPECT_TRUE(model.data(model.index(1), MessageListModel::StreamingRole).toBool());
  EXPECT_EQ(model.data(model.index(0), MessageListModel::RoleRole).toString(), "user");
}

TEST(MessageListModel, RenderPlanSplitsCodeFromProseInAnswersOnly) {
  MessageListModel model;
  const QString text = "Try:\n```py\nprint(1)\n```\nDone.";
  QVariantMap plan = model.renderPlan(text, "assistant", 0);
  const QVariantList pieces = plan["pieces"].toList();
  ASSERT_EQ(pieces.size(), 3);
  EXPECT_EQ(pieces[0].toMap()["kind"].toString(), "prose");
  EXPECT_EQ(pieces[1].toMap()["kind"].toString(), "code");
  EXPECT_EQ(pieces[1].toMap()["text"].toString(), "print(1)");
  EXPECT_EQ(pieces[1].toMap()["language"].toString(), "py");
  EXPECT_EQ(pieces[2].toMap()["text"].toString(), "Done.");
  EXPECT_EQ(plan["shown"].toLongLong(), text.size());
  EXPECT_EQ(plan["total"].toLongLong(), text.size());
  EXPECT_EQ(plan["more"].toLongLong(), 0);
  // A user's text is drawn as it is.
  plan = model.renderPlan(text, "user", 0);
  ASSERT_EQ(plan["pieces"].toList().size(), 1);
  EXPECT_EQ(plan["pieces"].toList()[0].toMap()["kind"].toString(), "plain");
  EXPECT_EQ(plan["pieces"].toList()[0].toMap()["text"].toString(), text);
}

TEST(MessageListModel, AFinishedMessagesMarkdownIsParsedOnce) {
  MessageListModel model;
  const QString text = "Some **bold** text.\n\n```cpp\nint x;\n```\n";
  const QVariantMap first = model.renderPlan(text, "assistant", 0);
  const QString html = model.proseHtml("Some **bold** text.");
  const qint64 parses = model.markdownParses();
  EXPECT_EQ(parses, 2);
  // Again, as a delegate rebound to the message does: the same results, nothing parsed.
  EXPECT_EQ(model.renderPlan(text, "assistant", 0), first);
  EXPECT_EQ(model.proseHtml("Some **bold** text."), html);
  EXPECT_EQ(model.markdownParses(), parses);
  // Another limit or role is another plan.
  EXPECT_NE(model.renderPlan(text, "user", 0), first);
  EXPECT_EQ(model.markdownParses(), parses + 1);
  // A streaming answer's text is parsed every time and not kept.
  model.renderPlan(text + "more", "assistant", 0, false);
  model.renderPlan(text + "more", "assistant", 0, false);
  EXPECT_EQ(model.markdownParses(), parses + 3);
  model.renderPlan(text + "more", "assistant", 0, true);
  EXPECT_EQ(model.markdownParses(), parses + 4);
}

TEST(RecentModelList, RowsShowNameArchitectureQuantAndSize) {
  RecentModelList model;
  QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
  ModelInfo a;
  a.path = "/m/a.gguf";
  a.name = "a";
  a.architecture = "llama";
  a.quant = "Q4_K";
  a.fileSize = 3 * 1024 * 1024;
  ModelInfo b = a;
  b.path = "/m/b.gguf";
  b.name = "b";
  model.setItems({a, b});
  model.setItems({b, a});
  EXPECT_EQ(model.data(model.index(0), RecentModelList::NameRole).toString(), "b");
  EXPECT_EQ(model.data(model.index(1), RecentModelList::ArchitectureRole).toString(), "llama");
  EXPECT_EQ(model.data(model.index(1), RecentModelList::QuantRole).toString(), "Q4_K");
  EXPECT_EQ(model.data(model.index(1), RecentModelList::SizeTextRole).toString(), "3.0 MiB");
}

}  // namespace
}  // namespace vkchat::ui
