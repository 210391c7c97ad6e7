// Move-only RAII over the SQLite 3 C API: a connection, a prepared statement, a write transaction.
// Values reach SQL only as bound parameters; every failure throws StoreError naming the database,
// the statement and SQLite's message. A Database, and the Statements made from it, belong to one
// thread at a time (see docs/STORE.md, "Threading").
#pragma once
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "store/store_error.h"

struct sqlite3;
struct sqlite3_stmt;

namespace vkchat::store {

class Statement;

class Database {
 public:
  enum class Mode { ReadWrite, ReadOnly };
  // Opens a database file with extended result codes on: ReadWrite creates it when missing,
  // along with its folder (and SQLite falls back to reading only a write-protected file:
  // read_only() says so); ReadOnly never writes or creates anything. ":memory:" gives a private
  // in-memory database. Throws StoreError.
  static Database open(const std::filesystem::path& path, Mode mode = Mode::ReadWrite);

  Database(Database&&) noexcept = default;
  Database& operator=(Database&&) noexcept = default;
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;
  ~Database() = default;

  // Runs SQL text that takes no values (schema, PRAGMAs); several statements may follow each other.
  void exec(std::string_view sql) const;
  Statement prepare(std::string_view sql) const;

  std::int64_t last_insert_rowid() const;
  int changes() const;  // rows touched by the last INSERT/UPDATE/DELETE
  bool in_transaction() const;
  bool read_only() const;  // opened ReadOnly, or the file or its folder is write-protected

  const std::string& path() const { return path_; }
  sqlite3* handle() const { return db_.get(); }

  // Throws StoreError for result code `rc` with SQLite's current message for this connection.
  [[noreturn]] void fail(int rc, std::string_view context) const;
  // Throws StoreError for a failure that is ours, not SQLite's (unknown id, misuse).
  [[noreturn]] void fail_logic(std::string_view context, std::string_view detail) const;

 private:
  struct Closer {
    void operator()(sqlite3* db) const;
  };
  Database(std::unique_ptr<sqlite3, Closer> db, std::string path)
      : db_(std::move(db)), path_(std::move(path)) {}

  std::unique_ptr<sqlite3, Closer> db_;
  std::string path_;
};

// Bytes bound as a BLOB rather than as text.
struct Blob {
  std::string_view bytes;
};

class Statement {
 public:
  Statement(Statement&&) noexcept = default;
  Statement& operator=(Statement&&) noexcept = default;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement() = default;

  // Binds parameters ?1, ?2, ... in order. Text is copied by SQLite. std::nullopt (or an empty
  // optional) binds NULL.
  template <class... Ts>
  Statement& bind(const Ts&... values) {
    int i = 0;
    (bind_at(++i, values), ...);
    return *this;
  }
  void bind_at(int index, std::nullopt_t);
  void bind_at(int index, std::int64_t value);
  void bind_at(int index, int value) { bind_at(index, static_cast<std::int64_t>(value)); }
  void bind_at(int index, double value);
  void bind_at(int index, std::string_view value);
  void bind_at(int index, const Blob& value);
  template <class T>
  void bind_at(int index, const std::optional<T>& value) {
    if (value) {
      bind_at(index, *value);
    } else {
      bind_at(index, std::nullopt);
    }
  }

  // Advances: true when a row is ready to read, false when the statement has finished.
  bool step();
  // Steps a statement that returns no rows (or whose rows are not wanted) to completion.
  void run();
  // Rewinds for another run with new bindings.
  void reset();

  bool is_null(int column) const;
  std::int64_t int64(int column) const;
  double real(int column) const;
  std::string text(int column) const;
  std::string blob(int column) const;  // a BLOB's bytes (NULL: empty)
  std::optional<std::int64_t> optional_int64(int column) const;
  std::optional<double> optional_real(int column) const;

  // Throws StoreError for a value this statement read that makes no sense (a damaged row).
  [[noreturn]] void fail_value(int column, std::string_view detail) const;

 private:
  friend class Database;
  struct Finalizer {
    void operator()(sqlite3_stmt* stmt) const;
  };
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  [[noreturn]] void fail(int rc) const;

  sqlite3* db_;  // owned by the Database, which outlives its statements
  std::unique_ptr<sqlite3_stmt, Finalizer> stmt_;
};

// A transaction. Outermost and Immediate: BEGIN IMMEDIATE (the write lock is taken at once,
// waiting up to the busy timeout, so two writers never deadlock upgrading read locks). Outermost
// and Deferred: BEGIN, which takes no lock until the first read or write (for a batch of calls that
// may only read; a write after a read can then fail at once with SQLITE_BUSY, and the caller
// retries the whole batch). Inside another: a SAVEPOINT, so store operations compose. Rolled back
// on destruction unless commit() was called.
class Transaction {
 public:
  enum class Kind { Immediate, Deferred };
  explicit Transaction(const Database& db, Kind kind = Kind::Immediate);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  void commit();

 private:
  const Database& db_;
  bool nested_;
  bool done_ = false;
};

}  // namespace vkchat::store
