// Setting an unusable history file aside under a dated name.
#include "store/history_file.h"

#include <ctime>
#include <string>
#include <system_error>
#include <vector>

#include "store/store_error.h"

namespace vkchat::store {

namespace {

namespace fs = std::filesystem;

std::string local_stamp(std::int64_t ms) {
  std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%d-%H%M%S", &tm);
  return buf;
}

fs::path with_suffix(const fs::path& p, const char* suffix) {
  return fs::path(p.string() + suffix);
}

}  // namespace

fs::path move_aside(const fs::path& path, std::int64_t now_ms) {
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    throw StoreError(path.string(), "move aside", "the file does not exist");
  }
  const std::string stem = path.stem().string() + ".set-aside-" + local_stamp(now_ms);
  fs::path target;
  for (int n = 1;; ++n) {
    target = path.parent_path() /
             (stem + (n > 1 ? "-" + std::to_string(n) : std::string()) + path.extension().string());
    if (!fs::exists(target, ec) && !fs::exists(with_suffix(target, "-wal"), ec)) break;
  }
  // The journal files first: a -wal left at the old path would be replayed into the new history.
  std::vector<std::pair<fs::path, fs::path>> moved;
  auto undo = [&moved] {
    std::error_code ignored;
    for (auto it = moved.rbegin(); it != moved.rend(); ++it)
      fs::rename(it->second, it->first, ignored);
  };
  for (const char* suffix : {"-wal", "-shm", ""}) {
    const fs::path from = with_suffix(path, suffix);
    if (*suffix != '\0' && !fs::exists(from, ec)) continue;
    const fs::path to = with_suffix(target, suffix);
    fs::rename(from, to, ec);
    if (ec) {
      undo();
      throw StoreError(path.string(), "move " + from.string() + " to " + to.string(), ec.message());
    }
    moved.emplace_back(from, to);
  }
  return target;
}

}  // namespace vkchat::store
