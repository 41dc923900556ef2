#include "engine/flush_manager.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <set>
#include <thread>
#include <tuple>

#include "cold/cold_row.h"
#include "cold/warehouse.h"
#include "core/json.h"
#include "engine/index_cache.h"
#include "engine/tier_tables.h"
#include "hot/query.h"

namespace thingsdb::engine {

using sqlite::Statement;
using sqlite::Transaction;

namespace {

constexpr char kFlushIdKey[] = "thingsdb.flush-id";
// Begin journals the row keys, and the flush deletes its hot rows after publishing, in
// write transactions of at most this many rows, paced by a BatchPacer so that each holds
// the writer lock for about kLockBudget, with a pause after each in which a waiting writer
// (its busy handler polls every millisecond) takes the lock.
constexpr size_t kFlushRowsBatch = 2000;
constexpr size_t kFinishBatch = 2000;
constexpr auto kLockBudget = std::chrono::microseconds(12000);
constexpr auto kMinStatementBudget = std::chrono::microseconds(3000);
constexpr auto kWriterGap = std::chrono::milliseconds(2);

// Ends a flush's write transaction once its statements have run for the lock budget less
// what the previous commit took: a commit writes the transaction's dirty pages to the WAL
// while it still holds the lock, and a batch of deletes dirties pages of every index of
// every row, so its commit can take as long as its statements.
class BatchPacer {
  using Clock = std::chrono::steady_clock;

 public:
  void Start() { start_ = Clock::now(); }
  // Checked every 16 rows (a clock read costs more than an indexed insert).
  bool Over(size_t done) const {
    return done % 16 == 0 && Clock::now() - start_ > statement_budget_;
  }
  void Committed(Clock::time_point commit_start) {
    auto commit = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() -
                                                                        commit_start);
    statement_budget_ = std::clamp(kLockBudget - commit, kMinStatementBudget, kLockBudget);
  }

 private:
  Clock::time_point start_ = Clock::now();
  std::chrono::microseconds statement_budget_ = kLockBudget;
};

// Between two write transactions of a flush: a PASSIVE checkpoint on the flush's own
// connection (outside any transaction, so it blocks no writer), so that the WAL the flush
// fills is copied back by the flush and not by the automatic checkpoint inside some hot
// writer's commit (hundreds of ms when a large flush left thousands of pages behind), then
// the pause in which a waiting writer takes the lock.
void YieldToWriters(sqlite::Database& db) {
  (void)db.Exec("PRAGMA wal_checkpoint(PASSIVE)");  // best effort: BUSY just means later
  std::this_thread::sleep_for(kWriterGap);
}

// The integer in the first column of `sql`'s first row with ?1 = `arg` (0 when no row).
Result<int64_t> IntWithText(sqlite::Database& db, std::string_view sql, std::string_view arg) {
  ASSIGN_OR_RETURN(Statement stmt, db.Cached(sql));
  stmt.BindText(1, arg);
  ASSIGN_OR_RETURN(bool row, stmt.Step());
  return row ? stmt.ColumnInt(0) : 0;
}

int64_t MicrosSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() -
                                                               start)
      .count();
}

void AppendOptionalInt(std::string& out, const std::optional<int64_t>& value) {
  if (value) {
    out += std::to_string(*value);
  } else {
    out += "null";
  }
}

// Rows an abandoned flush wrote whose hot row is gone get a tombstone: a copy that a table
// did commit must stay dead. (Begin and the thingsdb_flushing_* triggers already tombstone
// them; this covers journals written before the triggers existed.)
Status TombstoneVanishedRows(sqlite::Database& db, const std::string& flush_id, int64_t now) {
  std::string sql = fmt::format(
      "INSERT OR IGNORE INTO thingsdb_tombstones(kind, id, deleted_at) "
      "SELECT f.kind, f.id, {now} FROM thingsdb_flush_rows f WHERE f.flush_id = ?1 AND "
      "((f.kind = '{thing}' AND NOT EXISTS (SELECT 1 FROM things t WHERE t.id = f.id)) OR "
      " (f.kind = '{rel}' AND NOT EXISTS (SELECT 1 FROM relationships r WHERE r.id = f.id)))",
      fmt::arg("now", now), fmt::arg("thing", kThingKind), fmt::arg("rel", kRelationshipKind));
  ASSIGN_OR_RETURN(Statement stmt, db.Prepare(sql));
  stmt.BindText(1, flush_id);
  return stmt.Run();
}

// The SQLite value of json_extract as a cold index cell: INTEGER and REAL (JSON numbers,
// true = 1, false = 0) are doubles, TEXT (strings, objects and arrays as JSON text) strings,
// NULL (JSON null, a missing path) null. PrepareIndexColumns nulls a value of the other kind.
cold::IndexValue ExtractedValue(const Statement& stmt, int col) {
  switch (stmt.ColumnType(col)) {
    case 1:  // INTEGER
    case 2:  // REAL
      return stmt.ColumnDouble(col);
    case 3:
      return std::string(stmt.ColumnText(col));
    default:
      return std::monostate{};
  }
}

}  // namespace

