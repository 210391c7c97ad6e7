// What messages and names can do to the window: nothing a user or a model writes is read as
// markup or makes the window fetch anything; huge messages are drawn in bounded pieces with
// "Show more"; Markdown quotes, tables and streaming code are drawn as such; and the layout holds
// from 1400x900 down to 640x480 (screenshots in the build folder and /tmp/qml-shots for people).
#include <gtest/gtest.h>

#include <QDir>
#include <QNetworkAccessManager>
#include <QQmlNetworkAccessManagerFactory>
#include <QQuickImageProvider>
#include <QSignalSpy>
#include <atomic>

#include "render_plan.h"
#include "screenshots.h"
#include "window_fixture.h"

namespace vkchat::ui {
namespace {

std::atomic<int> g_fetches{0};

// Counts every image the window asks for through image://probe/...
class ProbeImages : public QQuickImageProvider {
 public:
  ProbeImages() : QQuickImageProvider(QQuickImageProvider::Image) {}
  QImage requestImage(const QString&, QSize*, const QSize&) override {
    ++g_fetches;
    return QImage(8, 8, QImage::Format_RGB32);
  }
};

// Counts every network request the window makes.
class ProbeNetwork : public QNetworkAccessManager {
 protected:
  QNetworkReply* createRequest(Operation op, const QNetworkRequest& request,
                               QIODevice* data) override {
    ++g_fetches;
    return QNetworkAccessManager::createRequest(op, request, data);
  }
};

class ProbeNetworkFactory : public QQmlNetworkAccessManagerFactory {
 public:
  QNetworkAccessManager* create(QObject* parent) override {
    auto manager = std::make_unique<ProbeNetwork>();
    manager->setParent(parent);  // the engine's object owns it from here
    return manager.release();
  }
};

const QString kHostile = R"(<font color="red" size="7">BIG</font> <img src="image://probe/html"> )"
                         R"(<img src="http://127.0.0.1:9/x.png"> <b>bold</b>)";

class Content : public test::WindowFixture {
 protected:
  void prepareEngine(QQmlEngine& engine) override {
    g_fetches = 0;
    engine.setNetworkAccessManagerFactory(&network_);
    engine.addImageProvider("probe", std::make_unique<ProbeImages>().release());  // engine owns
  }

  QList<QQuickItem*> textItems() const {
    return items([](QQuickItem* item) {
      return (item->inherits("QQuickText") || item->inherits("QQuickTextEdit")) &&
             visibleInTree(item);
    });
  }

  // Characters in the text items of the messages.
  qsizetype drawnCharacters() const {
    qsizetype n = 0;
    for (QQuickItem* item : textItems()) {
      if (item->inherits("QQuickTextEdit") && item->property("readOnly").toBool()) {
        n += item->property("length").toLongLong();
      }
    }
    return n;
  }

  void settle(int ms = 300) {
    QTest::qWait(ms);
    QCoreApplication::processEvents();
  }

