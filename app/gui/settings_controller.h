// The controller's settings part: the settings panel of the conversation on screen. An edit is
// saved to that conversation after a short pause (a new chat keeps its settings until its first
// message writes it); reset and "save as defaults" go through the store's app-wide defaults. It
// also draws the seed of the next answer.
#pragma once
#include <QObject>
#include <QTimer>
#include <optional>

#include "controller_state.h"
#include "generation_settings.h"
#include "store/store_types.h"

namespace vkchat::gui {

class SettingsController : public QObject {
  Q_OBJECT

 public:
  static constexpr int kSaveDelayMs = 300;  // an edit is saved once the slider rests this long

  SettingsController(ControllerState& state, ui::GenerationSettings& settings,
                     QObject* parent = nullptr);

  // Saves a pending edit now (before the conversation changes, an answer starts, or the app quits).
  void flush();
  // Shows conversation `c`'s settings against the app defaults (`defaults`: newly read ones, if
  // any). `switched`: another conversation than the last one shown; otherwise a pending edit is
  // kept on screen rather than the stored values it is about to replace.
  void show(const store::Conversation& c, const std::optional<store::ChatSettings>& defaults,
            bool switched);
  // A new chat: shows the app defaults, read from the store.
  void showNewChat();

  // What the panel holds, and the same with the seed of the next answer drawn when it is random.
  store::ChatSettings current() const;
  // The preset chosen for the conversation on screen (or for the new chat), "" for none.
  std::string preset() const { return settings_.preset().toStdString(); }
  // Reads the presets' names into the panel (the store opened, or a preset was saved).
  void refreshPresets();
  store::SamplingSettings forNextAnswer() const;

 private:
  void onEdited();
  void persist();
  void reset();
  void saveDefaults();
  void choosePreset(const QString& name);
  void savePreset(const QString& name);

  ControllerState& state_;
  ui::GenerationSettings& settings_;
  store::ChatSettings defaults_;
  QTimer debounce_;
  qint64 pendingFor_ = 0;  // whose settings the pending edit belongs to
};

}  // namespace vkchat::gui
