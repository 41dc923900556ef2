#include "engine/compactor.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <limits>
#include <map>
#include <set>
#include <tuple>
#include <vector>

#include "cold/cold_reader.h"
#include "cold/flush_writer.h"
#include "cold/object_source.h"
#include "core/json.h"
#include "engine/index_cache.h"
#include "engine/tier_tables.h"
#include "parquet/file_reader.h"

namespace thingsdb::engine {

using sqlite::Statement;
using sqlite::Transaction;

namespace {

constexpr char kCompactIdKey[] = "thingsdb.compact-id";
constexpr int64_t kMsPerDay = int64_t{86400} * 1000;

void AppendOptionalInt(std::string& out, const std::optional<int64_t>& value) {
  out += value ? std::to_string(*value) : std::string("null");
}

// The data files a position-delete file names (its file_path column).
Result<std::set<std::string>> ReferencedDataFiles(const iceberg::Table& table,
                                                  const iceberg::DataFile& file) {
  auto context = [&](const Status& status) {
    return status.WithContext(fmt::format("position delete file '{}'", file.file_path));
  };
  ASSIGN_OR_RETURN(std::string key, table.paths().ToKey(file.file_path));
  cold::ObjectSource source(table.store(), key,
                            file.file_size_in_bytes > 0
                                ? std::optional<uint64_t>(file.file_size_in_bytes)
                                : std::nullopt);
  auto opened = parquet::FileReader::Open(&source);
  if (!opened.ok()) return context(opened.status());
  parquet::FileReader& reader = **opened;
  int path_col = reader.schema().Find("file_path");
  if (path_col < 0) return context(Status::Corruption("no file_path column"));
  std::set<std::string> out;
  for (int group = 0; group < reader.num_row_groups(); ++group) {
    auto read = reader.ReadRowGroup(group, {path_col});
    if (!read.ok()) return context(read.status());
    const parquet::ColumnBatch& paths = read->batches[0];
    if (paths.IsIntegral() || paths.IsFloating()) {
      return context(Status::Corruption("file_path is not a string column"));
    }
    for (int64_t row = 0; row < read->num_rows; ++row) {
      out.emplace(paths.strings[static_cast<size_t>(row)]);
    }
  }
  return out;
}

// The number of JSON-index columns a things data file was written with: a flush writes
// every index column the table had then (columns are only appended), so a file's columns are
// a prefix of the current ones; the writer records a value count for every column it wrote.
size_t IndexColumnsOf(const iceberg::DataFile& file) {
  size_t count = 0;
  for (const auto& [field_id, values] : file.value_counts) {
    if (field_id >= cold::kFirstIndexFieldId) {
      count = std::max(count, static_cast<size_t>(field_id - cold::kFirstIndexFieldId + 1));
    }
  }
  return count;
}

// Whether `ancestor` is `id` or one of its ancestors in `table`.
bool IsAncestorOrSelf(const iceberg::Table& table, int64_t ancestor, int64_t id) {
  std::optional<int64_t> at = id;
  while (at) {
    if (*at == ancestor) return true;
    const iceberg::Snapshot* snapshot = table.metadata().SnapshotById(*at);
    if (snapshot == nullptr) return false;
    at = snapshot->parent_snapshot_id;
  }
  return false;
}

Result<std::optional<int64_t>> TierSnapshot(sqlite::Database& db, std::string_view key) {
  constexpr int64_t kAbsent = std::numeric_limits<int64_t>::min();
  ASSIGN_OR_RETURN(int64_t value, GetTierInt(db, key, kAbsent));
  return value == kAbsent ? std::optional<int64_t>() : std::optional<int64_t>(value);
}

}  // namespace

std::string CompactReport::ToJson() const {
  std::string out = "{\"compactId\":";
  AppendJsonString(out, compact_id);
  out += fmt::format(
      ",\"partitions\":{},\"filesRemoved\":{},\"deleteFilesRemoved\":{},\"filesAdded\":{},"
      "\"rows\":{},\"rowsDropped\":{},\"bytesRemoved\":{},\"bytesAdded\":{},\"ms\":{},"
      "\"nsSnapshotId\":{},\"thingsSnapshotId\":",
      partitions, files_removed, delete_files_removed, files_added, rows, rows_dropped,
      bytes_removed, bytes_added, ms, ns_snapshot_id);
  AppendOptionalInt(out, things_snapshot_id);
  out += ",\"relationshipsSnapshotId\":";
  AppendOptionalInt(out, relationships_snapshot_id);
  out += "}";
  return out;
}

std::optional<int64_t> SnapshotOfCompaction(const iceberg::Table& table,
                                            std::string_view compact_id) {
  for (const iceberg::Snapshot& snapshot : table.metadata().snapshots) {
    auto it = snapshot.summary.find(kCompactIdKey);
    if (it != snapshot.summary.end() && it->second == compact_id) return snapshot.snapshot_id;
  }
  return std::nullopt;
}

// What one table's compaction rewrites: groups of data files of one partition written with
// the same JSON-index columns (so no row gains a column its file lacked: a hint on it would
// prune rows that were never indexed), and the delete files that then point at nothing live.
struct Compactor::TablePlan {
  struct Group {
    std::string type;
    int32_t day = 0;
    size_t index_columns = 0;
    std::vector<iceberg::DataFile> files;
    std::set<std::string> paths;
  };
  cold::TableKind kind = cold::TableKind::kThings;
  std::optional<int64_t> snapshot_id;
  std::vector<cold::JsonIndexColumn> index_columns;  // the table's, in field-id order
  std::vector<Group> groups;
  std::vector<iceberg::DataFile> removed_deletes;
  cold::WrittenFiles written;  // the replacements (data files)
  std::optional<int64_t> committed;

