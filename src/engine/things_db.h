// ThingsDB: one namespace across both tiers — the hot SQLite (hot.db, through HotStore and
// the engine's own connection with foreign keys off) and the cold Iceberg tables. Flush
// moves old rows to the cold tier; every call sees both tiers: Get, Delete, Update, Relate
// and Unrelate by id, Query (SQL), Find, Related, Traverse and ShortestPath through views of
// hot ∪ cold (docs/tiering.md); until the first flush they go straight to the hot tier.
// Thread-safe: changes of cold rows and flushes are serialized by one mutex; reads use their
// own read connections and never wait for a flush.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "cold/cold_reader.h"
#include "core/clock.h"
#include "core/id.h"
#include "core/status.h"
#include "engine/compactor.h"
#include "engine/flush_manager.h"
#include "engine/tier_views.h"
#include "hot/hot_store.h"
#include "iceberg/table.h"
#include "objectstore/object_store.h"
#include "sqlite/database.h"

namespace thingsdb::engine {

struct EngineOptions {
  std::string data_dir;  // hot.db is <data_dir>/<ns>/hot.db
  std::string ns = "default";
  // The cold warehouse: an OpenObjectStore URI; empty: the directory <data_dir>/warehouse.
  std::string cold_uri;
  // A store to use instead of cold_uri (tests); not owned, must outlive the ThingsDB.
  ObjectStore* cold_store = nullptr;
  // Automatic flush thresholds (checked by MaybeFlush): hot row count, age of the oldest
  // unflushed row, size of hot.db in use ((page_count - freelist_count) * page_size). Rows
  // younger than min_age_ms stay hot. A threshold <= 0 is off.
  int64_t flush_max_rows = 10000;
  int64_t flush_max_age_ms = 5 * 60 * 1000;
  int64_t flush_max_hot_bytes = 50LL << 20;
  int64_t flush_min_age_ms = 0;
  hot::HotOptions hot;              // its clock is replaced by `clock`
  MonotonicClock* clock = nullptr;  // default: the system clock; shared with the HotStore
  FlushHook flush_hook;             // tests: simulate a crash at a step of the flush
                                    // (or of a compaction: "compact_*" points)
  // Scheduled maintenance (MaybeMaintain, run by BackgroundFlusher after its flush check;
  // docs/tiering.md "Compaction, expiry and orphans"): every maintenance_interval_ms of the
  // engine clock (<= 0: never; the first one interval after Open), a compaction of the
  // partitions with at least compact_min_files files below compact_target_file_bytes or with
  // position deletes, then snapshot expiry (older than snapshot_retention_ms, keeping the
  // newest snapshot_retain_last of each table), then removal of unreferenced objects older
  // than orphan_grace_ms (a flush or compaction in progress has written objects that no
  // snapshot references yet, possibly in another process).
  int64_t maintenance_interval_ms = 60 * 60 * 1000;
  int64_t compact_target_file_bytes = int64_t{64} << 20;
  int compact_min_files = 8;
  int64_t snapshot_retention_ms = int64_t{7} * 24 * 60 * 60 * 1000;
  int snapshot_retain_last = 10;
  int64_t orphan_grace_ms = int64_t{3} * 24 * 60 * 60 * 1000;
};

// What ThingsDB::ExpireSnapshots removed.
struct ExpireReport {
  int64_t older_than_ms = 0;              // the wall-clock cutoff used (before clamping per table)
  std::vector<int64_t> things_snapshots;  // expired snapshot ids
  std::vector<int64_t> relationships_snapshots;
  int64_t namespace_snapshots = 0;  // thingsdb_snapshots rows removed with them
  int64_t files_deleted = 0;        // manifest lists, manifests, data and delete files
  int64_t ms = 0;

  std::string ToJson() const;
};

// What ThingsDB::RemoveOrphans removed (or, with dry_run, would remove).
struct OrphanReport {
  int64_t older_than_ms = 0;  // wall clock: only objects last modified before it
  bool dry_run = false;
  std::vector<std::string> keys;  // object keys, things then relationships
  int64_t ms = 0;

