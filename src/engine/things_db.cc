#include "engine/things_db.h"

#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <limits>

#include "cold/warehouse.h"
#include "core/json.h"
#include "engine/index_cache.h"
#include "engine/tier_tables.h"
#include "iceberg/maintenance.h"
#include "objectstore/object_store_uri.h"

namespace thingsdb::engine {

using sqlite::Statement;
using sqlite::Transaction;

namespace {

// The flush connection's page cache (KiB): a batch's dirty pages stay in memory until its
// commit. Released after each flush and compaction.
constexpr int64_t kFlushCacheKib = 64 << 10;

hot::Thing ToHotThing(const cold::ColdThing& thing) {
  return hot::Thing{thing.id,        thing.type,       thing.data,
                    thing.embedding, thing.created_at, thing.updated_at};
}

void AppendOptional(std::string& out, const std::optional<int64_t>& value) {
  out += value ? std::to_string(*value) : std::string("null");
}

// Iceberg snapshot timestamps and object mtimes are wall-clock times (not the engine clock).
int64_t WallMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int64_t MsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               start)
      .count();
}

void AppendIds(std::string& out, const std::vector<int64_t>& ids) {
  out += "[";
  for (size_t idx = 0; idx < ids.size(); ++idx) {
    if (idx > 0) out += ",";
    out += std::to_string(ids[idx]);
  }
  out += "]";
}

}  // namespace

std::string NamespaceSnapshot::ToJson() const {
  std::string out = fmt::format("{{\"nsSnapshotId\":{},\"flushId\":", ns_snapshot_id);
  AppendJsonString(out, flush_id);
  out += ",\"thingsSnapshotId\":";
  AppendOptional(out, things_snapshot_id);
  out += ",\"relationshipsSnapshotId\":";
  AppendOptional(out, relationships_snapshot_id);
  out += fmt::format(",\"committedAt\":{},\"cutoff\":{},\"flushedRows\":{}}}", committed_at, cutoff,
                     flushed_rows);
  return out;
}

std::string ExpireReport::ToJson() const {
  std::string out = fmt::format("{{\"olderThan\":{},\"thingsSnapshots\":", older_than_ms);
  AppendIds(out, things_snapshots);
  out += ",\"relationshipsSnapshots\":";
  AppendIds(out, relationships_snapshots);
  out += fmt::format(",\"namespaceSnapshots\":{},\"filesDeleted\":{},\"ms\":{}}}",
                     namespace_snapshots, files_deleted, ms);
  return out;
}

std::string OrphanReport::ToJson() const {
  std::string out = fmt::format("{{\"olderThan\":{},\"dryRun\":{},\"removed\":{},\"keys\":[",
                                older_than_ms, dry_run ? "true" : "false", keys.size());
  for (size_t idx = 0; idx < keys.size(); ++idx) {
    if (idx > 0) out += ",";
    AppendJsonString(out, keys[idx]);
  }
  out += fmt::format("],\"ms\":{}}}", ms);
  return out;
}

std::string MaintenanceReport::ToJson() const {
  return "{\"compact\":" + compact.ToJson() + ",\"expire\":" + expire.ToJson() +
         ",\"orphans\":" + orphans.ToJson() + "}";
}

Result<std::unique_ptr<ThingsDB>> ThingsDB::Open(EngineOptions options) {
  std::unique_ptr<ThingsDB> db(new ThingsDB(std::move(options)));
  RETURN_IF_ERROR(db->Init());
  return db;
}

ThingsDB::~ThingsDB() = default;

