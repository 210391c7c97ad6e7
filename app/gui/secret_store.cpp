#include "secret_store.h"

#include <fcntl.h>
#include <libsecret/secret.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <system_error>

namespace vkchat::gui {
namespace {

using json = nlohmann::json;

const SecretSchema* schema() {
  static const SecretSchema s = {
      "io.github.vkchat.vkchat.ApiKey",
      SECRET_SCHEMA_NONE,
      {{"url", SECRET_SCHEMA_ATTRIBUTE_STRING}, {nullptr, SECRET_SCHEMA_ATTRIBUTE_STRING}},
      0,
      nullptr,
      nullptr,
      nullptr,
      nullptr,
      nullptr,
      nullptr,
      nullptr};
  return &s;
}

// A GError's message, freeing it; empty when there was none.
std::string take_error(GError* error) {
  if (error == nullptr) return {};
  std::string message = error->message != nullptr ? error->message : "unknown error";
  g_error_free(error);
  return message;
}

json read_keys(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) return json::object();
  std::stringstream text;
  text << in.rdbuf();
  json keys = json::parse(text.str(), nullptr, false);
  return keys.is_object() ? keys : json::object();
}

// Written whole to a new file created 0600, then renamed over the old one: never readable by
// others, never half written.
void write_keys(const std::filesystem::path& file, const json& keys) {
  std::error_code ec;
  std::filesystem::create_directories(file.parent_path(), ec);
  const std::filesystem::path tmp = file.string() + ".new";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    throw std::runtime_error("cannot write " + tmp.string() + ": " + std::strerror(errno));
  }
  const std::string text = keys.dump(2) + "\n";
  const ssize_t written = ::write(fd, text.data(), text.size());
  const bool ok = written == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || std::rename(tmp.c_str(), file.c_str()) != 0) {
    std::filesystem::remove(tmp, ec);
    throw std::runtime_error("cannot write " + file.string() + ": " + std::strerror(errno));
  }
}

}  // namespace

SecretStore::SecretStore(std::filesystem::path fallback, bool useService)
    : fallback_(std::move(fallback)), useService_(useService) {
  if (!useService) serviceProblem_ = "not asked";
}

std::string SecretStore::save(const std::string& url, const std::string& key) {
  if (useService_) {
    GError* error = nullptr;
    if (key.empty()) {
      secret_password_clear_sync(schema(), nullptr, &error, "url", url.c_str(), nullptr);
    } else {
      const std::string label = "vkchat: API key for " + url;
      secret_password_store_sync(schema(), SECRET_COLLECTION_DEFAULT, label.c_str(), key.c_str(),
                                 nullptr, &error, "url", url.c_str(), nullptr);
    }
    serviceProblem_ = take_error(error);
    if (serviceProblem_.empty()) {
      // Kept safe now: a copy from a time without the service goes.
      json keys = read_keys(fallback_);
      if (keys.erase(url) > 0) write_keys(fallback_, keys);
      return "the desktop's secret store";
    }
    useService_ = false;
  }
  json keys = read_keys(fallback_);
  if (key.empty()) {
    keys.erase(url);
  } else {
    keys[url] = key;
  }
  write_keys(fallback_, keys);
  return fallback_.string() + " (readable only by you; no secret service: " + serviceProblem_ + ")";
}

std::optional<std::string> SecretStore::lookup(const std::string& url) {
  if (useService_) {
    GError* error = nullptr;
    gchar* found =
        secret_password_lookup_sync(schema(), nullptr, &error, "url", url.c_str(), nullptr);
    serviceProblem_ = take_error(error);
    if (found != nullptr) {
      std::string key = found;
      secret_password_free(found);
      return key;
    }
    if (!serviceProblem_.empty()) useService_ = false;
  }
  const json keys = read_keys(fallback_);
  const auto it = keys.find(url);
  if (it != keys.end() && it->is_string()) return it->get<std::string>();
  return std::nullopt;
}

}  // namespace vkchat::gui
