// The conversions of an answer's tokens (declared in view_mapping.h with the others): the
// engine's choices to the store's tokens, and the stored blob to what the token view binds to.
#include <QVariantMap>
#include <cmath>

#include "chat/chat_session.h"
#include "sampler/sampler.h"
#include "store/answer_tokens.h"
#include "view_mapping.h"

namespace vkchat::gui {

static_assert(store::kMaxAnswerAlternatives == sampler::kMaxAlternatives,
              "the store keeps as many alternatives as the sampler reports");

std::vector<store::AnswerToken> answer_tokens(const std::vector<chat::TokenChoice>& choices) {
  std::vector<store::AnswerToken> out;
  out.reserve(choices.size());
  for (const chat::TokenChoice& c : choices) {
    store::AnswerToken& t = out.emplace_back();
    t.id = c.id;
    if (!std::isnan(c.p)) t.p = c.p;
    t.text = c.text;
    t.reasoning = c.reasoning;
    for (const chat::TokenOption& o : c.alternatives) t.alternatives.push_back({o.id, o.p, o.text});
  }
  return out;
}

QString token_display(const std::string& text) {
  if (text.empty()) return QStringLiteral("\u00b7");
  QString s = QString::fromStdString(text);
  // A token of spaces alone would be an empty-looking box: its spaces are shown.
  if (s.trimmed().isEmpty() && !s.contains(QLatin1Char('\n')) && !s.contains(QLatin1Char('\t'))) {
    s.replace(QLatin1Char(' '), QStringLiteral("\u2423"));
  }
  s.replace(QLatin1Char('\n'), QStringLiteral("\u21b5"));
  s.replace(QLatin1Char('\t'), QStringLiteral("\u2192"));
  return s;
}

QVariantList token_items(const std::string& blob) {
  QVariantList items;
  const std::optional<std::vector<store::AnswerToken>> tokens = store::decode_answer_tokens(blob);
  if (!tokens) return items;
  items.reserve(static_cast<qsizetype>(tokens->size()));
  for (const store::AnswerToken& t : *tokens) {
    QVariantList alternatives;
    for (const store::TokenAlternative& a : t.alternatives) {
      alternatives.append(QVariantMap{{QStringLiteral("text"), QString::fromStdString(a.text)},
                                      {QStringLiteral("display"), token_display(a.text)},
                                      {QStringLiteral("p"), a.p},
                                      {QStringLiteral("chosen"), a.id == t.id}});
    }
    items.append(QVariantMap{{QStringLiteral("text"), QString::fromStdString(t.text)},
                             {QStringLiteral("display"), token_display(t.text)},
                             {QStringLiteral("p"), t.p.value_or(-1.0)},
                             {QStringLiteral("reasoning"), t.reasoning},
                             {QStringLiteral("alternatives"), alternatives}});
  }
  return items;
}

}  // namespace vkchat::gui