Status ThingsDB::Init() {
  RETURN_IF_ERROR(cold::Warehouse::ValidateNamespace(options_.ns));
  if (options_.clock) {
    clock_ = options_.clock;
  } else {
    own_clock_ = std::make_unique<MonotonicClock>();
    clock_ = own_clock_.get();
  }
  std::filesystem::path dir = std::filesystem::path(options_.data_dir) / options_.ns;
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return Status::IOError(
        fmt::format("cannot create directory '{}': {}", dir.string(), ec.message()));
  }
  hot::HotOptions hot_options = options_.hot;
  hot_options.clock = clock_;
  // Checkpoints off the commit path: a flush's batches fill the WAL, and the commit that
  // checkpointed them stalled its caller (docs/tiering.md "Flush triggers").
  hot_options.background_checkpoint = true;
  ASSIGN_OR_RETURN(hot_, hot::HotStore::Open((dir / "hot.db").string(), hot_options));

  // The engine's connection: foreign keys off, so moving or tombstoning rows fires no
  // cascade; the engine enforces references across tiers itself.
  ASSIGN_OR_RETURN(db_, hot_->OpenSideWriter(options_.hot.cache_size_kib));
  RETURN_IF_ERROR(ApplyTierSchema(*db_));

  if (options_.cold_store) {
    store_ = options_.cold_store;
  } else {
    std::string uri = options_.cold_uri.empty()
                          ? (std::filesystem::path(options_.data_dir) / "warehouse").string()
                          : options_.cold_uri;
    ASSIGN_OR_RETURN(own_store_, OpenObjectStore(uri));
    store_ = own_store_.get();
  }
  cold::Warehouse warehouse(*store_);
  ASSIGN_OR_RETURN(things_, warehouse.OpenOrCreate(options_.ns, cold::TableLayout::Things()));
  ASSIGN_OR_RETURN(relationships_,
                   warehouse.OpenOrCreate(options_.ns, cold::TableLayout::Relationships()));
  // The flush's own connection and table handles: it reads rows, writes files and commits
  // to Iceberg without the engine mutex, and takes it only to recover, to publish and for
  // each batch of the deletes that follow (docs/tiering.md "Flush protocol").
  // Its page cache holds a batch's dirty pages (a delete batch touches every index of
  // each row): a smaller one spills them to the WAL inside the transaction.
  ASSIGN_OR_RETURN(flush_db_, hot_->OpenSideWriter(kFlushCacheKib));
  ASSIGN_OR_RETURN(flush_things_,
                   warehouse.OpenOrCreate(options_.ns, cold::TableLayout::Things()));
  ASSIGN_OR_RETURN(flush_relationships_,
                   warehouse.OpenOrCreate(options_.ns, cold::TableLayout::Relationships()));
  flusher_ = std::make_unique<FlushManager>(*flush_db_, *store_, *flush_things_,
                                            *flush_relationships_, *clock_, options_.flush_hook);
  flusher_->set_exclusive([this] { return std::unique_lock<std::mutex>(mu_); });
  // With mu_ held, before a flush publishes: the engine's table handles and the readers'
  // loads catch up with the commits, so nothing that sees the published state reads older
  // metadata, and no query waits for the rest of the flush to reload.
  flusher_->set_on_committed([this]() -> Status { return RefreshAfterCommit(); });
  // Compactions run like flushes: under flush_mu_, on the flush's connection and handles.
  compactor_ = std::make_unique<Compactor>(*flush_db_, *store_, *flush_things_,
                                           *flush_relationships_, *clock_, options_.flush_hook);
  compactor_->set_exclusive([this] { return std::unique_lock<std::mutex>(mu_); });
  compactor_->set_on_committed([this]() -> Status { return RefreshAfterCommit(); });
  RETURN_IF_ERROR(
      compactor_->Recover().WithContext(fmt::format("recovering namespace '{}'", options_.ns)));
  RETURN_IF_ERROR(
      flusher_->Recover().WithContext(fmt::format("recovering namespace '{}'", options_.ns)));
  last_maintenance_ms_ = clock_->NowMs();
  RefreshIndexColumns();
  ASSIGN_OR_RETURN(int64_t journal, db_->QueryInt("SELECT count(*) FROM thingsdb_flush_journal"));
  cold_seen_ = journal > 0 || things_->metadata().current_snapshot_id.has_value() ||
               relationships_->metadata().current_snapshot_id.has_value();
  return Status::OK();
}