  bool empty() const { return groups.empty() && removed_deletes.empty(); }
  std::vector<std::string> RemovedPaths() const {
    std::vector<std::string> out;
    for (const Group& group : groups) {
      for (const iceberg::DataFile& file : group.files) out.push_back(file.file_path);
    }
    for (const iceberg::DataFile& file : removed_deletes) out.push_back(file.file_path);
    return out;
  }
};

Result<Compactor::TablePlan> Compactor::PlanTable(iceberg::Table& table, cold::TableKind kind,
                                                  const CompactOptions& options) {
  TablePlan plan;
  plan.kind = kind;
  plan.snapshot_id = table.metadata().current_snapshot_id;
  if (!plan.snapshot_id) return plan;
  if (kind == cold::TableKind::kThings) plan.index_columns = ColdIndexColumns(table);
  iceberg::ScanOptions scan;
  scan.snapshot_id = plan.snapshot_id;
  ASSIGN_OR_RETURN(iceberg::ScanPlan files, table.Scan(scan));
  std::set<std::string> live;
  std::map<std::string, iceberg::DataFile> delete_files;
  for (const iceberg::FileScanTask& task : files.tasks) {
    live.insert(task.data.file.file_path);
    for (const iceberg::ScanFile& del : task.deletes) {
      if (del.file.content != iceberg::FileContent::kPositionDeletes) {
        return Status::NotSupported(
            fmt::format("cannot compact: '{}' is an equality delete file (thingsdb writes "
                        "position deletes only)",
                        del.file.file_path));
      }
      delete_files.emplace(del.file.file_path, del.file);
    }
  }
  // Which data files each delete file names, and so which files have deletes.
  std::map<std::string, std::set<std::string>> refs;
  std::set<std::string> has_deletes;
  for (const auto& [path, file] : delete_files) {
    ASSIGN_OR_RETURN(std::set<std::string> named, ReferencedDataFiles(table, file));
    for (const std::string& data : named) {
      if (live.count(data)) has_deletes.insert(data);
    }
    refs.emplace(path, std::move(named));
  }
  std::map<std::tuple<std::string, int32_t, size_t>, TablePlan::Group> candidates;
  for (const iceberg::FileScanTask& task : files.tasks) {
    const iceberg::DataFile& file = task.data.file;
    bool small = file.file_size_in_bytes < options.target_file_bytes;
    bool deleted = options.rewrite_deletes && has_deletes.count(file.file_path) > 0;
    if (!small && !deleted) continue;
    if (file.partition.size() != 2 || !file.partition[0] || !file.partition[1]) {
      return Status::Corruption(
          fmt::format("cold data file '{}' has no (type, day) partition values", file.file_path));
    }
    std::string type = file.partition[0]->bytes;
    auto day = static_cast<int32_t>(file.partition[1]->integer);
    size_t columns = kind == cold::TableKind::kThings
                         ? std::min(IndexColumnsOf(file), plan.index_columns.size())
                         : 0;
    TablePlan::Group& group = candidates[{type, day, columns}];
    group.type = type;
    group.day = day;
    group.index_columns = columns;
    group.files.push_back(file);
    group.paths.insert(file.file_path);
  }
  std::set<std::string> removed;
  const size_t min_files = static_cast<size_t>(std::max(2, options.min_files));
  for (auto& [key, group] : candidates) {
    bool any_deleted =
        std::any_of(group.paths.begin(), group.paths.end(), [&](const std::string& path) {
          return options.rewrite_deletes && has_deletes.count(path);
        });
    if (group.files.size() < min_files && !any_deleted) continue;
    removed.insert(group.paths.begin(), group.paths.end());
    plan.groups.push_back(std::move(group));
  }
  // A delete file goes when every file it names is being removed or is no longer live.
  for (const auto& [path, named] : refs) {
    bool dangling = std::all_of(named.begin(), named.end(), [&](const std::string& data) {
      return removed.count(data) || !live.count(data);
    });
    if (dangling) plan.removed_deletes.push_back(delete_files.at(path));
  }
  return plan;
}

Status Compactor::WriteTable(const std::string& compact_id, iceberg::Table& table, TablePlan& plan,
                             CompactReport& report) {
  const bool things = plan.kind == cold::TableKind::kThings;
  cold::ColdReader reader(table, things ? cold::TableLayout::Things(plan.index_columns)
                                        : cold::TableLayout::Relationships());
  // Groups with the same index columns are written by one writer (file names carry the
  // column count, so two groups of one partition never share a name).
  std::map<size_t, std::vector<cold::ColdThing>> thing_rows;
  std::vector<cold::ColdRelationship> rel_rows;
  for (const TablePlan::Group& group : plan.groups) {
    int64_t day_start = int64_t{group.day} * kMsPerDay;
    cold::ScanRequest request;
    request.snapshot_id = plan.snapshot_id;
    request.filter = {
        {cold::kTypeColumn, parquet::CompareOp::kEq, {parquet::Value::String(group.type)}},
        {cold::kCreatedAtColumn, parquet::CompareOp::kGe, {parquet::Value::Int(day_start)}},
        {cold::kCreatedAtColumn,
         parquet::CompareOp::kLt,
         {parquet::Value::Int(day_start + kMsPerDay)}}};
    int64_t before = 0;
    for (const iceberg::DataFile& file : group.files) {
      before += file.record_count;
      report.bytes_removed += file.file_size_in_bytes;
    }
    int64_t kept = 0;
    if (things) {
      ASSIGN_OR_RETURN(auto rows, reader.ReadThings(request));
      std::vector<cold::ColdThing>& out = thing_rows[group.index_columns];
      for (cold::LocatedThing& row : rows) {
        if (!group.paths.count(row.location.file_path)) continue;
        row.thing.index_values.resize(group.index_columns);
        out.push_back(std::move(row.thing));
        ++kept;
      }
    } else {
      ASSIGN_OR_RETURN(auto rows, reader.ReadRelationships(request));
      for (cold::LocatedRelationship& row : rows) {
        if (!group.paths.count(row.location.file_path)) continue;
        rel_rows.push_back(std::move(row.relationship));
        ++kept;
      }
    }
    report.rows += kept;
    report.rows_dropped += before - kept;
    report.files_removed += static_cast<int64_t>(group.files.size());
    ++report.partitions;
  }
  for (const iceberg::DataFile& file : plan.removed_deletes) {
    ++report.delete_files_removed;
    report.bytes_removed += file.file_size_in_bytes;
  }
  auto append = [&](cold::WrittenFiles written) {
    for (const iceberg::DataFile& file : written.files) {
      ++report.files_added;
      report.bytes_added += file.file_size_in_bytes;
    }
    plan.written.files.insert(plan.written.files.end(), written.files.begin(), written.files.end());
    plan.written.infos.insert(plan.written.infos.end(), written.infos.begin(), written.infos.end());
  };
  for (auto& [columns, rows] : thing_rows) {
    if (rows.empty()) continue;
    std::vector<cold::JsonIndexColumn> prefix(plan.index_columns.begin(),
                                              plan.index_columns.begin() + columns);
    cold::FlushOptions options;
    options.flush_id = fmt::format("{}-i{}", compact_id, columns);
    ASSIGN_OR_RETURN(
        cold::FlushWriter writer,
        cold::FlushWriter::Make(store_, table.paths(), cold::TableLayout::Things(std::move(prefix)),
                                options));
    ASSIGN_OR_RETURN(cold::WrittenFiles written, writer.WriteThings(rows));
    append(std::move(written));
  }
  if (!rel_rows.empty()) {
    cold::FlushOptions options;
    options.flush_id = compact_id;
    ASSIGN_OR_RETURN(cold::FlushWriter writer,
                     cold::FlushWriter::Make(store_, table.paths(),
                                             cold::TableLayout::Relationships(), options));
    ASSIGN_OR_RETURN(cold::WrittenFiles written, writer.WriteRelationships(rel_rows));
    append(std::move(written));
  }
  return Status::OK();
}

Result<CompactReport> Compactor::Compact(const CompactOptions& options) {
  auto start = std::chrono::steady_clock::now();
  CompactReport report;
  RETURN_IF_ERROR(things_.Refresh().WithContext("compacting: loading things"));
  RETURN_IF_ERROR(relationships_.Refresh().WithContext("compacting: loading relationships"));
  ASSIGN_OR_RETURN(TablePlan things, PlanTable(things_, cold::TableKind::kThings, options));
  ASSIGN_OR_RETURN(TablePlan rels,
                   PlanTable(relationships_, cold::TableKind::kRelationships, options));
  if (things.empty() && rels.empty()) return report;

  // The journal entry: an id never used before (a retry never reuses the object names of an
  // attempt that may have half-committed).
  {
    ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db_));
    ASSIGN_OR_RETURN(int64_t last, db_.QueryInt("SELECT max(seq) FROM thingsdb_compact_journal"));
    int64_t seq = last + 1;
    report.compact_id = fmt::format("c{:08d}", seq);
    ASSIGN_OR_RETURN(Statement journal,
                     db_.Prepare("INSERT INTO thingsdb_compact_journal(compact_id, seq, state, "
                                 "started_at) VALUES (?1, ?2, 'writing', ?3)"));
    journal.BindText(1, report.compact_id).BindInt(2, seq).BindInt(3, clock_.NowMs());
    RETURN_IF_ERROR(journal.Run());
    RETURN_IF_ERROR(txn.Commit());
  }
  const std::string& id = report.compact_id;
  if (!things.empty()) RETURN_IF_ERROR(WriteTable(id, things_, things, report));
  if (!rels.empty()) RETURN_IF_ERROR(WriteTable(id, relationships_, rels, report));

  // Stage the new files in the index cache and remember the replaced ones (one transaction).
  {
    ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db_));
    IndexCache cache(db_);
    ASSIGN_OR_RETURN(Statement removed,
                     db_.Prepare("INSERT OR IGNORE INTO thingsdb_compact_removed(compact_id, "
                                 "table_name, path) VALUES (?1, ?2, ?3)"));
    for (const TablePlan* plan : {&things, &rels}) {
      RETURN_IF_ERROR(cache.Stage(id, plan->written.infos));
      for (const std::string& path : plan->RemovedPaths()) {
        removed.BindText(1, id).BindText(2, cold::TableName(plan->kind)).BindText(3, path);
        RETURN_IF_ERROR(removed.Run());
        removed.Reset();
      }
    }
    RETURN_IF_ERROR(txn.Commit());
  }

  iceberg::CommitOptions commit;
  commit.commit_token = id;
  commit.summary = {{kCompactIdKey, id}};
  RETURN_IF_ERROR(Hook("compact_before_iceberg_commit"));
  for (auto [table, plan] : {std::pair<iceberg::Table*, TablePlan*>{&things_, &things},
                             std::pair<iceberg::Table*, TablePlan*>{&relationships_, &rels}}) {
    if (plan->empty()) continue;
    if (plan == &rels) RETURN_IF_ERROR(Hook("compact_between_table_commits"));
    auto snapshot = table->Replace(plan->RemovedPaths(), plan->written.files, commit);
    if (!snapshot.ok()) {
      return snapshot.status().WithContext(
          fmt::format("committing the compaction of {}", cold::TableName(plan->kind)));
    }
    plan->committed = snapshot->snapshot_id;
  }
  RETURN_IF_ERROR(Hook("compact_after_iceberg_commit"));
  {
    auto lock = Exclusive();
    if (on_committed_) RETURN_IF_ERROR(on_committed_());
    RETURN_IF_ERROR(Publish(id, things.committed, rels.committed, &report.ns_snapshot_id));
  }
  report.things_snapshot_id = things.committed;
  report.relationships_snapshot_id = rels.committed;
  report.ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                  std::chrono::steady_clock::now() - start)
                  .count();
  return report;
}