  std::string ToJson() const;
};

// One MaybeMaintain run.
struct MaintenanceReport {
  CompactReport compact;
  ExpireReport expire;
  OrphanReport orphans;

  std::string ToJson() const;
};

// One namespace snapshot: the pair of table snapshots one flush committed.
struct NamespaceSnapshot {
  int64_t ns_snapshot_id = 0;
  std::string flush_id;
  std::optional<int64_t> things_snapshot_id;
  std::optional<int64_t> relationships_snapshot_id;
  int64_t committed_at = 0;  // ms
  int64_t cutoff = 0;        // ms
  int64_t flushed_rows = 0;

  std::string ToJson() const;
};

class ThingsDB {
 public:
  // Opens hot.db (creating it), the engine connection, the internal tables and the cold
  // tables (created on first use), then recovers an interrupted flush.
  static Result<std::unique_ptr<ThingsDB>> Open(EngineOptions options);
  ~ThingsDB();
  ThingsDB(const ThingsDB&) = delete;
  ThingsDB& operator=(const ThingsDB&) = delete;

  Result<FlushReport> Flush(const FlushOptions& options = {});
  // Flushes rows older than flush_min_age_ms when a threshold (row count, age, hot bytes) is
  // crossed; else nothing (nullopt).
  Result<std::optional<FlushReport>> MaybeFlush();
  // Finishes or abandons an interrupted flush or compaction (also done by Open, Flush,
  // Compact, ExpireSnapshots and RemoveOrphans).
  Status Recover();

  // Rewrites small cold files, and files that position deletes point into, per partition
  // (compactor.h); what every query returns is unchanged. One at a time with flushes.
  Result<CompactReport> Compact(const CompactOptions& options = {});
  // Expires the snapshots of both cold tables committed more than `older_than_ms` ago
  // (wall clock), keeping the newest `retain_last` (at least 1) of each and always the ones
  // thingsdb_tier_state points at (and newer); deletes the files only they referenced and
  // the namespace snapshots that name them (time travel to one is then NotFound).
  Result<ExpireReport> ExpireSnapshots(int64_t older_than_ms, int retain_last);
  // Deletes the objects under both tables' prefixes that no snapshot references and that
  // were last modified more than `grace_ms` ago (wall clock); dry_run only lists them.
  Result<OrphanReport> RemoveOrphans(int64_t grace_ms, bool dry_run = false);
  // The scheduled maintenance of EngineOptions (compaction, expiry, orphans) when
  // maintenance_interval_ms has passed since Open or the last run, else nullopt.
  Result<std::optional<MaintenanceReport>> MaybeMaintain();

  // Both tiers: hot first, then the cold tier; a tombstoned cold row is NotFound.
  Result<hot::Thing> Get(std::string_view id);
  // Deletes the thing in whichever tier holds it and its relationships in both tiers (cold
  // rows by tombstone). NotFound when it exists in neither.
  Status Delete(std::string_view id);
  // A cold thing is copied into the hot tier (same id and created_at, new updated_at) and
  // its cold version tombstoned; a hot thing is updated in place.
  Result<hot::Thing> Update(std::string_view id, std::string_view data, bool merge,
                            std::optional<std::vector<float>> embedding = std::nullopt);
  // Endpoints may live in either tier; a duplicate (from, type, to) in either is Conflict.
  Result<hot::Relationship> Relate(const hot::NewRelationship& rel);

