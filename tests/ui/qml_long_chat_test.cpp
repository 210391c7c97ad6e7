// A long conversation in the window: the list pools its delegates and rebinds them as they
// scroll out and in (ChatView's reuseItems), so a delegate shows messages one after another.
// Each must show its own message whatever it showed before, and what the user chose for a
// message (Show more, an edit in progress) stays with that message, not with the delegate. A
// finished message's Markdown is parsed once, however often it scrolls into view.
#include <gtest/gtest.h>

#include <QElapsedTimer>
#include <QSet>
#include <QTest>

#include "render_plan.h"
#include "window_fixture.h"

namespace vkchat::ui {
namespace {

constexpr int kMessages = 160;
constexpr qint64 kHugeId = 2;  // the first answer: long enough for "Show more"

// Question / answer pairs; each text names its message's id, so a delegate's text says which
// message it draws. Every seventh answer has a code block (pieces of another kind).
QList<MessageItem> conversation() {
  QList<MessageItem> items;
  for (int i = 0; i < kMessages; ++i) {
    const qint64 id = i + 1;
    MessageItem m;
    m.id = id;
    m.role = i % 2 == 0 ? "user" : "assistant";
    if (i % 2 == 0) {
      m.content = QString("Question %1 about the parser").arg(id);
    } else {
      m.content = QString("Answer %1 comes in two parts.\n\n- first\n- second\n").arg(id);
      if (i % 7 == 1) m.content += "\n```cpp\nint f() { return 1; }\n```\n";
      if (id == kHugeId) m.content += QString("More of the answer, line by line.\n").repeated(800);
    }
    items.append(m);
  }
  return items;
}

class LongChat : public test::WindowFixture {
 protected:
  void prepareModels() override { chat_.messages()->setItems(conversation()); }

  QQuickItem* list() {
    const QObject* messages = chat_.messages();
    const auto found = items([messages](QQuickItem* item) {
      return item->inherits("QQuickListView") &&
             qvariant_cast<QObject*>(item->property("model")) == messages;
    });
    return found.isEmpty() ? nullptr : found.first();
  }

  // The message delegates in the list's visible part.
  QList<QQuickItem*> shownDelegates() {
    QQuickItem* view = list();
    const double top = view->property("contentY").toDouble();
    const double bottom = top + view->height();
    return items([&](QQuickItem* item) {
      if (!item->property("messageId").isValid() || !item->property("role").isValid()) return false;
      return visibleInTree(item) && item->y() + item->height() > top && item->y() < bottom;
    });
  }

  // The plain text a delegate draws, piece after piece.
  QString drawnText(QQuickItem* delegate) const {
    QString text;
    QList<QQuickItem*> todo{delegate};
    while (!todo.isEmpty()) {
      QQuickItem* item = todo.takeFirst();
      if (item->inherits("QQuickTextEdit") && item->property("readOnly").toBool() &&
          visibleInTree(item)) {
        QString piece;
        QMetaObject::invokeMethod(item, "getText", Q_RETURN_ARG(QString, piece), Q_ARG(int, 0),
                                  Q_ARG(int, item->property("length").toInt()));
        text += piece + "\n";
      }
      todo.append(item->childItems());
    }
    return text;
  }

  QQuickItem* delegateOf(qint64 id) {
    for (QQuickItem* d : shownDelegates()) {
      if (d->property("messageId").toLongLong() == id) return d;
    }
    return nullptr;
  }

  // As the user's wheel does: the view stops following the end (ChatView's `follow`), then moves.
  void scrollTo(double y) {
    list()->setProperty("follow", false);
    list()->setProperty("contentY", y);
    QTest::qWait(20);  // the delegates' zero-interval piece timers, then a frame
  }

  // Scrolls to the start (down: the end) in steps of `step` px, calling check() at each. The
  // list's origin moves as it learns the heights of the delegates above, so the start is where
  // the list says it is, not a y computed beforehand.
  template <class Check>
  void scrollThrough(bool down, double step, Check check) {
    QQuickItem* view = list();
    const char* done = down ? "atYEnd" : "atYBeginning";
    for (int i = 0; i < 2000 && !view->property(done).toBool(); ++i) {
      const double y = view->property("contentY").toDouble();
      scrollTo(down ? y + step : y - step);
      check();
    }
    ASSERT_TRUE(view->property(done).toBool());
  }

