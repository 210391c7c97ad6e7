// The messages of the branch on screen, root first. An answer that is still streaming grows in
// place through appendText(), which touches only its own row.
#pragma once
#include <QtQml/qqmlregistration.h>

#include <QString>
#include <QVariantList>
#include <QVariantMap>

#include "keyed_list_model.h"
#include "markdown_cache.h"

namespace vkchat::ui {

struct MessageItem {
  qint64 id = 0;
  QString role;  // "system", "user" or "assistant"
  QString content;
  bool streaming = false;  // the answer being written now
  bool complete = true;    // false for an answer cut short by a crash
  int siblingIndex = 0;    // branches: this message's place among its parent's children
  int siblingCount = 1;
  QString details;  // an answer's stats and sampler settings, one line for people
  // An answer's whole record, for its details panel: the model file and its SHA-256, the engine
  // version, the device, every sampler setting and the seed (empty before schema version 4).
  QString provenance;
  // The `vkchat-cli generate` line that writes the same answer again (empty without a record).
  QString command;
  // Where the message stands in the model's context, for the view's sections: empty when every
  // message is in it, else "dropped" (left out by the context policy) or "kept".
  QString contextSection;
  // An answer's reasoning (a model that thinks), shown apart above it, with the tokens it took
  // and its time; reasoningMs < 0 while it is still being written.
  QString reasoning;
  int reasoningTokens = 0;
  double reasoningMs = 0;
  // A finished answer's tokens with their probabilities and alternatives, for the token view:
  // maps {text, display, p (-1: not sampled), reasoning, alternatives: [{text, display, p,
  // chosen}]} (gui::token_items); empty when none were kept.
  QVariantList tokens;

  qint64 key() const { return id; }
  bool operator==(const MessageItem&) const = default;
};

// The header of a message's "Thinking" section; empty without reasoning.
QString reasoning_summary(const MessageItem& item);

class MessageListModel : public KeyedListModel<MessageItem> {
  Q_OBJECT
  QML_ELEMENT
  QML_UNCREATABLE("The app creates the chat's model")

 public:
  enum Role {
    IdRole = Qt::UserRole + 1,
    RoleRole,
    ContentRole,
    StreamingRole,
    CompleteRole,
    SiblingIndexRole,
    SiblingCountRole,
    DetailsRole,
    ContextSectionRole,
    ProvenanceRole,
    CommandRole,
    ReasoningRole,
    ReasoningSummaryRole,  // "Thinking · 42 tokens · 1.3 s", for the section's header
    TokensRole,
    // renderPlan() of the row's text at the first limit: one value that changes when the text
    // does, so that a delegate rebound to another row computes no plan for a mix of the two
    // rows' properties (content set, role not yet).
    DrawPlanRole
  };
  Q_ENUM(Role)

  using KeyedListModel::KeyedListModel;

  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  QHash<int, QByteArray> roleNames() const override;

  // Adds text to the end of message `id`; false when it is not on screen.
  bool appendText(qint64 id, const QString& text);
  // Adds reasoning to message `id` as it streams, with the reasoning's tokens so far.
  bool appendReasoning(qint64 id, const QString& text, int tokens);

  // What the window draws of a message with this text and role: its first `limit` characters
  // (0: the first kInitialChars) in pieces, as render_plan_variant() (render_plan.h) gives them.
  // Answers are Markdown, everything else is drawn as it is. A finished message's plan is made
  // once and kept (MarkdownCache); a streaming one's (finished false) is made afresh.
  Q_INVOKABLE QVariantMap renderPlan(const QString& text, const QString& role, int limit,
                                     bool finished = true) const;
  // A prose or quote piece's Markdown as the HTML it is drawn from (markdown_html.h); kept, as
  // the plans, when the message is finished.
  Q_INVOKABLE QString proseHtml(const QString& markdown, bool finished = true) const;
  // How many plans and HTML texts were made, not taken from the cache (tests, benchmarks).
  Q_INVOKABLE qint64 markdownParses() const { return markdown_.parses(); }
  bool setDetails(qint64 id, const QString& details);
  // The messages before row `first` are no longer in the model's context (0: all are).
  void setFirstInContext(int first);

 private:
  QVariantMap plan_of(const MessageItem& item, int limit) const;

  // A cache, so filled by const calls too (the model is read from the GUI thread only).
  mutable MarkdownCache markdown_;
};

}  // namespace vkchat::ui
