// The inference worker's server switch: the local model served over OpenAI's API beside the
// window's session (LocalServer), started, moved and stopped as the loaded model changes.
#include <QLocale>
#include <cerrno>
#include <cstring>
#include <exception>
#include <string>

#include "inference_worker.h"
#include "secret_store.h"
#include "server/openai_server.h"
#include "util/errors.h"
#include "worker_engine.h"

namespace vkchat::gui {

// The name the served API key is kept under in the SecretStore (its keys are URLs otherwise).
static constexpr const char* kServeKeyName = "vkchat-serve:app-server";

void InferenceWorker::setServing(bool on, int port, const QString& apiKey, bool keyGiven) {
  serveOn_ = on;
  servePort_ = port;
  serveNote_.clear();
  serveKey_ = apiKey.toStdString();
  if (secrets_) {
    try {
      if (keyGiven) {
        secrets_->save(kServeKeyName, serveKey_);
      } else {
        serveKey_ = secrets_->lookup(kServeKeyName).value_or(std::string());
      }
    } catch (const std::exception& e) {
      serveNote_ = tr("the API key could not be kept (%1)").arg(QString::fromUtf8(e.what()));
    }
  }
  applyServing();
}

void InferenceWorker::stopServingFor(const QString& why) {
  if (!engine_->served) return;
  engine_->served.reset();
  emit servingChanged({}, false, tr("Not serving while %1").arg(why));
}

void InferenceWorker::applyServing() {
  LocalServer* running = engine_->served.get();
  if (running &&
      (!serveOn_ || remote_ || running->port() != servePort_ || running->apiKey() != serveKey_)) {
    engine_->served.reset();
    running = nullptr;
  }
  if (!serveOn_) {
    emit servingChanged({}, false, {});
    return;
  }
  if (remote_) {
    emit servingChanged({}, false,
                        tr("Not serving: the model answering is on a server; serving needs a "
                           "model loaded here"));
    return;
  }
  if (!engine_->session) {
    emit servingChanged({}, false, tr("Serving starts once a model is loaded"));
    return;
  }
  if (!running) {
    try {
      // The slot renders with the window's template (a --chat-template-file).
      const auto setup = [this](chat::ChatSession& slot) {
        if (chatTemplateFile_.isEmpty()) return;
        const chat::ChatTemplate& own = engine_->session->chat_template();
        slot.set_chat_template(chat::ChatTemplate::from_source(
            own.source(), own.bos_token(), own.eos_token(), chatTemplateFile_.toStdString()));
      };
      engine_->served = std::make_unique<LocalServer>(*engine_->model, engine_->turns, servePort_,
                                                      serveKey_, setup);
    } catch (const server::ListenError& e) {
      emit servingChanged(
          {}, false,
          e.error() == EADDRINUSE
              ? tr("Not serving: port %1 is in use (by another program, or another vkchat)")
                    .arg(servePort_)
              : tr("Not serving: %1 (%2)")
                    .arg(QString::fromUtf8(e.what()), QString::fromUtf8(std::strerror(e.error()))));
      return;
    } catch (const InsufficientMemory& e) {
      emit servingChanged(
          {}, false,
          tr("Not serving: a second KV cache does not fit beside the model "
             "(%1 needed, %2 available); a smaller context size may fit")
              .arg(QLocale().formattedDataSize(static_cast<qint64>(e.needed())),
                   QLocale().formattedDataSize(static_cast<qint64>(e.available()))));
      return;
    } catch (const std::exception& e) {
      emit servingChanged({}, false, tr("Not serving: %1").arg(QString::fromUtf8(e.what())));
      return;
    }
  }
  emit servingChanged(QString::fromStdString(engine_->served->url()), !serveKey_.empty(),
                      serveNote_);
}

}  // namespace vkchat::gui
