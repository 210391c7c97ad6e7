// The chat part's answers token by token: a branch from a token of an answer (the user chose one
// of its alternatives), and the tokens a finished answer keeps. Apart from chat_controller.cpp
// because it is one feature: every other intent there starts answers from their beginning.
#include <stdexcept>

#include "chat_controller.h"

namespace vkchat::gui {

namespace {

// The answer's tokens up to `index` and then alternative `alternative` there, as the new answer
// begins; throws, for the store job's failure, when the answer has no such token.
std::vector<store::AnswerToken> branch_start(const store::Message& answer, int index,
                                             int alternative) {
  const std::optional<std::vector<store::AnswerToken>> tokens =
      store::decode_answer_tokens(answer.answer_tokens);
  if (answer.role != store::Role::Assistant || !tokens || tokens->empty()) {
    throw std::invalid_argument("the answer kept no tokens to branch from");
  }
  if (index < 0 || static_cast<std::size_t>(index) >= tokens->size() || alternative < 0 ||
      static_cast<std::size_t>(alternative) >=
          (*tokens)[static_cast<std::size_t>(index)].alternatives.size()) {
    throw std::invalid_argument("the answer has no such token or alternative");
  }
  std::vector<store::AnswerToken> start(tokens->begin(), tokens->begin() + index);
  const store::AnswerToken& at = (*tokens)[static_cast<std::size_t>(index)];
  const store::TokenAlternative& chosen = at.alternatives[static_cast<std::size_t>(alternative)];
  // The position's alternatives stay as they were; now they say what was chosen instead.
  start.push_back({chosen.id, chosen.p, chosen.text, at.reasoning, at.alternatives});
  return start;
}

}  // namespace

void ChatController::branchFromToken(qint64 messageId, int tokenIndex, int alternativeIndex) {
  if (!mayAnswer()) return;
  links_.flushSettings();
  chat_.setGenerating(true);
  struct Branch {
    Snapshot snapshot;
    std::vector<store::AnswerToken> given;
  };
  state_.store.run(
      this,
      [messageId, tokenIndex, alternativeIndex, next = links_.nextSampling()](store::ChatStore& s) {
        const store::Message old = s.message(messageId);
        std::vector<store::AnswerToken> given = branch_start(old, tokenIndex, alternativeIndex);
        // The same settings and seed (an answer from before they were recorded: the panel's).
        const store::Message answer = s.regenerate(messageId, old.sampling.value_or(next));
        return Branch{Snapshot{s.conversation(answer.conversation_id),
                               s.active_path(answer.conversation_id), std::nullopt},
                      std::move(given)};
      },
      [this](Branch branch) { generate(std::move(branch.snapshot), std::move(branch.given)); },
      [this](const QString& reason) { startFailed(reason); });
}

std::string ChatController::answerTokensBlob(const Generation& done,
                                             const GenerationResult& result) {
  std::vector<store::AnswerToken> tokens = result.answerTokens;
  // The worker has no probabilities for the tokens it was given: the earlier answer's stand.
  for (std::size_t i = 0; i < tokens.size() && i < done.given.size(); ++i) {
    if (tokens[i].id == done.given[i].id && !tokens[i].p) {
      const std::string text = std::move(tokens[i].text);  // as this answer's text has it
      tokens[i] = done.given[i];
      tokens[i].text = text;
    }
  }
  return store::encode_answer_tokens(tokens);
}

}  // namespace vkchat::gui