  // An explicit id already taken by a live thing of either tier is Conflict.
  Result<hot::Thing> Put(const hot::NewThing& thing);
  // Removes (from, type, to) from whichever tier holds it (a cold one by tombstone).
  Status Unrelate(std::string_view from_id, std::string_view type, std::string_view to_id);
  // The hot tier's WriteBatch (one transaction, all or nothing) after checking that no
  // thing id the batch names is live in the cold tier: Conflict naming the item, as Put
  // (the hot tier refuses an id live in hot itself). A relationship may name a cold thing,
  // as Relate; one that duplicates a live relationship of either tier is Conflict.
  Result<std::vector<std::string>> WriteBatch(const std::vector<hot::BatchItem>& items);
  // The hot tier's find, over both tiers (same SQL, same cursors).
  Result<hot::FindPage> Find(const hot::FindQuery& query);
  // Graph reads over both tiers (tier_graph.cc), same results as the hot tier's.
  Result<std::vector<hot::RelatedThing>> Related(std::string_view id,
                                                 const hot::RelatedOptions& options);
  Result<std::vector<hot::TraverseHit>> Traverse(std::string_view id,
                                                 const hot::TraverseOptions& options);
  Result<std::vector<std::string>> ShortestPath(std::string_view from_id, std::string_view to_id,
                                                const hot::PathOptions& options);

  // The namespace snapshot history, oldest first.
  Result<std::vector<NamespaceSnapshot>> Snapshots();
  // The newest namespace snapshot committed at or before `timestamp_ms` (Unix ms), for
  // time travel by time; NotFound when none was. Thread-safe.
  Result<int64_t> SnapshotAsOf(int64_t timestamp_ms);

  // Read-only SQL over both tiers: unqualified `things` / `relationships` are TEMP views of
  // hot rows ∪ cold rows neither shadowed by a hot row of the same id nor tombstoned
  // (tier_views.h). Hot and cold are read at one consistent point: the cold snapshot ids
  // come from thingsdb_tier_state inside the statement's SQLite read transaction. With
  // `snapshot` (a namespace snapshot id, or a table snapshot id of thingsdb_snapshots) the
  // views are the cold tables as of that flush only (time travel); NotFound names an
  // unknown snapshot. The hot tier's rules apply: a statement that writes is
  // InvalidArgument, SQL length / parameters / time budget are LimitExceeded. `counters`,
  // when given, receives what the statement's cold scans read and skipped. Thread-safe.
  Result<hot::QueryResult> Query(std::string_view sql, const std::vector<hot::SqlValue>& params,
                                 std::optional<int64_t> snapshot = {},
                                 cold::ScanCounters* counters = nullptr);
  // EXPLAIN QUERY PLAN over the same views (cold_things / cold_relationships appear as
  // "VIRTUAL TABLE INDEX <columns used>:<pushed constraints>").
  Result<std::vector<std::string>> ExplainQueryPlan(std::string_view sql,
                                                    std::optional<int64_t> snapshot = {});
  // Find's hints: for each condition on a JSON-indexed path (hot index whose cold column
  // exists), the cold column; exposed for tests. Empty names: no hint for that condition.
  Result<std::vector<std::string>> FindHintColumns(const hot::FindQuery& query);

  // The cold-scan counters of the last Query that finished (any thread).
  cold::ScanCounters LastQueryCounters();

  hot::HotStore& hot() { return *hot_; }
  // For tests and tools; callers must not use them concurrently with the engine.
  iceberg::Table& things_table() { return *things_; }
  iceberg::Table& relationships_table() { return *relationships_; }
  sqlite::Database& engine_db() { return *db_; }