Result<FlushReport> ThingsDB::Flush(const FlushOptions& options) {
  if (ColdTierEmpty()) {
    // Calls that took the hot-only path finish first; later ones read both tiers.
    std::unique_lock<std::shared_mutex> first_flush(first_flush_mu_);
    cold_seen_.store(true, std::memory_order_release);
  }
  std::lock_guard<std::mutex> flush_lock(flush_mu_);
  {
    // A compaction committed but not published would leave its files out of the index
    // cache, and the flush would miss the cold copies they hold: publish it first.
    std::lock_guard<std::mutex> lock(mu_);
    RETURN_IF_ERROR(
        compactor_->Recover().WithContext(fmt::format("flushing namespace '{}'", options_.ns)));
  }
  auto report = flusher_->Flush(options);
  // The flush's page cache (kFlushCacheKib, for its batches) goes back until the next one:
  // a server keeps hundreds of namespaces open.
  (void)flush_db_->Exec("PRAGMA shrink_memory");
  {
    std::lock_guard<std::mutex> lock(mu_);
    RefreshIndexColumns();  // a flush may add JSON-index columns
  }
  if (!report.ok()) {
    return report.status().WithContext(fmt::format("flushing namespace '{}'", options_.ns));
  }
  return report;
}

Result<std::optional<FlushReport>> ThingsDB::MaybeFlush() {
  int64_t oldest = 0;
  int64_t rows = 0;
  int64_t hot_bytes = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    ASSIGN_OR_RETURN(rows, db_->QueryInt("SELECT count(*) FROM things"));
    ASSIGN_OR_RETURN(oldest, db_->QueryInt("SELECT min(updated_at) FROM things", 0));
    // Pages in use: a flush frees pages (freelist) but does not shrink the file.
    ASSIGN_OR_RETURN(int64_t pages, db_->QueryInt("PRAGMA page_count"));
    ASSIGN_OR_RETURN(int64_t free_pages, db_->QueryInt("PRAGMA freelist_count"));
    ASSIGN_OR_RETURN(int64_t page_size, db_->QueryInt("PRAGMA page_size"));
    hot_bytes = (pages - free_pages) * page_size;
  }
  int64_t now = clock_->NowMs();
  auto crossed = [](int64_t value, int64_t limit) { return limit > 0 && value >= limit; };
  bool due = crossed(rows, options_.flush_max_rows) ||
             (rows > 0 && crossed(now - oldest, options_.flush_max_age_ms)) ||
             crossed(hot_bytes, options_.flush_max_hot_bytes);
  if (!due) return std::optional<FlushReport>();
  FlushOptions options;
  options.min_age_ms = options_.flush_min_age_ms;
  ASSIGN_OR_RETURN(FlushReport report, Flush(options));
  return std::optional<FlushReport>(std::move(report));
}

Status ThingsDB::Recover() {
  std::lock_guard<std::mutex> flush_lock(flush_mu_);
  return RecoverAllLocked();
}

Status ThingsDB::RecoverAllLocked() {
  std::lock_guard<std::mutex> lock(mu_);
  RETURN_IF_ERROR(compactor_->Recover());
  return flusher_->Recover();
}

Status ThingsDB::RefreshAfterCommit() {
  RETURN_IF_ERROR(things_->Refresh());
  RETURN_IF_ERROR(relationships_->Refresh());
  return ReloadReadTables().status();
}

Result<CompactReport> ThingsDB::Compact(const CompactOptions& options) {
  std::lock_guard<std::mutex> flush_lock(flush_mu_);
  auto context = [&](const Status& status) {
    return status.WithContext(fmt::format("compacting namespace '{}'", options_.ns));
  };
  Status recovered = RecoverAllLocked();
  if (!recovered.ok()) return context(recovered);
  auto report = compactor_->Compact(options);
  (void)flush_db_->Exec("PRAGMA shrink_memory");  // as after a flush
  if (!report.ok()) return context(report.status());
  return report;
}

