// The model picker's server entries in the real window: "Connect to server…" opens the dialog,
// which asks for the server's models with the URL and key typed and connects to the one chosen;
// the servers used before are in the picker and connect again without a key.
#include <gtest/gtest.h>

#include <QSignalSpy>

#include "window_fixture.h"

namespace vkchat::ui {
namespace {

using test::typeText;

class ConnectWindow : public test::WindowFixture {
 protected:
  void click(QQuickItem* item) {
    ASSERT_NE(item, nullptr);
    const QPointF centre = item->mapToScene({item->width() / 2, item->height() / 2});
    QTest::mouseClick(window_, Qt::LeftButton, {}, centre.toPoint());
    QTest::qWait(50);
  }
  void openMenu() {
    click(byAccessibleName("Model: stories260K. Choose another model"));
    QTest::qWait(150);  // the menu's opening
  }
};

TEST_F(ConnectWindow, TheDialogListsTheServersModelsAndConnects) {
  ServerConnections* servers = model_.servers();
  QSignalSpy listed(servers, &ServerConnections::listModelsRequested);
  QSignalSpy connected(servers, &ServerConnections::connectRequested);
  openMenu();
  click(byAccessibleName("Connect to a server's model"));
  QObject* dialog = engine_.rootObjects().constFirst()->findChild<QObject*>("connectDialog");
  ASSERT_NE(dialog, nullptr);
  ASSERT_TRUE(QTest::qWaitFor([&] { return dialog->property("opened").toBool(); }, 2000));

  ASSERT_NE(byAccessibleName("Server URL"), nullptr);
  ASSERT_NE(byAccessibleName("API key"), nullptr);
  click(byAccessibleName("Server URL"));
  typeText(window_, "http://gpu:8080/v1");
  click(byAccessibleName("API key"));
  typeText(window_, "sk-1");
  ASSERT_EQ(byAccessibleName("Server URL")->property("text").toString(), "http://gpu:8080/v1");
  click(byAccessibleName("List models"));
  ASSERT_EQ(listed.count(), 1);
  EXPECT_EQ(listed[0][0].toString(), "http://gpu:8080/v1");
  EXPECT_EQ(listed[0][1].toString(), "sk-1");

  // The controller's answer: an error first, then the list.
  servers->setModels({}, "HTTP 401: bad key (check the API key)");
  QTest::qWait(50);
  EXPECT_NE(byAccessibleName("Model on the server"), nullptr);
  servers->setListing();
  servers->setModels({"qwen-72b", "llama-8b"}, {});
  QTest::qWait(50);
  click(byAccessibleName("Connect"));
  ASSERT_EQ(connected.count(), 1);
  EXPECT_EQ(connected[0][0].toString(), "http://gpu:8080/v1");
  EXPECT_EQ(connected[0][1].toString(), "sk-1");
  EXPECT_EQ(connected[0][2].toString(), "qwen-72b");
  EXPECT_TRUE(connected[0][3].toBool());
  EXPECT_TRUE(QTest::qWaitFor([&] { return !dialog->property("opened").toBool(); }, 2000));
  EXPECT_TRUE(warnings().isEmpty()) << warningText();
}

TEST_F(ConnectWindow, ServersUsedBeforeAreInThePicker) {
  ServerConnections* servers = model_.servers();
  servers->saved()->setItems({{"http://gpu:8080/v1", "qwen-72b"}});
  QSignalSpy connected(servers, &ServerConnections::connectRequested);
  openMenu();
  click(byAccessibleName("Use qwen-72b on http://gpu:8080/v1"));
  ASSERT_EQ(connected.count(), 1);
  EXPECT_EQ(connected[0][0].toString(), "http://gpu:8080/v1");
  EXPECT_EQ(connected[0][2].toString(), "qwen-72b");
  EXPECT_FALSE(connected[0][3].toBool());  // the key kept for it
  EXPECT_TRUE(warnings().isEmpty()) << warningText();
}

}  // namespace
}  // namespace vkchat::ui
