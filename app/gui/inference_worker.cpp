#include "inference_worker.h"

#include <QDateTime>
#include <QFile>
#include <QFileInfo>
#include <algorithm>
#include <exception>
#include <map>

#include "app_controller.h"
#include "chat/chat_session.h"
#include "llm/model.h"
#include "llm/session.h"
#include "token_coalescer.h"
#include "util/errors.h"
#include "view_mapping.h"
#include "vk/device_info.h"
#include "vk/instance.h"

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

struct InferenceWorker::Engine {
  // Declared in destruction order: the session before the model it runs on.
  std::unique_ptr<llm::Model> model;
  std::unique_ptr<chat::ChatSession> session;
  QString path;  // the loaded model's file

  ~Engine() { session.reset(); }
};

InferenceWorker::InferenceWorker(int device, double prefillChunkSeconds, QString chatTemplateFile)
    : engine_(std::make_unique<Engine>()),
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
  if (running_.load() == requestId) stop_.store(true);
}

void InferenceWorker::shutdown() {
  closing_.store(true);
  stop_.store(true);
}

const std::atomic<bool>* InferenceWorker::begin(qint64 requestId) {
  running_.store(requestId);
  stop_.store(closing_.load() || cancelled_.load() == requestId);
  return &stop_;
}

void InferenceWorker::releaseEngine() {
  engine_->session.reset();
  engine_->model.reset();
  engine_->path.clear();
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
}

void InferenceWorker::measureContext(const GenerationRequest& request) {
  if (!engine_->session) return;
  try {
    chat::ChatOptions options = engine_->session->options();
    options.max_tokens = request.sampling.max_tokens;
    engine_->session->set_options(std::move(options));
    const std::vector<chat::Message> messages = messages_of(request.turns);
    const chat::ContextUse use = engine_->session->measure(messages);
    ContextMeasure m;
    m.promptTokens = static_cast<int>(use.prompt_tokens);
    m.firstRendered = static_cast<int>(use.first_rendered);
    m.fits = use.fits;
    emit contextMeasured(request.id, m);
  } catch (const std::exception&) {
    // A history the template cannot render is reported when it is answered; the meter waits.
  }
}

void InferenceWorker::generate(const GenerationRequest& request) {
  begin(request.id);
  GenerationResult result;
  result.id = request.id;
  if (!engine_->session) {
    result.stats.finish_reason = store::FinishReason::Error;
    result.error = tr("No model is loaded.");
    emit generationFinished(result);
    running_.store(0);
    return;
  }
  // Reasoning and answer stream as two kinds of batches; a change of kind sends what the other
  // kind holds first, so the window gets them in the order they were written.
  TokenCoalescer answerBatches, reasoningBatches;
  int count = 0;
  int reasoningCount = 0;
  std::string streamed, streamedReasoning;  // what the window has been sent, for a throw
  const auto flushAnswer = [&] {
    const std::string rest = answerBatches.finish();
    if (!rest.empty()) emit tokens(request.id, QString::fromStdString(rest), count);
  };
  const auto flushReasoning = [&] {
    const std::string rest = reasoningBatches.finish();
    if (!rest.empty()) emit reasoning(request.id, QString::fromStdString(rest), reasoningCount);
  };
  // A stopped or failed answer: what was streamed, counted as it came.
  const auto keepStreamed = [&] {
    flushReasoning();
    flushAnswer();
    result.text = QString::fromStdString(streamed);
    result.tokenCount = count;
    result.reasoning = QString::fromStdString(streamedReasoning);
    result.reasoningTokens = reasoningCount;
  };
  try {
    chat::ChatOptions options;
    options.sampling = sampler_settings(request.sampling);
    options.max_tokens = request.sampling.max_tokens;
    options.switches = template_switches(request);
    options.split_reasoning = true;
    options.alternatives = static_cast<std::size_t>(alternatives_.load());
    engine_->session->set_options(std::move(options));
    engine_->session->set_messages(messages_of(request.turns));
    engine_->session->set_prefill_progress([&](std::int64_t done, std::int64_t total) {
      emit prefillProgress(request.id, static_cast<int>(done), static_cast<int>(total));
    });
    const auto onPiece = [&](const chat::Piece& piece) {
      count = static_cast<int>(piece.tokens);
      const auto now = TokenCoalescer::Clock::now();
      if (piece.reasoning) {
        flushAnswer();
        reasoningCount = count;
        streamedReasoning.append(piece.text);
        if (auto text = reasoningBatches.add(piece.text, now)) {
          emit reasoning(request.id, QString::fromStdString(*text), reasoningCount);
        }
      } else {
        flushReasoning();
        streamed.append(piece.text);
        if (auto text = answerBatches.add(piece.text, now)) {
          emit tokens(request.id, QString::fromStdString(*text), count);
        }
      }
    };
    const chat::TurnResult r = request.answerStart.empty()
                                   ? engine_->session->respond(onPiece)
                                   : engine_->session->respond_from(request.answerStart, onPiece);
    flushReasoning();
    flushAnswer();
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
    result.firstRendered = static_cast<int>(engine_->session->first_rendered());
    result.error = QString::fromStdString(r.message);
    result.prompt = engine_->session->last_prompt();
    result.answerTokens = answer_tokens(r.choices);
  } catch (const Cancelled&) {
    // Stopped while the prompt was being read: an answer with whatever came (nothing, or little).
    keepStreamed();
    result.stats.finish_reason = store::FinishReason::Cancelled;
  } catch (const chat::ContextFull& e) {
    // Nothing was read: the window can offer the setting the message speaks of.
    result.stats.finish_reason = store::FinishReason::Error;
    result.error = tr("%1 (the context size is in the settings panel, under Model)")
                       .arg(QString::fromUtf8(e.what()));
  } catch (const std::exception& e) {
    // The answer keeps what was streamed before the failure.
    keepStreamed();
    result.stats.finish_reason = store::FinishReason::Error;
    result.error = QString::fromUtf8(e.what());
  }
  engine_->session->set_prefill_progress({});
  running_.store(0);
  emit generationFinished(result);
}

WorkerThread::WorkerThread(AppController& controller, int device, double prefillChunkSeconds,
                           const QString& chatTemplateFile)
    : worker_(std::make_unique<InferenceWorker>(device, prefillChunkSeconds, chatTemplateFile)) {
  thread_.setObjectName(QStringLiteral("vkchat-inference"));
  worker_->moveToThread(&thread_);
  InferenceWorker* w = worker_.get();
  QObject::connect(&controller, &AppController::loadModelRequested, w, &InferenceWorker::loadModel,
                   Qt::QueuedConnection);
  QObject::connect(&controller, &AppController::generateRequested, w, &InferenceWorker::generate,
                   Qt::QueuedConnection);
  QObject::connect(&controller, &AppController::measureContextRequested, w,
                   &InferenceWorker::measureContext, Qt::QueuedConnection);
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
