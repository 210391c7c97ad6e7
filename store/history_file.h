// The history file as a file: moving one that cannot be used out of the way, so the app can start
// a new history at the same path without deleting anything of the user's.
#pragma once
#include <cstdint>
#include <filesystem>

namespace vkchat::store {

// Renames the database at `path`, with its -wal and -shm files, to a name beside it that says
// when: chats.sqlite becomes chats.set-aside-20261202-054312.sqlite (local time; -2, -3... when
// that name is taken). Nothing is deleted or rewritten. The file must not be open. Returns the
// new path; throws StoreError when the file is missing or cannot be renamed (then nothing moved).
std::filesystem::path move_aside(const std::filesystem::path& path, std::int64_t now_ms);

}  // namespace vkchat::store
