// The app chatting through a remote connection: `vkchat-cli serve` on stories260K, started by
// each test on a free port with an API key, and the controller with its real worker connecting
// to it as the "Connect to server…" dialog does (list the models, connect). An answer streams and
// is saved with the server as its record, Stop closes the request, Regenerate makes a branch, the
// key is kept (in the test's file: no secret service) and found again, and a server killed
// mid-answer leaves the partial answer saved and marked failed with the reason shown and stored
// (shown again when the conversation is opened in a later run). A wrong
// key, an unknown model, a refused connection and a silent server each say what happened.
#include <gtest/gtest.h>
#include <sys/prctl.h>

#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QProcess>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <chrono>
#include <csignal>
#include <thread>

#include "controller_harness.h"
#include "remote/openai_client.h"
#include "remote_backend.h"
#include "support/test_support.h"

namespace vkchat::test {
namespace {

constexpr int kConnectMs = 60000;
constexpr int kAnswerMs = 60000;
const QString kKey = QStringLiteral("test-key-123");

quint16 free_port() {
  QTcpServer probe;
  if (!probe.listen(QHostAddress::LocalHost, 0)) throw std::runtime_error("no free port");
  return probe.serverPort();
}

// `vkchat-cli serve -m stories260K --api-key KEY` on a free port, ready when it answers
// /v1/models; killed at the end.
class Serve {
 public:
  Serve() : port_(free_port()) {
    const QString model = QString::fromStdString(shared_path("models/stories260K.gguf").string());
    proc_.setProgram(QString::fromStdString(cli_path().string()));
    proc_.setArguments({"serve", "-m", model, "--port", QString::number(port_), "--api-key", kKey});
    proc_.setProcessChannelMode(QProcess::ForwardedChannels);
    // A test that dies leaves no server behind.
    proc_.setChildProcessModifier([] { ::prctl(PR_SET_PDEATHSIG, SIGKILL); });
    proc_.start();
    if (!proc_.waitForStarted(10000)) throw std::runtime_error("vkchat-cli serve did not start");
    remote::Client client(remote::Endpoint{.url = url().toStdString(),
                                           .api_key = kKey.toStdString(),
                                           .connect_timeout_s = 1,
                                           .read_timeout_s = 30});
    for (int i = 0; i < 600; ++i) {
      try {
        const std::vector<std::string> models = client.list_models();
        if (models.size() != 1) throw std::runtime_error("serve lists more than its model");
        model_ = QString::fromStdString(models[0]);
        return;
      } catch (const remote::RemoteError&) {
        if (proc_.state() != QProcess::Running) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
    }
    throw std::runtime_error("vkchat-cli serve did not come up on port " + std::to_string(port_));
  }
  ~Serve() { kill(); }

  QString url() const { return QStringLiteral("http://127.0.0.1:%1/v1").arg(port_); }
  QString model() const { return model_; }  // the one model it lists
  void kill() {
    if (proc_.state() == QProcess::NotRunning) return;
    proc_.kill();
    proc_.waitForFinished(5000);
  }

 private:
  quint16 port_;
  QProcess proc_;
  QString model_;
};

// A server of our own on the GUI thread: lists one model ("fake"), and answers a chat with one
// streamed piece ("Once") and then nothing, keeping the connection open: a server that stalls.
class StallingServer {
 public:
  StallingServer() {
    if (!server_.listen(QHostAddress::LocalHost, 0)) throw std::runtime_error("no port");
    QObject::connect(&server_, &QTcpServer::newConnection, &server_, [this] {
      while (QTcpSocket* s = server_.nextPendingConnection()) {
        QObject::connect(s, &QTcpSocket::readyRead, s, [s] { answer(s); });
      }
    });
  }
  QString url() const { return QStringLiteral("http://127.0.0.1:%1/v1").arg(server_.serverPort()); }

