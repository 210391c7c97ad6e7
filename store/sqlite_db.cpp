// RAII over sqlite3* and sqlite3_stmt*, and the translation of SQLite failures into StoreError.
#include "store/sqlite_db.h"

#include <sqlite3.h>

#include <system_error>

namespace vkchat::store {

namespace {

// SQL as it reads in a message: whitespace runs collapsed, long statements cut.
std::string one_line(std::string_view sql) {
  constexpr std::size_t kMax = 240;
  std::string out;
  bool space = false;
  for (char c : sql) {
    if (c == ' ' || c == '\n' || c == '\t' || c == '\r') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
    if (out.size() >= kMax) {
      out += "...";
      break;
    }
  }
  return out;
}

std::string database_name(sqlite3* db) {
  const char* name = db ? sqlite3_db_filename(db, "main") : nullptr;
  return name && *name ? name : ":memory:";
}

// Extended result codes are on, so `rc` is already the extended code; SQLite's message for the
// connection describes the call that just failed.
[[noreturn]] void throw_sqlite(sqlite3* db, int rc, std::string_view context,
                               const char* message = nullptr) {
  std::string detail = message ? message : db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  throw StoreError(database_name(db), one_line(context), detail, rc);
}

}  // namespace

bool StoreError::damaged() const {
  int primary = sqlite_code_ & 0xff;
  return primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB;
}

bool StoreError::busy() const {
  int primary = sqlite_code_ & 0xff;
  return primary == SQLITE_BUSY || primary == SQLITE_LOCKED;
}

bool StoreError::read_only() const {
  int primary = sqlite_code_ & 0xff;
  return primary == SQLITE_READONLY || primary == SQLITE_PERM;
}

StoreError::StoreError(std::string database, std::string context, std::string detail,
                       int sqlite_code)
    : std::runtime_error("chat store " + database + ": " + detail + " (while: " + context + ")"),
      database_(std::move(database)),
      context_(std::move(context)),
      detail_(std::move(detail)),
      sqlite_code_(sqlite_code) {}

void Database::Closer::operator()(sqlite3* db) const {
  // close_v2 never fails for a valid handle: with statements still open it defers the close.
  sqlite3_close_v2(db);
}

Database Database::open(const std::filesystem::path& path, Mode mode) {
  std::string name = path.string();
  const bool writable = mode == Mode::ReadWrite;
  if (writable && name != ":memory:" && path.has_parent_path()) {
    std::error_code ec;
    std::filesystem::create_directories(path.parent_path(), ec);
    if (ec) {
      throw StoreError(name, "create folder " + path.parent_path().string(), ec.message());
    }
  }
  sqlite3* raw = nullptr;
  const int flags = writable ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE : SQLITE_OPEN_READONLY;
  int rc = sqlite3_open_v2(name.c_str(), &raw, flags, nullptr);
  std::unique_ptr<sqlite3, Closer> db(raw);
  if (rc != SQLITE_OK) {
    std::string detail = raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc);
    throw StoreError(name, "open", detail, rc);
  }
  sqlite3_extended_result_codes(raw, 1);
  return Database(std::move(db), std::move(name));
}

void Database::exec(std::string_view sql) const {
  std::string text(sql);
  char* err = nullptr;
  int rc = sqlite3_exec(handle(), text.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string detail = err ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    throw_sqlite(handle(), rc, sql, detail.c_str());
  }
}

Statement Database::prepare(std::string_view sql) const {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v2(handle(), sql.data(), static_cast<int>(sql.size()), &stmt, nullptr);
  if (rc != SQLITE_OK) throw_sqlite(handle(), rc, sql);
  return Statement(handle(), stmt);
}

std::int64_t Database::last_insert_rowid() const {
  return sqlite3_last_insert_rowid(handle());
}
int Database::changes() const {
  return sqlite3_changes(handle());
}
bool Database::in_transaction() const {
  return sqlite3_get_autocommit(handle()) == 0;
}
bool Database::read_only() const {
  return sqlite3_db_readonly(handle(), "main") == 1;
}

void Database::fail(int rc, std::string_view context) const {
  throw_sqlite(handle(), rc, context);
}

void Database::fail_logic(std::string_view context, std::string_view detail) const {
  throw StoreError(database_name(handle()), std::string(context), std::string(detail));
}

void Statement::Finalizer::operator()(sqlite3_stmt* stmt) const {
  // finalize only repeats the last step's error, which step() has already thrown.
  sqlite3_finalize(stmt);
}

