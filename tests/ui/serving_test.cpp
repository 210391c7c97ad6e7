// The server switch with the real worker on stories260K: the app serves the model it loaded over
// OpenAI's API while its window chats on the same model. A client (cpp-httplib) is answered
// while the window's own answer is written, both on the one device; the key is asked for; the
// switch and the port are kept in the store's settings; a new context for the model serves it
// again; turned off, the port refuses connections; and a port that is taken says so.
#include <gtest/gtest.h>
#include <httplib.h>

#include <QDir>
#include <QFileInfo>
#include <QTcpServer>
#include <nlohmann/json.hpp>
#include <thread>

#include "controller_harness.h"
#include "support/test_support.h"

namespace vkchat::test {
namespace {

constexpr int kLoadMs = 120000;
constexpr int kAnswerMs = 120000;

quint16 free_port() {
  QTcpServer probe;
  if (!probe.listen(QHostAddress::LocalHost, 0)) throw std::runtime_error("no free port");
  return probe.serverPort();
}

class Serving : public ::testing::Test {
 protected:
  void SetUp() override {
    c_ = &h_.start(/*engine=*/true);
    const QString model = QDir::cleanPath(
        QFileInfo(QString::fromStdString(shared_path("models/stories260K.gguf").string()))
            .absoluteFilePath());
    c_->openModel(model);
    ASSERT_TRUE(QTest::qWaitFor(
        [&] { return c_->modelState()->phase() != ui::ModelState::Phase::Loading; }, kLoadMs));
    ASSERT_EQ(c_->modelState()->phase(), ui::ModelState::Phase::Ready)
        << c_->status()->errorText().toStdString();
  }

  ui::ServingState& serving() { return *c_->modelState()->serving(); }

  // Asks for serving on `port` and waits for the worker's answer.
  void serveOn(int port, const QString& key) {
    emit serving().serveRequested(port, key, true);
    ASSERT_TRUE(QTest::qWaitFor(
        [&] { return serving().serving() || serving().statusText().startsWith("Not serving"); },
        kLoadMs));
  }