Result<ExpireReport> ThingsDB::ExpireSnapshots(int64_t older_than_ms, int retain_last) {
  auto start = std::chrono::steady_clock::now();
  std::lock_guard<std::mutex> flush_lock(flush_mu_);
  auto context = [&](const Status& status) {
    return status.WithContext(fmt::format("expiring snapshots of namespace '{}'", options_.ns));
  };
  Status recovered = RecoverAllLocked();
  if (!recovered.ok()) return context(recovered);
  ExpireReport report;
  report.older_than_ms = WallMs() - std::max<int64_t>(0, older_than_ms);
  struct Side {
    iceberg::Table* table;
    const char* tier_key;
    std::vector<int64_t>* expired;
  };
  for (Side side : {Side{flush_things_.get(), "things_snapshot", &report.things_snapshots},
                    Side{flush_relationships_.get(), "relationships_snapshot",
                         &report.relationships_snapshots}}) {
    Status refreshed = side.table->Refresh();
    if (!refreshed.ok()) return context(refreshed);
    if (!side.table->metadata().current_snapshot_id) continue;
    // The snapshot the readers use now (and every newer one) stays.
    int64_t cutoff = report.older_than_ms;
    auto pinned = GetTierInt(*flush_db_, side.tier_key, -1);
    if (!pinned.ok()) return context(pinned.status());
    if (const iceberg::Snapshot* snapshot = side.table->metadata().SnapshotById(*pinned)) {
      cutoff = std::min(cutoff, snapshot->timestamp_ms);
    }
    iceberg::ExpireOptions expire;
    expire.older_than_ms = cutoff;
    expire.retain_last = std::max(1, retain_last);
    auto result = iceberg::ExpireSnapshots(*side.table, expire);
    if (!result.ok()) return context(result.status());
    *side.expired = result->expired_snapshot_ids;
    report.files_deleted += static_cast<int64_t>(result->deleted_keys.size());
  }
  // The namespace snapshots naming a table snapshot that is gone (expired now, or by an
  // earlier run that stopped before this step), in one transaction with the readers'
  // tables brought up to date.
  std::lock_guard<std::mutex> lock(mu_);
  Status refreshed = RefreshAfterCommit();
  if (!refreshed.ok()) return context(refreshed);
  auto exists = [](const iceberg::Table& table, const sqlite::Statement& stmt, int col) {
    return stmt.IsNull(col) || table.metadata().SnapshotById(stmt.ColumnInt(col)) != nullptr;
  };
  std::vector<int64_t> gone;
  {
    auto stmt = flush_db_->Prepare(
        "SELECT ns_snapshot_id, things_snapshot_id, "
        "relationships_snapshot_id FROM thingsdb_snapshots");
    if (!stmt.ok()) return context(stmt.status());
    while (true) {
      auto row = stmt->Step();
      if (!row.ok()) return context(row.status());
      if (!*row) break;
      if (!exists(*flush_things_, *stmt, 1) || !exists(*flush_relationships_, *stmt, 2)) {
        gone.push_back(stmt->ColumnInt(0));
      }
    }
  }
  if (!gone.empty()) {
    Status removed = [&]() -> Status {
      ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(*flush_db_));
      ASSIGN_OR_RETURN(Statement drop, flush_db_->Prepare("DELETE FROM thingsdb_snapshots "
                                                          "WHERE ns_snapshot_id = ?1"));
      for (int64_t id : gone) {
        drop.BindInt(1, id);
        RETURN_IF_ERROR(drop.Run());
        drop.Reset();
      }
      return txn.Commit();
    }();
    if (!removed.ok()) return context(removed);
  }
  report.namespace_snapshots = static_cast<int64_t>(gone.size());
  report.ms = MsSince(start);
  return report;
}

Result<OrphanReport> ThingsDB::RemoveOrphans(int64_t grace_ms, bool dry_run) {
  auto start = std::chrono::steady_clock::now();
  std::lock_guard<std::mutex> flush_lock(flush_mu_);
  auto context = [&](const Status& status) {
    return status.WithContext(fmt::format("removing orphans of namespace '{}'", options_.ns));
  };
  // Recovery first: an interrupted compaction's committed files must be accounted for.
  Status recovered = RecoverAllLocked();
  if (!recovered.ok()) return context(recovered);
  OrphanReport report;
  report.older_than_ms = WallMs() - std::max<int64_t>(0, grace_ms);
  report.dry_run = dry_run;
  for (iceberg::Table* table : {flush_things_.get(), flush_relationships_.get()}) {
    iceberg::OrphanOptions orphans;
    orphans.older_than_ms = report.older_than_ms;
    orphans.dry_run = dry_run;
    auto removed = iceberg::RemoveOrphanFiles(*table, orphans);
    if (!removed.ok()) return context(removed.status());
    report.keys.insert(report.keys.end(), removed->begin(), removed->end());
  }
  report.ms = MsSince(start);
  return report;
}

