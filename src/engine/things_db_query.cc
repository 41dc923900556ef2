// ThingsDB's SQL read path: Query and ExplainQueryPlan over the tier views (tier_views.h),
// a small pool of read connections, and the immutable table loads the cold virtual tables
// read. docs/tiering.md "Read path".
//
// Consistency: a statement runs inside one SQLite read transaction, and the cold snapshot
// ids it reads come from thingsdb_tier_state inside that same transaction. A flush moves
// rows out of hot.db and advances those ids in one SQLite transaction (Finish), so a query
// sees either the rows hot with the old cold snapshot or the rows gone with the new one —
// never both or neither. The cold tables are read through immutable loads of their
// metadata (read_tables_), reloaded under mu_ only when a needed snapshot is missing, so a
// query never touches the iceberg::Table a flush is committing to and holds mu_ only in
// that short reload.
#include <fmt/format.h>

#include "engine/things_db.h"
#include "engine/tier_tables.h"

namespace thingsdb::engine {
namespace {

bool HasSnapshot(const iceberg::Table* table, std::optional<int64_t> snapshot_id) {
  if (!snapshot_id) return true;
  if (table == nullptr) return false;
  for (const auto& snapshot : table->metadata().snapshots) {
    if (snapshot.snapshot_id == *snapshot_id) return true;
  }
  return false;
}

Result<std::shared_ptr<const iceberg::Table>> LoadReadTable(ObjectStore& store,
                                                            const iceberg::Table& live) {
  ASSIGN_OR_RETURN(auto table,
                   iceberg::Table::LoadMetadataFile(store, live.paths(), live.metadata_key()));
  return std::shared_ptr<const iceberg::Table>(std::move(table));
}

Result<int64_t> SnapshotAsOfOn(sqlite::Database& db, std::string_view ns, int64_t timestamp_ms) {
  ASSIGN_OR_RETURN(
      sqlite::Statement stmt,
      db.Prepare("SELECT (SELECT max(ns_snapshot_id) FROM main.thingsdb_snapshots "
                 "WHERE committed_at <= ?1), (SELECT min(committed_at) FROM main.thingsdb_snapshots)"));
  stmt.BindInt(1, timestamp_ms);
  ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (row && !stmt.IsNull(0)) return stmt.ColumnInt(0);
  if (!row || stmt.IsNull(1)) {
    return Status::NotFound(
        fmt::format("namespace '{}' has no snapshot yet (nothing was flushed)", ns));
  }
  return Status::NotFound(fmt::format(
      "no snapshot of namespace '{}' was committed at or before {} ms; the first was "
      "committed at {} ms",
      ns, timestamp_ms, stmt.ColumnInt(1)));
}

}  // namespace

Result<ThingsDB::ReadTables> ThingsDB::TablesWith(std::optional<int64_t> things_snapshot,
                                                  std::optional<int64_t> relationships_snapshot) {
  auto fits = [&](const ReadTables& tables) {
    return HasSnapshot(tables.things.get(), things_snapshot) &&
           HasSnapshot(tables.relationships.get(), relationships_snapshot);
  };
  {
    std::lock_guard<std::mutex> lock(read_mu_);
    if (fits(read_tables_)) return read_tables_;
  }
  // A flush committed since the last load (or none was loaded yet): load the tables'
  // current metadata files, which hold every snapshot a committed flush recorded.
  std::lock_guard<std::mutex> lock(mu_);
  ASSIGN_OR_RETURN(ReadTables tables, ReloadReadTables());
  if (!HasSnapshot(tables.things.get(), things_snapshot)) {
    return Status::NotFound(fmt::format("snapshot {} of cold table '{}' is not in its metadata",
                                        *things_snapshot, things_->paths().key_prefix()));
  }
  if (!HasSnapshot(tables.relationships.get(), relationships_snapshot)) {
    return Status::NotFound(fmt::format("snapshot {} of cold table '{}' is not in its metadata",
                                        *relationships_snapshot,
                                        relationships_->paths().key_prefix()));
  }
  return tables;
}

Result<ThingsDB::ReadTables> ThingsDB::ReloadReadTables() {
  ReadTables tables;
  {
    std::lock_guard<std::mutex> read_lock(read_mu_);
    tables = read_tables_;
  }
  if (!tables.things || tables.things->version() != things_->version()) {
    ASSIGN_OR_RETURN(tables.things, LoadReadTable(*store_, *things_));
  }
  if (!tables.relationships || tables.relationships->version() != relationships_->version()) {
    ASSIGN_OR_RETURN(tables.relationships, LoadReadTable(*store_, *relationships_));
  }
  std::lock_guard<std::mutex> read_lock(read_mu_);
  read_tables_ = tables;
  return tables;
}

std::vector<cold::JsonIndexColumn> ThingsDB::IndexColumns() {
  std::lock_guard<std::mutex> lock(read_mu_);
  return index_columns_;
}

void ThingsDB::RefreshIndexColumns() {
  std::vector<cold::JsonIndexColumn> columns = ColdIndexColumns(*things_);
  std::lock_guard<std::mutex> lock(read_mu_);
  index_columns_ = std::move(columns);
}

Result<std::unique_ptr<TierReader>> ThingsDB::AcquireReader(ViewMode mode) {
  std::vector<cold::JsonIndexColumn> index_columns;
  {
    std::lock_guard<std::mutex> lock(read_mu_);
    index_columns = index_columns_;
    // Readers declaring an older set of hidden columns are closed (columns only grow).
    std::erase_if(readers_, [&](const std::unique_ptr<TierReader>& reader) {
      return reader->context().things_indexes.size() != index_columns.size();
    });
    for (auto it = readers_.rbegin(); it != readers_.rend(); ++it) {
      if ((*it)->mode() != mode) continue;
      auto reader = std::move(*it);
      readers_.erase(std::next(it).base());
      return reader;
    }
  }
  TierReaderOptions options;
  options.limits = options_.hot.limits;
  options.cache_size_kib = options_.hot.cache_size_kib;
  options.mmap_bytes = options_.hot.reader_mmap_bytes;
  options.things_indexes = std::move(index_columns);
  return TierReader::Open(hot_->path(), mode, options);
}

void ThingsDB::ReleaseReader(std::unique_ptr<TierReader> reader) {
  reader->context().view = ColdView();  // drop the table references
  std::lock_guard<std::mutex> lock(read_mu_);
  if (static_cast<int>(readers_.size()) < std::max(1, options_.hot.read_connections)) {
    readers_.push_back(std::move(reader));
  }
}

Result<ColdView> ThingsDB::ResolveColdView(TierReader& reader, std::optional<int64_t> snapshot) {
  sqlite::Database& db = reader.db();
  ColdView view;
  if (!snapshot) {
    ASSIGN_OR_RETURN(sqlite::Statement stmt,
                     db.Cached("SELECT key, value FROM main.thingsdb_tier_state WHERE key IN "
                               "('things_snapshot', 'relationships_snapshot')"));
    while (true) {
      ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) break;
      int64_t id = stmt.ColumnInt(1);
      (stmt.ColumnText(0) == "things_snapshot" ? view.things_snapshot_id
                                               : view.relationships_snapshot_id) = id;
    }
    view.use_index_cache = true;
  } else {
    // A namespace snapshot id; else the first flush that recorded this table snapshot.
    ASSIGN_OR_RETURN(sqlite::Statement stmt,
                     db.Cached("SELECT things_snapshot_id, relationships_snapshot_id "
                               "FROM main.thingsdb_snapshots WHERE ns_snapshot_id = ?1 "
                               "UNION ALL SELECT * FROM (SELECT things_snapshot_id, "
                               "relationships_snapshot_id FROM main.thingsdb_snapshots "
                               "WHERE things_snapshot_id = ?1 OR relationships_snapshot_id = ?1 "
                               "ORDER BY ns_snapshot_id LIMIT 1) LIMIT 1"));
    stmt.BindInt(1, *snapshot);
    ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) {
      return Status::NotFound(fmt::format(
          "snapshot {} is neither a namespace snapshot nor a table snapshot of namespace '{}' "
          "(list them with `thingsdb snapshots`)",
          *snapshot, options_.ns));
    }
    if (!stmt.IsNull(0)) view.things_snapshot_id = stmt.ColumnInt(0);
    if (!stmt.IsNull(1)) view.relationships_snapshot_id = stmt.ColumnInt(1);
  }
  ASSIGN_OR_RETURN(ReadTables tables,
                   TablesWith(view.things_snapshot_id, view.relationships_snapshot_id));
  view.things = std::move(tables.things);
  view.relationships = std::move(tables.relationships);
  return view;
}

