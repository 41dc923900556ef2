#include "engine/things_db.h"

#include <fmt/format.h>

#include <filesystem>
#include <limits>

#include "cold/warehouse.h"
#include "core/json.h"
#include "engine/index_cache.h"
#include "engine/tier_tables.h"
#include "objectstore/object_store_uri.h"

namespace thingsdb::engine {

using sqlite::Statement;
using sqlite::Transaction;

namespace {

hot::Thing ToHotThing(const cold::ColdThing& thing) {
  return hot::Thing{thing.id,        thing.type,       thing.data,
                    thing.embedding, thing.created_at, thing.updated_at};
}

void AppendOptional(std::string& out, const std::optional<int64_t>& value) {
  out += value ? std::to_string(*value) : std::string("null");
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
  ASSIGN_OR_RETURN(hot_, hot::HotStore::Open((dir / "hot.db").string(), hot_options));

  // The engine's connection: foreign keys off, so moving or tombstoning rows fires no
  // cascade; the engine enforces references across tiers itself.
  ASSIGN_OR_RETURN(db_, sqlite::Database::Open(hot_->path()));
  RETURN_IF_ERROR(db_->Exec("PRAGMA foreign_keys = OFF"));
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
  ASSIGN_OR_RETURN(flush_db_, sqlite::Database::Open(hot_->path()));
  RETURN_IF_ERROR(flush_db_->Exec("PRAGMA foreign_keys = OFF"));
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
  flusher_->set_on_committed([this]() -> Status {
    RETURN_IF_ERROR(things_->Refresh());
    RETURN_IF_ERROR(relationships_->Refresh());
    return ReloadReadTables().status();
  });
  RETURN_IF_ERROR(
      flusher_->Recover().WithContext(fmt::format("recovering namespace '{}'", options_.ns)));
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
  auto report = flusher_->Flush(options);
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
  std::lock_guard<std::mutex> lock(mu_);
  return flusher_->Recover();
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