std::string ColdIndexName(std::string_view path, int64_t created_at) {
  std::string name;
  for (char c : path.substr(path.empty() ? 0 : 1)) {
    if (name.size() >= 40) break;
    if (std::isalnum(static_cast<unsigned char>(c))) {
      name.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    } else if (!name.empty() && name.back() != '_') {
      name.push_back('_');
    }
  }
  uint32_t hash = 2166136261u;  // FNV-1a
  auto mix = [&](std::string_view bytes) {
    for (char c : bytes) hash = (hash ^ static_cast<uint8_t>(c)) * 16777619u;
  };
  mix(path);
  mix(std::string_view("\0", 1));
  mix(std::to_string(created_at));
  if (!name.empty() && name.back() != '_') name.push_back('_');
  return name + fmt::format("{:08x}", hash);
}

std::vector<cold::JsonIndexColumn> ColdIndexColumns(const iceberg::Table& things) {
  std::vector<cold::JsonIndexColumn> out;
  const iceberg::Schema* schema = things.metadata().CurrentSchema();
  if (schema == nullptr) return out;
  for (const iceberg::NestedField& field : schema->fields) {
    if (field.id < cold::kFirstIndexFieldId || !field.name.starts_with("idx_")) continue;
    cold::JsonIndexColumn column;
    column.name = field.name.substr(4);
    column.kind = field.type && field.type->id == iceberg::TypeId::kDouble
                      ? cold::IndexKind::kDouble
                      : cold::IndexKind::kString;
    out.push_back(std::move(column));
  }
  return out;
}

std::string FlushReport::ToJson() const {
  std::string out = "{\"flushId\":";
  AppendJsonString(out, flush_id);
  out += fmt::format(
      ",\"cutoff\":{},\"things\":{},\"relationships\":{},\"coldDeletes\":{},\"files\":{},"
      "\"bytes\":{},\"ms\":{},\"nsSnapshotId\":{},\"thingsSnapshotId\":",
      cutoff_ms, things, relationships, cold_deletes, files, bytes, ms, ns_snapshot_id);
  AppendOptionalInt(out, things_snapshot_id);
  out += ",\"relationshipsSnapshotId\":";
  AppendOptionalInt(out, relationships_snapshot_id);
  out += "}";
  return out;
}

std::optional<int64_t> SnapshotOfFlush(const iceberg::Table& table, std::string_view flush_id) {
  for (const iceberg::Snapshot& snapshot : table.metadata().snapshots) {
    auto it = snapshot.summary.find(kFlushIdKey);
    if (it != snapshot.summary.end() && it->second == flush_id) return snapshot.snapshot_id;
  }
  return std::nullopt;
}

struct FlushManager::Pending {
  // A hot JSON index and its cold column name; things[i].index_values are first in this
  // order (ReadSnapshot), then in things_layout's (PrepareIndexColumns).
  struct HotIndex {
    std::string path;
    std::string column;
  };
  std::vector<HotIndex> indexes;
  cold::TableLayout things_layout = cold::TableLayout::Things();
  std::string flush_id;
  int64_t seq = 0;
  int64_t cutoff = 0;
  std::vector<cold::ColdThing> things;
  std::vector<cold::ColdRelationship> relationships;
  std::set<std::string> dead_things;         // tombstoned or superseded cold things
  std::set<std::string> dead_relationships;  // tombstoned cold relationships
  std::vector<cold::PositionDelete> thing_deletes;
  std::vector<cold::PositionDelete> relationship_deletes;
  cold::WrittenFiles thing_files, thing_delete_files;
  cold::WrittenFiles relationship_files, relationship_delete_files;
  bool commit_things = false;
  bool commit_relationships = false;
  std::optional<int64_t> things_snapshot;
  std::optional<int64_t> relationships_snapshot;
};

Result<FlushReport> FlushManager::Flush(const FlushOptions& options) {
  auto start = std::chrono::steady_clock::now();
  {
    auto lock = Exclusive();
    RETURN_IF_ERROR(Recover());
  }
  int64_t now = clock_.NowMs();
  int64_t cutoff = options.cutoff_ms ? *options.cutoff_ms
                   : options.all     ? now
                                     : now - options.min_age_ms;
  FlushReport report;
  report.cutoff_ms = cutoff;
  Pending pending;
  ASSIGN_OR_RETURN(bool any, Begin(cutoff, pending, report));
  if (!any) return report;
  report.flush_id = pending.flush_id;
  RETURN_IF_ERROR(PlanDeletes(pending));
  RETURN_IF_ERROR(WriteFiles(pending, report));
  RETURN_IF_ERROR(Commit(pending));
  auto finish_start = std::chrono::steady_clock::now();
  // Counted before taking the engine mutex (a count of a million keys takes tens of ms);
  // the keys cannot change before the deletes.
  ASSIGN_OR_RETURN(int64_t flushed_rows, CountFlushRows(pending.flush_id));
  {
    auto lock = Exclusive();
    auto lock_start = std::chrono::steady_clock::now();
    if (on_committed_) RETURN_IF_ERROR(on_committed_());
    RETURN_IF_ERROR(Finish(pending.flush_id, pending.things_snapshot,
                           pending.relationships_snapshot, flushed_rows,
                           &report.ns_snapshot_id, &report));
    report.publish_lock_us = MicrosSince(lock_start);
  }
  RETURN_IF_ERROR(Hook("published"));
  RETURN_IF_ERROR(FinishDeletes(pending.flush_id, &report, /*lock_batches=*/true));
  report.finish_us = MicrosSince(finish_start);
  report.things_snapshot_id = pending.things_snapshot;
  report.relationships_snapshot_id = pending.relationships_snapshot;
  report.ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                  std::chrono::steady_clock::now() - start)
                  .count();
  return report;
}

