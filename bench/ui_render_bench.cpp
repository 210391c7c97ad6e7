// ui_render_bench: how long the window takes to draw huge messages, and the longest the event
// loop stalls meanwhile (what a user feels as a frozen window). Main.qml, offscreen with the
// software renderer as in ui_tests, over view-models filled here; each case is one message
// alone in the chat: a 2 MB code block, a 2 MB table, a 20 MB plain message, a 200 KB code block.
// For each: time to the first frame, the longest stall until every piece is drawn, and the same
// after one "Show more".
//
// ui_render_bench [--repeat N] [--only TEXT]    prints one line per case (--only: the cases whose
// name contains TEXT); exit 0, or 2 when the window fails.
#include <QElapsedTimer>
#include <QQuickItem>
#include <QTimer>
#include <algorithm>
#include <cstdio>

#include "bench_window.h"

namespace {

using vkchat::ui::MessageItem;

struct Case {
  const char* name;
  MessageItem message;
};

QString code_block(qsizetype bytes) {
  QString code = "```cpp\n";
  for (int i = 0; code.size() < bytes; ++i) code += QString("int value_%1 = %1 * 3;\n").arg(i);
  return code + "```\n";
}

QString table(qsizetype bytes) {
  QString out = "| id | name | value |\n|---:|:-----|------:|\n";
  for (int i = 0; out.size() < bytes; ++i)
    out += QString("| %1 | row %1 | %2 |\n").arg(i).arg(i * 7);
  return out;
}

QQuickItem* find_delegate(QQuickItem* root) {
  QList<QQuickItem*> todo{root};
  while (!todo.isEmpty()) {
    QQuickItem* item = todo.takeLast();
    if (item->property("messageId").isValid() && item->property("role").isValid()) return item;
    todo.append(item->childItems());
  }
  return nullptr;
}

// Runs the event loop until `done` or max_ms, measuring the longest gap between turns of a 1 ms
// timer: the longest the window could not answer input.
struct Stall {
  double total_ms = 0;
  double longest_ms = 0;
};

template <class Done>
Stall run_until(Done done, qint64 max_ms = 60000) {
  QElapsedTimer clock;
  clock.start();
  qint64 last = 0;
  Stall stall;
  QTimer tick;
  tick.setTimerType(Qt::PreciseTimer);
  QObject::connect(&tick, &QTimer::timeout, [&] {
    const qint64 now = clock.nsecsElapsed();
    stall.longest_ms = std::max(stall.longest_ms, (now - last) / 1e6);
    last = now;
  });
  tick.start(1);
  while (!done() && clock.elapsed() < max_ms)
    QCoreApplication::processEvents(QEventLoop::AllEvents, 5);
  // One more turn: the last piece's layout and frame.
  QCoreApplication::processEvents();
  stall.longest_ms = std::max(stall.longest_ms, (clock.nsecsElapsed() - last) / 1e6);
  stall.total_ms = clock.nsecsElapsed() / 1e6;
  vkchat::bench::BenchWindow::delete_deferred();
  return stall;
}

}  // namespace

int main(int argc, char** argv) {
  vkchat::bench::BenchWindow w(argc, argv);
  if (!w.ok()) return 2;
  int repeat = 1;
  QString only;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (QByteArray(argv[i]) == "--repeat") repeat = std::max(1, atoi(argv[i + 1]));
    if (QByteArray(argv[i]) == "--only") only = QString::fromLocal8Bit(argv[i + 1]);
  }
  vkchat::ui::ChatViewModel& chat = w.chat;
  QQuickWindow* window = w.window();

  const Case cases[] = {
      {"2 MB code block", {1, "assistant", code_block(2 * 1024 * 1024), false, true, 0, 1, {}}},
      {"2 MB table", {2, "assistant", table(2 * 1024 * 1024), false, true, 0, 1, {}}},
      {"20 MB plain message",
       {3, "user", QString("word ").repeated(4 * 1024 * 1024), false, true, 0, 1, {}}},
      {"200 KB code block", {4, "assistant", code_block(200 * 1024), false, true, 0, 1, {}}},
  };
  std::printf("%-20s %10s %12s %12s %14s %14s\n", "case", "size", "first ms", "stall ms",
              "more total ms", "more stall ms");
  for (int r = 0; r < repeat; ++r) {
    for (const Case& c : cases) {
      if (!QString::fromLatin1(c.name).contains(only)) continue;
      chat.messages()->setItems({});
      run_until([] { return false; }, 50);
      QQuickItem* delegate = nullptr;
      chat.messages()->setItems({c.message});
      // A window that draws a message at once (no drawnAll) is done when its delegate is there.
      const auto drawn = [&] {
        const QVariant all = delegate->property("drawnAll");
        return !all.isValid() || all.toBool();
      };
      const Stall shown = run_until([&] {
        delegate = find_delegate(window->contentItem());
        return delegate && drawn();
      });
      if (!delegate) return 2;
      Stall more;
      if (delegate->property("drawnAll").isValid()) {
        QMetaObject::invokeMethod(delegate, "showMore");
        more = run_until(drawn);
      }
      std::printf("%-20s %8.1f MB %12.1f %12.1f %14.1f %14.1f\n", c.name,
                  c.message.content.size() / 1048576.0, shown.total_ms, shown.longest_ms,
                  more.total_ms, more.longest_ms);
      std::fflush(stdout);
    }
  }
  return 0;
}