 private:
  static void answer(QTcpSocket* s) {
    const QByteArray request = s->readAll();
    if (request.startsWith("GET /v1/models")) {
      const QByteArray body = R"({"object":"list","data":[{"id":"fake","object":"model"}]})";
      s->write(
          "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n"
          "Content-Length: " +
          QByteArray::number(body.size()) + "\r\n\r\n" + body);
      s->disconnectFromHost();
    } else if (request.startsWith("POST /v1/chat/completions")) {
      const QByteArray event = R"(data: {"choices":[{"index":0,"delta":{"content":"Once"}}]})"
                               "\n\n";
      s->write(
          "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
          "Transfer-Encoding: chunked\r\n\r\n" +
          QByteArray::number(event.size(), 16) + "\r\n" + event + "\r\n");
    }
  }

  QTcpServer server_;
};

class RemoteFlow : public ::testing::Test {
 protected:
  void SetUp() override { c_ = &h_.start(/*engine=*/true); }

  ui::ServerConnections* servers() { return c_->modelState()->servers(); }

  // As the dialog does: the server's models, listed with `key`.
  QStringList listModels(const QString& url, const QString& key) {
    emit servers()->listModelsRequested(url, key);
    EXPECT_TRUE(servers()->listing());
    EXPECT_TRUE(QTest::qWaitFor([&] { return !servers()->listing(); }, kConnectMs));
    return servers()->models();
  }

  // Connects and waits for the model to be ready or the load to fail.
  void connectTo(const QString& url, const QString& key, const QString& model, bool keyGiven) {
    emit servers()->connectRequested(url, key, model, keyGiven);
    EXPECT_EQ(c_->modelState()->phase(), ui::ModelState::Phase::Loading);
    EXPECT_TRUE(QTest::qWaitFor(
        [&] { return c_->modelState()->phase() != ui::ModelState::Phase::Loading; }, kConnectMs));
  }

  ui::MessageItem waitForAnswer() {
    EXPECT_TRUE(QTest::qWaitFor([&] { return !c_->chat()->generating(); }, kAnswerMs));
    auto* messages = c_->chat()->messages();
    EXPECT_TRUE(QTest::qWaitFor(
        [&] {
          return messages->rowCount() > 0 && !messages->at(messages->rowCount() - 1).streaming;
        },
        5000));
    h_.settle();
    return messages->at(messages->rowCount() - 1);
  }

  // Sends `text` and, once the first text of the answer shows, runs `then` (Stop, a kill).
  ui::MessageItem askAndInterrupt(const QString& text, const std::function<void()>& then) {
    c_->settings()->setMaxTokens(4000);
    emit c_->chat()->sendRequested(text);
    auto* messages = c_->chat()->messages();
    EXPECT_TRUE(QTest::qWaitFor(
        [&] {
          // The new answer's row, not the last one of the branch shown before it.
          const int last = messages->rowCount() - 1;
          return last >= 0 && messages->at(last).streaming && !messages->at(last).content.isEmpty();
        },
        kAnswerMs));
    then();
    return waitForAnswer();
  }