// Step 1: reads the rows and tombstones on a read snapshot (hot writers keep going), then
// picks the flush id and journals the intent — the exact row versions to move — in short
// write transactions. False when there is nothing to do.
Result<bool> FlushManager::Begin(int64_t cutoff, Pending& pending, FlushReport& report) {
  pending.cutoff = cutoff;
  auto read_start = std::chrono::steady_clock::now();
  ASSIGN_OR_RETURN(int64_t max_tombstone, ReadSnapshot(cutoff, pending));
  report.read_us = MicrosSince(read_start);
  if (pending.things.empty() && pending.relationships.empty() && pending.dead_things.empty() &&
      pending.dead_relationships.empty()) {
    return false;
  }
  {
    auto txn_start = std::chrono::steady_clock::now();
    ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db_));
    ASSIGN_OR_RETURN(int64_t last_seq, GetTierInt(db_, "flush_seq"));
    pending.seq = last_seq + 1;
    ASSIGN_OR_RETURN(int64_t attempts,
                     IntWithText(db_, "SELECT count(*) FROM thingsdb_flush_journal WHERE seq = ?1",
                               std::to_string(pending.seq)));
    pending.flush_id = fmt::format("f{:08d}-{}", pending.seq, attempts);
    ASSIGN_OR_RETURN(
        Statement journal,
        db_.Cached("INSERT INTO thingsdb_flush_journal(flush_id, seq, cutoff, state, "
                   "started_at, max_tombstone) VALUES (?1, ?2, ?3, 'writing', ?4, ?5)"));
    journal.BindText(1, pending.flush_id).BindInt(2, pending.seq).BindInt(3, cutoff);
    journal.BindInt(4, clock_.NowMs()).BindInt(5, max_tombstone);
    RETURN_IF_ERROR(journal.Run());
    RETURN_IF_ERROR(txn.Commit());
    report.begin_lock_us = MicrosSince(txn_start);
  }
  // The row keys in batches, so that hot writers wait for one batch at most. A crash in
  // between leaves a 'writing' entry with no plan: recovery abandons it. From the moment
  // its key is in, deleting the hot row tombstones it (the thingsdb_flushing_* triggers);
  // a row deleted after the read snapshot but before its key gets the tombstone here.
  size_t thing_idx = 0;
  size_t rel_idx = 0;
  BatchPacer pacer;
  while (thing_idx < pending.things.size() || rel_idx < pending.relationships.size()) {
    auto txn_start = std::chrono::steady_clock::now();
    pacer.Start();
    ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db_));
    ASSIGN_OR_RETURN(Statement keys,
                     db_.Cached("INSERT INTO thingsdb_flush_rows(flush_id, kind, id, stamp) "
                                "VALUES (?1, ?2, ?3, ?4)"));
    ASSIGN_OR_RETURN(Statement thing_exists, db_.Cached("SELECT 1 FROM things WHERE id = ?1"));
    ASSIGN_OR_RETURN(Statement rel_exists,
                     db_.Cached("SELECT 1 FROM relationships WHERE id = ?1"));
    int64_t now = clock_.NowMs();
    for (size_t batch = 0; batch < kFlushRowsBatch && !pacer.Over(batch + 1);
         ++batch) {
      const char* kind = nullptr;
      const std::string* id = nullptr;
      int64_t stamp = 0;
      Statement* exists = nullptr;
      if (thing_idx < pending.things.size()) {
        const cold::ColdThing& thing = pending.things[thing_idx++];
        kind = kThingKind, id = &thing.id, stamp = thing.updated_at, exists = &thing_exists;
      } else if (rel_idx < pending.relationships.size()) {
        const cold::ColdRelationship& rel = pending.relationships[rel_idx++];
        kind = kRelationshipKind, id = &rel.id, stamp = rel.created_at, exists = &rel_exists;
      } else {
        break;
      }
      exists->BindText(1, *id);
      ASSIGN_OR_RETURN(bool present, exists->Step());
      exists->Reset();
      if (!present) {
        RETURN_IF_ERROR(AddTombstone(db_, kind, *id, now));
        continue;
      }
      keys.BindText(1, pending.flush_id).BindText(2, kind).BindText(3, *id).BindInt(4, stamp);
      RETURN_IF_ERROR(keys.Run());
      keys.Reset();
    }
    auto commit_start = std::chrono::steady_clock::now();
    RETURN_IF_ERROR(txn.Commit());
    pacer.Committed(commit_start);
    report.begin_lock_us = std::max(report.begin_lock_us, MicrosSince(txn_start));
    YieldToWriters(db_);
  }
  return true;
}

