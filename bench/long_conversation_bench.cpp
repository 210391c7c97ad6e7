// long_conversation_bench: a conversation of 2000 messages (about 300k tokens of text, 1.2M
// characters: questions, and markdown answers with paragraphs, lists and a code block in every
// fifth) in the window (Main.qml, offscreen, the software renderer as in ui_tests, view-models
// filled here): the time from handing the messages to the chat until the window has drawn its last
// screen, as opening the conversation does, then scrolling it from the end to the start in steps of
// 120 px (a mouse wheel's notch), each step one frame: the frame times' median, 95th and 99th
// percentiles and maximum. A benchmark, not a test (docs/PERFORMANCE.md records its figures).
//
// long_conversation_bench [--messages N] [--repeat R]   prints one line per run; exit 0, or 2
// when the window fails.
#include <QElapsedTimer>
#include <QQuickItem>
#include <algorithm>
#include <cstdio>
#include <vector>

#include "bench_window.h"

namespace {

using vkchat::ui::MessageItem;

// About 150 tokens (600 characters) per message on average, as a long chat's.
QList<MessageItem> conversation(int n) {
  QList<MessageItem> items;
  for (int i = 0; i < n; ++i) {
    MessageItem m;
    m.id = i + 1;
    if (i % 2 == 0) {
      m.role = "user";
      m.content = QString("Question %1: how does the part about item %1 work, and why?").arg(i);
    } else {
      m.role = "assistant";
      QString a = QString("Here is how **item %1** works. ").arg(i);
      a += QString(
               "The first step reads the input and checks it; the second one writes the "
               "result where the next step finds it. ")
               .repeated(7);
      a += "\n\n- it keeps the order\n- it never blocks\n- it says what failed\n\n";
      if (i % 10 == 1) {
        a += "```cpp\nint step(int x) {\n  return x * 3 + 1;\n}\n```\n\n";
      }
      a += QString("In short: *item %1* is done in two passes.").arg(i);
      m.content = a;
      m.details = "24 tokens · 31.2 tok/s · temp 0.80";
    }
    items.append(m);
  }
  return items;
}

// The chat's list: the ListView whose model is the chat's messages (the sidebar has one too).
QQuickItem* find_list(QQuickItem* root, const QObject* messages) {
  QList<QQuickItem*> todo{root};
  while (!todo.isEmpty()) {
    QQuickItem* item = todo.takeLast();
    if (item->inherits("QQuickListView") &&
        qvariant_cast<QObject*>(item->property("model")) == messages) {
      return item;
    }
    todo.append(item->childItems());
  }
  return nullptr;
}

double percentile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  return v[static_cast<std::size_t>(q * static_cast<double>(v.size() - 1))];
}

}  // namespace

int main(int argc, char** argv) {
  vkchat::bench::BenchWindow w(argc, argv);
  if (!w.ok()) return 2;
  int n = 2000, repeat = 1;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (QByteArray(argv[i]) == "--messages") n = std::max(2, atoi(argv[i + 1]));
    if (QByteArray(argv[i]) == "--repeat") repeat = std::max(1, atoi(argv[i + 1]));
  }
  vkchat::ui::MessageListModel* messages = w.chat.messages();

  const QList<MessageItem> items = conversation(n);
  qsizetype chars = 0;
  for (const MessageItem& m : items) chars += m.content.size();
  std::printf("%d messages, %.0fk characters (about %.0fk tokens)\n", n, chars / 1000.0,
              chars / 4000.0);
  std::printf("%-6s %10s %8s %10s %10s %10s %10s %12s\n", "run", "open ms", "steps", "p50 ms",
              "p95 ms", "p99 ms", "max ms", "cpu p50 ms");
  for (int r = 0; r < repeat; ++r) {
    messages->setItems({});
    w.until_frame();
    QElapsedTimer open;
    open.start();
    messages->setItems(items);
    QQuickItem* list = nullptr;
    // Open: until the list is there and a frame with it was drawn (the view follows the end).
    while (!(list = find_list(w.window()->contentItem(), messages)) && open.elapsed() < 10000) {
      QCoreApplication::processEvents();
    }
    if (!list) {
      std::fprintf(stderr, "long_conversation_bench: the chat's list was not found\n");
      return 2;
    }
    w.until_frame();
    w.until_frame();  // the frame after the layout settled at the end
    const double open_ms = open.nsecsElapsed() / 1e6;
    // Scroll to the start in wheel-sized steps, one frame each: wall time and this process's CPU
    // time (the second is what the step cost, however loaded the machine is).
    std::vector<double> steps, cpu;
    const double origin = list->property("originY").toDouble();
    list->setProperty("follow", false);  // as a wheel's scroll does (ChatView's onMovementEnded)
    for (double y = list->property("contentY").toDouble(); y > origin; y -= 120) {
      // Timed from the scroll itself: moving the view creates the delegates that come into it.
      QElapsedTimer step;
      step.start();
      const double cpu0 = vkchat::bench::process_cpu_ms();
      list->setProperty("contentY", std::max(origin, y - 120));
      w.until_frame();
      steps.push_back(step.nsecsElapsed() / 1e6);
      cpu.push_back(vkchat::bench::process_cpu_ms() - cpu0);
    }
    if (steps.empty()) {
      std::fprintf(stderr, "long_conversation_bench: the list did not scroll\n");
      return 2;
    }
    std::printf("%-6d %10.1f %8zu %10.1f %10.1f %10.1f %10.1f %12.1f\n", r + 1, open_ms,
                steps.size(), percentile(steps, 0.5), percentile(steps, 0.95),
                percentile(steps, 0.99), percentile(steps, 1.0), percentile(cpu, 0.5));
    std::fflush(stdout);
  }
  return 0;
}
