// The chat database schema and its migrations, keyed on PRAGMA user_version (docs/STORE.md).
#pragma once
#include "store/sqlite_db.h"

namespace vkchat::store {

// The version this build writes. A database at a higher version is refused, never downgraded.
inline constexpr int kSchemaVersion = 6;

int schema_version(const Database& db);

// Applies every migration above the database's version, each in its own IMMEDIATE transaction
// that also sets user_version, so a crash leaves the database at a whole version. Safe against
// another process migrating at the same time. Returns the version the database had.
int migrate(const Database& db);

}  // namespace vkchat::store