  ProbeNetworkFactory network_;
};

TEST_F(Content, UserTextIsPlainTextEverywhereAndNothingIsFetched) {
  conversations_.list()->setItems(
      {{1, kHostile, "Today", {}, 0}, {2, "hit", "Today", kHostile + " hit", 5}});
  conversations_.setCurrent(1, kHostile);
  conversations_.setSearchText("hit");
  conversations_.setUndo(3, kHostile);
  ModelInfo info;
  info.path = "/m/" + kHostile + ".gguf";
  info.name = kHostile;
  info.quant = kHostile;
  info.architecture = "llama";
  model_.setReady(info);
  model_.recent()->setItems({info});
  status_.showNotice(kHostile);
  status_.showError(kHostile);
  chat_.messages()->setItems(
      {{10, "user", kHostile, false, true, 0, 1, {}},
       {11, "assistant",
        kHostile + "\n\n![md](image://probe/markdown) ![web](http://127.0.0.1:9/y.png)\n\n"
                   "[local](file:///etc/passwd)",
        false, true, 0, 1, kHostile},
       {12, "system", kHostile, false, true, 0, 1, {}}});
  settle(500);
  window_->grabWindow().save(test::screenshot_path("ui_plain_text_test.png"));

  int shown = 0;
  for (QQuickItem* item : textItems()) {
    const QString text = item->property("text").toString();
    if (!text.contains("<font")) continue;
    ++shown;
    // Text.PlainText and TextEdit.PlainText are both 0.
    EXPECT_EQ(item->property("textFormat").toInt(), 0)
        << item->metaObject()->className() << " at " << item->mapToScene({0, 0}).x() << ","
        << item->mapToScene({0, 0}).y() << " shows markup: " << text.toStdString();
    EXPECT_LT(item->height(), 120) << text.toStdString();
  }
  EXPECT_GE(shown, 8);  // title, list row, snippet, undo, model name, quant, bubble, notice...
  EXPECT_EQ(g_fetches.load(), 0);
  // The answer shows the markup as text.
  bool answerShowsIt = false;
  for (QQuickItem* item : textItems()) {
    const QString plain = item->property("text").toString();
    if (item->property("textFormat").toInt() == 1 && plain.contains("&lt;font")) {
      answerShowsIt = true;
    }
  }
  EXPECT_TRUE(answerShowsIt);
  EXPECT_TRUE(warnings().isEmpty()) << warningText();
}

TEST_F(Content, HugeMessagesAreDrawnInBoundedPiecesWithShowMore) {
  QString code;
  for (int i = 0; code.size() < 2 * 1024 * 1024; ++i) code += QString("let x%1 = %1;\n").arg(i);
  QString table = "| a | b |\n|---|---|\n";
  for (int i = 0; table.size() < 2 * 1024 * 1024; ++i) {
    table += QString("| %1 | %2 |\n").arg(i).arg(2 * i);
  }
  const QString plain = QString("word ").repeated(4 * 1024 * 1024);
  const QList<MessageItem> cases = {
      {10, "user", plain, false, true, 0, 1, {}},
      {11, "assistant", "```js\n" + code + "```", false, true, 0, 1, {}},
      {12, "assistant", table, false, true, 0, 1, {}}};
  for (const MessageItem& message : cases) {
    chat_.messages()->setItems({message});
    settle(1000);
    const qsizetype drawn = drawnCharacters();
    EXPECT_LE(drawn, kInitialChars + 1024) << message.id;
    EXPECT_GT(drawn, kInitialChars / 2) << message.id;
    QQuickItem* more = byAccessibleName("Show more of this message");
    ASSERT_NE(more, nullptr) << message.id;
    more->forceActiveFocus();
    QTest::keyClick(window_, Qt::Key_Space);
    settle(3000);
    EXPECT_GT(drawnCharacters(), drawn + kMoreChars / 2) << message.id;
  }
  EXPECT_TRUE(warnings().isEmpty()) << warningText();
}

TEST_F(Content, QuotesTablesAndAStreamingFenceAreDrawnAsSuch) {
  chat_.setGenerating(true);
  chat_.messages()->setItems(
      {{11,
        "assistant",
        "> a quote\n\n| left | right |\n|:--|--:|\n| a | 1 |\n",
        false,
        true,
        0,
        1,
        {}},
       {12, "assistant", "Here:\n```python\nprint('still", true, true, 0, 1, {}}});
  settle();
  QQuickItem* code = byAccessibleName("Code");
  ASSERT_NE(code, nullptr) << "the open fence is not drawn as code";
  EXPECT_EQ(code->property("text").toString(), "print('still");
  chat_.messages()->appendText(12, " streaming')\n");
  settle();
  EXPECT_EQ(byAccessibleName("Code")->property("text").toString(), "print('still streaming')\n");
  bool quote = false;
  for (QQuickItem* item : textItems()) {
    if (item->property("textFormat").toInt() == 1 &&
        item->property("text").toString().contains("a quote")) {
      quote = item->x() > 10;  // beside its bar
    }
  }
  EXPECT_TRUE(quote);
  EXPECT_TRUE(warnings().isEmpty()) << warningText();
}

// The window at four sizes, with a long question, a wide table, a quote and a long code line.
class Layout : public test::WindowFixture {
 protected:
  void fillLong() {
    chat_.messages()->setItems(
        {{10,
          "user",
          "Here is a long question that goes on and on, with enough words to wrap over several "
          "lines in the bubble at every window size, and one long unbroken token "
          "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa "
          "to see that it wraps too.",
          false,
          true,
          0,
          1,
          {}},
         {11, "assistant",
          "> Quoted from the docs: the bar shows it.\n\n| Name | Size | Notes |\n|:--|--:|:-:|\n"
          "| qwen2.5 | 0.5 B | fast |\n| llama-3.2 | 1 B | good |\n\n```sh\ncmake --build build "
          "-j2 --target vkchat vkchat_gui ui_tests && ctest --test-dir build -L ui_tests "
          "--output-on-failure  # a long line that scrolls sideways\n```\nDone.",
          false, true, 0, 1, "41.3 tok/s · 85 ms to first token · temp 0.80"}});
  }
};

TEST_F(Layout, HoldsFrom1400x900DownTo640x480) {
  fillLong();
  QDir().mkpath("/tmp/qml-shots");
  for (const QSize size :
       {QSize(1400, 900), QSize(1024, 768), QSize(800, 600), QSize(760, 480), QSize(640, 480)}) {
    resize(size);
    QTest::qWait(300);
    const QString name = QString("ui_layout_%1x%2.png").arg(size.width()).arg(size.height());
    const QImage shot = window_->grabWindow();
    ASSERT_EQ(shot.size(), size);
    EXPECT_TRUE(shot.save(test::screenshot_path(name.toLatin1().constData())));
    shot.save("/tmp/qml-shots/" + name);
    const std::string at = name.toStdString();

    // Panels take room only where there is room; the chat column is never squeezed.
    EXPECT_EQ(window_->property("sidebarShown").toBool(), size.width() >= 900) << at;
    EXPECT_EQ(window_->property("settingsShown").toBool(), size.width() >= 1180) << at;
    QQuickItem* box = byAccessibleName("Message");
    ASSERT_NE(box, nullptr) << at;
    EXPECT_GE(box->width(), std::min(500, size.width() - 120)) << at;
    // The question's bubble stays inside the window.
    for (QQuickItem* bubble : items([](QQuickItem* i) {
           QAccessibleInterface* a = QAccessible::queryAccessibleInterface(i);
           return a && a->text(QAccessible::Name) == "Your message";
         })) {
      const QRectF r = bubble->mapRectToScene({0, 0, bubble->width(), bubble->height()});
      EXPECT_LE(r.right(), size.width() - 8) << at;
      EXPECT_GE(r.left(), 0) << at;
    }
    // The status bar is whole at the bottom.
    QQuickItem* speed = byAccessibleName("Generation speed: 41.3 tok/s");
    ASSERT_NE(speed, nullptr) << at;
    const QRectF s = speed->mapRectToScene({0, 0, speed->width(), speed->height()});
    EXPECT_LE(s.bottom(), size.height()) << at;
    EXPECT_GE(s.top(), size.height() - 40) << at;

    // Narrow: Ctrl+B and Ctrl+, open the panels over the chat; Esc closes them.
    if (size.width() < 900) {
      QTest::keyClick(window_, Qt::Key_B, Qt::ControlModifier);
      EXPECT_TRUE(window_->property("sidebarShown").toBool()) << at;
      QTest::qWait(100);
      window_->grabWindow().save("/tmp/qml-shots/" + name.chopped(4) + "_sidebar.png");
      QTest::keyClick(window_, Qt::Key_Escape);
      EXPECT_FALSE(window_->property("sidebarShown").toBool()) << at;
      QTest::keyClick(window_, Qt::Key_Comma, Qt::ControlModifier);
      EXPECT_TRUE(window_->property("settingsShown").toBool()) << at;
      QTest::qWait(100);
      window_->grabWindow().save("/tmp/qml-shots/" + name.chopped(4) + "_settings.png");
      QTest::keyClick(window_, Qt::Key_Escape);
      EXPECT_FALSE(window_->property("settingsShown").toBool()) << at;
      EXPECT_TRUE(box->hasActiveFocus()) << at;
    }
  }
  EXPECT_TRUE(warnings().isEmpty()) << warningText();
}

}  // namespace
}  // namespace vkchat::ui

