// The window over the controller (worker answers played through its slots): the prompt being
// read shows its progress in the status line and the answer, and the turns the context policy
// left out are marked in the chat. Screenshots of both land in the build folder.
#include <gtest/gtest.h>

#include <QQmlApplicationEngine>
#include <QQuickItem>
#include <QQuickWindow>
#include <QSignalSpy>

#include "controller_harness.h"
#include "screenshots.h"

namespace vkchat::test {
namespace {

QQuickItem* visibleNamed(QObject* root, const char* name) {
  for (QQuickItem* item : root->findChildren<QQuickItem*>(QString::fromLatin1(name))) {
    if (item->isVisible()) return item;
  }
  return nullptr;
}

bool anyLabelShows(QObject* root, const QString& text) {
  for (QQuickItem* item : root->findChildren<QQuickItem*>()) {
    if (item->isVisible() && item->property("text").toString() == text) return true;
  }
  return false;
}

TEST(StatusWindow, PrefillProgressAndTheContextMarkerAreShown) {
  ControllerHarness h;
  gui::AppController& c = h.start();
  QSignalSpy loads(&c, &gui::AppController::loadModelRequested);
  QSignalSpy requests(&c, &gui::AppController::generateRequested);
  c.openModel("/models/qwen2.5-0.5b-q8_0.gguf");
  ASSERT_TRUE(QTest::qWaitFor([&] { return loads.count() == 1; }, 5000));
  gui::LoadedModel model;
  model.path = "/models/qwen2.5-0.5b-q8_0.gguf";
  model.name = "qwen2.5-0.5b-q8_0";
  model.architecture = "qwen2";
  model.quant = "Q8_0";
  model.contextLength = 512;
  model.trainedContext = 32768;
  model.deviceName = "llvmpipe (LLVM 15.0.6, 256 bits)";
  c.onModelLoaded(loads[0][0].toLongLong(), model);

  QQmlApplicationEngine qml;
  qml.setInitialProperties({
      {"conversations", QVariant::fromValue(c.conversations())},
      {"chat", QVariant::fromValue(c.chat())},
      {"settings", QVariant::fromValue(c.settings())},
      {"modelState", QVariant::fromValue(c.modelState())},
      {"status", QVariant::fromValue(c.status())},
  });
  qml.load(QUrl("qrc:/Vkchat/qml/Main.qml"));
  ASSERT_EQ(qml.rootObjects().size(), 1);
  auto* window = qobject_cast<QQuickWindow*>(qml.rootObjects().constFirst());
  ASSERT_NE(window, nullptr);
  window->resize(1200, 800);
  window->show();
  ASSERT_TRUE(QTest::qWaitForWindowExposed(window));

  auto answer = [&](const char* question, const char* text, int firstRendered) {
    const qsizetype before = requests.count();
    emit c.chat()->sendRequested(QString::fromUtf8(question));
    EXPECT_TRUE(QTest::qWaitFor([&] { return requests.count() > before; }, 5000));
    const auto r = requests.last()[0].value<gui::GenerationRequest>();
    c.onTokens(r.id, QString::fromUtf8(text), 12);
    gui::GenerationResult done;
    done.id = r.id;
    done.text = QString::fromUtf8(text);
    done.tokenCount = 12;
    done.stats.decode_tokens_per_s = 9.5;
    done.stats.time_to_first_token_ms = 640;
    done.contextUsed = 230;
    done.promptTokens = 190;
    done.tokensReused = 170;
    done.firstRendered = firstRendered;
    c.onGenerationFinished(done);
    EXPECT_TRUE(QTest::qWaitFor([&] { return !c.chat()->generating(); }, 5000));
    h.settle();
  };
  answer("Tell me about the sea.", "The sea is wide and deep, and it covers most of the Earth.", 0);
  answer("And the mountains?", "Mountains rise where the plates of the crust push together.", 0);

  // A third question whose prompt is being read.
  emit c.chat()->sendRequested(QStringLiteral("Which is older?"));
  ASSERT_TRUE(QTest::qWaitFor([&] { return requests.count() == 3; }, 5000));
  const auto reading = requests.last()[0].value<gui::GenerationRequest>();
  c.onPrefillProgress(reading.id, 120, 900);
  QTest::qWait(300);
  EXPECT_TRUE(anyLabelShows(window, "Reading the prompt: 120 of 900 tokens"));
  EXPECT_TRUE(window->grabWindow().save(screenshot_path("ctrl_prefill.png")));

  // It ends with the first question and answer left out of the context.
  gui::GenerationResult done;
  done.id = reading.id;
  done.text = QStringLiteral("The sea is older than most mountains.");
  done.tokenCount = 9;
  done.stats.decode_tokens_per_s = 9.1;
  done.stats.time_to_first_token_ms = 2100;
  done.contextUsed = 200;
  done.promptTokens = 180;
  done.firstRendered = 2;  // no system prompt: "And the mountains?" is the first message read
  c.onGenerationFinished(done);
  ASSERT_TRUE(QTest::qWaitFor([&] { return c.status()->contextDropped() == 2; }, 5000));
  h.settle();
  QTest::qWait(300);
  QQuickItem* marker = visibleNamed(window, "contextMarker");
  ASSERT_NE(marker, nullptr);
  EXPECT_TRUE(anyLabelShows(window, c.status()->contextText()));
  EXPECT_TRUE(window->grabWindow().save(screenshot_path("ctrl_context_marker.png")));
}

}  // namespace
}  // namespace vkchat::test