// The things with updated_at <= cutoff, the relationships with created_at <= cutoff and
// every tombstone, from one read transaction (a WAL snapshot: it holds no writer lock).
// Returns the largest tombstone rowid read. Tombstones added or re-added meanwhile get
// larger rowids (AddTombstone, the triggers), so FinishDeletes, which consumes rowids up to
// this one, leaves them for the next flush.
Result<int64_t> FlushManager::ReadSnapshot(int64_t cutoff, Pending& pending) {
  ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db_, Transaction::Mode::kDeferred));
  RETURN_IF_ERROR(ReadIndexes(pending));
  // Index values come from SQLite's own json_extract: exactly what the hot tier's indexes
  // and the SQL conditions compare.
  std::string extract;
  for (const Pending::HotIndex& index : pending.indexes) {
    extract += fmt::format(", json_extract(data, '{}')", index.path);
  }
  ASSIGN_OR_RETURN(Statement things,
                   db_.Prepare(fmt::format("SELECT id, type, data, embedding, created_at, "
                                           "updated_at{} FROM things WHERE updated_at <= ?1 "
                                           "ORDER BY id",
                                           extract)));
  things.BindInt(1, cutoff);
  while (true) {
    ASSIGN_OR_RETURN(bool row, things.Step());
    if (!row) break;
    cold::ColdThing thing;
    thing.id = things.ColumnText(0);
    thing.type = things.ColumnText(1);
    thing.data = things.ColumnText(2);
    if (!things.IsNull(3)) thing.embedding = cold::DecodeEmbedding(things.ColumnBlob(3));
    thing.created_at = things.ColumnInt(4);
    thing.updated_at = things.ColumnInt(5);
    for (size_t index_idx = 0; index_idx < pending.indexes.size(); ++index_idx) {
      thing.index_values.push_back(ExtractedValue(things, 6 + static_cast<int>(index_idx)));
    }
    pending.things.push_back(std::move(thing));
  }
  ASSIGN_OR_RETURN(Statement rels,
                   db_.Prepare("SELECT id, from_id, to_id, type, data, created_at "
                               "FROM relationships WHERE created_at <= ?1 ORDER BY id"));
  rels.BindInt(1, cutoff);
  while (true) {
    ASSIGN_OR_RETURN(bool row, rels.Step());
    if (!row) break;
    cold::ColdRelationship rel;
    rel.id = rels.ColumnText(0);
    rel.from_id = rels.ColumnText(1);
    rel.to_id = rels.ColumnText(2);
    rel.type = rels.ColumnText(3);
    if (!rels.IsNull(4)) rel.data = std::string(rels.ColumnText(4));
    rel.created_at = rels.ColumnInt(5);
    pending.relationships.push_back(std::move(rel));
  }
  ASSIGN_OR_RETURN(Statement tombs, db_.Prepare("SELECT kind, id, rowid FROM thingsdb_tombstones"));
  int64_t max_tombstone = 0;
  while (true) {
    ASSIGN_OR_RETURN(bool row, tombs.Step());
    if (!row) break;
    auto& set =
        tombs.ColumnText(0) == kThingKind ? pending.dead_things : pending.dead_relationships;
    set.emplace(tombs.ColumnText(1));
    max_tombstone = std::max(max_tombstone, tombs.ColumnInt(2));
  }
  RETURN_IF_ERROR(Hook("rows_read"));  // the snapshot is still open here
  // Finalize the reads before the snapshot ends.
  things = Statement();
  rels = Statement();
  tombs = Statement();
  RETURN_IF_ERROR(txn.Commit());
  return max_tombstone;
}

Status FlushManager::ReadIndexes(Pending& pending) {
  ASSIGN_OR_RETURN(int64_t has_table,
                   db_.QueryInt("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND "
                                "name = 'thingsdb_json_indexes'"));
  if (has_table == 0) return Status::OK();  // no index was ever added
  ASSIGN_OR_RETURN(Statement stmt, db_.Prepare("SELECT path, created_at FROM "
                                               "thingsdb_json_indexes ORDER BY path"));
  while (true) {
    ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    std::string path(stmt.ColumnText(0));
    // Spliced into SQL below: only paths of the hot tier's grammar (AddIndex checked them).
    if (!hot::ValidateJsonPath(path).ok()) continue;
    std::string column = ColdIndexName(path, stmt.ColumnInt(1));
    pending.indexes.push_back({std::move(path), std::move(column)});
  }
  return Status::OK();
}

Status FlushManager::PrepareIndexColumns(Pending& pending) {
  std::vector<cold::JsonIndexColumn> columns = ColdIndexColumns(things_);
  size_t existing = columns.size();
  // Per layout column: the slot of its hot index in the extracted values, or -1 (dropped).
  std::vector<int> slots(columns.size(), -1);
  for (size_t index_idx = 0; index_idx < pending.indexes.size(); ++index_idx) {
    const Pending::HotIndex& index = pending.indexes[index_idx];
    auto found = std::find_if(columns.begin(), columns.end(),
                              [&](const auto& column) { return column.name == index.column; });
    if (found != columns.end()) {
      found->json_path = index.path;
      slots[found - columns.begin()] = static_cast<int>(index_idx);
      continue;
    }
    // A new column: doubles when this flush's values are mostly numbers, else strings. With
    // no value at all the kind is unknown: the column waits for a flush that has one (files
    // without it are never pruned by it).
    int64_t numbers = 0;
    int64_t strings = 0;
    for (const cold::ColdThing& thing : pending.things) {
      const cold::IndexValue& value = thing.index_values[index_idx];
      numbers += std::holds_alternative<double>(value) ? 1 : 0;
      strings += std::holds_alternative<std::string>(value) ? 1 : 0;
    }
    if (numbers == 0 && strings == 0) continue;
    columns.push_back({index.column, index.path,
                       numbers > strings ? cold::IndexKind::kDouble : cold::IndexKind::kString});
    slots.push_back(static_cast<int>(index_idx));
  }
  pending.things_layout = cold::TableLayout::Things(std::move(columns));
  RETURN_IF_ERROR(cold::ValidateLayout(pending.things_layout));
  if (pending.things_layout.indexes.size() > existing) {
    RETURN_IF_ERROR(cold::EvolveSchema(things_, pending.things_layout)
                        .WithContext("adding JSON-index columns to the cold things table"));
  }
  const auto& layout_columns = pending.things_layout.indexes;
  for (cold::ColdThing& thing : pending.things) {
    std::vector<cold::IndexValue> values(layout_columns.size());
    for (size_t column_idx = 0; column_idx < layout_columns.size(); ++column_idx) {
      if (slots[column_idx] < 0) continue;
      cold::IndexValue& value = thing.index_values[slots[column_idx]];
      bool fits = layout_columns[column_idx].kind == cold::IndexKind::kDouble
                      ? std::holds_alternative<double>(value)
                      : std::holds_alternative<std::string>(value);
      if (fits) values[column_idx] = std::move(value);
    }
    thing.index_values = std::move(values);
  }
  return Status::OK();
}