// One short SQLite transaction: for each table whose replace committed, its new files go
// live in the index cache, the replaced files leave it and tier_state points at the replace
// snapshot (unless tier_state is already past it); a namespace snapshot row; the journal
// entry 'done' ('abandoned' when nothing committed: the staged rows are dropped).
Status Compactor::Publish(const std::string& compact_id, std::optional<int64_t> committed_things,
                          std::optional<int64_t> committed_relationships, int64_t* ns_snapshot_id) {
  ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db_));
  ASSIGN_OR_RETURN(Statement state, db_.Prepare("SELECT state FROM thingsdb_compact_journal "
                                                "WHERE compact_id = ?1"));
  state.BindText(1, compact_id);
  ASSIGN_OR_RETURN(bool found, state.Step());
  if (!found || state.ColumnText(0) != "writing") {
    return Status::Internal(fmt::format("compaction '{}' is not in progress", compact_id));
  }
  state.Reset();
  IndexCache cache(db_);
  struct Side {
    cold::TableKind kind;
    const char* tier_key;
    iceberg::Table* table;
    std::optional<int64_t> committed;
    std::optional<int64_t> recorded;  // the namespace snapshot row's id for this table
  };
  Side sides[] = {{cold::TableKind::kThings, "things_snapshot", &things_, committed_things, {}},
                  {cold::TableKind::kRelationships,
                   "relationships_snapshot",
                   &relationships_,
                   committed_relationships,
                   {}}};
  bool any = false;
  for (Side& side : sides) {
    ASSIGN_OR_RETURN(side.recorded, TierSnapshot(db_, side.tier_key));
    if (!side.committed) {
      RETURN_IF_ERROR(cache.Discard(compact_id, side.kind));
      continue;
    }
    any = true;
    RETURN_IF_ERROR(cache.Publish(compact_id, side.kind));
    ASSIGN_OR_RETURN(Statement drop,
                     db_.Prepare("DELETE FROM thingsdb_cold_files WHERE table_name = ?2 AND "
                                 "path IN (SELECT path FROM thingsdb_compact_removed WHERE "
                                 "compact_id = ?1 AND table_name = ?2)"));
    drop.BindText(1, compact_id).BindText(2, cold::TableName(side.kind));
    RETURN_IF_ERROR(drop.Run());
    // Never move tier_state back: a flush that committed after this replace (only possible
    // when this compaction was not recovered before it) is newer and holds its files.
    if (!side.recorded || IsAncestorOrSelf(*side.table, *side.recorded, *side.committed)) {
      RETURN_IF_ERROR(SetTierValue(db_, side.tier_key, std::to_string(*side.committed)));
      side.recorded = side.committed;
    }
  }
  int64_t now = clock_.NowMs();
  if (any) {
    ASSIGN_OR_RETURN(int64_t ns_snapshot, GetTierInt(db_, "ns_snapshot"));
    ++ns_snapshot;
    ASSIGN_OR_RETURN(int64_t cutoff, GetTierInt(db_, "high_water_mark"));
    ASSIGN_OR_RETURN(Statement snap,
                     db_.Prepare("INSERT INTO thingsdb_snapshots(ns_snapshot_id, flush_id, "
                                 "things_snapshot_id, relationships_snapshot_id, committed_at, "
                                 "cutoff, flushed_rows) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0)"));
    snap.BindInt(1, ns_snapshot).BindText(2, compact_id);
    sides[0].recorded ? snap.BindInt(3, *sides[0].recorded) : snap.BindNull(3);
    sides[1].recorded ? snap.BindInt(4, *sides[1].recorded) : snap.BindNull(4);
    snap.BindInt(5, now).BindInt(6, cutoff);
    RETURN_IF_ERROR(snap.Run());
    RETURN_IF_ERROR(SetTierValue(db_, "ns_snapshot", std::to_string(ns_snapshot)));
    if (ns_snapshot_id) *ns_snapshot_id = ns_snapshot;
  }
  for (std::string_view sql : {"DELETE FROM thingsdb_compact_removed WHERE compact_id = ?1",
                               "UPDATE thingsdb_compact_journal SET state = ?2, finished_at = ?3 "
                               "WHERE compact_id = ?1"}) {
    ASSIGN_OR_RETURN(Statement stmt, db_.Prepare(sql));
    stmt.BindText(1, compact_id);
    if (sql.starts_with("UPDATE")) {
      stmt.BindText(2, any ? "done" : "abandoned").BindInt(3, now);
    }
    RETURN_IF_ERROR(stmt.Run());
  }
  return txn.Commit();
}

Status Compactor::Recover() {
  std::vector<std::string> entries;
  {
    ASSIGN_OR_RETURN(Statement stmt, db_.Prepare("SELECT compact_id FROM thingsdb_compact_journal "
                                                 "WHERE state = 'writing' ORDER BY seq"));
    while (true) {
      ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) break;
      entries.emplace_back(stmt.ColumnText(0));
    }
  }
  if (entries.empty()) return Status::OK();
  RETURN_IF_ERROR(things_.Refresh().WithContext("recovering a compaction: loading things"));
  RETURN_IF_ERROR(
      relationships_.Refresh().WithContext("recovering a compaction: loading relationships"));
  if (on_committed_) RETURN_IF_ERROR(on_committed_());
  for (const std::string& id : entries) {
    RETURN_IF_ERROR(Publish(id, SnapshotOfCompaction(things_, id),
                            SnapshotOfCompaction(relationships_, id), nullptr)
                        .WithContext(fmt::format("recovering compaction '{}'", id)));
  }
  return Status::OK();
}

}  // namespace thingsdb::engine