  void toStart() {
    list()->setProperty("follow", false);
    QMetaObject::invokeMethod(list(), "positionViewAtBeginning");
    QTest::qWait(50);
  }
  void toEnd() {
    QMetaObject::invokeMethod(list(), "positionViewAtEnd");
    QTest::qWait(50);
  }
};

TEST_F(LongChat, ScrollingReusesDelegatesAndEachDrawsItsOwnMessage) {
  ASSERT_NE(list(), nullptr);
  toEnd();
  QElapsedTimer clock;
  clock.start();
  QSet<qint64> seen;
  int created = 0;  // delegates not seen before: a new object has no probe property yet
  int checked = 0;
  const auto check = [&] {
    for (QQuickItem* d : shownDelegates()) {
      if (!d->property("vkchatProbe").isValid()) {
        ++created;
        d->setProperty("vkchatProbe", true);
      }
      const qint64 id = d->property("messageId").toLongLong();
      seen.insert(id);
      const bool user = d->property("role").toString() == "user";
      const QString mark = QString(user ? "Question %1 " : "Answer %1 ").arg(id);
      ASSERT_TRUE(drawnText(d).startsWith(mark))
          << "message " << id << " draws: " << drawnText(d).left(80).toStdString();
      ++checked;
    }
  };
  scrollThrough(false, 250, check);
  // Down again over messages drawn on the way up: their Markdown is not parsed again. (A few
  // parses remain: a piece's text and kind change one after the other when a rebound delegate's
  // pieces are updated, and the prose in between is a mix of two messages'.)
  const qint64 parses = chat_.messages()->markdownParses();
  scrollThrough(true, 250, check);
  const qint64 again = chat_.messages()->markdownParses() - parses;
  std::printf("[ markdown ] %lld parses up to the start, %lld more down to the end\n",
              static_cast<long long>(parses), static_cast<long long>(again));
  EXPECT_LE(again, parses / 20);
  std::printf("[ reuse    ] %d delegates drew %d message views of %d messages in %lld ms\n",
              created, checked, kMessages, static_cast<long long>(clock.elapsed()));
  EXPECT_EQ(seen.size(), kMessages);
  // Without reuse every message scrolled into the cache buffer is a new delegate (twice over,
  // down and up again); with it the pool holds about a cache buffer's worth.
  EXPECT_LT(created, kMessages / 2);
  EXPECT_TRUE(warnings().isEmpty()) << warningText();
}

TEST_F(LongChat, WhatTheUserChoseForAMessageStaysWithItNotWithTheDelegate) {
  ASSERT_NE(list(), nullptr);
  toStart();
  QQuickItem* huge = delegateOf(kHugeId);
  ASSERT_NE(huge, nullptr);
  EXPECT_EQ(huge->property("limit").toInt(), 0);
  QMetaObject::invokeMethod(huge, "showMore");
  QTest::qWait(300);
  const int expanded = huge->property("limit").toInt();
  EXPECT_GT(expanded, kInitialChars);
  QQuickItem* question = delegateOf(1);
  ASSERT_NE(question, nullptr);
  QMetaObject::invokeMethod(question, "startEdit");
  EXPECT_TRUE(question->property("editing").toBool());

  // Down to the end and back: the two delegates draw other messages meanwhile, each as its own.
  const auto check = [&] {
    for (QQuickItem* d : shownDelegates()) {
      const qint64 id = d->property("messageId").toLongLong();
      if (id != kHugeId) {
        ASSERT_EQ(d->property("limit").toInt(), 0) << "message " << id;
      }
      if (id != 1) {
        ASSERT_FALSE(d->property("editing").toBool()) << "message " << id;
      }
    }
  };
  scrollThrough(true, 400, check);
  scrollThrough(false, 400, check);

  huge = delegateOf(kHugeId);
  ASSERT_NE(huge, nullptr);
  QTest::qWait(300);
  EXPECT_EQ(huge->property("limit").toInt(), expanded);
  EXPECT_GT(drawnText(huge).size(), kInitialChars);
  EXPECT_TRUE(warnings().isEmpty()) << warningText();
}

}  // namespace
}  // namespace vkchat::ui