// Step 3: every cold row this flush supersedes — tombstoned ids, and flushed ids that
// already have a live cold version (an update of a cold thing, a row updated during an
// earlier flush, the leftovers of an abandoned flush) — becomes a position delete.
Status FlushManager::PlanDeletes(Pending& pending) {
  IndexCache cache(db_);
  for (const cold::ColdThing& thing : pending.things) {
    ASSIGN_OR_RETURN(auto files, cache.CandidateFiles(cold::TableKind::kThings, thing.id));
    if (!files.empty()) pending.dead_things.insert(thing.id);
  }
  for (const cold::ColdRelationship& rel : pending.relationships) {
    ASSIGN_OR_RETURN(auto files, cache.CandidateFiles(cold::TableKind::kRelationships, rel.id));
    if (!files.empty()) pending.dead_relationships.insert(rel.id);
  }
  auto id_filter = [](const std::set<std::string>& ids) {
    cold::ColdPredicate predicate{cold::kIdColumn, parquet::CompareOp::kIn, {}};
    for (const std::string& id : ids) predicate.values.push_back(parquet::Value::String(id));
    cold::ScanRequest request;
    request.filter = {std::move(predicate)};
    request.columns = {cold::kIdColumn, cold::kTypeColumn, cold::kCreatedAtColumn};
    return request;
  };
  if (!pending.dead_things.empty() && things_.metadata().current_snapshot_id) {
    cold::ColdReader reader(things_, cold::TableLayout::Things());
    ASSIGN_OR_RETURN(auto rows, reader.ReadThings(id_filter(pending.dead_things)));
    for (const cold::LocatedThing& row : rows) {
      pending.thing_deletes.push_back({row.location, row.thing.type, row.thing.created_at});
    }
  }
  if (!pending.dead_relationships.empty() && relationships_.metadata().current_snapshot_id) {
    cold::ColdReader reader(relationships_, cold::TableLayout::Relationships());
    ASSIGN_OR_RETURN(auto rows, reader.ReadRelationships(id_filter(pending.dead_relationships)));
    for (const cold::LocatedRelationship& row : rows) {
      pending.relationship_deletes.push_back(
          {row.location, row.relationship.type, row.relationship.created_at});
    }
  }
  return Status::OK();
}

// Step 3 continued: the Parquet data and delete files, staged in the index cache, and the
// tables the flush will commit recorded in the journal.
Status FlushManager::WriteFiles(Pending& pending, FlushReport& report) {
  RETURN_IF_ERROR(PrepareIndexColumns(pending));
  cold::FlushOptions options;
  options.flush_id = pending.flush_id;
  ASSIGN_OR_RETURN(
      cold::FlushWriter things,
      cold::FlushWriter::Make(store_, things_.paths(), pending.things_layout, options));
  ASSIGN_OR_RETURN(cold::FlushWriter rels,
                   cold::FlushWriter::Make(store_, relationships_.paths(),
                                           cold::TableLayout::Relationships(), options));
  if (!pending.things.empty()) {
    ASSIGN_OR_RETURN(pending.thing_files, things.WriteThings(pending.things));
  }
  if (!pending.thing_deletes.empty()) {
    ASSIGN_OR_RETURN(pending.thing_delete_files,
                     things.WritePositionDeletes(pending.thing_deletes));
  }
  if (!pending.relationships.empty()) {
    ASSIGN_OR_RETURN(pending.relationship_files, rels.WriteRelationships(pending.relationships));
  }
  if (!pending.relationship_deletes.empty()) {
    ASSIGN_OR_RETURN(pending.relationship_delete_files,
                     rels.WritePositionDeletes(pending.relationship_deletes));
  }
  pending.commit_things =
      !pending.thing_files.files.empty() || !pending.thing_delete_files.files.empty();
  pending.commit_relationships =
      !pending.relationship_files.files.empty() || !pending.relationship_delete_files.files.empty();

  ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db_));
  IndexCache cache(db_);
  RETURN_IF_ERROR(cache.Stage(pending.flush_id, pending.thing_files.infos));
  RETURN_IF_ERROR(cache.Stage(pending.flush_id, pending.relationship_files.infos));
  ASSIGN_OR_RETURN(Statement plan, db_.Cached("UPDATE thingsdb_flush_journal SET plan_things = ?2, "
                                              "plan_relationships = ?3 WHERE flush_id = ?1"));
  plan.BindText(1, pending.flush_id).BindInt(2, pending.commit_things ? 1 : 0);
  plan.BindInt(3, pending.commit_relationships ? 1 : 0);
  RETURN_IF_ERROR(plan.Run());
  RETURN_IF_ERROR(txn.Commit());

  report.things = static_cast<int64_t>(pending.things.size());
  report.relationships = static_cast<int64_t>(pending.relationships.size());
  report.cold_deletes =
      static_cast<int64_t>(pending.thing_deletes.size() + pending.relationship_deletes.size());
  for (const cold::WrittenFiles* written :
       {&pending.thing_files, &pending.thing_delete_files, &pending.relationship_files,
        &pending.relationship_delete_files}) {
    for (const iceberg::DataFile& file : written->files) {
      ++report.files;
      report.bytes += file.file_size_in_bytes;
    }
  }
  return Status::OK();
}

