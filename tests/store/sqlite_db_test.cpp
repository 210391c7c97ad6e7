// The SQLite RAII layer: bound values round-trip exactly, errors carry the SQL and SQLite's
// message, transactions roll back unless committed and nest as savepoints, handles move.
#include "store/sqlite_db.h"

#include <gtest/gtest.h>

#include <limits>

#include "store/chat_store.h"
#include "store/temp_dir.h"

using vkchat::store::Database;
using vkchat::store::Statement;
using vkchat::store::StoreError;
using vkchat::store::Transaction;

namespace {

std::int64_t count_rows(const Database& db) {
  Statement st = db.prepare("SELECT count(*) FROM t");
  st.step();
  return st.int64(0);
}

}  // namespace

TEST(SqliteDb, BoundValuesRoundTrip) {
  Database db = Database::open(":memory:");
  db.exec("CREATE TABLE t (i INTEGER, r REAL, s TEXT, n)");
  // Text that would break SQL built by concatenation, and bytes beyond ASCII and NUL.
  const std::string text = std::string("it's \"quoted\"; DROP TABLE t; --\xC3\xA9") + '\0' + "x";
  std::optional<std::int64_t> none;
  db.prepare("INSERT INTO t VALUES (?1, ?2, ?3, ?4)")
      .bind(std::numeric_limits<std::int64_t>::min(), 0.1, std::string_view(text), none)
      .run();
  Statement st = db.prepare("SELECT i, r, s, n FROM t");
  ASSERT_TRUE(st.step());
  EXPECT_EQ(st.int64(0), std::numeric_limits<std::int64_t>::min());
  EXPECT_EQ(st.real(1), 0.1);
  EXPECT_EQ(st.text(2), text);
  EXPECT_TRUE(st.is_null(3));
  EXPECT_EQ(st.optional_int64(3), std::nullopt);
  EXPECT_EQ(st.optional_real(1), 0.1);
  EXPECT_FALSE(st.step());
  EXPECT_EQ(count_rows(db), 1);
}

TEST(SqliteDb, ErrorsCarrySqlAndSqliteMessage) {
  Database db = Database::open(":memory:");
  db.exec("CREATE TABLE t (i INTEGER NOT NULL UNIQUE)");
  try {
    db.prepare("SELECT nope FROM t");
    FAIL() << "prepare of bad SQL succeeded";
  } catch (const StoreError& e) {
    EXPECT_EQ(e.context(), "SELECT nope FROM t");
    EXPECT_NE(e.detail().find("no such column: nope"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("SELECT nope FROM t"), std::string::npos);
    EXPECT_EQ(e.sqlite_code() & 0xff, 1);  // SQLITE_ERROR
  }
  db.prepare("INSERT INTO t VALUES (?1)").bind(1).run();
  try {
    db.prepare("INSERT INTO t VALUES (?1)").bind(1).run();
    FAIL() << "duplicate insert succeeded";
  } catch (const StoreError& e) {
    EXPECT_NE(e.detail().find("UNIQUE constraint failed"), std::string::npos) << e.what();
    EXPECT_EQ(e.sqlite_code(), 2067);  // SQLITE_CONSTRAINT_UNIQUE: extended codes are on
  }
  EXPECT_THROW(db.exec("CREATE TABLE t (x)"), StoreError);
}

TEST(SqliteDb, TransactionRollsBackUnlessCommitted) {
  Database db = Database::open(":memory:");
  db.exec("CREATE TABLE t (i)");
  {
    Transaction tx(db);
    db.prepare("INSERT INTO t VALUES (1)").run();
  }
  EXPECT_EQ(count_rows(db), 0);
  EXPECT_FALSE(db.in_transaction());
  try {
    Transaction tx(db);
    db.prepare("INSERT INTO t VALUES (1)").run();
    throw std::runtime_error("midway");
  } catch (const std::runtime_error&) {
  }
  EXPECT_EQ(count_rows(db), 0);
  {
    Transaction tx(db);
    db.prepare("INSERT INTO t VALUES (1)").run();
    tx.commit();
  }
  EXPECT_EQ(count_rows(db), 1);
}

TEST(SqliteDb, NestedTransactionIsASavepoint) {
  Database db = Database::open(":memory:");
  db.exec("CREATE TABLE t (i)");
  Transaction outer(db);
  db.prepare("INSERT INTO t VALUES (1)").run();
  {
    Transaction inner(db);
    db.prepare("INSERT INTO t VALUES (2)").run();
  }  // rolled back alone
  {
    Transaction inner(db);
    db.prepare("INSERT INTO t VALUES (3)").run();
    inner.commit();
  }
  EXPECT_TRUE(db.in_transaction());
  outer.commit();
  Statement st = db.prepare("SELECT group_concat(i) FROM t");
  st.step();
  EXPECT_EQ(st.text(0), "1,3");
}

TEST(SqliteDb, HandlesMove) {
  vkchat::test::TempDir dir;
  Database a = Database::open(dir / "m.db");
  a.exec("CREATE TABLE t (i)");
  Statement insert = a.prepare("INSERT INTO t VALUES (?1)");
  Database b = std::move(a);
  Statement moved = std::move(insert);
  moved.bind(7).run();
  EXPECT_EQ(count_rows(b), 1);
  moved.reset();
  moved.bind(8).run();
  EXPECT_EQ(count_rows(b), 2);
}

TEST(SqliteDb, OpenCreatesTheFolderAndReportsWhatFailed) {
  vkchat::test::TempDir dir;
  Database db = Database::open(dir / "a" / "b" / "c.db");
  db.exec("CREATE TABLE t (i)");
  EXPECT_TRUE(std::filesystem::exists(dir / "a" / "b" / "c.db"));
  // A folder where the file should be: SQLite cannot open it, and says so.
  std::filesystem::create_directories(dir / "d.db");
  try {
    Database bad = Database::open(dir / "d.db");
    bad.exec("CREATE TABLE t (i)");
    FAIL() << "opened a folder as a database";
  } catch (const StoreError& e) {
    EXPECT_NE(std::string(e.what()).find((dir / "d.db").string()), std::string::npos) << e.what();
    EXPECT_NE(e.detail().find("unable to open"), std::string::npos) << e.what();
  }
}

TEST(SqliteDb, ALockHeldElsewhereIsABusyErrorThatGoesAwayWithTheLock) {
  // What the app's store thread retries on: another connection holds the write lock past the
  // busy timeout; nothing was written, and once the lock is gone the same write works.
  vkchat::test::TempDir dir;
  vkchat::store::ChatStore store = vkchat::store::ChatStore::open(dir / "chat.db", 50);
  const std::int64_t id = store.create_conversation().id;
  Database other = Database::open(dir / "chat.db");
  other.exec("BEGIN IMMEDIATE");
  try {
    store.rename_conversation(id, "while locked");
    FAIL() << "wrote through another connection's lock";
  } catch (const StoreError& e) {
    EXPECT_TRUE(e.busy()) << e.what();
    EXPECT_FALSE(e.damaged());
  }
  other.exec("COMMIT");
  store.rename_conversation(id, "after the lock");
  EXPECT_EQ(store.conversation(id).title, "after the lock");
}
