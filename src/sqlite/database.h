// RAII wrappers over one SQLite connection: Database (the connection and its statement
// cache), Statement (a prepared statement), Transaction (BEGIN … COMMIT, rolled back on
// destruction unless committed). libsqlite3 is used nowhere else. A Database and its
// Statements belong to one thread at a time; callers serialize access.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>
#include <unordered_map>

#include "core/status.h"

struct sqlite3;
struct sqlite3_stmt;

namespace thingsdb::sqlite {

class Database;

class Statement {
 public:
  Statement() = default;
  Statement(Database* db, sqlite3_stmt* stmt, bool owned) : db_(db), stmt_(stmt), owned_(owned) {}
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  // Parameters are 1-based. Text and blobs are copied unless *Static is used, in which case
  // the bytes must stay alive until the next Reset().
  Statement& BindNull(int idx);
  Statement& BindInt(int idx, int64_t value);
  Statement& BindDouble(int idx, double value);
  Statement& BindText(int idx, std::string_view value);
  Statement& BindTextStatic(int idx, std::string_view value);
  Statement& BindBlob(int idx, std::string_view value);
  Statement& BindBlobStatic(int idx, std::string_view value);
  int ParameterCount() const;

  // true: a row is ready; false: done. Errors name the statement's SQL.
  Result<bool> Step();
  // Step() until done, for statements that return no rows.
  Status Run();
  void Reset();

  int ColumnCount() const;
  std::string_view ColumnName(int col) const;
  // SQLITE_INTEGER=1, FLOAT=2, TEXT=3, BLOB=4, NULL=5.
  int ColumnType(int col) const;
  bool IsNull(int col) const;
  int64_t ColumnInt(int col) const;
  double ColumnDouble(int col) const;
  // Valid until the next Step/Reset.
  std::string_view ColumnText(int col) const;
  std::string_view ColumnBlob(int col) const;

  bool ReadOnly() const;
  std::string Sql() const;
  sqlite3_stmt* raw() const { return stmt_; }

 private:
  Database* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
  bool owned_ = true;  // cached statements are reset, not finalized, on destruction
};

struct OpenOptions {
  bool read_only = false;
  bool create = true;
  int busy_timeout_ms = 5000;
};

class Database {
 public:
  static constexpr size_t kMaxCachedStatements = 256;

  static Result<std::unique_ptr<Database>> Open(const std::string& path, OpenOptions options = {});
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // Runs one or more statements that return no rows of interest.
  Status Exec(std::string_view sql);
  // A statement owned by the caller (finalized when it goes away).
  Result<Statement> Prepare(std::string_view sql);
  // A statement from the cache, prepared once per connection and reset when the returned
  // handle goes away. Past kMaxCachedStatements distinct texts, new ones are prepared
  // uncached (owned), so arbitrary user SQL cannot grow the cache without bound.
  Result<Statement> Cached(std::string_view sql);
  // EXPLAIN QUERY PLAN of `sql`: the detail text of each row of the plan, in order.
  Result<std::vector<std::string>> QueryPlan(std::string_view sql);
  // Reads a single integer (e.g. a PRAGMA); `fallback` when there is no row.
  Result<int64_t> QueryInt(std::string_view sql, int64_t fallback = 0);

  // Per-connection caps (sqlite3_limit); a value < 0 leaves that cap unchanged.
  struct Limits {
    int sql_length = -1;       // bytes of SQL text
    int variable_number = -1;  // bound parameters per statement
    int attached = -1;         // ATTACHed databases (0 forbids ATTACH)
    int length = -1;           // bytes of one string, blob or row
  };
  void SetLimits(const Limits& limits);
  // Interrupt a running statement after roughly `budget_ms` (0 removes the budget).
  void SetTimeBudget(int64_t budget_ms);
  // After every commit of this connection, `on_commit` gets the number of frames now in the
  // WAL (sqlite3_wal_hook); it runs inside the commit, so it must be quick and must not use
  // the connection. Then, when `autocheckpoint_frames` > 0 and the WAL holds at least that
  // many frames, a PASSIVE checkpoint runs inside the commit, as SQLite's automatic checkpoint
  // does (which this hook replaces: a connection has one WAL hook); 0: commits never
  // checkpoint.
  void SetWalHook(std::function<void(int64_t frames)> on_commit, int autocheckpoint_frames);

  int64_t Changes() const;
  int64_t LastInsertRowId() const;
  std::string ErrorMessage() const;
  // A Status for the connection's current error, prefixed with `context`.
  Status Error(int rc, std::string_view context) const;
  const std::string& path() const { return path_; }
  sqlite3* raw() const { return db_; }

 private:
  Database(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  Result<sqlite3_stmt*> PrepareRaw(std::string_view sql, bool persistent);

  sqlite3* db_;
  std::string path_;
  // Heterogeneous lookup: finding a cached statement allocates nothing.
  struct SqlHash {
    using is_transparent = void;
    size_t operator()(std::string_view sql) const { return std::hash<std::string_view>{}(sql); }
  };
  std::unordered_map<std::string, sqlite3_stmt*, SqlHash, std::equal_to<>> cache_;
  int64_t deadline_ms_ = 0;
  std::function<void(int64_t)> on_commit_;
  int autocheckpoint_frames_ = 0;
  friend int ProgressHandler(void*);
  friend int WalHook(void*, sqlite3*, const char*, int);
};

class Transaction {
 public:
  enum class Mode { kDeferred, kImmediate };
  static Result<Transaction> Begin(Database& db, Mode mode = Mode::kImmediate);
  Transaction(Transaction&& other) noexcept : db_(other.db_) { other.db_ = nullptr; }
  Transaction& operator=(Transaction&&) = delete;
  Transaction(const Transaction&) = delete;
  ~Transaction();
  Status Commit();
  void Rollback();

 private:
  explicit Transaction(Database* db) : db_(db) {}
  Database* db_;
};

}  // namespace thingsdb::sqlite
