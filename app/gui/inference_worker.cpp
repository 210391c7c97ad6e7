#include "inference_worker.h"

#include <QDateTime>
#include <QFile>
#include <QFileInfo>
#include <algorithm>
#include <exception>
#include <map>

#include "app_controller.h"
#include "chat/chat_session.h"
#include "inference_backend.h"
#include "llm/model.h"
#include "llm/session.h"
#include "remote_backend.h"
#include "secret_store.h"
#include "token_coalescer.h"
#include "util/errors.h"
#include "view_mapping.h"
#include "vk/device_info.h"
#include "vk/instance.h"
#include "worker_engine.h"

namespace vkchat::gui {
namespace {

// What the file is, for the conversation's record until its SHA-256 is known: its size and
// modification time, cheap to take and changed by any rewrite of the file. The SHA-256 comes
// later from ModelHasher, in the background (hashing gigabytes here would delay every load).
QString file_identity(const QString& path) {
  const QFileInfo info(path);
  return QStringLiteral("size:%1;mtime:%2")
      .arg(info.size())
      .arg(info.lastModified().toMSecsSinceEpoch());
}

LoadedModel loaded_model(const llm::Model& model, const chat::ChatSession& session,
                         const QString& path) {
  const llm::ModelSummary& s = model.summary();
  const std::int64_t n_ctx = session.n_ctx();
  LoadedModel m;
  m.path = path;
  // The file's name is what people picked and recognise; general.name is often generic.
  m.name = QFileInfo(path).completeBaseName();
  m.architecture = qstr(s.arch);
  m.quant = qstr(s.file_type);
  m.hash = file_identity(path);
  m.fileSize = QFileInfo(path).size();
  m.parameters = static_cast<qint64>(s.n_params);
  m.contextLength = static_cast<int>(n_ctx);
  m.trainedContext = static_cast<int>(s.n_ctx_train);
  const std::uint64_t kv = llm::Session::kv_bytes(model.hparams(), n_ctx);
  // What one more position costs, measured over as many again: sliding-window layers keep the
  // same ring whatever the context, so only the global layers grow.
  const std::int64_t per = std::max<std::int64_t>(1, n_ctx);
  const std::uint64_t kv2 = llm::Session::kv_bytes(model.hparams(), 2 * per);
  m.bytesPerPosition =
      static_cast<qint64>((kv2 > kv ? kv2 - kv : 0) / static_cast<std::uint64_t>(per));
  m.memoryEstimate = static_cast<qint64>(s.memory.weights + kv + s.memory.scratch);
  m.deviceBudget = static_cast<qint64>(s.budget);
  m.deviceName = qstr(s.device);
  m.hasThinkingSwitch = session.chat_template().uses_variable("enable_thinking");
  m.hasEffortSwitch = session.chat_template().uses_variable("reasoning_effort");
  return m;
}

}  // namespace

std::optional<ContextMeasure> InferenceWorker::Engine::measure(const GenerationRequest& request) {
  const std::lock_guard turn(turns);
  chat::ChatOptions options = session->options();
  options.max_tokens = request.sampling.max_tokens;
  session->set_options(std::move(options));
  const std::vector<chat::Message> messages = messages_of(request.turns);
  const chat::ContextUse use = session->measure(messages);
  ContextMeasure m;
  m.promptTokens = static_cast<int>(use.prompt_tokens);
  m.firstRendered = static_cast<int>(use.first_rendered);
  m.fits = use.fits;
  return m;
}

GenerationResult InferenceWorker::Engine::generate(const GenerationRequest& request,
                                                   AnswerSink& sink) {
  chat::ChatOptions options;
  options.sampling = sampler_settings(request.sampling);
  options.max_tokens = request.sampling.max_tokens;
  options.switches = template_switches(request);
  options.split_reasoning = true;
  options.alternatives = static_cast<std::size_t>(std::max(request.alternatives, 0));
  // The device is the served slot's too: this session holds it while it computes and hands it
  // over between tokens and prefill chunks, as the slots do (slot_pool.h). Uncontended (not
  // serving, or no request) it costs a lock per token.
  std::unique_lock turn(turns);
  const auto yield = [&turn] {
    turn.unlock();
    turn.lock();
  };
  session->set_options(std::move(options));
  session->set_messages(messages_of(request.turns));
  session->set_prefill_progress([&](std::int64_t done, std::int64_t total) {
    sink.prefill(static_cast<int>(done), static_cast<int>(total));
    yield();
  });
  session->set_between_tokens(yield);
  // The hooks refer to `sink` and `turn`: gone with this call, however it ends.
  struct ClearHooks {
    chat::ChatSession& s;
    ~ClearHooks() {
      s.set_prefill_progress({});
      s.set_between_tokens({});
    }
  } clear{*session};
  const auto onPiece = [&](const chat::Piece& piece) {
    sink.piece(piece.text, piece.reasoning, static_cast<int>(piece.tokens));
  };
  // A branch from a token of an earlier answer begins with that answer's tokens up to it.
  const chat::TurnResult r = request.answerStart.empty()
                                 ? session->respond(onPiece)
                                 : session->respond_from(request.answerStart, onPiece);
  GenerationResult result;
  result.text = QString::fromStdString(r.text);
  result.tokenCount = static_cast<int>(r.stats.tokens_generated);
  result.reasoning = QString::fromStdString(r.reasoning);
  result.reasoningTokens = static_cast<int>(r.stats.reasoning_tokens);
  result.reasoningMs = r.stats.reasoning_ms;
  result.stats.prefill_tokens_per_s = r.stats.prefill_tps;
  result.stats.decode_tokens_per_s = r.stats.decode_tps;
  result.stats.time_to_first_token_ms = r.stats.ttft_ms;
  result.stats.finish_reason = finish_reason(r.finish);
  result.contextUsed = static_cast<int>(r.stats.position);
  result.promptTokens = static_cast<int>(r.stats.prompt_tokens);
  result.tokensReused = static_cast<int>(r.stats.tokens_reused);
  result.firstRendered = static_cast<int>(session->first_rendered());
  result.error = QString::fromStdString(r.message);
  result.prompt = session->last_prompt();
  result.answerTokens = answer_tokens(r.choices);
  return result;
}

namespace {

// The worker's end of a backend's stream: reasoning and answer go out as two kinds of batches
// (TokenCoalescer); a change of kind sends what the other kind holds first, so the window gets
// them in the order they were written. It keeps what was sent, for an answer that stops or fails.
class WorkerSink : public AnswerSink {
 public:
  WorkerSink(InferenceWorker& worker, qint64 id) : worker_(worker), id_(id) {}