// Step 4: both Iceberg commits, each carrying the flush id, sequence and cutoff.
Status FlushManager::Commit(Pending& pending) {
  std::map<std::string, std::string> summary = {
      {"thingsdb.flush-seq", std::to_string(pending.seq)},
      {"thingsdb.cutoff", std::to_string(pending.cutoff)}};
  RETURN_IF_ERROR(Hook("before_iceberg_commit"));
  if (pending.commit_things) {
    ASSIGN_OR_RETURN(iceberg::Snapshot snapshot,
                     cold::CommitFlush(things_, pending.flush_id, pending.thing_files,
                                       pending.thing_delete_files, summary));
    pending.things_snapshot = snapshot.snapshot_id;
  } else {
    pending.things_snapshot = things_.metadata().current_snapshot_id;
  }
  RETURN_IF_ERROR(Hook("between_table_commits"));
  if (pending.commit_relationships) {
    ASSIGN_OR_RETURN(iceberg::Snapshot snapshot,
                     cold::CommitFlush(relationships_, pending.flush_id, pending.relationship_files,
                                       pending.relationship_delete_files, summary));
    pending.relationships_snapshot = snapshot.snapshot_id;
  } else {
    pending.relationships_snapshot = relationships_.metadata().current_snapshot_id;
  }
  return Hook("after_iceberg_commit");
}

// Step 5a: one short SQLite transaction publishes the flush: tier_state pointers, the
// namespace snapshot row, the staged files go live, the journal entry becomes 'deleting'.
// From here readers see the new cold rows, each shadowed by its hot twin until step 5b.
Result<int64_t> FlushManager::CountFlushRows(const std::string& flush_id) {
  return IntWithText(db_, "SELECT count(*) FROM thingsdb_flush_rows WHERE flush_id = ?1",
                     flush_id);
}

Status FlushManager::Finish(const std::string& flush_id, std::optional<int64_t> things_snapshot,
                            std::optional<int64_t> relationships_snapshot, int64_t flushed_rows,
                            int64_t* ns_snapshot_id, FlushReport* report) {
  auto publish_start = std::chrono::steady_clock::now();
  ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db_));
  ASSIGN_OR_RETURN(Statement journal, db_.Prepare("SELECT seq, cutoff, state FROM "
                                                  "thingsdb_flush_journal WHERE flush_id = ?1"));
  journal.BindText(1, flush_id);
  ASSIGN_OR_RETURN(bool found, journal.Step());
  if (!found || journal.ColumnText(2) != "writing") {
    return Status::Internal(fmt::format("flush '{}' is not in progress", flush_id));
  }
  int64_t seq = journal.ColumnInt(0);
  int64_t cutoff = journal.ColumnInt(1);
  journal.Reset();
  int64_t now = clock_.NowMs();

  ASSIGN_OR_RETURN(int64_t ns_snapshot, GetTierInt(db_, "ns_snapshot"));
  ++ns_snapshot;
  ASSIGN_OR_RETURN(Statement snap,
                   db_.Prepare("INSERT INTO thingsdb_snapshots(ns_snapshot_id, flush_id, "
                               "things_snapshot_id, relationships_snapshot_id, committed_at, "
                               "cutoff, flushed_rows) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"));
  snap.BindInt(1, ns_snapshot).BindText(2, flush_id);
  things_snapshot ? snap.BindInt(3, *things_snapshot) : snap.BindNull(3);
  relationships_snapshot ? snap.BindInt(4, *relationships_snapshot) : snap.BindNull(4);
  snap.BindInt(5, now).BindInt(6, cutoff).BindInt(7, flushed_rows);
  RETURN_IF_ERROR(snap.Run());

  RETURN_IF_ERROR(SetTierValue(db_, "flush_seq", std::to_string(seq)));
  RETURN_IF_ERROR(SetTierValue(db_, "ns_snapshot", std::to_string(ns_snapshot)));
  RETURN_IF_ERROR(SetTierValue(db_, "high_water_mark", std::to_string(cutoff)));
  if (things_snapshot) {
    RETURN_IF_ERROR(SetTierValue(db_, "things_snapshot", std::to_string(*things_snapshot)));
  }
  if (relationships_snapshot) {
    RETURN_IF_ERROR(
        SetTierValue(db_, "relationships_snapshot", std::to_string(*relationships_snapshot)));
  }
  IndexCache cache(db_);
  RETURN_IF_ERROR(cache.Publish(flush_id, cold::TableKind::kThings));
  RETURN_IF_ERROR(cache.Publish(flush_id, cold::TableKind::kRelationships));
  ASSIGN_OR_RETURN(Statement deleting,
                   db_.Prepare("UPDATE thingsdb_flush_journal SET state = 'deleting' "
                               "WHERE flush_id = ?1"));
  deleting.BindText(1, flush_id);
  RETURN_IF_ERROR(deleting.Run());
  RETURN_IF_ERROR(txn.Commit());
  if (report) report->publish_us = MicrosSince(publish_start);
  if (ns_snapshot_id) *ns_snapshot_id = ns_snapshot;
  return Status::OK();
}

