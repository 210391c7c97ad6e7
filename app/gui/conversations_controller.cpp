#include "conversations_controller.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>

#include "store/date_groups.h"
#include "view_mapping.h"

namespace vkchat::gui {

ConversationsController::ConversationsController(ControllerState& state,
                                                 ui::ConversationsViewModel& conversations,
                                                 QObject* parent)
    : QObject(parent), state_(state), conversations_(conversations) {
  searchDebounce_.setSingleShot(true);
  searchDebounce_.setInterval(kSearchDelayMs);
  connect(&searchDebounce_, &QTimer::timeout, this, [this] { refreshList(); });
  undoTimer_.setSingleShot(true);
  undoTimer_.setInterval(kUndoMs);
  connect(&undoTimer_, &QTimer::timeout, this,
          [this] { conversations_.setUndoNoticeVisible(false); });

  connect(&conversations_, &ui::ConversationsViewModel::newRequested, this,
          [this] { links_.startNewChat(); });
  connect(&conversations_, &ui::ConversationsViewModel::selectRequested, this,
          [this](qint64 id, qint64 messageId) { links_.selectConversation(id, messageId); });
  connect(&conversations_, &ui::ConversationsViewModel::renameRequested, this,
          &ConversationsController::rename);
  connect(&conversations_, &ui::ConversationsViewModel::deleteRequested, this,
          &ConversationsController::remove);
  connect(&conversations_, &ui::ConversationsViewModel::undoDeleteRequested, this,
          &ConversationsController::undoRemove);
  connect(&conversations_, &ui::ConversationsViewModel::searchRequested, this,
          &ConversationsController::search);
  connect(&conversations_, &ui::ConversationsViewModel::searchReasoningRequested, this,
          [this](bool on) {
            conversations_.setSearchReasoning(on);
            if (!searchText_.trimmed().isEmpty()) refreshList();
          });
  connect(&conversations_, &ui::ConversationsViewModel::exportRequested, this,
          &ConversationsController::exportConversation);
  connect(&conversations_, &ui::ConversationsViewModel::importRequested, this,
          &ConversationsController::importFile);
  connectHistory();
  conversations_.setAvailable(false);
}

void ConversationsController::refreshList() {
  if (!state_.storeReady) return;
  const QString text = searchText_.trimmed();
  if (text.isEmpty()) {
    state_.store.run(
        this, [](store::ChatStore& s) { return s.list_conversations(); },
        [this](std::vector<store::Conversation> list) {
          if (!searchText_.trimmed().isEmpty()) return;  // a search started meanwhile
          const std::int64_t now = store::now_ms();
          QList<ui::ConversationItem> items;
          for (const store::Conversation& c : list) {
            items.append(
                {c.id,
                 qstr(c.title),
                 qstr(std::string(store::date_group_label(store::date_group(c.updated_at, now)))),
                 {},
                 0});
          }
          conversations_.list()->setItems(std::move(items));
        });
    return;
  }
  state_.store.run(
      this,
      [q = text.toStdString(), reasoning = conversations_.searchReasoning()](store::ChatStore& s) {
        return s.search(q, 50, reasoning);
      },
      [this, text,
       reasoning = conversations_.searchReasoning()](std::vector<store::SearchHit> hits) {
        // Superseded by another search.
        if (searchText_.trimmed() != text || conversations_.searchReasoning() != reasoning) return;
        QList<ui::ConversationItem> items;
        for (const store::SearchHit& h : hits) {
          items.append({h.conversation_id, qstr(h.title), tr("Search results"), qstr(h.snippet),
                        h.message_id});
        }
        conversations_.list()->setItems(std::move(items));
      });
}

void ConversationsController::showCurrent(qint64 id, const QString& title) {
  conversations_.setCurrent(id, title);
}

void ConversationsController::rename(qint64 id, const QString& title) {
  if (state_.refuseWrite(tr("The conversation was not renamed"))) return;
  state_.store.post(
      [id, t = title.toStdString()](store::ChatStore& s) { s.rename_conversation(id, t); });
  if (id == state_.currentId) conversations_.setCurrent(id, title);
  refreshList();
}

void ConversationsController::remove(qint64 id) {
  if (state_.refuseWrite(tr("The conversation was not deleted"))) return;
  if (links_.answeringIn(id)) links_.stopAnswer();
  QString title;
  const int row = conversations_.list()->indexOfKey(id);
  if (row >= 0) title = conversations_.list()->at(row).title;
  state_.store.post([id](store::ChatStore& s) { s.delete_conversation(id); });
  deleted_.emplace_back(id, title);
  setUndoTop();
  conversations_.setUndoNoticeVisible(true);
  undoTimer_.start();
  if (id == state_.currentId) links_.startNewChat();
  refreshList();
  refreshTrash();
}

void ConversationsController::undoRemove() {
  if (deleted_.empty()) return;
  const qint64 id = deleted_.back().first;
  undoTimer_.stop();
  conversations_.setUndoNoticeVisible(false);
  restoreFromTrash(id);
}

void ConversationsController::search(const QString& text) {
  searchText_ = text;
  conversations_.setSearchText(text);
  searchDebounce_.start();
}

void ConversationsController::exportConversation(qint64 id, const QString& format,
                                                 const QUrl& fileUrl) {
  const bool json = format == QLatin1String("json");
  const QString path = exportPath(fileUrl, json ? QStringLiteral("json") : QStringLiteral("md"));
  state_.store.run(
      this,
      [id, json, path](store::ChatStore& s) {
        const std::string text = json ? s.export_json(id) : s.export_markdown(id);
        QFile file(path);
        if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) ||
            file.write(text.data(), static_cast<qint64>(text.size())) !=
                static_cast<qint64>(text.size())) {
          return file.errorString();
        }
        return QString();
      },
      [this, path](QString error) {
        if (error.isEmpty()) {
          state_.status.showNotice(tr("Exported to %1").arg(path));
        } else {
          state_.showError(tr("Could not export to %1: %2").arg(path, error));
        }
      });
}