  void prefill(int done, int total) override { emit worker_.prefillProgress(id_, done, total); }

  void piece(std::string_view text, bool reasoning, int tokens) override {
    count_ = tokens;
    const auto now = TokenCoalescer::Clock::now();
    if (reasoning) {
      flushAnswer();
      reasoningCount_ = tokens;
      streamedReasoning_.append(text);
      if (auto batch = reasoningBatches_.add(text, now)) {
        emit worker_.reasoning(id_, QString::fromStdString(*batch), reasoningCount_);
      }
    } else {
      flushReasoning();
      streamed_.append(text);
      if (auto batch = answerBatches_.add(text, now)) {
        emit worker_.tokens(id_, QString::fromStdString(*batch), count_);
      }
    }
  }

  void keepStreamed(GenerationResult& result) override {
    flush();
    result.text = QString::fromStdString(streamed_);
    result.tokenCount = count_;
    result.reasoning = QString::fromStdString(streamedReasoning_);
    result.reasoningTokens = reasoningCount_;
  }

  void flush() {
    flushReasoning();
    flushAnswer();
  }

 private:
  void flushAnswer() {
    const std::string rest = answerBatches_.finish();
    if (!rest.empty()) emit worker_.tokens(id_, QString::fromStdString(rest), count_);
  }
  void flushReasoning() {
    const std::string rest = reasoningBatches_.finish();
    if (!rest.empty()) emit worker_.reasoning(id_, QString::fromStdString(rest), reasoningCount_);
  }