Result<hot::QueryResult> ThingsDB::QueryOn(TierReader& reader, std::string_view sql,
                                           const std::vector<hot::SqlValue>& params,
                                           std::optional<int64_t> snapshot) {
  RETURN_IF_ERROR(reader.BeginRead());
  auto view = ResolveColdView(reader, snapshot);
  if (!view.ok()) {
    (void)reader.EndRead();
    return view.status();
  }
  reader.context().view = std::move(*view);
  reader.context().counters.Reset();
  auto result = reader.Run(sql, params);
  Status ended = reader.EndRead();
  if (result.ok() && !ended.ok()) return ended;
  return result;
}

Result<hot::QueryResult> ThingsDB::Query(std::string_view sql,
                                         const std::vector<hot::SqlValue>& params,
                                         std::optional<int64_t> snapshot,
                                         cold::ScanCounters* counters) {
  ASSIGN_OR_RETURN(auto reader,
                   AcquireReader(snapshot ? ViewMode::kColdOnly : ViewMode::kBothTiers));
  auto result = QueryOn(*reader, sql, params, snapshot);
  cold::ScanCounters scanned = reader->context().counters;
  if (counters) *counters = scanned;
  {
    std::lock_guard<std::mutex> lock(read_mu_);
    last_counters_ = scanned;
  }
  ReleaseReader(std::move(reader));
  return result;
}

Result<std::vector<std::string>> ThingsDB::ExplainQueryPlan(std::string_view sql,
                                                            std::optional<int64_t> snapshot) {
  ASSIGN_OR_RETURN(auto reader,
                   AcquireReader(snapshot ? ViewMode::kColdOnly : ViewMode::kBothTiers));
  auto plan = reader->Explain(sql);
  ReleaseReader(std::move(reader));
  return plan;
}

Result<int64_t> ThingsDB::SnapshotAsOf(int64_t timestamp_ms) {
  ASSIGN_OR_RETURN(auto reader, AcquireReader(ViewMode::kColdOnly));
  auto found = SnapshotAsOfOn(reader->db(), options_.ns, timestamp_ms);
  ReleaseReader(std::move(reader));
  return found;
}

cold::ScanCounters ThingsDB::LastQueryCounters() {
  std::lock_guard<std::mutex> lock(read_mu_);
  return last_counters_;
}

}  // namespace thingsdb::engine