 private:
  explicit ThingsDB(EngineOptions options) : options_(std::move(options)) {}
  Status Init();
  // With mu_ held, after a commit to the cold tables and before publishing it in hot.db:
  // the engine's table handles and the readers' loads catch up (flushes, compactions,
  // expiry).
  Status RefreshAfterCommit();
  // With flush_mu_ held: finishes or abandons an interrupted compaction, then flush.
  Status RecoverAllLocked();
  // The live cold version of thing `id` (nullopt when absent or tombstoned).
  Result<std::optional<cold::LocatedThing>> ColdThing(std::string_view id);
  Result<bool> ThingExists(std::string_view id);
  // True when `id` is a hot thing created after the newest flush cutoff (so it has never
  // been in the cold tier, nor has any relationship naming it).
  Result<bool> NeverFlushed(std::string_view id);
  Result<std::vector<cold::LocatedRelationship>> ColdRelationships(
      std::vector<cold::ColdPredicate> filter);
  // True until the first flush starts (then the calls above need the cold tier). A caller
  // that acts on `true` holds first_flush_mu_ shared, so that flush waits for it.
  bool ColdTierEmpty() const;
  // Live relationships of both tiers leaving (outgoing) or entering any of `ids`.
  Result<std::vector<hot::Relationship>> Edges(const std::vector<std::string>& ids, bool outgoing,
                                               const std::optional<std::string>& type);
  // The live things among `ids` from either tier (absent ids are left out).
  Result<std::unordered_map<std::string, hot::Thing>> ThingsById(
      const std::vector<std::string>& ids);

  std::atomic<bool> cold_seen_{false};
  std::shared_mutex first_flush_mu_;

  EngineOptions options_;
  std::unique_ptr<MonotonicClock> own_clock_;
  MonotonicClock* clock_ = nullptr;
  IdGenerator ids_;
  std::unique_ptr<ObjectStore> own_store_;
  ObjectStore* store_ = nullptr;
  std::unique_ptr<hot::HotStore> hot_;

  // The SQL read path (things_db_query.cc). Lock order: mu_, then read_mu_.
  struct ReadTables {
    // Immutable loads of the tables' metadata (a flush never changes them under a query).
    std::shared_ptr<const iceberg::Table> things;
    std::shared_ptr<const iceberg::Table> relationships;
  };
  Result<hot::QueryResult> QueryOn(TierReader& reader, std::string_view sql,
                                   const std::vector<hot::SqlValue>& params,
                                   std::optional<int64_t> snapshot);
  // The cold view of the statement about to run on `reader` (inside its read transaction).
  Result<ColdView> ResolveColdView(TierReader& reader, std::optional<int64_t> snapshot);
  // Read tables holding both snapshots (reloaded under mu_ after a flush).
  Result<ReadTables> TablesWith(std::optional<int64_t> things_snapshot,
                                std::optional<int64_t> relationships_snapshot);
  // Loads the tables' current metadata into read_tables_ where it changed; call with mu_
  // held. A flush calls it between its Iceberg commits and publishing them, so queries
  // never wait for the rest of the flush to reload.
  Result<ReadTables> ReloadReadTables();
  Result<std::unique_ptr<TierReader>> AcquireReader(ViewMode mode);
  void ReleaseReader(std::unique_ptr<TierReader> reader);

  // The JSON-index columns of the things table now (json_path empty), after Init and each
  // flush; a pooled reader declaring others is replaced (cold_things' hidden columns).
  std::vector<cold::JsonIndexColumn> IndexColumns();
  void RefreshIndexColumns();  // call with mu_ held

  std::mutex read_mu_;  // guards the four members below
  std::vector<cold::JsonIndexColumn> index_columns_;
  ReadTables read_tables_;
  std::vector<std::unique_ptr<TierReader>> readers_;  // idle read connections
  cold::ScanCounters last_counters_;

  // One flush at a time; it runs on its own connection and table handles (below) and takes
  // mu_ only briefly (FlushManager::set_exclusive). Lock order: flush_mu_, then mu_.
  std::mutex flush_mu_;
  std::unique_ptr<sqlite::Database> flush_db_;
  std::unique_ptr<iceberg::Table> flush_things_;
  std::unique_ptr<iceberg::Table> flush_relationships_;

  std::mutex mu_;  // guards everything below
  std::unique_ptr<sqlite::Database> db_;
  std::unique_ptr<iceberg::Table> things_;
  std::unique_ptr<iceberg::Table> relationships_;
  std::unique_ptr<FlushManager> flusher_;
  std::unique_ptr<Compactor> compactor_;  // runs under flush_mu_ on the flush's handles
  std::atomic<int64_t> last_maintenance_ms_{0};
};

}  // namespace thingsdb::engine