  ControllerHarness h_;
  gui::AppController* c_ = nullptr;
};

TEST_F(Serving, AClientAndTheWindowAreAnsweredOnTheOneModelAndOffRefusesConnections) {
  EXPECT_FALSE(serving().enabled());  // off by default
  const int port = free_port();
  serveOn(port, QStringLiteral("k1"));
  ASSERT_TRUE(serving().serving()) << serving().statusText().toStdString();
  const QString url = QStringLiteral("http://127.0.0.1:%1/v1").arg(port);
  EXPECT_EQ(serving().url(), url);
  EXPECT_TRUE(serving().statusText().startsWith("Serving on " + url))
      << serving().statusText().toStdString();

  httplib::Client client("127.0.0.1", port);
  client.set_read_timeout(120, 0);
  const auto unauthorized = client.Get("/v1/models");
  ASSERT_TRUE(unauthorized);
  EXPECT_EQ(unauthorized->status, 401);  // the key is asked for
  const httplib::Headers auth = {{"Authorization", "Bearer k1"}};
  const auto models = client.Get("/v1/models", auth);
  ASSERT_TRUE(models);
  ASSERT_EQ(models->status, 200);
  const std::string name = nlohmann::json::parse(models->body)["data"][0]["id"].get<std::string>();

  // The client's request and the window's message at once, on the one model.
  const nlohmann::json body = {{"model", name},
                               {"messages", {{{"role", "user"}, {"content", "Once upon a time"}}}},
                               {"max_tokens", 48},
                               {"temperature", 0}};
  int status = 0;
  std::string answer, finish;
  std::thread request([&] {
    httplib::Client c("127.0.0.1", port);
    c.set_read_timeout(120, 0);
    const auto r = c.Post("/v1/chat/completions", auth, body.dump(), "application/json");
    if (!r) return;
    status = r->status;
    const nlohmann::json j = nlohmann::json::parse(r->body, nullptr, false);
    if (j.is_discarded() || !j.contains("choices")) return;
    answer = j["choices"][0]["message"]["content"].get<std::string>();
    finish = j["choices"][0]["finish_reason"].get<std::string>();
  });
  c_->settings()->setMaxTokens(48);
  emit c_->chat()->sendRequested(QStringLiteral("Once upon a time"));
  EXPECT_TRUE(c_->chat()->generating());
  EXPECT_TRUE(QTest::qWaitFor([&] { return !c_->chat()->generating(); }, kAnswerMs));
  request.join();
  auto* messages = c_->chat()->messages();
  ASSERT_TRUE(QTest::qWaitFor(
      [&] {
        return messages->rowCount() >= 2 && !messages->at(messages->rowCount() - 1).streaming;
      },
      5000));
  const ui::MessageItem shown = messages->at(messages->rowCount() - 1);
  EXPECT_EQ(shown.role, "assistant");
  EXPECT_FALSE(shown.content.trimmed().isEmpty());
  EXPECT_TRUE(c_->status()->errorText().isEmpty()) << c_->status()->errorText().toStdString();
  EXPECT_EQ(status, 200);
  EXPECT_FALSE(answer.empty());
  EXPECT_TRUE(finish == "stop" || finish == "length") << finish;

  // Kept for next time: on, at this port.
  h_.settle();
  {
    store::ChatStore s = h_.openStore();
    EXPECT_EQ(s.setting("serve_enabled"), std::optional<std::string>("1"));
    EXPECT_EQ(s.setting("serve_port"), std::optional<std::string>(std::to_string(port)));
  }

  // Another context for the model: serving pauses while the session is made again, then serves
  // the model on the same port.
  const int context = c_->modelState()->contextLength() == 256 ? 384 : 256;
  emit c_->modelState()->contextSizeRequested(context);
  ASSERT_TRUE(QTest::qWaitFor(
      [&] {
        return c_->modelState()->phase() == ui::ModelState::Phase::Ready &&
               c_->modelState()->contextLength() == context;
      },
      kLoadMs))
      << c_->status()->errorText().toStdString();
  ASSERT_TRUE(QTest::qWaitFor([&] { return serving().serving(); }, 10000))
      << serving().statusText().toStdString();
  const auto again = client.Get("/v1/models", auth);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 200);

  emit serving().stopRequested();
  ASSERT_TRUE(QTest::qWaitFor(
      [&] { return !serving().serving() && serving().statusText().isEmpty(); }, 10000));
  EXPECT_FALSE(serving().enabled());
  httplib::Client after("127.0.0.1", port);
  const auto refused = after.Get("/health");
  EXPECT_FALSE(refused);
  EXPECT_EQ(refused.error(), httplib::Error::Connection);
  h_.settle();
  EXPECT_EQ(h_.openStore().setting("serve_enabled"), std::optional<std::string>("0"));
}

TEST_F(Serving, APortInUseSaysSo) {
  QTcpServer taken;
  ASSERT_TRUE(taken.listen(QHostAddress::LocalHost, 0));
  serveOn(taken.serverPort(), {});
  EXPECT_FALSE(serving().serving());
  EXPECT_EQ(serving().statusText(),
            QStringLiteral("Not serving: port %1 is in use (by another program, or another vkchat)")
                .arg(taken.serverPort()));
  // The window still chats.
  EXPECT_TRUE(c_->chat()->canSend());

  // Taken by another cpp-httplib server, bound with httplib's default SO_REUSEPORT (which the
  // app and serve leave out): in use too, not shared with it.
  const int port = free_port();
  httplib::Server other;
  ASSERT_TRUE(other.bind_to_port("127.0.0.1", port));
  serveOn(port, {});
  EXPECT_FALSE(serving().serving());
  EXPECT_TRUE(serving().statusText().contains(QStringLiteral("port %1 is in use").arg(port)))
      << serving().statusText().toStdString();
}

}  // namespace
}  // namespace vkchat::test