// Step 5b, in write transactions of kFinishBatch rows so that a hot writer waits for one
// batch at most: first the tombstones read in step 1 (rowid <= max_tombstone, in rowid
// order — the largest stays until the last batch, so a tombstone added meanwhile gets a
// larger rowid and survives; the last batch zeroes max_tombstone so a repeat after a crash
// consumes nothing new); then exactly the flushed rows (`things` by id and updated_at,
// `relationships` by id and created_at: a row updated meanwhile stays hot and shadows its
// cold copy until the next flush), each key dropped before its row so the triggers see a
// move, not a delete; a row the user deleted meanwhile already has its tombstone. Last,
// the journal entry is 'done'. Idempotent: recovery runs it for an entry left 'deleting'.
Status FlushManager::FinishDeletes(const std::string& flush_id, FlushReport* report,
                                   bool lock_batches) {
  auto batch_lock = [&] {
    return lock_batches ? Exclusive() : std::unique_lock<std::mutex>();
  };
  auto note_lock = [&](std::chrono::steady_clock::time_point start) {
    if (report) report->finish_lock_us = std::max(report->finish_lock_us, MicrosSince(start));
  };
  ASSIGN_OR_RETURN(int64_t max_tombstone,
                   IntWithText(db_, "SELECT max_tombstone FROM thingsdb_flush_journal "
                                  "WHERE flush_id = ?1", flush_id));
  while (max_tombstone > 0) {
    auto lock = batch_lock();
    auto start = std::chrono::steady_clock::now();
    ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db_));
    ASSIGN_OR_RETURN(Statement consume,
                     db_.Cached("DELETE FROM thingsdb_tombstones WHERE rowid IN (SELECT rowid "
                                "FROM thingsdb_tombstones WHERE rowid <= ?1 ORDER BY rowid "
                                "LIMIT ?2)"));
    consume.BindInt(1, max_tombstone).BindInt(2, static_cast<int64_t>(kFinishBatch));
    RETURN_IF_ERROR(consume.Run());
    if (db_.Changes() < static_cast<int64_t>(kFinishBatch)) {
      ASSIGN_OR_RETURN(Statement zero,
                       db_.Cached("UPDATE thingsdb_flush_journal SET max_tombstone = 0 "
                                  "WHERE flush_id = ?1"));
      zero.BindText(1, flush_id);
      RETURN_IF_ERROR(zero.Run());
      max_tombstone = 0;
    }
    RETURN_IF_ERROR(txn.Commit());
    note_lock(start);
    lock = {};
    YieldToWriters(db_);
  }
  BatchPacer pacer;
  while (true) {
    auto lock = batch_lock();
    auto start = std::chrono::steady_clock::now();
    pacer.Start();
    ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db_));
    std::vector<std::tuple<std::string, std::string, int64_t>> batch;
    {
      ASSIGN_OR_RETURN(Statement keys,
                       db_.Cached("SELECT kind, id, stamp FROM thingsdb_flush_rows "
                                  "WHERE flush_id = ?1 LIMIT ?2"));
      keys.BindText(1, flush_id).BindInt(2, static_cast<int64_t>(kFinishBatch));
      while (true) {
        ASSIGN_OR_RETURN(bool row, keys.Step());
        if (!row) break;
        batch.emplace_back(keys.ColumnText(0), keys.ColumnText(1), keys.ColumnInt(2));
      }
      keys.Reset();
    }
    if (batch.empty()) {
      ASSIGN_OR_RETURN(Statement done,
                       db_.Cached("UPDATE thingsdb_flush_journal SET state = 'done', "
                                  "finished_at = ?2 WHERE flush_id = ?1"));
      done.BindText(1, flush_id).BindInt(2, clock_.NowMs());
      RETURN_IF_ERROR(done.Run());
      RETURN_IF_ERROR(txn.Commit());
      note_lock(start);
      return Status::OK();
    }
    ASSIGN_OR_RETURN(Statement drop_key,
                     db_.Cached("DELETE FROM thingsdb_flush_rows WHERE flush_id = ?1 AND "
                                "kind = ?2 AND id = ?3"));
    ASSIGN_OR_RETURN(Statement drop_thing,
                     db_.Cached("DELETE FROM things WHERE id = ?1 AND updated_at = ?2"));
    ASSIGN_OR_RETURN(Statement drop_rel,
                     db_.Cached("DELETE FROM relationships WHERE id = ?1 AND created_at = ?2"));
    size_t done = 0;
    for (const auto& [kind, id, stamp] : batch) {
      if (pacer.Over(++done)) break;  // the rest in the next transaction
      drop_key.BindText(1, flush_id).BindText(2, kind).BindText(3, id);
      RETURN_IF_ERROR(drop_key.Run());
      drop_key.Reset();
      Statement& drop_row = kind == kThingKind ? drop_thing : drop_rel;
      drop_row.BindText(1, id).BindInt(2, stamp);
      RETURN_IF_ERROR(drop_row.Run());
      drop_row.Reset();
    }
    auto commit_start = std::chrono::steady_clock::now();
    RETURN_IF_ERROR(txn.Commit());
    pacer.Committed(commit_start);
    note_lock(start);
    lock = {};
    if (report) RETURN_IF_ERROR(Hook("finish_batch"));  // a flush's, not recovery's
    YieldToWriters(db_);
  }
}