Result<std::optional<MaintenanceReport>> ThingsDB::MaybeMaintain() {
  if (options_.maintenance_interval_ms <= 0) return std::optional<MaintenanceReport>();
  int64_t now = clock_->NowMs();
  if (now - last_maintenance_ms_.load() < options_.maintenance_interval_ms) {
    return std::optional<MaintenanceReport>();
  }
  last_maintenance_ms_ = now;  // a failed run waits for the next interval too
  if (ColdTierEmpty()) return std::optional<MaintenanceReport>();
  MaintenanceReport report;
  CompactOptions compact;
  compact.target_file_bytes = options_.compact_target_file_bytes;
  compact.min_files = options_.compact_min_files;
  ASSIGN_OR_RETURN(report.compact, Compact(compact));
  ASSIGN_OR_RETURN(report.expire,
                   ExpireSnapshots(options_.snapshot_retention_ms, options_.snapshot_retain_last));
  ASSIGN_OR_RETURN(report.orphans, RemoveOrphans(options_.orphan_grace_ms));
  return std::optional<MaintenanceReport>(std::move(report));
}

Result<std::optional<cold::LocatedThing>> ThingsDB::ColdThing(std::string_view id) {
  ASSIGN_OR_RETURN(bool dead, IsTombstoned(*db_, kThingKind, id));
  if (dead) return std::optional<cold::LocatedThing>();
  IndexCache cache(*db_);
  ASSIGN_OR_RETURN(auto files, cache.CandidateFiles(cold::TableKind::kThings, id));
  if (files.empty()) return std::optional<cold::LocatedThing>();
  cold::ColdReader reader(*things_, cold::TableLayout::Things());
  return reader.LookupThing(id);
}

Result<bool> ThingsDB::ThingExists(std::string_view id) {
  auto hot = hot_->Get(id);
  if (hot.ok()) return true;
  if (hot.status().code() != StatusCode::kNotFound) return hot.status();
  ASSIGN_OR_RETURN(auto cold, ColdThing(id));
  return cold.has_value();
}

Result<std::vector<cold::LocatedRelationship>> ThingsDB::ColdRelationships(
    std::vector<cold::ColdPredicate> filter) {
  std::vector<cold::LocatedRelationship> out;
  if (!relationships_->metadata().current_snapshot_id) return out;
  cold::ColdReader reader(*relationships_, cold::TableLayout::Relationships());
  cold::ScanRequest request;
  request.filter = std::move(filter);
  ASSIGN_OR_RETURN(auto rows, reader.ReadRelationships(request));
  for (auto& row : rows) {
    ASSIGN_OR_RETURN(bool dead, IsTombstoned(*db_, kRelationshipKind, row.relationship.id));
    if (!dead) out.push_back(std::move(row));
  }
  return out;
}

Result<hot::Thing> ThingsDB::Get(std::string_view id) {
  auto hot = hot_->Get(id);
  if (hot.ok() || hot.status().code() != StatusCode::kNotFound) return hot;
  std::lock_guard<std::mutex> lock(mu_);
  // A flush may have moved it between the two reads: look in hot once more after cold.
  ASSIGN_OR_RETURN(auto cold, ColdThing(id));
  if (cold) return ToHotThing(cold->thing);
  return hot_->Get(id);
}

Status ThingsDB::Delete(std::string_view id) {
  RETURN_IF_ERROR(ValidateName(id, "id", options_.hot.limits.max_id_bytes));
  std::lock_guard<std::mutex> lock(mu_);
  // A thing created after the last flush's cutoff has no cold version or relationships.
  ASSIGN_OR_RETURN(bool never_flushed, NeverFlushed(id));
  std::optional<cold::LocatedThing> cold;
  if (!never_flushed) {
    ASSIGN_OR_RETURN(cold, ColdThing(id));
  }
  std::vector<cold::LocatedRelationship> cold_rels;
  for (const char* column : {cold::kFromIdColumn, cold::kToIdColumn}) {
    if (never_flushed) break;
    ASSIGN_OR_RETURN(
        auto rels,
        ColdRelationships({cold::ColdPredicate{
            column, parquet::CompareOp::kEq, {parquet::Value::String(std::string(id))}}}));
    cold_rels.insert(cold_rels.end(), rels.begin(), rels.end());
  }
  int64_t now = clock_->NowMs();
  ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(*db_));
  ASSIGN_OR_RETURN(Statement thing, db_->Cached("DELETE FROM things WHERE id = ?1"));
  thing.BindText(1, id);
  RETURN_IF_ERROR(thing.Run());
  bool hot_deleted = db_->Changes() > 0;
  if (!hot_deleted && !cold) return Status::NotFound(fmt::format("thing '{}' does not exist", id));
  // The cascade the hot tier's foreign keys would have done (they are off here).
  ASSIGN_OR_RETURN(Statement rels,
                   db_->Cached("DELETE FROM relationships WHERE from_id = ?1 OR to_id = ?1"));
  rels.BindText(1, id);
  RETURN_IF_ERROR(rels.Run());
  if (cold) RETURN_IF_ERROR(AddTombstone(*db_, kThingKind, id, now));
  for (const cold::LocatedRelationship& rel : cold_rels) {
    RETURN_IF_ERROR(AddTombstone(*db_, kRelationshipKind, rel.relationship.id, now));
  }
  return txn.Commit();
}

