#include "sqlite/database.h"

#include <sqlite3.h>

#include <chrono>
#include <cstdint>
#include <mutex>
#include <thread>

#include <fmt/format.h>

namespace thingsdb::sqlite {
namespace {

StatusCode CodeFor(int rc) {
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return StatusCode::kBusy;
    case SQLITE_CONSTRAINT: return StatusCode::kConflict;
    case SQLITE_FULL: return StatusCode::kLimitExceeded;
    case SQLITE_TOOBIG: return StatusCode::kLimitExceeded;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB: return StatusCode::kCorruption;
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY: return StatusCode::kIOError;
    case SQLITE_NOTFOUND: return StatusCode::kNotFound;
    case SQLITE_INTERRUPT: return StatusCode::kLimitExceeded;
    case SQLITE_ERROR:
    case SQLITE_RANGE:
    case SQLITE_MISMATCH: return StatusCode::kInvalidArgument;
    default: return StatusCode::kInternal;
  }
}

// The busy handler of every connection: retries every millisecond until the timeout.
// SQLite's own (sqlite3_busy_timeout) backs off to 100 ms sleeps, so a writer waiting
// behind a train of short transactions — a flush deleting rows in batches — would lose the
// race for the lock at almost every gap and wait for the whole train.
int BusyWait(void* timeout_ms, int attempts) {
  if (attempts >= static_cast<int>(reinterpret_cast<intptr_t>(timeout_ms))) return 0;
  std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return 1;
}

}  // namespace

Statement::Statement(Statement&& other) noexcept
    : db_(other.db_), stmt_(other.stmt_), owned_(other.owned_) {
  other.stmt_ = nullptr;
}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    this->~Statement();
    db_ = other.db_;
    stmt_ = other.stmt_;
    owned_ = other.owned_;
    other.stmt_ = nullptr;
  }
  return *this;
}

