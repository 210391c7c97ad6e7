// The one exception type of the chat store: what was being done, against which database, and why.
#pragma once
#include <stdexcept>
#include <string>

namespace vkchat::store {

// Thrown for every failure in store/: SQLite errors (with the statement and SQLite's own
// message and extended result code), a damaged or foreign file, a schema newer than this build,
// and misuse such as an unknown conversation id (sqlite_code() is 0 for those).
class StoreError : public std::runtime_error {
 public:
  StoreError(std::string database, std::string context, std::string detail, int sqlite_code = 0);

  const std::string& database() const { return database_; }  // file path, or ":memory:"
  const std::string& context() const { return context_; }    // the SQL or the operation
  const std::string& detail() const { return detail_; }      // SQLite's message or ours
  int sqlite_code() const { return sqlite_code_; }           // extended result code, or 0
  // The file is not a database, or its pages are damaged (SQLITE_NOTADB / SQLITE_CORRUPT).
  bool damaged() const;
  // Another connection (another program, another vkchat) holds a lock longer than the busy
  // timeout (SQLITE_BUSY / SQLITE_LOCKED): nothing was written, and trying again later can work.
  bool busy() const;
  // The file, or the store, cannot be written (SQLITE_READONLY / SQLITE_PERM).
  bool read_only() const;

 private:
  std::string database_;
  std::string context_;
  std::string detail_;
  int sqlite_code_;
};

}  // namespace vkchat::store
