// The real Main.qml, offscreen, over view-models the test fills, shared by the window's tests:
// every QML warning is collected (a test fails on any), and items are found by accessible name.
#pragma once
#include <gtest/gtest.h>

#include <QAccessible>
#include <QQmlApplicationEngine>
#include <QQuickItem>
#include <QQuickWindow>
#include <QTest>

#include "app_status.h"
#include "chat_view_model.h"
#include "conversations_view_model.h"
#include "generation_settings.h"
#include "model_state.h"

namespace vkchat::test {

// QTest::keyClicks takes only widgets; this is the same for a window.
inline void typeText(QWindow* window, const char* text) {
  for (const char* c = text; *c; ++c) QTest::keyClick(window, *c);
}

// Every warning and error Qt logs while a test runs (debug and info messages are not kept).
class WarningCollector {
 public:
  WarningCollector() {
    warnings().clear();
    previous() = qInstallMessageHandler(&WarningCollector::collect);
  }
  ~WarningCollector() { qInstallMessageHandler(previous()); }
  WarningCollector(const WarningCollector&) = delete;
  WarningCollector& operator=(const WarningCollector&) = delete;

  static QStringList& warnings() {
    static QStringList list;
    return list;
  }
  static std::string text() { return warnings().join('\n').toStdString(); }

 private:
  static QtMessageHandler& previous() {
    static QtMessageHandler handler = nullptr;
    return handler;
  }
  static void collect(QtMsgType type, const QMessageLogContext& context, const QString& message) {
    if (type != QtDebugMsg && type != QtInfoMsg) warnings().append(message);
    previous()(type, context, message);
  }
};

class WindowFixture : public ::testing::Test {
 protected:
  virtual void preparePalette() {}
  virtual void prepareEngine(QQmlEngine&) {}
  virtual QSize windowSize() const { return {}; }  // empty: Main.qml's own
  virtual void prepareModels() {}                  // after fill(): what one suite shows instead

  void SetUp() override {
    preparePalette();
    collector_ = std::make_unique<WarningCollector>();
    fill();
    prepareModels();
    prepareEngine(engine_);
    engine_.setInitialProperties({
        {"conversations", QVariant::fromValue(&conversations_)},
        {"chat", QVariant::fromValue(&chat_)},
        {"settings", QVariant::fromValue(&settings_)},
        {"modelState", QVariant::fromValue(&model_)},
        {"status", QVariant::fromValue(&status_)},
    });
    engine_.load(QUrl("qrc:/Vkchat/qml/Main.qml"));
    ASSERT_EQ(engine_.rootObjects().size(), 1);
    window_ = qobject_cast<QQuickWindow*>(engine_.rootObjects().constFirst());
    ASSERT_NE(window_, nullptr);
    if (!windowSize().isEmpty()) resize(windowSize());
    window_->show();
    window_->requestActivate();
    ASSERT_TRUE(QTest::qWaitForWindowExposed(window_));
    QTest::qWait(100);  // let layouts and Qt.callLater settle
  }

  void TearDown() override { collector_.reset(); }

  void resize(QSize size) {
    window_->resize(size);
    QTest::qWait(50);
  }

  static QStringList& warnings() { return WarningCollector::warnings(); }
  static std::string warningText() { return WarningCollector::text(); }

  void fill() {
    conversations_.list()->setItems({{1, "Rust lifetimes", "Today", {}, 0},
                                     {2, "Sourdough starter", "Yesterday", {}, 0},
                                     {3, "Trip to Lisbon", "Previous 7 days", {}, 0}});
    conversations_.setCurrent(1, "Rust lifetimes");
    chat_.messages()->setItems(
        {{10, "user", "How do I print a vector in Rust?", false, true, 0, 1, {}},
         {11, "assistant",
          "Use the **debug** formatter:\n\n```rust\nlet v = vec![1, 2, 3];\nprintln!(\"{:?}\", "
          "v);\n```\n\nIt prints `[1, 2, 3]`.",
          false, true, 1, 2, "41.3 tok/s · 85 ms to first token · temp 0.80"}});
    ui::ModelInfo info;
    info.path = "/models/stories260K.gguf";
    info.name = "stories260K";
    info.architecture = "llama";
    info.quant = "F32";
    info.parameters = 260000;
    info.fileSize = 1200000;
    info.contextLength = 512;
    info.memoryEstimate = 3 * 1024 * 1024;
    info.deviceBudget = qint64{8} * 1024 * 1024 * 1024;
    info.deviceName = "llvmpipe";
    model_.setReady(info);
    model_.recent()->setItems({info});
    status_.setDeviceName("llvmpipe (LLVM 15.0.6, 256 bits)");
    status_.setSpeed(41.3, 85);
    status_.setContext(180, 512);
  }

  template <class Pred>
  QList<QQuickItem*> items(Pred pred) const {
    QList<QQuickItem*> out;
    QList<QQuickItem*> todo{window_->contentItem()};
    // Popups (menus, dialogs) live in the overlay, outside the content item.
    if (QQuickItem* overlay = window_->property("overlay").value<QQuickItem*>())
      todo.append(overlay);
    while (!todo.isEmpty()) {
      QQuickItem* item = todo.takeLast();
      if (pred(item)) out.append(item);
      todo.append(item->childItems());
    }
    return out;
  }

  QQuickItem* byAccessibleName(const QString& name) const {
    const auto found = items([&](QQuickItem* item) {
      QAccessibleInterface* a = QAccessible::queryAccessibleInterface(item);
      return visibleInTree(item) && a && a->text(QAccessible::Name) == name;
    });
    return found.isEmpty() ? nullptr : found.first();
  }

  static bool visibleInTree(QQuickItem* item) {
    for (QQuickItem* i = item; i; i = i->parentItem()) {
      if (!i->isVisible()) return false;
    }
    return true;
  }

  QQuickItem* focused() const { return window_->activeFocusItem(); }

  std::unique_ptr<WarningCollector> collector_;
  ui::ConversationsViewModel conversations_;
  ui::ChatViewModel chat_;
  ui::GenerationSettings settings_;
  ui::ModelState model_;
  ui::AppStatus status_;
  QQmlApplicationEngine engine_;
  QQuickWindow* window_ = nullptr;
};

}  // namespace vkchat::test
