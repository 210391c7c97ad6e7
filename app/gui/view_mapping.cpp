#include "view_mapping.h"

#include <QObject>
#include <QStringList>
#include <charconv>

#include "chat/chat_session.h"
#include "format.h"
#include "sampler/sampler.h"

namespace vkchat::gui {
namespace {

// A new chat samples as `vkchat-cli generate` does without flags: the store's defaults (the
// app's one source) are the engine's (llama.cpp's).
constexpr store::SamplingSettings kAppDefaults{};
constexpr sampler::SamplerSettings kEngineDefaults{};
static_assert(static_cast<float>(kAppDefaults.temperature) == kEngineDefaults.temperature &&
                  static_cast<float>(kAppDefaults.top_p) == kEngineDefaults.top_p &&
                  kAppDefaults.top_k == kEngineDefaults.top_k &&
                  static_cast<float>(kAppDefaults.min_p) == kEngineDefaults.min_p &&
                  static_cast<float>(kAppDefaults.repeat_penalty) == kEngineDefaults.repeat_penalty,
              "the store's sampling defaults and the engine's differ");

// The shortest text that reads back as the same double: 0.8, not 0.80000000000000004.
QString number(double v) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return QString::fromLatin1(buf, static_cast<qsizetype>(end - buf));
}

// One word for a POSIX shell: single quotes, with each ' written as '\''.
QString shell_quote(const QString& s) {
  QString out = s;
  out.replace(QLatin1Char('\''), QStringLiteral("'\\''"));
  return QLatin1Char('\'') + out + QLatin1Char('\'');
}

}  // namespace

QString qstr(const std::string& s) {
  return QString::fromStdString(s);
}

ui::SettingsValues to_values(const store::ChatSettings& s) {
  ui::SettingsValues v;
  v.temperature = s.sampling.temperature;
  v.topP = s.sampling.top_p;
  v.topK = s.sampling.top_k;
  v.minP = s.sampling.min_p;
  v.repeatPenalty = s.sampling.repeat_penalty;
  v.maxTokens = s.sampling.max_tokens;
  v.randomSeed = s.sampling.seed_mode == store::SeedMode::Random;
  v.seed = static_cast<qint64>(s.sampling.seed);
  v.systemPrompt = qstr(s.system_prompt);
  v.thinking = !s.enable_thinking   ? QString()
               : *s.enable_thinking ? QStringLiteral("on")
                                    : QStringLiteral("off");
  v.reasoningEffort = qstr(s.reasoning_effort);
  return v;
}

store::ChatSettings to_store(const ui::SettingsValues& v) {
  store::ChatSettings s;
  s.sampling.temperature = v.temperature;
  s.sampling.top_p = v.topP;
  s.sampling.top_k = v.topK;
  s.sampling.min_p = v.minP;
  s.sampling.repeat_penalty = v.repeatPenalty;
  s.sampling.max_tokens = v.maxTokens;
  s.sampling.seed_mode = v.randomSeed ? store::SeedMode::Random : store::SeedMode::Fixed;
  s.sampling.seed = static_cast<std::uint64_t>(v.seed);
  s.system_prompt = v.systemPrompt.toStdString();
  if (!v.thinking.isEmpty()) s.enable_thinking = v.thinking == QLatin1String("on");
  s.reasoning_effort = v.reasoningEffort.toStdString();
  return s;
}

QString answer_details(const store::Message& m) {
  QStringList parts;
  if (m.stats) {
    if (m.stats->decode_tokens_per_s > 0) parts << ui::format_rate(m.stats->decode_tokens_per_s);
    if (m.stats->time_to_first_token_ms > 0) {
      parts << QObject::tr("%1 to first token")
                   .arg(ui::format_millis(m.stats->time_to_first_token_ms));
    }
    switch (m.stats->finish_reason) {
      case store::FinishReason::Stop: break;
      case store::FinishReason::Length: parts << QObject::tr("length limit"); break;
      case store::FinishReason::Cancelled: parts << QObject::tr("stopped"); break;
      case store::FinishReason::Error:
        // Why, as the window said it when it happened (none for answers kept before it was).
        parts << (m.stats->error.empty()
                      ? QObject::tr("failed")
                      : QObject::tr("failed: %1").arg(QString::fromStdString(m.stats->error)));
        break;
    }
  }
  if (m.sampling) {
    parts << QObject::tr("temp %1").arg(m.sampling->temperature, 0, 'f', 2)
          << QObject::tr("top-p %1").arg(m.sampling->top_p, 0, 'f', 2)
          << QObject::tr("seed %1").arg(m.sampling->seed);
  }
  return parts.join(QStringLiteral(" · "));
}

