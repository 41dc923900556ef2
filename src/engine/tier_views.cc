#include "engine/tier_views.h"

#include <fmt/format.h>
#include <sqlite3.h>

#include "engine/flush_manager.h"
#include "engine/sql_hints.h"
#include "engine/tier_tables.h"

namespace thingsdb::engine {
namespace {

constexpr char kThingColumns[] = "id, type, data, embedding, created_at, updated_at";
constexpr char kRelationshipColumns[] = "id, from_id, to_id, type, data, created_at";

// The rows of view `name` (see ThingsRowsSql).
std::string RowsSql(std::string_view name, std::string_view columns, std::string_view kind,
                    ViewMode mode, const std::vector<std::string>& cold_conditions) {
  std::string cold_where;
  for (const std::string& condition : cold_conditions) cold_where += condition + " AND ";
  if (mode == ViewMode::kColdOnly) {
    return fmt::format("SELECT {0} FROM main.cold_{1} AS c{2}", columns, name,
                       cold_where.empty() ? "" : " WHERE " + cold_where + "1");
  }
  // A cold row is live unless a hot row of the same id shadows it (an update copied it to
  // hot, or a Put reused the id) or a tombstone says it was deleted or superseded.
  return fmt::format(
      "SELECT {1} FROM main.{0}\n"
      "  UNION ALL\n"
      "  SELECT {1} FROM main.cold_{0} AS c\n"
      "  WHERE {3}NOT EXISTS (SELECT 1 FROM main.{0} AS h WHERE h.id = c.id)\n"
      "    AND NOT EXISTS (SELECT 1 FROM main.thingsdb_tombstones AS t\n"
      "                    WHERE t.kind = '{2}' AND t.id = c.id)",
      name, columns, kind, cold_where);
}

std::string ViewSql(std::string_view name, std::string_view columns, std::string_view kind,
                    ViewMode mode) {
  return fmt::format("CREATE TEMP VIEW {0}({1}) AS\n  {2};\n", name, columns,
                     RowsSql(name, columns, kind, mode, {}));
}

// The hot tier's refusal, word for word (HotStore::Query).
Status ReadOnlyError() {
  return Status::InvalidArgument(
      "the query path is read-only: use put, update, delete, relate or import to write");
}

}  // namespace

std::string ThingsRowsSql(ViewMode mode, const std::vector<std::string>& cold_conditions) {
  return RowsSql("things", kThingColumns, kThingKind, mode, cold_conditions);
}

std::string TierViewsSql(ViewMode mode) {
  return ViewSql("things", kThingColumns, kThingKind, mode) +
         ViewSql("relationships", kRelationshipColumns, kRelationshipKind, mode);
}

Status CreateTierViews(sqlite::Database& db, ColdVtabContext* context, ViewMode mode) {
  RETURN_IF_ERROR(RegisterColdTables(db, context));
  return db.Exec(TierViewsSql(mode)).WithContext("creating the tier views");
}

Result<std::unique_ptr<TierReader>> TierReader::Open(const std::string& hot_path, ViewMode mode,
                                                     const TierReaderOptions& options) {
  std::unique_ptr<TierReader> reader(new TierReader(mode, options.limits));
  reader->context_ = std::make_unique<ColdVtabContext>();
  reader->context_->things_indexes = options.things_indexes;
  sqlite::OpenOptions open;
  open.read_only = true;
  open.create = false;
  ASSIGN_OR_RETURN(reader->db_, sqlite::Database::Open(hot_path, open));
  sqlite::Database& db = *reader->db_;
  RETURN_IF_ERROR(db.Exec(fmt::format("PRAGMA cache_size = -{}; PRAGMA mmap_size = {}",
                                      options.cache_size_kib, options.mmap_bytes)));
  // The views live in the connection's TEMP schema (writable even on a read-only
  // connection); query_only then refuses any change, TEMP included.
  RETURN_IF_ERROR(CreateTierViews(db, reader->context_.get(), mode));
  RETURN_IF_ERROR(db.Exec("PRAGMA query_only = 1"));
  sqlite::Database::Limits limits;
  limits.sql_length = options.limits.max_sql_bytes;
  limits.variable_number = options.limits.max_bound_params;
  limits.attached = 0;
  db.SetLimits(limits);
  return reader;
}

Result<hot::QueryResult> TierReader::Run(std::string_view sql,
                                         const std::vector<hot::SqlValue>& params) {
  if (static_cast<int64_t>(sql.size()) > limits_.max_sql_bytes) {
    return Status::LimitExceeded(
        fmt::format("SQL is {} bytes; the limit is {}", sql.size(), limits_.max_sql_bytes));
  }
  if (static_cast<int>(params.size()) > limits_.max_bound_params) {
    return Status::LimitExceeded(fmt::format("{} bound parameters; the limit is {}",
                                             params.size(), limits_.max_bound_params));
  }
  // Hints for JSON-index conditions; if the rewritten text fails to prepare (a shape the
  // planner misread), the statement runs as written.
  std::string hinted = HintedSql(sql, &params);
  auto prepared = hinted.empty() ? db_->Cached(sql) : db_->Cached(hinted);
  if (!hinted.empty() && !prepared.ok()) prepared = db_->Cached(sql);
  // A write to `things` / `relationships` fails to prepare, as they are views here.
  if (!prepared.ok() && prepared.status().message().find("because it is a view") !=
                            std::string::npos) {
    return ReadOnlyError();
  }
  ASSIGN_OR_RETURN(sqlite::Statement stmt, std::move(prepared));
  if (!stmt.ReadOnly()) return ReadOnlyError();
  if (stmt.ParameterCount() != static_cast<int>(params.size())) {
    return Status::InvalidArgument(fmt::format("SQL has {} parameters but {} values were given",
                                               stmt.ParameterCount(), params.size()));
  }
  for (size_t idx = 0; idx < params.size(); ++idx) hot::BindSqlValue(stmt, static_cast<int>(idx + 1), params[idx]);
  hot::QueryResult result;
  for (int col = 0; col < stmt.ColumnCount(); ++col) result.columns.emplace_back(stmt.ColumnName(col));
  context_->error = Status::OK();
  db_->SetTimeBudget(limits_.query_time_budget_ms);
  Status st;
  while (true) {
    auto row = stmt.Step();
    if (!row.ok()) {
      st = row.status();
      break;
    }
    if (!*row) break;
    std::vector<hot::SqlValue> values;
    values.reserve(result.columns.size());
    for (int col = 0; col < stmt.ColumnCount(); ++col) values.push_back(hot::ReadSqlValue(stmt, col));
    result.rows.push_back(std::move(values));
  }
  db_->SetTimeBudget(0);
  if (!st.ok()) {
    if (!context_->error.ok()) return context_->error;  // the cold scan's own status
    if (st.IsLimitExceeded()) {
      return Status::LimitExceeded(fmt::format("query ran past its time budget of {} ms",
                                               limits_.query_time_budget_ms));
    }
    return st;
  }
  return result;
}

std::string TierReader::HintedSql(std::string_view sql,
                                  const std::vector<hot::SqlValue>* params) {
  if (context_->things_indexes.empty()) return "";
  std::optional<SqlHintPlan> plan = PlanSqlHints(sql);
  if (!plan) return "";
  // The hot tier's indexes now (in the statement's read transaction when Run is called
  // inside BeginRead/EndRead): a dropped index's column is null in newer files, so it
  // must not prune. The connection declares the columns in things_indexes.
  auto stmt = db_->Cached("SELECT path, created_at FROM main.thingsdb_json_indexes");
  if (!stmt.ok()) return "";  // no index was ever added
  std::vector<HintIndex> indexes;
  while (true) {
    auto row = stmt->Step();
    if (!row.ok() || !*row) break;
    std::string path(stmt->ColumnText(0));
    std::string name = ColdIndexName(path, stmt->ColumnInt(1));
    for (const cold::JsonIndexColumn& column : context_->things_indexes) {
      if (column.name == name) indexes.push_back({path, column.ColumnName(), column.kind});
    }
  }
  stmt->Reset();
  std::optional<std::string> hinted = ApplySqlHints(*plan, params, indexes, mode_);
  if (!hinted || static_cast<int64_t>(hinted->size()) > limits_.max_sql_bytes) return "";
  return *hinted;
}

Status TierReader::BeginRead() { return db_->Exec("BEGIN"); }

Status TierReader::EndRead() {
  if (sqlite3_get_autocommit(db_->raw())) return Status::OK();
  Status status = db_->Exec("COMMIT");
  if (!status.ok()) (void)db_->Exec("ROLLBACK");
  return status;
}

Result<std::vector<std::string>> TierReader::Explain(std::string_view sql) {
  // EXPLAIN never opens a read transaction, so nothing would notice an index added since
  // this connection last read the schema: read it once to refresh.
  RETURN_IF_ERROR(db_->QueryInt("SELECT count(*) FROM main.sqlite_schema"));
  std::string hinted = HintedSql(sql, nullptr);
  if (!hinted.empty() && db_->Prepare(hinted).ok()) sql = hinted;
  auto check = db_->Prepare(sql);
  if ((!check.ok() && check.status().message().find("because it is a view") !=
                          std::string::npos) ||
      (check.ok() && !check->ReadOnly())) {
    return Status::InvalidArgument("only read-only SQL can be explained");
  }
  RETURN_IF_ERROR(check.status());
  return db_->QueryPlan(sql);
}

}  // namespace thingsdb::engine
