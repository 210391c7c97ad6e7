// The controller's chat part: the branch on screen and the answers written into it. It shows a
// conversation (or a new chat), sends, regenerates, edits and switches branches as store jobs,
// asks the worker for the answer (generateRequested) and streams what comes back into the view,
// saving it every kCheckpointMs; it asks how much of the context the branch fills
// (measureContextRequested) and marks where the context begins.
#pragma once
#include <QElapsedTimer>
#include <QObject>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "chat_view_model.h"
#include "controller_state.h"
#include "inference_types.h"
#include "store/answer_tokens.h"
#include "store/store_types.h"

namespace vkchat::gui {

class ChatController : public QObject {
  Q_OBJECT

 public:
  // How often a streaming answer is saved: often enough that a crash loses under a second.
  static constexpr int kCheckpointMs = 500;

  // What a store job hands back after it changed the branch on screen.
  struct Snapshot {
    store::Conversation conversation;
    std::vector<store::Message> path;
    std::optional<store::ChatSettings> defaults;  // the app defaults, when the job read them
  };

  // What this part needs from the others.
  struct Links {
    // The model part.
    std::function<const LoadedModel*()> loaded;  // null: none ready
    std::function<bool()> loading;
    // The settings part.
    std::function<void()> flushSettings;  // a pending edit is saved before an answer or a switch
    std::function<store::ChatSettings()> settings;          // what the panel holds
    std::function<std::string()> preset;                    // ... and the preset chosen, or ""
    std::function<store::SamplingSettings()> nextSampling;  // ... with the answer's seed drawn
    std::function<void(const store::Conversation&, const std::optional<store::ChatSettings>&,
                       bool switched)>
        showSettings;
    std::function<void()> showNewChatSettings;
    // The conversations part.
    std::function<void(qint64 id, const QString& title)> showCurrent;  // the sidebar's selection
    std::function<void()> refreshList;  // an answer moved a conversation up the list
    std::function<void(qint64 id)> checkDamage;
  };

  ChatController(ControllerState& state, ui::ChatViewModel& chat, QObject* parent = nullptr);
  void setLinks(Links links) { links_ = std::move(links); }

  // Shows conversation `id` (with the branch through `messageId`, when not 0), or a new chat.
  void selectConversation(qint64 id, qint64 messageId);
  void startNewChat();
  // Shows the conversation on screen again (measured again), after a model change.
  void reshow();
  // The model part shows a new model: the context meter starts over for it.
  void modelShown(int contextLength);
  // Why the composer may not send now (storeReady, readOnly, the model), or nothing.
  void updateSendBlocked();

  bool answering() const { return generation_.has_value(); }
  bool answeringIn(qint64 conversationId) const {
    return generation_ && generation_->conversationId == conversationId;
  }
  void stop();
  // The app is closing: an answer being written is kept as a stopped one.
  void flush();

  // From the worker.
  void onTokens(qint64 requestId, const QString& text, int tokenCount);
  void onReasoning(qint64 requestId, const QString& text, int tokenCount);
  void onGenerationFinished(const GenerationResult& result);
  void onPrefillProgress(qint64 requestId, int done, int total);
  void onContextMeasured(qint64 requestId, const ContextMeasure& measure);

 signals:
  void generateRequested(const vkchat::gui::GenerationRequest& request);
  void measureContextRequested(const vkchat::gui::GenerationRequest& request);
  void cancelRequested(qint64 requestId);

 private:
  struct Generation {
    qint64 messageId = 0;
    qint64 conversationId = 0;
    qint64 requestId = 0;
    QString text;
    int tokenCount = 0;
    QString reasoning;  // a model that thinks: its reasoning so far
    int reasoningTokens = 0;
    QElapsedTimer sinceCheckpoint;
    QElapsedTimer sinceStart;     // from the request, for the live time to first token
    qint64 firstTokenMs = -1;     // sinceStart when the first text came
    int firstTokenCount = 0;      // tokens in that first batch
    bool hasSystem = false;       // the request's turns begin with the system prompt
    std::vector<qint64> pathIds;  // the branch the prompt holds (without the answer)
    LoadedModel model;            // what writes it, for the answer's record
    // A branch from a token: the tokens the answer was given to begin with, as the earlier
    // answer kept them (their probabilities and alternatives; the worker has none for them).
    std::vector<store::AnswerToken> given;
  };
  // The last measure asked for: whose branch it was, to place the context's start.
  struct Measure {
    qint64 requestId = 0;
    qint64 conversationId = 0;
    std::vector<qint64> pathIds;
    bool hasSystem = false;
  };

  // Intents.
  void send(const QString& text);
  // sameSeed: with the settings and seed the answer was written with, not the panel's.
  void regenerate(qint64 assistantMessageId, bool sameSeed = false);
  void edit(qint64 userMessageId, const QString& text);
  void switchBranch(qint64 messageId, int offset);
  // A sibling of answer `messageId` with its settings and seed, beginning with its first
  // `tokenIndex` tokens and alternative `alternativeIndex` there (chat_controller_tokens.cpp).
  void branchFromToken(qint64 messageId, int tokenIndex, int alternativeIndex);
  // The tokens to keep with a finished answer: what the worker sent, the given ones as they were.
  static std::string answerTokensBlob(const Generation& done, const GenerationResult& result);

  // measure: ask the worker how much of the context the branch fills (after a switch or an
  // edit; a finished answer brings its own numbers).
  void showConversation(Snapshot snapshot, bool measure = true);
  // Where the model's context begins in the branch on screen: the row of the first message in
  // it (0: all are), for the marker, the status line and the next showConversation.
  void showContextStart(qint64 firstId);
  // Starts the answer whose empty message the snapshot's path ends with; `given`: the tokens it
  // begins with (a branch from a token).
  void generate(Snapshot snapshot, std::vector<store::AnswerToken> given = {});
  // An answer may start: the composer allows it and a model is ready.
  bool mayAnswer() const;
  void startFailed(const QString& reason);  // a store job that was to start an answer failed
  // The live speed in the status line, and a checkpoint when one is due, after a batch.
  void streamed(int tokenCount);
  int contextLength() const;

  ControllerState& state_;
  ui::ChatViewModel& chat_;
  Links links_;
  std::optional<Generation> generation_;
  Measure measure_;
  qint64 firstInContextId_ = 0;  // the first message in the model's context; 0: all are
};

}  // namespace vkchat::gui