Result<hot::Thing> ThingsDB::Update(std::string_view id, std::string_view data, bool merge,
                                    std::optional<std::vector<float>> embedding) {
  auto hot = hot_->Update(id, data, merge, embedding);
  if (hot.ok() || hot.status().code() != StatusCode::kNotFound) return hot;
  std::lock_guard<std::mutex> lock(mu_);
  ASSIGN_OR_RETURN(auto cold, ColdThing(id));
  if (!cold) return hot.status();
  cold::ColdThing& old = cold->thing;
  std::string blob;
  if (embedding) {
    blob = cold::EncodeEmbedding(*embedding);
  } else if (old.embedding) {
    blob = cold::EncodeEmbedding(*old.embedding);
  }
  bool has_embedding = embedding.has_value() || old.embedding.has_value();
  int64_t now = std::max(clock_->NowMs(), old.updated_at + 1);
  ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(*db_));
  ASSIGN_OR_RETURN(Statement insert,
                   db_->Cached("INSERT INTO things(id, type, data, embedding, created_at, "
                               "updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"));
  insert.BindText(1, old.id).BindText(2, old.type).BindText(3, old.data);
  has_embedding ? insert.BindBlob(4, blob) : insert.BindNull(4);
  insert.BindInt(5, old.created_at).BindInt(6, old.updated_at);
  RETURN_IF_ERROR(insert.Run().WithContext(fmt::format("copying cold thing '{}' to hot", id)));
  RETURN_IF_ERROR(AddTombstone(*db_, kThingKind, id, now));
  RETURN_IF_ERROR(txn.Commit());
  // The copy is an ordinary hot row now: the hot tier validates and applies the update.
  auto updated = hot_->Update(id, data, merge, embedding);
  if (!updated.ok()) {
    // Undo the copy: the cold version is still the live one.
    ASSIGN_OR_RETURN(Transaction undo, Transaction::Begin(*db_));
    ASSIGN_OR_RETURN(Statement drop,
                     db_->Cached("DELETE FROM things WHERE id = ?1 AND updated_at = ?2"));
    drop.BindText(1, id).BindInt(2, old.updated_at);
    RETURN_IF_ERROR(drop.Run());
    ASSIGN_OR_RETURN(Statement revive,
                     db_->Cached("DELETE FROM thingsdb_tombstones WHERE kind = ?1 AND id = ?2"));
    revive.BindText(1, kThingKind).BindText(2, id);
    RETURN_IF_ERROR(revive.Run());
    RETURN_IF_ERROR(undo.Commit());
  }
  return updated;
}

Result<bool> ThingsDB::NeverFlushed(std::string_view id) {
  auto hot = hot_->Get(id);
  if (!hot.ok()) {
    if (hot.status().code() == StatusCode::kNotFound) return false;
    return hot.status();
  }
  ASSIGN_OR_RETURN(int64_t high_water_mark,
                   GetTierInt(*db_, "high_water_mark", std::numeric_limits<int64_t>::min()));
  return hot->created_at > high_water_mark;
}