Status FlushManager::Recover() {
  struct Entry {
    std::string flush_id;
    std::optional<int64_t> plan_things, plan_relationships;
  };
  std::vector<std::string> deleting;
  {
    ASSIGN_OR_RETURN(Statement stmt, db_.Prepare("SELECT flush_id FROM thingsdb_flush_journal "
                                                 "WHERE state = 'deleting' ORDER BY seq"));
    while (true) {
      ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) break;
      deleting.emplace_back(stmt.ColumnText(0));
    }
  }
  for (const std::string& flush_id : deleting) {
    RETURN_IF_ERROR(FinishDeletes(flush_id, nullptr, /*lock_batches=*/false)
                        .WithContext(fmt::format("finishing flush '{}'", flush_id)));
  }
  std::vector<Entry> entries;
  {
    ASSIGN_OR_RETURN(Statement stmt,
                     db_.Prepare("SELECT flush_id, plan_things, plan_relationships FROM "
                                 "thingsdb_flush_journal WHERE state = 'writing' ORDER BY seq"));
    while (true) {
      ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) break;
      Entry entry{std::string(stmt.ColumnText(0)), std::nullopt, std::nullopt};
      if (!stmt.IsNull(1)) entry.plan_things = stmt.ColumnInt(1);
      if (!stmt.IsNull(2)) entry.plan_relationships = stmt.ColumnInt(2);
      entries.push_back(std::move(entry));
    }
  }
  if (entries.empty()) return Status::OK();
  RETURN_IF_ERROR(things_.Refresh().WithContext("recovering a flush: loading things"));
  RETURN_IF_ERROR(
      relationships_.Refresh().WithContext("recovering a flush: loading relationships"));
  if (on_committed_) RETURN_IF_ERROR(on_committed_());
  for (const Entry& entry : entries) {
    std::optional<int64_t> things_snapshot = SnapshotOfFlush(things_, entry.flush_id);
    std::optional<int64_t> rels_snapshot = SnapshotOfFlush(relationships_, entry.flush_id);
    bool planned = entry.plan_things && entry.plan_relationships;
    bool things_done = planned && (*entry.plan_things == 0 || things_snapshot);
    bool rels_done = planned && (*entry.plan_relationships == 0 || rels_snapshot);
    if (things_done && rels_done) {
      if (!things_snapshot) things_snapshot = things_.metadata().current_snapshot_id;
      if (!rels_snapshot) rels_snapshot = relationships_.metadata().current_snapshot_id;
      auto flushed_rows = CountFlushRows(entry.flush_id);
      Status finished = flushed_rows.status();
      if (finished.ok()) {
        finished = Finish(entry.flush_id, things_snapshot, rels_snapshot, *flushed_rows, nullptr,
                          nullptr);
      }
      if (finished.ok()) finished = FinishDeletes(entry.flush_id, nullptr, false);
      RETURN_IF_ERROR(finished.WithContext(fmt::format("finishing flush '{}'", entry.flush_id)));
      continue;
    }
    // Abandon: the hot rows stay. A table that did commit keeps its files live in the index
    // cache, so the next flush finds (and position-deletes) the copies it holds.
    ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db_));
    IndexCache cache(db_);
    RETURN_IF_ERROR(things_snapshot ? cache.Publish(entry.flush_id, cold::TableKind::kThings)
                                    : cache.Discard(entry.flush_id, cold::TableKind::kThings));
    RETURN_IF_ERROR(TombstoneVanishedRows(db_, entry.flush_id, clock_.NowMs()));
    RETURN_IF_ERROR(rels_snapshot ? cache.Publish(entry.flush_id, cold::TableKind::kRelationships)
                                  : cache.Discard(entry.flush_id, cold::TableKind::kRelationships));
    for (std::string_view sql :
         {"DELETE FROM thingsdb_flush_rows WHERE flush_id = ?1",
          "UPDATE thingsdb_flush_journal SET state = 'abandoned' WHERE flush_id = ?1"}) {
      ASSIGN_OR_RETURN(Statement stmt, db_.Prepare(sql));
      stmt.BindText(1, entry.flush_id);
      RETURN_IF_ERROR(stmt.Run());
    }
    RETURN_IF_ERROR(txn.Commit());
  }
  return Status::OK();
}

}  // namespace thingsdb::engine