Statement::~Statement() {
  if (!stmt_) return;
  if (owned_) {
    sqlite3_finalize(stmt_);
  } else {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  stmt_ = nullptr;
}

Statement& Statement::BindNull(int idx) {
  sqlite3_bind_null(stmt_, idx);
  return *this;
}
Statement& Statement::BindInt(int idx, int64_t value) {
  sqlite3_bind_int64(stmt_, idx, value);
  return *this;
}
Statement& Statement::BindDouble(int idx, double value) {
  sqlite3_bind_double(stmt_, idx, value);
  return *this;
}
Statement& Statement::BindText(int idx, std::string_view value) {
  sqlite3_bind_text64(stmt_, idx, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  return *this;
}
Statement& Statement::BindTextStatic(int idx, std::string_view value) {
  sqlite3_bind_text64(stmt_, idx, value.data(), value.size(), SQLITE_STATIC, SQLITE_UTF8);
  return *this;
}
Statement& Statement::BindBlob(int idx, std::string_view value) {
  sqlite3_bind_blob64(stmt_, idx, value.data(), value.size(), SQLITE_TRANSIENT);
  return *this;
}
Statement& Statement::BindBlobStatic(int idx, std::string_view value) {
  sqlite3_bind_blob64(stmt_, idx, value.data(), value.size(), SQLITE_STATIC);
  return *this;
}
int Statement::ParameterCount() const { return sqlite3_bind_parameter_count(stmt_); }

Result<bool> Statement::Step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return db_->Error(rc, "");
}

Status Statement::Run() {
  while (true) {
    ASSIGN_OR_RETURN(bool row, Step());
    if (!row) break;
  }
  Reset();
  return Status::OK();
}

void Statement::Reset() { sqlite3_reset(stmt_); }

int Statement::ColumnCount() const { return sqlite3_column_count(stmt_); }
std::string_view Statement::ColumnName(int col) const {
  const char* name = sqlite3_column_name(stmt_, col);
  return name ? name : "";
}
int Statement::ColumnType(int col) const { return sqlite3_column_type(stmt_, col); }
bool Statement::IsNull(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
int64_t Statement::ColumnInt(int col) const { return sqlite3_column_int64(stmt_, col); }
double Statement::ColumnDouble(int col) const { return sqlite3_column_double(stmt_, col); }
std::string_view Statement::ColumnText(int col) const {
  const unsigned char* text = sqlite3_column_text(stmt_, col);
  int len = sqlite3_column_bytes(stmt_, col);
  return text ? std::string_view(reinterpret_cast<const char*>(text), len) : std::string_view();
}
std::string_view Statement::ColumnBlob(int col) const {
  const void* blob = sqlite3_column_blob(stmt_, col);
  int len = sqlite3_column_bytes(stmt_, col);
  return blob ? std::string_view(static_cast<const char*>(blob), len) : std::string_view();
}
bool Statement::ReadOnly() const { return sqlite3_stmt_readonly(stmt_) != 0; }
std::string Statement::Sql() const {
  const char* sql = sqlite3_sql(stmt_);
  return sql ? sql : "";
}

// Process-wide settings, applied once before SQLite initializes: no memory-usage statistics
// (they take a global mutex on every allocation).
void ConfigureOnce() {
  static std::once_flag once;
  std::call_once(once, [] {
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    sqlite3_initialize();
  });
}

Result<std::unique_ptr<Database>> Database::Open(const std::string& path, OpenOptions options) {
  ConfigureOnce();
  sqlite3* db = nullptr;
  int flags = options.read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
  if (options.create && !options.read_only) flags |= SQLITE_OPEN_CREATE;
  flags |= SQLITE_OPEN_NOMUTEX;
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close_v2(db);
    return Status::IOError(fmt::format("cannot open database '{}': {}", path, msg));
  }
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_handler(db, BusyWait,
                       reinterpret_cast<void*>(static_cast<intptr_t>(options.busy_timeout_ms)));
  return std::unique_ptr<Database>(new Database(db, path));
}

Database::~Database() {
  for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
  sqlite3_close_v2(db_);
}

Status Database::Exec(std::string_view sql) {
  std::string text(sql);
  char* err = nullptr;
  int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    return Status(CodeFor(rc), fmt::format("{} (in: {})", msg, text.substr(0, 200)));
  }
  return Status::OK();
}

Result<sqlite3_stmt*> Database::PrepareRaw(std::string_view sql, bool persistent) {
  sqlite3_stmt* stmt = nullptr;
  const char* tail = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                              persistent ? SQLITE_PREPARE_PERSISTENT : 0, &stmt, &tail);
  if (rc != SQLITE_OK) return Error(rc, "");
  if (!stmt) return Status::InvalidArgument("SQL is empty");
  for (const char* p = tail; p && p < sql.data() + sql.size(); ++p) {
    if (*p != ' ' && *p != '\n' && *p != '\t' && *p != '\r' && *p != ';') {
      sqlite3_finalize(stmt);
      return Status::InvalidArgument("SQL holds more than one statement; send one at a time");
    }
  }
  return stmt;
}

Result<Statement> Database::Prepare(std::string_view sql) {
  ASSIGN_OR_RETURN(sqlite3_stmt * stmt, PrepareRaw(sql, false));
  return Statement(this, stmt, true);
}

Result<Statement> Database::Cached(std::string_view sql) {
  auto it = cache_.find(sql);
  if (it != cache_.end()) return Statement(this, it->second, false);
  if (cache_.size() >= kMaxCachedStatements) return Prepare(sql);  // bounded: not cached
  ASSIGN_OR_RETURN(sqlite3_stmt * stmt, PrepareRaw(sql, true));
  cache_.emplace(std::string(sql), stmt);
  return Statement(this, stmt, false);
}

Result<int64_t> Database::QueryInt(std::string_view sql, int64_t fallback) {
  ASSIGN_OR_RETURN(Statement stmt, Prepare(sql));
  ASSIGN_OR_RETURN(bool row, stmt.Step());
  return row ? stmt.ColumnInt(0) : fallback;
}