Result<hot::Relationship> ThingsDB::Relate(const hot::NewRelationship& rel) {
  std::lock_guard<std::mutex> lock(mu_);
  // Fast path: an end created after the last flush's cutoff was never flushed, so no cold
  // relationship can name it; both ends hot → the hot tier checks everything.
  ASSIGN_OR_RETURN(bool from_new, NeverFlushed(rel.from_id));
  ASSIGN_OR_RETURN(bool to_new, NeverFlushed(rel.to_id));
  if (from_new || to_new) {
    auto hot = hot_->Relate(rel);
    if (hot.ok() || hot.status().code() != StatusCode::kNotFound) return hot;
  }
  const int max_id = options_.hot.limits.max_id_bytes;
  RETURN_IF_ERROR(ValidateName(rel.from_id, "fromId", max_id));
  RETURN_IF_ERROR(ValidateName(rel.to_id, "toId", max_id));
  RETURN_IF_ERROR(ValidateName(rel.type, "relationship type", options_.hot.limits.max_type_bytes));
  if (rel.data) {
    ASSIGN_OR_RETURN(JsonKind kind, ValidateJson(*rel.data, "data"));
    if (kind != JsonKind::kObject) {
      return Status::InvalidArgument("relationship data must be a JSON object");
    }
  }
  for (const std::string* end : {&rel.from_id, &rel.to_id}) {
    ASSIGN_OR_RETURN(bool exists, ThingExists(*end));
    if (!exists) return Status::NotFound(fmt::format("thing '{}' does not exist", *end));
  }
  ASSIGN_OR_RETURN(
      auto same,
      ColdRelationships(
          {{cold::kFromIdColumn, parquet::CompareOp::kEq, {parquet::Value::String(rel.from_id)}},
           {cold::kToIdColumn, parquet::CompareOp::kEq, {parquet::Value::String(rel.to_id)}},
           {cold::kTypeColumn, parquet::CompareOp::kEq, {parquet::Value::String(rel.type)}}}));
  if (!same.empty()) {
    return Status::Conflict(fmt::format("relationship '{}' -[{}]-> '{}' already exists",
                                        rel.from_id, rel.type, rel.to_id));
  }
  // Both ends hot: the hot tier inserts it (its unique index catches a hot duplicate).
  auto hot = hot_->Relate(rel);
  if (hot.ok() || hot.status().code() != StatusCode::kNotFound) return hot;
  // An end is cold, so the hot tier's foreign keys refuse the row: the engine has checked
  // both ends and inserts it on its own connection (foreign keys off).
  hot::Relationship out{ids_.Next(), rel.from_id, rel.to_id, rel.type, rel.data, clock_->NowMs()};
  ASSIGN_OR_RETURN(Statement insert,
                   db_->Cached("INSERT INTO relationships(id, from_id, to_id, type, data, "
                               "created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"));
  insert.BindText(1, out.id).BindText(2, out.from_id).BindText(3, out.to_id);
  insert.BindText(4, out.type);
  out.data ? insert.BindText(5, *out.data) : insert.BindNull(5);
  insert.BindInt(6, out.created_at);
  Status st = insert.Run();
  if (!st.ok()) {
    if (st.message().find("UNIQUE") != std::string::npos) {
      return Status::Conflict(fmt::format("relationship '{}' -[{}]-> '{}' already exists",
                                          rel.from_id, rel.type, rel.to_id));
    }
    return st;
  }
  return out;
}

Result<std::vector<NamespaceSnapshot>> ThingsDB::Snapshots() {
  std::lock_guard<std::mutex> lock(mu_);
  ASSIGN_OR_RETURN(Statement stmt,
                   db_->Prepare("SELECT ns_snapshot_id, flush_id, things_snapshot_id, "
                                "relationships_snapshot_id, committed_at, cutoff, flushed_rows "
                                "FROM thingsdb_snapshots ORDER BY ns_snapshot_id"));
  std::vector<NamespaceSnapshot> out;
  while (true) {
    ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    NamespaceSnapshot snapshot;
    snapshot.ns_snapshot_id = stmt.ColumnInt(0);
    snapshot.flush_id = stmt.ColumnText(1);
    if (!stmt.IsNull(2)) snapshot.things_snapshot_id = stmt.ColumnInt(2);
    if (!stmt.IsNull(3)) snapshot.relationships_snapshot_id = stmt.ColumnInt(3);
    snapshot.committed_at = stmt.ColumnInt(4);
    snapshot.cutoff = stmt.ColumnInt(5);
    snapshot.flushed_rows = stmt.ColumnInt(6);
    out.push_back(std::move(snapshot));
  }
  return out;
}

}  // namespace thingsdb::engine