  ControllerHarness h_;
  gui::AppController* c_ = nullptr;
};

TEST_F(RemoteFlow, ChatsStopsAndRegeneratesThroughTheServer) {
  Serve serve;
  const QStringList models = listModels(serve.url(), kKey);
  ASSERT_EQ(models, QStringList{serve.model()}) << servers()->problem().toStdString();
  connectTo(serve.url(), kKey, models[0], true);
  ASSERT_EQ(c_->modelState()->phase(), ui::ModelState::Phase::Ready)
      << c_->status()->errorText().toStdString();
  EXPECT_TRUE(c_->modelState()->remote());
  EXPECT_EQ(c_->modelState()->name(), serve.model());
  EXPECT_EQ(c_->status()->deviceName(), serve.url());
  // Kept in the test's file (the harness asks no secret service), and the window says so.
  EXPECT_EQ(h_.secrets().lookup(serve.url().toStdString()), kKey.toStdString());
  EXPECT_TRUE(c_->status()->noticeText().contains("remote-keys.json"))
      << c_->status()->noticeText().toStdString();
  ASSERT_TRUE(QTest::qWaitFor([&] { return servers()->saved()->rowCount() == 1; }, 5000));
  EXPECT_EQ(servers()->saved()->at(0).url, serve.url());

  // A whole answer, with the server as its record.
  c_->settings()->setMaxTokens(24);
  c_->settings()->setTemperature(0.0);
  emit c_->chat()->sendRequested("Once upon a time");
  EXPECT_TRUE(c_->chat()->generating());
  const ui::MessageItem answer = waitForAnswer();
  EXPECT_FALSE(answer.content.trimmed().isEmpty());
  EXPECT_TRUE(c_->status()->errorText().isEmpty()) << c_->status()->errorText().toStdString();
  EXPECT_TRUE(answer.provenance.contains("Server: " + serve.url()))
      << answer.provenance.toStdString();
  EXPECT_TRUE(answer.command.isEmpty());  // no `generate` line writes a server's answer again
  store::ChatStore s = h_.openStore();
  const store::Message saved = s.message(answer.id);
  EXPECT_TRUE(saved.complete);
  EXPECT_EQ(QString::fromStdString(saved.content), answer.content);
  ASSERT_TRUE(saved.stats.has_value());
  EXPECT_EQ(saved.stats->finish_reason, store::FinishReason::Length);  // 24 tokens
  EXPECT_EQ(saved.token_count, 24);
  EXPECT_GT(saved.stats->time_to_first_token_ms, 0);
  // The server's logprobs as the answer's tokens (the token view): text, probability and the
  // alternatives the window asks for (5 by default).
  const std::vector<store::AnswerToken> tokens =
      store::decode_answer_tokens(saved.answer_tokens).value_or(std::vector<store::AnswerToken>{});
  ASSERT_EQ(tokens.size(), 24u);
  std::string joined;
  for (const store::AnswerToken& t : tokens) {
    ASSERT_TRUE(t.p.has_value());
    EXPECT_GT(*t.p, 0);
    EXPECT_LE(*t.p, 1);
    EXPECT_EQ(t.alternatives.size(), 5u);
    joined += t.text;
  }
  EXPECT_EQ(QString::fromStdString(joined), answer.content);
  ASSERT_TRUE(saved.provenance.has_value());
  EXPECT_EQ(QString::fromStdString(saved.provenance->model_path), serve.model());
  EXPECT_EQ(QString::fromStdString(saved.provenance->device), serve.url());
  EXPECT_EQ(QString::fromStdString(s.conversation(saved.conversation_id).model_path),
            serve.model() + " @ " + serve.url());

  // Regenerate: a second branch of the same answer, written by the server too.
  emit c_->chat()->regenerateRequested(answer.id);
  const ui::MessageItem again = waitForAnswer();
  EXPECT_NE(again.id, answer.id);
  EXPECT_EQ(again.siblingCount, 2);
  EXPECT_FALSE(again.content.isEmpty());

  // Edit the question: a second branch from it, answered by the server.
  auto* messages = c_->chat()->messages();
  const qint64 question = messages->at(messages->rowCount() - 2).id;
  emit c_->chat()->editRequested(question, "Once upon a time, a cat");
  EXPECT_TRUE(c_->chat()->generating());
  const ui::MessageItem edited = waitForAnswer();
  EXPECT_FALSE(edited.content.isEmpty());
  EXPECT_EQ(messages->at(messages->rowCount() - 2).content, "Once upon a time, a cat");
  EXPECT_EQ(messages->at(messages->rowCount() - 2).siblingCount, 2);

  // Stop closes the request: the answer ends early, kept and marked stopped.
  const ui::MessageItem stopped =
      askAndInterrupt("Tell me a long story", [&] { emit c_->chat()->stopRequested(); });
  const store::Message kept = h_.openStore().message(stopped.id);
  ASSERT_TRUE(kept.stats.has_value());
  EXPECT_EQ(kept.stats->finish_reason, store::FinishReason::Cancelled);
  EXPECT_FALSE(kept.content.empty());
  EXPECT_LT(kept.token_count, 400);
  EXPECT_TRUE(stopped.details.contains("stopped")) << stopped.details.toStdString();
  EXPECT_TRUE(c_->status()->errorText().isEmpty()) << c_->status()->errorText().toStdString();

  // The connection again from the picker's list: the key is found, not typed.
  connectTo(serve.url(), {}, serve.model(), false);
  ASSERT_EQ(c_->modelState()->phase(), ui::ModelState::Phase::Ready)
      << c_->status()->errorText().toStdString();
}

TEST_F(RemoteFlow, AServerKilledMidAnswerLeavesThePartialAnswerMarked) {
  Serve serve;
  connectTo(serve.url(), kKey, serve.model(), true);
  ASSERT_EQ(c_->modelState()->phase(), ui::ModelState::Phase::Ready)
      << c_->status()->errorText().toStdString();
  const ui::MessageItem answer = askAndInterrupt("Once upon a time", [&] { serve.kill(); });
  EXPECT_FALSE(answer.content.isEmpty());
  EXPECT_TRUE(answer.details.contains("failed")) << answer.details.toStdString();
  const QString error = c_->status()->errorText();
  EXPECT_TRUE(error.contains("The answer failed")) << error.toStdString();
  EXPECT_TRUE(error.contains("connection") || error.contains("closed")) << error.toStdString();
  const store::Message saved = h_.openStore().message(answer.id);
  EXPECT_TRUE(saved.complete);
  EXPECT_EQ(QString::fromStdString(saved.content), answer.content);
  ASSERT_TRUE(saved.stats.has_value());
  EXPECT_EQ(saved.stats->finish_reason, store::FinishReason::Error);
  // Why is stored with it, as the banner said it.
  const QString why = QString::fromStdString(saved.stats->error);
  EXPECT_FALSE(why.isEmpty());
  EXPECT_EQ(error, QStringLiteral("The answer failed: %1").arg(why)) << error.toStdString();
  const qint64 conversation = c_->conversations()->currentId();
  // The next question finds no server, and says so; nothing is lost.
  emit c_->chat()->sendRequested("Are you there?");
  const ui::MessageItem next = waitForAnswer();
  EXPECT_TRUE(c_->status()->errorText().contains("could not connect"))
      << c_->status()->errorText().toStdString();
  EXPECT_EQ(QString::fromStdString(h_.openStore().message(answer.id).content), answer.content);
  (void)next;

  // Opened again in a later run of the app, the answer still says why it failed: the banner of
  // then is long gone, the stored reason is on the answer's line.
  c_ = &h_.start(/*engine=*/true);
  emit c_->conversations()->selectRequested(conversation);
  auto* messages = c_->chat()->messages();
  ui::MessageItem reopened;
  ASSERT_TRUE(QTest::qWaitFor(
      [&] {
        for (int i = 0; i < messages->rowCount(); ++i) {
          if (messages->at(i).id == answer.id) reopened = messages->at(i);
        }
        return reopened.id == answer.id;
      },
      10000));
  EXPECT_TRUE(c_->status()->errorText().isEmpty()) << c_->status()->errorText().toStdString();
  EXPECT_EQ(reopened.content, answer.content);
  EXPECT_TRUE(reopened.details.contains(QStringLiteral("failed: %1").arg(why)))
      << reopened.details.toStdString();
}

TEST_F(RemoteFlow, AWrongKeyAnUnknownModelAndNoServerSayWhy) {
  Serve serve;
  // The dialog's list, with a wrong key.
  EXPECT_TRUE(listModels(serve.url(), "wrong").isEmpty());
  EXPECT_TRUE(servers()->problem().contains("401")) << servers()->problem().toStdString();
  EXPECT_TRUE(servers()->problem().contains("API key")) << servers()->problem().toStdString();

  // Connecting with it: no model, the reason in the banner.
  connectTo(serve.url(), "wrong", serve.model(), true);
  EXPECT_EQ(c_->modelState()->phase(), ui::ModelState::Phase::Empty);
  EXPECT_TRUE(c_->status()->errorText().contains("401")) << c_->status()->errorText().toStdString();

  // A model the server does not serve.
  const QString served = serve.model();
  connectTo(serve.url(), kKey, "llama-70b", true);
  EXPECT_EQ(c_->modelState()->phase(), ui::ModelState::Phase::Empty);
  EXPECT_TRUE(c_->status()->errorText().contains("does not serve a model named 'llama-70b'"))
      << c_->status()->errorText().toStdString();
  EXPECT_TRUE(c_->status()->errorText().contains("it serves " + served))
      << c_->status()->errorText().toStdString();

  // Nothing listening there.
  const QString nobody = QStringLiteral("http://127.0.0.1:%1/v1").arg(free_port());
  connectTo(nobody, {}, "x", true);
  EXPECT_TRUE(c_->status()->errorText().contains("could not connect"))
      << c_->status()->errorText().toStdString();

  // A server that takes the connection and never answers: a timeout, after the time set.
  QTcpServer silent;
  ASSERT_TRUE(silent.listen(QHostAddress::LocalHost, 0));
  c_->modelPart().setRemoteReadTimeout(1);
  connectTo(QStringLiteral("http://127.0.0.1:%1/v1").arg(silent.serverPort()), {}, "x", true);
  EXPECT_TRUE(c_->status()->errorText().contains("did not answer within 1 s"))
      << c_->status()->errorText().toStdString();

  // Not an http URL.
  connectTo(QStringLiteral("ftp://example"), {}, "x", true);
  EXPECT_TRUE(c_->status()->errorText().contains("http://"))
      << c_->status()->errorText().toStdString();
}

TEST_F(RemoteFlow, AStallingServerTimesOutOrIsStoppedAndThePartialAnswerIsKept) {
  StallingServer stalling;
  c_->modelPart().setRemoteReadTimeout(1);
  connectTo(stalling.url(), {}, "fake", true);
  ASSERT_EQ(c_->modelState()->phase(), ui::ModelState::Phase::Ready)
      << c_->status()->errorText().toStdString();
  // One piece, then silence past the read timeout: kept, marked failed, and said.
  emit c_->chat()->sendRequested("Hi");
  const ui::MessageItem timedOut = waitForAnswer();
  EXPECT_EQ(timedOut.content, "Once");
  EXPECT_TRUE(timedOut.details.contains("failed")) << timedOut.details.toStdString();
  EXPECT_TRUE(c_->status()->errorText().contains("stopped sending for 1 s"))
      << c_->status()->errorText().toStdString();
  const store::Message saved = h_.openStore().message(timedOut.id);
  EXPECT_EQ(saved.content, "Once");
  ASSERT_TRUE(saved.stats.has_value());
  EXPECT_EQ(saved.stats->finish_reason, store::FinishReason::Error);

  // Stop while the server is silent closes the request at once, not after the timeout.
  c_->modelPart().setRemoteReadTimeout(60);
  connectTo(stalling.url(), {}, "fake", true);
  ASSERT_EQ(c_->modelState()->phase(), ui::ModelState::Phase::Ready);
  QElapsedTimer sinceStop;
  const ui::MessageItem stopped = askAndInterrupt("Again", [&] {
    sinceStop.start();
    emit c_->chat()->stopRequested();
  });
  EXPECT_LT(sinceStop.elapsed(), 10000);
  EXPECT_EQ(stopped.content, "Once");
  const store::Message kept = h_.openStore().message(stopped.id);
  ASSERT_TRUE(kept.stats.has_value());
  EXPECT_EQ(kept.stats->finish_reason, store::FinishReason::Cancelled);
}

// What a request carries: the branch (with an answer's reasoning, for the server's template),
// every sampler setting, the seed, the reasoning switches and the token probabilities asked for.
TEST(RemoteBackend, TheRequestCarriesTheConversationsSettings) {
  gui::GenerationRequest r;
  r.turns = {{store::Role::System, "Be brief.", {}},
             {store::Role::User, "Hi", {}},
             {store::Role::Assistant, "Hello", "greet back"},
             {store::Role::User, "Again", {}}};
  r.sampling.temperature = 0.25;
  r.sampling.top_p = 0.5;
  r.sampling.top_k = 7;
  r.sampling.min_p = 0.1;
  r.sampling.repeat_penalty = 1.2;
  r.sampling.max_tokens = 33;
  r.sampling.seed = 99;
  r.enableThinking = false;
  r.reasoningEffort = "low";
  const nlohmann::json b = gui::RemoteBackend::request_body(r, "m", true);
  EXPECT_EQ(b["model"], "m");
  ASSERT_EQ(b["messages"].size(), 4u);
  EXPECT_EQ(b["messages"][0]["role"], "system");
  EXPECT_EQ(b["messages"][2]["reasoning_content"], "greet back");
  EXPECT_FALSE(b["messages"][1].contains("reasoning_content"));
  EXPECT_DOUBLE_EQ(b["temperature"].get<double>(), 0.25);
  EXPECT_DOUBLE_EQ(b["top_p"].get<double>(), 0.5);
  EXPECT_EQ(b["top_k"], 7);
  EXPECT_DOUBLE_EQ(b["min_p"].get<double>(), 0.1);
  EXPECT_DOUBLE_EQ(b["repeat_penalty"].get<double>(), 1.2);
  EXPECT_EQ(b["max_tokens"], 33);
  EXPECT_EQ(b["seed"], 99);
  EXPECT_EQ(b["chat_template_kwargs"]["enable_thinking"], false);
  EXPECT_EQ(b["reasoning_effort"], "low");
  EXPECT_EQ(b["logprobs"], true);
  EXPECT_EQ(b["top_logprobs"], gui::RemoteBackend::kTopLogprobs);
  EXPECT_FALSE(gui::RemoteBackend::request_body(r, "m", false).contains("logprobs"));
}

// A stream's chunks as servers send them: vLLM's `reasoning`, token probabilities, the
// finish_reason and the usage chunk; anything of another shape is nothing.
TEST(RemoteClient, ChunksOfEveryServersShapeAreRead) {
  using nlohmann::json;
  remote::StreamEnd end;
  remote::Delta d =
      remote::parse_chunk(json::parse(R"({"choices":[{"delta":{"reasoning":"hmm"}}]})"), end);
  EXPECT_EQ(d.reasoning, "hmm");
  d = remote::parse_chunk(json::parse(R"({"choices":[{"delta":{"content":"Hi"},
      "logprobs":{"content":[{"token":"Hi","logprob":-0.5,
      "top_logprobs":[{"token":"Hi","logprob":-0.5},{"token":"Yo","logprob":-1.5}]}]}}]})"),
                          end);
  EXPECT_EQ(d.content, "Hi");
  ASSERT_EQ(d.logprobs.size(), 1u);
  EXPECT_DOUBLE_EQ(d.logprobs[0].logprob, -0.5);
  ASSERT_EQ(d.logprobs[0].top.size(), 2u);
  EXPECT_EQ(d.logprobs[0].top[1].first, "Yo");
  d = remote::parse_chunk(json::parse(R"({"choices":[{"delta":{},"finish_reason":"length"}]})"),
                          end);
  EXPECT_EQ(end.finish_reason, "length");
  remote::parse_chunk(json::parse(R"({"choices":[],"usage":{"prompt_tokens":5,
      "completion_tokens":9}})"),
                      end);
  EXPECT_EQ(end.prompt_tokens, 5);
  EXPECT_EQ(end.completion_tokens, 9);
  for (const char* odd : {R"([1,2])", R"({"choices":"x"})", R"({"choices":[{"delta":[1]}]})",
                          R"({"choices":[{"delta":{"content":5}}]})"}) {
    d = remote::parse_chunk(json::parse(odd), end);
    EXPECT_TRUE(d.content.empty() && d.reasoning.empty()) << odd;
  }
  EXPECT_EQ(remote::error_message(R"({"error":{"message":"bad key"}})"), "bad key");
  EXPECT_EQ(remote::error_message(R"({"error":"gone"})"), "gone");  // Ollama's
}

}  // namespace
}  // namespace vkchat::test