namespace vkchat::ui {
namespace {

// A long answer read from its top: its actions float at the bottom of the view, and copying says
// so.
TEST_F(Layout, ALongAnswersActionsStayInSightAndCopyingSaysSo) {
  QString answer;
  for (int i = 0; i < 120; ++i) answer += QString("Line %1 of a long answer.\n\n").arg(i);
  chat_.messages()->setItems({{10, "user", "Tell me a lot", false, true, 0, 1, {}},
                              {11, "assistant", answer, false, true, 0, 1, "12 tok/s"}});
  QTest::qWait(500);
  QQuickItem* list = byAccessibleName("Messages");
  ASSERT_NE(list, nullptr);
  list->setProperty("follow", false);
  ASSERT_TRUE(QMetaObject::invokeMethod(list, "positionViewAtBeginning"));
  QTest::qWait(200);
  ASSERT_LT(list->property("contentY").toDouble(), 100);
  QQuickItem* copy = nullptr;
  for (QQuickItem* item : items([](QQuickItem* i) {
         QAccessibleInterface* a = QAccessible::queryAccessibleInterface(i);
         return a && a->text(QAccessible::Name) == "Regenerate answer" && visibleInTree(i);
       })) {
    copy = item;
  }
  ASSERT_NE(copy, nullptr);
  const QRectF listRect = list->mapRectToScene({0, 0, list->width(), list->height()});
  const QRectF r = copy->mapRectToScene({0, 0, copy->width(), copy->height()});
  EXPECT_TRUE(listRect.contains(r))
      << r.y() << " not in " << listRect.y() << "+" << listRect.height();
  EXPECT_GT(copy->opacity(), 0.5);
  window_->grabWindow().save("/tmp/qml-shots/ui_long_answer_top.png");

  QQuickItem* copyButton = nullptr;
  for (QQuickItem* item : items([](QQuickItem* i) {
         QAccessibleInterface* a = QAccessible::queryAccessibleInterface(i);
         return a && a->text(QAccessible::Name) == "Copy message" && visibleInTree(i);
       })) {
    const QRectF b = item->mapRectToScene({0, 0, item->width(), item->height()});
    if (listRect.contains(b) && std::abs(b.y() - r.y()) < 4) copyButton = item;
  }
  ASSERT_NE(copyButton, nullptr);
  const QPointF centre =
      copyButton->mapToScene({copyButton->width() / 2, copyButton->height() / 2});
  QTest::mouseClick(window_, Qt::LeftButton, {}, centre.toPoint());
  QTest::qWait(50);
  EXPECT_NE(byAccessibleName("Copied"), nullptr);
}

}  // namespace
}  // namespace vkchat::ui