void Database::SetLimits(const Limits& limits) {
  if (limits.sql_length >= 0) sqlite3_limit(db_, SQLITE_LIMIT_SQL_LENGTH, limits.sql_length);
  if (limits.variable_number >= 0) {
    sqlite3_limit(db_, SQLITE_LIMIT_VARIABLE_NUMBER, limits.variable_number);
  }
  if (limits.attached >= 0) sqlite3_limit(db_, SQLITE_LIMIT_ATTACHED, limits.attached);
  if (limits.length >= 0) sqlite3_limit(db_, SQLITE_LIMIT_LENGTH, limits.length);
}

int ProgressHandler(void* arg) {
  auto* db = static_cast<Database*>(arg);
  auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                 std::chrono::steady_clock::now().time_since_epoch())
                 .count();
  return now > db->deadline_ms_ ? 1 : 0;
}

void Database::SetTimeBudget(int64_t budget_ms) {
  if (budget_ms <= 0) {
    sqlite3_progress_handler(db_, 0, nullptr, nullptr);
    return;
  }
  deadline_ms_ = std::chrono::duration_cast<std::chrono::milliseconds>(
                     std::chrono::steady_clock::now().time_since_epoch())
                     .count() +
                 budget_ms;
  sqlite3_progress_handler(db_, 10000, &ProgressHandler, this);
}

int WalHook(void* arg, sqlite3* raw, const char* schema, int frames) {
  auto* db = static_cast<Database*>(arg);
  if (db->on_commit_) db->on_commit_(frames);
  if (db->autocheckpoint_frames_ > 0 && frames >= db->autocheckpoint_frames_) {
    // What SQLite's own hook (sqlite3WalDefaultHook) does; an error here is not the commit's.
    sqlite3_wal_checkpoint_v2(raw, schema, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
  }
  return SQLITE_OK;
}

void Database::SetWalHook(std::function<void(int64_t frames)> on_commit,
                          int autocheckpoint_frames) {
  on_commit_ = std::move(on_commit);
  autocheckpoint_frames_ = autocheckpoint_frames;
  sqlite3_wal_hook(db_, &WalHook, this);
}

Result<std::vector<std::string>> Database::QueryPlan(std::string_view sql) {
  ASSIGN_OR_RETURN(Statement stmt, Prepare("EXPLAIN QUERY PLAN " + std::string(sql)));
  std::vector<std::string> lines;
  while (true) {
    ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    lines.emplace_back(stmt.ColumnText(3));  // id, parent, notused, detail
  }
  return lines;
}

int64_t Database::Changes() const { return sqlite3_changes64(db_); }
int64_t Database::LastInsertRowId() const { return sqlite3_last_insert_rowid(db_); }
std::string Database::ErrorMessage() const { return sqlite3_errmsg(db_); }

Status Database::Error(int rc, std::string_view context) const {
  std::string msg = sqlite3_errmsg(db_);
  if (!context.empty()) msg = fmt::format("{}: {}", context, msg);
  return Status(CodeFor(rc), std::move(msg));
}

Result<Transaction> Transaction::Begin(Database& db, Mode mode) {
  RETURN_IF_ERROR(db.Exec(mode == Mode::kImmediate ? "BEGIN IMMEDIATE" : "BEGIN"));
  return Transaction(&db);
}

Transaction::~Transaction() { Rollback(); }

Status Transaction::Commit() {
  if (!db_) return Status::Internal("transaction already ended");
  Status st = db_->Exec("COMMIT");
  if (!st.ok()) return st;  // still open: the destructor rolls back
  db_ = nullptr;
  return Status::OK();
}

void Transaction::Rollback() {
  if (!db_) return;
  if (!sqlite3_get_autocommit(db_->raw())) (void)db_->Exec("ROLLBACK");
  db_ = nullptr;
}

}  // namespace thingsdb::sqlite