  InferenceWorker& worker_;
  qint64 id_;
  TokenCoalescer answerBatches_, reasoningBatches_;
  int count_ = 0;
  int reasoningCount_ = 0;
  std::string streamed_, streamedReasoning_;  // what the window has been sent
};

}  // namespace

InferenceWorker::InferenceWorker(int device, double prefillChunkSeconds, QString chatTemplateFile,
                                 SecretStore* secrets)
    : engine_(std::make_unique<Engine>()),
      secrets_(secrets),
      device_(device),
      prefillChunkSeconds_(prefillChunkSeconds),
      chatTemplateFile_(std::move(chatTemplateFile)) {}

InferenceWorker::~InferenceWorker() = default;

static_assert(InferenceWorker::kMaxAlternatives == static_cast<int>(sampler::kMaxAlternatives));

void InferenceWorker::setAlternatives(int k) {
  alternatives_.store(std::clamp(k, 0, kMaxAlternatives));
}

void InferenceWorker::cancel(qint64 requestId) {
  // Publish the id first, then look at what runs: with begin() doing the opposite, one of the two
  // always sees the other, so a cancel can never fall between them.
  cancelled_.store(requestId);
  if (running_.load() != requestId) return;
  stop_.store(true);
  // A server may be silent for long (reading a long prompt): its connection closes now.
  const std::lock_guard lock(backendMutex_);
  if (remote_) remote_->abort();
}

InferenceBackend* InferenceWorker::backend() {
  if (remote_) return remote_.get();
  return engine_->session ? engine_.get() : nullptr;
}

void InferenceWorker::shutdown() {
  closing_.store(true);
  stop_.store(true);
  const std::lock_guard lock(backendMutex_);
  if (remote_) remote_->abort();  // the app does not wait out a silent server
}

const std::atomic<bool>* InferenceWorker::begin(qint64 requestId) {
  running_.store(requestId);
  stop_.store(closing_.load() || cancelled_.load() == requestId);
  return &stop_;
}

void InferenceWorker::releaseEngine() {
  engine_->served.reset();  // it serves the model that goes
  engine_->session.reset();
  engine_->model.reset();
  engine_->path.clear();
  const std::lock_guard lock(backendMutex_);
  remote_.reset();
}

void InferenceWorker::probeDevice() {
  try {
    const vk::ContextOptions options = vk::ContextOptions::from_env();
    const vk::Instance instance = vk::Instance::create(false);
    const std::vector<vk::DeviceInfo> devices = vk::list_devices(instance);
    const std::optional<std::string> selector =
        device_ >= 0 ? std::optional<std::string>(std::to_string(device_)) : options.device;
    emit deviceFound(qstr(devices[vk::choose_device(devices, selector)].name), {});
  } catch (const std::exception& e) {
    emit deviceFound({}, QString::fromUtf8(e.what()));
  }
}

void InferenceWorker::startSession(qint64 requestId, const QString& path, int contextSize) {
  auto session = std::make_unique<chat::ChatSession>(*engine_->model, contextSize);
  session->set_stop_flag(&stop_);
  session->set_prefill_chunk_seconds(prefillChunkSeconds_);
  if (!chatTemplateFile_.isEmpty()) {
    QFile file(chatTemplateFile_);
    if (!file.open(QIODevice::ReadOnly)) {
      throw std::runtime_error("cannot read the chat template " + chatTemplateFile_.toStdString() +
                               ": " + file.errorString().toStdString());
    }
    const chat::ChatTemplate& own = session->chat_template();
    session->set_chat_template(chat::ChatTemplate::from_source(file.readAll().toStdString(),
                                                               own.bos_token(), own.eos_token(),
                                                               chatTemplateFile_.toStdString()));
  }
  engine_->session = std::move(session);
  emit modelLoaded(requestId, loaded_model(*engine_->model, *engine_->session, path));
}

void InferenceWorker::load(qint64 requestId, const QString& path, int contextSize) {
  llm::LoadOptions options;
  if (device_ >= 0) options.device.device = std::to_string(device_);
  options.cancel = &stop_;
  options.n_ctx = contextSize;
  int reported = -1;  // in whole percent, so the GUI thread gets at most 101 updates
  const auto progress = [&](std::uint64_t done, std::uint64_t total) {
    const int percent = total > 0 ? static_cast<int>(done * 100 / total) : 0;
    if (percent == reported) return;
    reported = percent;
    emit loadProgress(requestId, percent / 100.0);
  };
  std::unique_ptr<llm::Model> next;
  try {
    next = llm::Model::load(path.toStdString(), options, progress);
  } catch (const InsufficientMemory&) {
    if (!engine_->model) throw;
    // Both do not fit: the current model makes room, and a cancel now leaves none.
    releaseEngine();
    emit modelReleased();
    reported = -1;
    next = llm::Model::load(path.toStdString(), options, progress);
  }
  releaseEngine();
  engine_->model = std::move(next);
  engine_->path = path;
  try {
    startSession(requestId, path, 0);  // the context the model was loaded (and checked) for
  } catch (...) {
    releaseEngine();
    emit modelReleased();
    throw;
  }
}

void InferenceWorker::loadModel(qint64 requestId, const QString& path, int contextSize) {
  begin(requestId);
  // The served slot shares the model and its memory: it stops while the model (or its context)
  // changes and serves whatever is loaded afterwards (applyServing).
  stopServingFor(tr("a model is loading"));
  try {
    if (engine_->model && engine_->path == path) {
      // The same file with another context: a new session; the old one's memory goes first.
      const auto previous = static_cast<int>(engine_->session ? engine_->session->n_ctx() : 0);
      engine_->session.reset();
      try {
        startSession(requestId, path, contextSize);
      } catch (const std::exception&) {
        if (previous > 0) {
          startSession(0, path, previous);  // back to what was there (announced as request 0)
        }
        throw;
      }
    } else {
      load(requestId, path, contextSize);
    }
  } catch (const Cancelled&) {
    emit loadFailed(requestId, {});
  } catch (const std::exception& e) {
    emit loadFailed(
        requestId,
        tr("Could not load %1: %2").arg(QFileInfo(path).fileName(), QString::fromUtf8(e.what())));
  }
  running_.store(0);
  applyServing();
}

void InferenceWorker::measureContext(const GenerationRequest& request) {
  InferenceBackend* b = backend();
  if (!b) return;
  try {
    if (const std::optional<ContextMeasure> m = b->measure(request)) {
      emit contextMeasured(request.id, *m);
    }
  } catch (const std::exception&) {
    // A history the template cannot render is reported when it is answered; the meter waits.
  }
}

void InferenceWorker::generate(const GenerationRequest& request) {
  begin(request.id);
  GenerationResult result;
  InferenceBackend* b = backend();
  if (!b) {
    result.id = request.id;
    result.stats.finish_reason = store::FinishReason::Error;
    result.error = tr("No model is loaded.");
    emit generationFinished(result);
    running_.store(0);
    return;
  }
  WorkerSink sink(*this, request.id);
  try {
    GenerationRequest withAlternatives = request;
    withAlternatives.alternatives = alternatives_.load();
    result = b->generate(withAlternatives, sink);
    sink.flush();
  } catch (const Cancelled&) {
    // Stopped while the prompt was being read: an answer with whatever came (nothing, or little).
    result = {};
    sink.keepStreamed(result);
    result.stats.finish_reason = store::FinishReason::Cancelled;
  } catch (const chat::ContextFull& e) {
    // Nothing was read: the window can offer the setting the message speaks of.
    result = {};
    result.stats.finish_reason = store::FinishReason::Error;
    result.error = tr("%1 (the context size is in the settings panel, under Model)")
                       .arg(QString::fromUtf8(e.what()));
  } catch (const std::exception& e) {
    // The answer keeps what was streamed before the failure.
    result = {};
    sink.keepStreamed(result);
    result.stats.finish_reason = store::FinishReason::Error;
    result.error = QString::fromUtf8(e.what());
  }
  result.id = request.id;
  running_.store(0);
  emit generationFinished(result);
}

std::string InferenceWorker::keyFor(const QString& url, const QString& given, bool keyGiven) {
  if (keyGiven || !secrets_) return given.toStdString();
  return secrets_->lookup(url.toStdString()).value_or(std::string());
}

void InferenceWorker::listRemoteModels(qint64 requestId, const QString& url,
                                       const QString& apiKey) {
  try {
    remote::Endpoint endpoint{.url = url.toStdString(),
                              .api_key = keyFor(url, apiKey, !apiKey.isEmpty()),
                              .read_timeout_s = 30};
    remote::Client client(std::move(endpoint));
    QStringList models;
    for (const std::string& m : client.list_models()) models.append(QString::fromStdString(m));
    emit remoteModelsListed(requestId, models, {});
  } catch (const std::exception& e) {
    emit remoteModelsListed(requestId, {}, QString::fromUtf8(e.what()));
  }
}

void InferenceWorker::connectRemote(qint64 requestId, const RemoteConnection& connection) {
  begin(requestId);
  try {
    remote::Endpoint endpoint{
        .url = connection.url.toStdString(),
        .api_key = keyFor(connection.url, connection.apiKey, connection.keyGiven),
        .read_timeout_s = connection.readTimeoutSeconds};
    auto next = std::make_unique<RemoteBackend>(std::move(endpoint), connection.model.toStdString(),
                                                &stop_);
    next->check();
    if (stop_.load()) throw Cancelled("stopped");
    LoadedModel model = next->describe();
    if (connection.keyGiven && secrets_) {
      try {
        const std::string where =
            secrets_->save(connection.url.toStdString(), connection.apiKey.toStdString());
        if (!connection.apiKey.isEmpty()) {
          model.keyKeptIn = tr("The API key is kept in %1").arg(QString::fromStdString(where));
        }
      } catch (const std::exception& e) {
        model.keyKeptIn = tr("The API key could not be kept (%1): it is asked for again next time")
                              .arg(QString::fromUtf8(e.what()));
      }
    }
    releaseEngine();  // the local model's memory, or the previous server
    {
      const std::lock_guard lock(backendMutex_);
      remote_ = std::move(next);
    }
    emit modelLoaded(requestId, model);
  } catch (const Cancelled&) {
    emit loadFailed(requestId, {});
  } catch (const remote::RemoteError& e) {
    if (e.kind() == remote::ErrorKind::Cancelled) {
      emit loadFailed(requestId, {});
    } else {
      emit loadFailed(
          requestId,
          tr("Could not connect to %1: %2").arg(connection.url, QString::fromUtf8(e.what())));
    }
  } catch (const std::exception& e) {
    emit loadFailed(
        requestId,
        tr("Could not connect to %1: %2").arg(connection.url, QString::fromUtf8(e.what())));
  }
  running_.store(0);
  applyServing();  // a server's model is not served on; a failed connection keeps the local one
}

WorkerThread::WorkerThread(AppController& controller, int device, double prefillChunkSeconds,
                           const QString& chatTemplateFile, SecretStore* secrets)
    : worker_(std::make_unique<InferenceWorker>(device, prefillChunkSeconds, chatTemplateFile,
                                                secrets)) {
  thread_.setObjectName(QStringLiteral("vkchat-inference"));
  worker_->moveToThread(&thread_);
  InferenceWorker* w = worker_.get();
  QObject::connect(&controller, &AppController::loadModelRequested, w, &InferenceWorker::loadModel,
                   Qt::QueuedConnection);
  QObject::connect(&controller, &AppController::generateRequested, w, &InferenceWorker::generate,
                   Qt::QueuedConnection);
  QObject::connect(&controller, &AppController::measureContextRequested, w,
                   &InferenceWorker::measureContext, Qt::QueuedConnection);
  QObject::connect(&controller, &AppController::connectRemoteRequested, w,
                   &InferenceWorker::connectRemote, Qt::QueuedConnection);
  QObject::connect(&controller, &AppController::listRemoteModelsRequested, w,
                   &InferenceWorker::listRemoteModels, Qt::QueuedConnection);
  // Direct: the worker's thread is busy inside the engine; the flag is what reaches it.
  QObject::connect(
      &controller, &AppController::cancelRequested, w, [w](qint64 id) { w->cancel(id); },
      Qt::DirectConnection);
  QObject::connect(w, &InferenceWorker::loadProgress, &controller, &AppController::onLoadProgress,
                   Qt::QueuedConnection);
  QObject::connect(w, &InferenceWorker::modelLoaded, &controller, &AppController::onModelLoaded,
                   Qt::QueuedConnection);
  QObject::connect(w, &InferenceWorker::loadFailed, &controller, &AppController::onLoadFailed,
                   Qt::QueuedConnection);
  QObject::connect(w, &InferenceWorker::tokens, &controller, &AppController::onTokens,
                   Qt::QueuedConnection);
  QObject::connect(w, &InferenceWorker::reasoning, &controller, &AppController::onReasoning,
                   Qt::QueuedConnection);
  QObject::connect(w, &InferenceWorker::generationFinished, &controller,
                   &AppController::onGenerationFinished, Qt::QueuedConnection);
  QObject::connect(w, &InferenceWorker::modelReleased, &controller, &AppController::onModelReleased,
                   Qt::QueuedConnection);
  QObject::connect(w, &InferenceWorker::deviceFound, &controller, &AppController::onDeviceFound,
                   Qt::QueuedConnection);
  QObject::connect(w, &InferenceWorker::prefillProgress, &controller,
                   &AppController::onPrefillProgress, Qt::QueuedConnection);
  QObject::connect(w, &InferenceWorker::contextMeasured, &controller,
                   &AppController::onContextMeasured, Qt::QueuedConnection);
  QObject::connect(w, &InferenceWorker::remoteModelsListed, &controller,
                   &AppController::onRemoteModelsListed, Qt::QueuedConnection);
  QObject::connect(&controller, &AppController::servingRequested, w, &InferenceWorker::setServing,
                   Qt::QueuedConnection);
  QObject::connect(w, &InferenceWorker::servingChanged, &controller,
                   &AppController::onServingChanged, Qt::QueuedConnection);
  thread_.start();
  QMetaObject::invokeMethod(w, &InferenceWorker::probeDevice, Qt::QueuedConnection);
}

WorkerThread::~WorkerThread() {
  // Stop what runs and what is queued, free the engine on the thread that used it (queued behind
  // those requests), then join; the worker object itself goes with this object.
  worker_->shutdown();
  InferenceWorker* w = worker_.get();
  QMetaObject::invokeMethod(
      w,
      [w] {
        w->releaseEngine();
        QThread::currentThread()->quit();
      },
      Qt::QueuedConnection);
  thread_.wait();
}

}  // namespace vkchat::gui