void Statement::fail(int rc) const {
  throw_sqlite(db_, rc, sqlite3_sql(stmt_.get()));
}

void Statement::bind_at(int index, std::nullopt_t) {
  int rc = sqlite3_bind_null(stmt_.get(), index);
  if (rc != SQLITE_OK) fail(rc);
}

void Statement::bind_at(int index, std::int64_t value) {
  int rc = sqlite3_bind_int64(stmt_.get(), index, value);
  if (rc != SQLITE_OK) fail(rc);
}

void Statement::bind_at(int index, double value) {
  int rc = sqlite3_bind_double(stmt_.get(), index, value);
  if (rc != SQLITE_OK) fail(rc);
}

void Statement::bind_at(int index, std::string_view value) {
  // A default-constructed view has no data pointer, which SQLite would bind as NULL: text is
  // text, empty or not (NULL is bind_at(i, std::nullopt)).
  int rc = sqlite3_bind_text64(stmt_.get(), index, value.data() ? value.data() : "", value.size(),
                               SQLITE_TRANSIENT, SQLITE_UTF8);
  if (rc != SQLITE_OK) fail(rc);
}

void Statement::bind_at(int index, const Blob& value) {
  // A zero-length blob, not NULL, for empty bytes (as text above).
  int rc = value.bytes.empty() ? sqlite3_bind_zeroblob(stmt_.get(), index, 0)
                               : sqlite3_bind_blob64(stmt_.get(), index, value.bytes.data(),
                                                     value.bytes.size(), SQLITE_TRANSIENT);
  if (rc != SQLITE_OK) fail(rc);
}

bool Statement::step() {
  int rc = sqlite3_step(stmt_.get());
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  fail(rc);
}

void Statement::run() {
  while (step()) {
  }
}

void Statement::reset() {
  sqlite3_reset(stmt_.get());
  sqlite3_clear_bindings(stmt_.get());
}

bool Statement::is_null(int column) const {
  return sqlite3_column_type(stmt_.get(), column) == SQLITE_NULL;
}

std::int64_t Statement::int64(int column) const {
  return sqlite3_column_int64(stmt_.get(), column);
}

double Statement::real(int column) const {
  return sqlite3_column_double(stmt_.get(), column);
}

std::string Statement::text(int column) const {
  const unsigned char* p = sqlite3_column_text(stmt_.get(), column);
  int n = sqlite3_column_bytes(stmt_.get(), column);
  return p ? std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(n))
           : std::string();
}

std::string Statement::blob(int column) const {
  const void* p = sqlite3_column_blob(stmt_.get(), column);
  int n = sqlite3_column_bytes(stmt_.get(), column);
  return p ? std::string(static_cast<const char*>(p), static_cast<std::size_t>(n)) : std::string();
}

void Statement::fail_value(int column, std::string_view detail) const {
  const char* name = sqlite3_column_name(stmt_.get(), column);
  throw StoreError(database_name(db_), one_line(sqlite3_sql(stmt_.get())),
                   "column " + std::string(name ? name : "?") + ": " + std::string(detail));
}

std::optional<std::int64_t> Statement::optional_int64(int column) const {
  if (is_null(column)) return std::nullopt;
  return int64(column);
}

std::optional<double> Statement::optional_real(int column) const {
  if (is_null(column)) return std::nullopt;
  return real(column);
}

Transaction::Transaction(const Database& db, Kind kind) : db_(db), nested_(db.in_transaction()) {
  db_.exec(nested_ ? "SAVEPOINT nested" : kind == Kind::Immediate ? "BEGIN IMMEDIATE" : "BEGIN");
}

Transaction::~Transaction() {
  // SQLite rolls a transaction back by itself after some errors (SQLITE_FULL, SQLITE_IOERR...);
  // then there is nothing left to undo. A failing ROLLBACK cannot be reported while unwinding;
  // the transaction stays open and the outer one, or closing the connection, discards it.
  if (done_ || !db_.in_transaction()) return;
  const char* undo = nested_ ? "ROLLBACK TO nested; RELEASE nested" : "ROLLBACK";
  sqlite3_exec(db_.handle(), undo, nullptr, nullptr, nullptr);
}

void Transaction::commit() {
  db_.exec(nested_ ? "RELEASE nested" : "COMMIT");
  done_ = true;
}

}  // namespace vkchat::store