std::string engine_version() {
  return "vkchat " VKCHAT_VERSION;
}

QString remote_model_id(const QString& url, const QString& model) {
  return model + QStringLiteral(" @ ") + url;
}

bool is_remote(const store::Provenance& p) {
  // A remote answer's device is the server: "http://..." or "https://...".
  return p.device.rfind("http://", 0) == 0 || p.device.rfind("https://", 0) == 0;
}

store::Provenance provenance_of(const LoadedModel& model, const GenerationResult& result) {
  store::Provenance p;
  // A server's model by its id (the server is the device); a file by its path.
  p.model_path = (model.remoteUrl.isEmpty() ? model.path : model.name).toStdString();
  p.model_sha256 = model.sha256.toStdString();
  p.engine_version = engine_version();
  p.device = model.deviceName.toStdString();
  p.context_size = model.contextLength;
  p.prompt = result.prompt;
  return p;
}

QString provenance_text(const store::Message& m) {
  if (!m.provenance || !m.sampling) return {};
  const store::Provenance& p = *m.provenance;
  const store::SamplingSettings& s = *m.sampling;
  QStringList lines;
  if (is_remote(p)) {
    // The server's model: no file, no device or context of ours; the request's fields.
    lines << QObject::tr("Server: %1").arg(qstr(p.device))
          << QObject::tr("Model: %1").arg(qstr(p.model_path))
          << QObject::tr("Client: %1").arg(qstr(p.engine_version))
          << QObject::tr("Temperature: %1").arg(number(s.temperature))
          << QObject::tr("Top-p: %1").arg(number(s.top_p)) << QObject::tr("Top-k: %1").arg(s.top_k)
          << QObject::tr("Min-p: %1").arg(number(s.min_p))
          << QObject::tr("Repeat penalty: %1").arg(number(s.repeat_penalty))
          << QObject::tr("Max tokens: %1").arg(s.max_tokens)
          << QObject::tr("Seed: %1 (sent; the server may ignore it)").arg(s.seed);
    return lines.join(QLatin1Char('\n'));
  }
  lines << QObject::tr("Model: %1").arg(qstr(p.model_path))
        << QObject::tr("SHA-256: %1")
               .arg(p.model_sha256.empty() ? QObject::tr("not computed yet") : qstr(p.model_sha256))
        << QObject::tr("Engine: %1").arg(qstr(p.engine_version))
        << QObject::tr("Device: %1").arg(qstr(p.device))
        << QObject::tr("Context: %1 tokens").arg(p.context_size)
        << QObject::tr("Temperature: %1").arg(number(s.temperature))
        << QObject::tr("Top-p: %1").arg(number(s.top_p)) << QObject::tr("Top-k: %1").arg(s.top_k)
        << QObject::tr("Min-p: %1").arg(number(s.min_p))
        << QObject::tr("Repeat penalty: %1").arg(number(s.repeat_penalty))
        << QObject::tr("Max tokens: %1").arg(s.max_tokens)
        << QObject::tr("Seed: %1 (%2)")
               .arg(s.seed)
               .arg(s.seed_mode == store::SeedMode::Fixed ? QObject::tr("fixed")
                                                          : QObject::tr("drawn"));
  return lines.join(QLatin1Char('\n'));
}

QString reproduce_command(const store::Message& m, const QString& cli) {
  // A server's answer is not one `generate` writes again.
  if (!m.provenance || !m.sampling || is_remote(*m.provenance)) return {};
  const store::Provenance& p = *m.provenance;
  const store::SamplingSettings& s = *m.sampling;
  // The flags `generate` reads are the sampler's whole state as the app sets it (the penalty
  // window and the other penalties stay at their defaults in both).
  QStringList words{cli,
                    QStringLiteral("generate"),
                    QStringLiteral("-m"),
                    shell_quote(qstr(p.model_path)),
                    QStringLiteral("-p"),
                    shell_quote(qstr(p.prompt)),
                    QStringLiteral("-n"),
                    QString::number(s.max_tokens),
                    QStringLiteral("--temp"),
                    number(s.temperature),
                    QStringLiteral("--top-p"),
                    number(s.top_p),
                    QStringLiteral("--top-k"),
                    QString::number(s.top_k),
                    QStringLiteral("--min-p"),
                    number(s.min_p),
                    QStringLiteral("--repeat-penalty"),
                    number(s.repeat_penalty),
                    QStringLiteral("--seed"),
                    QString::number(s.seed)};
  if (p.context_size > 0) words << QStringLiteral("--ctx") << QString::number(p.context_size);
  return words.join(QLatin1Char(' '));
}