void ConversationsController::importFile(const QUrl& fileUrl) {
  const QString path = fileUrl.isLocalFile() ? fileUrl.toLocalFile() : fileUrl.toString();
  if (state_.refuseWrite(tr("Nothing was imported"))) return;
  struct Outcome {
    std::vector<std::int64_t> ids;
    QString error;
  };
  state_.store.run(
      this,
      [path](store::ChatStore& s) {
        QFile file(path);
        if (!file.open(QIODevice::ReadOnly)) return Outcome{{}, file.errorString()};
        const QByteArray bytes = file.readAll();
        return Outcome{s.import_json(std::string_view(bytes.constData(),
                                                      static_cast<std::size_t>(bytes.size()))),
                       {}};
      },
      [this, path](Outcome outcome) {
        if (!outcome.error.isEmpty()) {
          state_.showError(tr("Could not import %1: %2").arg(path, outcome.error));
          return;
        }
        state_.status.showNotice(
            tr("Imported %n conversation(s) from %1", nullptr, static_cast<int>(outcome.ids.size()))
                .arg(path));
        refreshList();
        if (!outcome.ids.empty()) links_.selectConversation(outcome.ids.front(), 0);
      },
      [this, path](const QString& reason) {
        state_.showError(tr("Could not import %1: %2").arg(path, reason));
      });
}

QString ConversationsController::exportPath(const QUrl& chosen, const QString& suffix) {
  QString path = chosen.isLocalFile() ? chosen.toLocalFile() : chosen.toString();
  if (QFileInfo(path).suffix().isEmpty()) path += QLatin1Char('.') + suffix;
  return QDir::cleanPath(QFileInfo(path).absoluteFilePath());
}

}  // namespace vkchat::gui
