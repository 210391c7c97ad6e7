#include "settings_controller.h"

#include <QRandomGenerator>
#include <stdexcept>

#include "sampler/sampler.h"
#include "view_mapping.h"

namespace vkchat::gui {

SettingsController::SettingsController(ControllerState& state, ui::GenerationSettings& settings,
                                       QObject* parent)
    : QObject(parent), state_(state), settings_(settings) {
  debounce_.setSingleShot(true);
  debounce_.setInterval(kSaveDelayMs);
  connect(&debounce_, &QTimer::timeout, this, &SettingsController::persist);
  connect(&settings_, &ui::GenerationSettings::edited, this, &SettingsController::onEdited);
  connect(&settings_, &ui::GenerationSettings::resetToDefaultsRequested, this,
          &SettingsController::reset);
  connect(&settings_, &ui::GenerationSettings::saveAsDefaultsRequested, this,
          &SettingsController::saveDefaults);
  connect(&settings_, &ui::GenerationSettings::presetRequested, this,
          &SettingsController::choosePreset);
  connect(&settings_, &ui::GenerationSettings::savePresetRequested, this,
          &SettingsController::savePreset);
}

void SettingsController::refreshPresets() {
  if (!state_.storeReady) return;
  state_.store.run(
      this, [](store::ChatStore& s) { return s.presets(); },
      [this](std::vector<store::Preset> presets) {
        QStringList names;
        for (const store::Preset& p : presets) names << qstr(p.name);
        settings_.setPresets(names);
      });
}

void SettingsController::choosePreset(const QString& name) {
  if (!state_.storeReady) return;
  // A new chat takes the preset's values now and is written with the name by its first message.
  const qint64 id = state_.currentId;
  if (id != 0 && state_.refuseWrite(tr("The preset was not applied"))) return;
  debounce_.stop();  // the preset's values replace any pending edit
  state_.store.run(
      this,
      [id, n = name.toStdString()](store::ChatStore& s) {
        if (id != 0) {
          s.set_conversation_preset(id, n);
          return s.conversation(id).settings;
        }
        const std::optional<store::Preset> p = s.preset(n);
        if (!p) throw std::runtime_error("no such preset: " + n);
        return p->settings;
      },
      [this, id, name](store::ChatSettings settings) {
        if (state_.currentId != id) return;  // another conversation is on screen now
        settings_.setPreset(name);
        settings_.load(to_values(settings), to_values(defaults_));
      });
}

void SettingsController::savePreset(const QString& name) {
  const QString trimmed = name.trimmed();
  if (trimmed.isEmpty() || state_.refuseWrite(tr("The preset was not saved"))) return;
  state_.store.run(
      this,
      [n = trimmed.toStdString(), values = to_store(settings_.values())](store::ChatStore& s) {
        s.save_preset(n, values);
        return 0;
      },
      [this, trimmed](int) {
        refreshPresets();
        state_.status.showNotice(tr("Saved the preset \u201c%1\u201d").arg(trimmed));
      },
      [this](const QString& reason) {
        state_.showError(tr("The preset was not saved: %1").arg(reason));
      });
}

void SettingsController::onEdited() {
  if (state_.currentId == 0) return;  // a new chat keeps its settings until its first message
  if (debounce_.isActive() && pendingFor_ != state_.currentId) persist();
  pendingFor_ = state_.currentId;
  debounce_.start();
}

void SettingsController::flush() {
  if (debounce_.isActive()) persist();
}

void SettingsController::persist() {
  debounce_.stop();
  if (pendingFor_ == 0 || state_.refuseWrite(tr("The settings were not saved"))) return;
  state_.store.post([id = pendingFor_, values = to_store(settings_.values())](store::ChatStore& s) {
    s.set_conversation_settings(id, values);
  });
}

void SettingsController::show(const store::Conversation& c,
                              const std::optional<store::ChatSettings>& defaults, bool switched) {
  if (defaults) defaults_ = *defaults;
  if (debounce_.isActive() && pendingFor_ != c.id) persist();
  if (switched || !debounce_.isActive()) {
    settings_.load(to_values(c.settings), to_values(defaults_));
  }
  settings_.setPreset(qstr(c.preset));
}

void SettingsController::showNewChat() {
  if (!state_.storeReady) return;
  state_.store.run(
      this, [](store::ChatStore& s) { return s.default_chat_settings(); },
      [this](store::ChatSettings defaults) {
        defaults_ = defaults;
        if (state_.currentId == 0) {
          settings_.setPreset({});
          settings_.load(to_values(defaults), to_values(defaults));
        }
      });
}

void SettingsController::reset() {
  if (state_.refuseWrite(tr("The settings were not reset"))) return;
  state_.store.run(
      this, [](store::ChatStore& s) { return s.default_chat_settings(); },
      [this](store::ChatSettings defaults) {
        defaults_ = defaults;
        const ui::SettingsValues values = to_values(defaults);
        settings_.load(values, values);
        if (state_.currentId != 0) {
          pendingFor_ = state_.currentId;
          persist();
        }
      });
}

void SettingsController::saveDefaults() {
  if (state_.refuseWrite(tr("The defaults were not saved"))) return;
  const store::ChatSettings values = to_store(settings_.values());
  defaults_ = values;
  settings_.load(settings_.values(), settings_.values());
  state_.store.post([values](store::ChatStore& s) { s.set_default_chat_settings(values); });
  state_.status.showNotice(tr("New chats will start with these settings"));
}

store::ChatSettings SettingsController::current() const {
  return to_store(settings_.values());
}

// The seed is drawn here, not in the engine, so the answer's record names the seed it used.
store::SamplingSettings SettingsController::forNextAnswer() const {
  store::SamplingSettings used = current().sampling;
  if (used.seed_mode == store::SeedMode::Random) {
    do {
      used.seed = QRandomGenerator::global()->generate();
    } while (used.seed == sampler::kRandomSeed);
  }
  return used;
}

}  // namespace vkchat::gui
