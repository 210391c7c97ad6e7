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
#include <QtQml/qqmlextensionplugin.h>

#include <QElapsedTimer>
#include <QGuiApplication>
#include <QQmlApplicationEngine>
#include <QQuickItem>
#include <QQuickWindow>
#include <algorithm>
#include <cstdio>
#include <vector>

#include "app_status.h"
#include "chat_view_model.h"
#include "conversations_view_model.h"
#include "generation_settings.h"
#include "model_state.h"

Q_IMPORT_QML_PLUGIN(VkchatPlugin)

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

// Runs the event loop until the window has swapped a frame, or max_ms; the milliseconds taken.
double until_frame(QQuickWindow* window, int& frames, qint64 max_ms = 5000) {
  QElapsedTimer clock;
  clock.start();
  const int before = frames;
  window->update();
  while (frames == before && clock.elapsed() < max_ms) {
    QCoreApplication::processEvents(QEventLoop::AllEvents, 1);
  }
  return clock.nsecsElapsed() / 1e6;
}

double percentile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  return v[static_cast<std::size_t>(q * static_cast<double>(v.size() - 1))];
}

}  // namespace

int main(int argc, char** argv) {
  qputenv("QT_QPA_PLATFORM", "offscreen");
  qputenv("QT_QUICK_CONTROLS_STYLE", "Fusion");
  QQuickWindow::setGraphicsApi(QSGRendererInterface::Software);
  QGuiApplication app(argc, argv);
  int n = 2000, repeat = 1;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (QByteArray(argv[i]) == "--messages") n = std::max(2, atoi(argv[i + 1]));
    if (QByteArray(argv[i]) == "--repeat") repeat = std::max(1, atoi(argv[i + 1]));
  }

  vkchat::ui::ConversationsViewModel conversations;
  vkchat::ui::ChatViewModel chat;
  vkchat::ui::GenerationSettings settings;
  vkchat::ui::ModelState model;
  vkchat::ui::AppStatus status;
  QQmlApplicationEngine engine;
  engine.setInitialProperties({{"conversations", QVariant::fromValue(&conversations)},
                               {"chat", QVariant::fromValue(&chat)},
                               {"settings", QVariant::fromValue(&settings)},
                               {"modelState", QVariant::fromValue(&model)},
                               {"status", QVariant::fromValue(&status)}});
  engine.load(QUrl("qrc:/Vkchat/qml/Main.qml"));
  if (engine.rootObjects().isEmpty()) return 2;
  auto* window = qobject_cast<QQuickWindow*>(engine.rootObjects().constFirst());
  window->resize(1280, 800);
  window->show();
  int frames = 0;
  QObject::connect(window, &QQuickWindow::frameSwapped, [&frames] { ++frames; });
  QElapsedTimer settle;
  settle.start();
  while (settle.elapsed() < 300) QCoreApplication::processEvents();

  const QList<MessageItem> items = conversation(n);
  qsizetype chars = 0;
  for (const MessageItem& m : items) chars += m.content.size();
  std::printf("%d messages, %.0fk characters (about %.0fk tokens)\n", n, chars / 1000.0,
              chars / 4000.0);
  std::printf("%-6s %10s %8s %10s %10s %10s %10s\n", "run", "open ms", "steps", "p50 ms", "p95 ms",
              "p99 ms", "max ms");
  for (int r = 0; r < repeat; ++r) {
    chat.messages()->setItems({});
    until_frame(window, frames);
    QElapsedTimer open;
    open.start();
    chat.messages()->setItems(items);
    QQuickItem* list = nullptr;
    // Open: until the list is there and a frame with it was drawn (the view follows the end).
    while (!(list = find_list(window->contentItem(), chat.messages())) && open.elapsed() < 10000) {
      QCoreApplication::processEvents();
    }
    if (!list) {
      std::fprintf(stderr, "long_conversation_bench: the chat's list was not found\n");
      return 2;
    }
    until_frame(window, frames);
    until_frame(window, frames);  // the frame after the layout settled at the end
    const double open_ms = open.nsecsElapsed() / 1e6;
    // Scroll to the start in wheel-sized steps, one frame each.
    std::vector<double> steps;
    const double origin = list->property("originY").toDouble();
    for (double y = list->property("contentY").toDouble(); y > origin; y -= 120) {
      list->setProperty("contentY", std::max(origin, y - 120));
      steps.push_back(until_frame(window, frames));
    }
    if (steps.empty()) {
      std::fprintf(stderr, "long_conversation_bench: the list did not scroll\n");
      return 2;
    }
    std::printf("%-6d %10.1f %8zu %10.1f %10.1f %10.1f %10.1f\n", r + 1, open_ms, steps.size(),
                percentile(steps, 0.5), percentile(steps, 0.95), percentile(steps, 0.99),
                percentile(steps, 1.0));
    std::fflush(stdout);
  }
  return 0;
}
