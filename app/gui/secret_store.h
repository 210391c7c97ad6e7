// Where the API keys of remote servers are kept: the desktop's secret store (the Secret Service:
// GNOME Keyring, KWallet, KeePassXC; through libsecret) when one answers, else a JSON file that
// only the user may read (mode 0600, beside the chat history). Keys are looked up by the server's
// URL. No Qt here: glib's headers and Qt's keywords do not mix. Used on the worker's thread only
// (a secret store may take a moment, or ask to be unlocked).
#pragma once
#include <filesystem>
#include <optional>
#include <string>

namespace vkchat::gui {

class SecretStore {
 public:
  // fallback: the file used where no secret service answers. useService false: the file only
  // (tests; a session without a desktop).
  explicit SecretStore(std::filesystem::path fallback, bool useService = true);

  // Keeps `key` for `url`; an empty key forgets it. Returns where it went, in words for the user.
  // Throws std::runtime_error when neither the service nor the file takes it.
  std::string save(const std::string& url, const std::string& key);
  // The key kept for `url`, from the service or the file.
  std::optional<std::string> lookup(const std::string& url);

  // Whether the secret service answered the last time it was asked (false once it failed: the
  // file is used from then on).
  bool usingService() const { return useService_; }
  const std::filesystem::path& fallbackFile() const { return fallback_; }

 private:
  std::filesystem::path fallback_;
  bool useService_;
  std::string serviceProblem_;  // why the service is not used, once it failed
};

}  // namespace vkchat::gui