ui::MessageItem to_item(const store::Message& m) {
  ui::MessageItem item;
  item.id = m.id;
  item.role = qstr(std::string(store::to_string(m.role)));
  item.content = qstr(m.content);
  item.complete = m.complete;
  item.siblingIndex = m.sibling_index;
  item.siblingCount = m.sibling_count;
  item.details = m.role == store::Role::Assistant ? answer_details(m) : QString();
  item.provenance = provenance_text(m);
  item.command = reproduce_command(m);
  item.reasoning = qstr(m.reasoning);
  item.reasoningTokens = m.reasoning_tokens;
  item.reasoningMs = m.reasoning_ms;
  item.tokens = token_items(m.answer_tokens);
  return item;
}

ui::ModelInfo to_info(const store::RecentModel& m) {
  ui::ModelInfo info;
  info.path = qstr(m.path);
  info.name = qstr(m.name);
  info.architecture = qstr(m.architecture);
  info.quant = qstr(m.quant);
  info.fileSize = m.size_bytes;
  return info;
}

ui::ModelInfo to_info(const LoadedModel& m) {
  ui::ModelInfo info;
  info.path = m.path;
  info.name = m.name;
  info.architecture = m.architecture;
  info.quant = m.quant;
  info.fileSize = m.fileSize;
  info.parameters = m.parameters;
  info.contextLength = m.contextLength;
  info.trainedContext = m.trainedContext;
  info.memoryEstimate = m.memoryEstimate;
  info.deviceBudget = m.deviceBudget;
  info.bytesPerPosition = m.bytesPerPosition;
  info.deviceName = m.deviceName;
  info.remote = !m.remoteUrl.isEmpty();
  return info;
}

store::RecentModel to_recent(const LoadedModel& m) {
  store::RecentModel recent;
  recent.path = m.path.toStdString();
  recent.name = m.name.toStdString();
  recent.architecture = m.architecture.toStdString();
  recent.size_bytes = m.fileSize;
  recent.quant = m.quant.toStdString();
  return recent;
}

std::vector<ChatTurn> prompt_turns(const store::Conversation& c,
                                   const std::vector<store::Message>& path, std::size_t count) {
  std::vector<ChatTurn> turns;
  if (!c.settings.system_prompt.empty()) {
    turns.push_back({store::Role::System, c.settings.system_prompt});
  }
  for (std::size_t i = 0; i < count && i < path.size(); ++i) {
    turns.push_back({path[i].role, path[i].content, path[i].reasoning});
  }
  return turns;
}

std::vector<chat::Message> messages_of(const std::vector<ChatTurn>& turns) {
  std::vector<chat::Message> messages;
  messages.reserve(turns.size());
  for (const ChatTurn& turn : turns) {
    chat::Message& m = messages.emplace_back();
    m.role = std::string(store::to_string(turn.role));
    m.content = turn.content;
    m.reasoning_content = turn.reasoning;
  }
  return messages;
}

sampler::SamplerSettings sampler_settings(const store::SamplingSettings& s) {
  sampler::SamplerSettings out;
  out.temperature = static_cast<float>(s.temperature);
  out.top_p = static_cast<float>(s.top_p);
  out.top_k = s.top_k;
  out.min_p = static_cast<float>(s.min_p);
  out.repeat_penalty = static_cast<float>(s.repeat_penalty);
  out.seed = s.seed;
  return out;
}

chat::TemplateSwitches template_switches(const GenerationRequest& request) {
  chat::TemplateSwitches switches;
  switches.enable_thinking = request.enableThinking;
  switches.reasoning_effort = request.reasoningEffort;
  return switches;
}

store::FinishReason finish_reason(chat::FinishReason r) {
  switch (r) {
    case chat::FinishReason::EndOfGeneration:
    case chat::FinishReason::StopString: return store::FinishReason::Stop;
    case chat::FinishReason::MaxTokens:
    case chat::FinishReason::ContextFull: return store::FinishReason::Length;
    case chat::FinishReason::Stopped: return store::FinishReason::Cancelled;
  }
  return store::FinishReason::Stop;
}

}  // namespace vkchat::gui
