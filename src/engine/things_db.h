// ThingsDB: one namespace across both tiers — the hot SQLite (hot.db, through HotStore and
// the engine's own connection with foreign keys off) and the cold Iceberg tables. Flush
// moves old rows to the cold tier; Get, Delete, Update and Relate see both tiers; Put, Find,
// Query, Related and Traverse are hot-only in this pass (docs/tiering.md). Thread-safe: the
// engine's calls are serialized by one mutex (hot-only calls go straight to HotStore).
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cold/cold_reader.h"
#include "core/clock.h"
#include "core/id.h"
#include "core/status.h"
#include "engine/flush_manager.h"
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
  // unflushed row. Rows younger than min_age_ms stay hot.
  int64_t flush_max_rows = 10000;
  int64_t flush_max_age_ms = 5 * 60 * 1000;
  int64_t flush_min_age_ms = 0;
  hot::HotOptions hot;              // its clock is replaced by `clock`
  MonotonicClock* clock = nullptr;  // default: the system clock; shared with the HotStore
  FlushHook flush_hook;             // tests: simulate a crash at a step of the flush
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
  // Flushes rows older than flush_min_age_ms when a threshold is crossed; else nothing.
  Result<std::optional<FlushReport>> MaybeFlush();
  // Finishes or abandons an interrupted flush (also done by Open and Flush).
  Status Recover();

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

  // Hot-only in this pass.
  Result<hot::Thing> Put(const hot::NewThing& thing) { return hot_->Put(thing); }

  // The namespace snapshot history, oldest first.
  Result<std::vector<NamespaceSnapshot>> Snapshots();

  hot::HotStore& hot() { return *hot_; }
  // For tests and tools; callers must not use them concurrently with the engine.
  iceberg::Table& things_table() { return *things_; }
  iceberg::Table& relationships_table() { return *relationships_; }
  sqlite::Database& engine_db() { return *db_; }

 private:
  explicit ThingsDB(EngineOptions options) : options_(std::move(options)) {}
  Status Init();
  // The live cold version of thing `id` (nullopt when absent or tombstoned).
  Result<std::optional<cold::LocatedThing>> ColdThing(std::string_view id);
  Result<bool> ThingExists(std::string_view id);
  // True when `id` is a hot thing created after the newest flush cutoff (so it has never
  // been in the cold tier, nor has any relationship naming it).
  Result<bool> NeverFlushed(std::string_view id);
  Result<std::vector<cold::LocatedRelationship>> ColdRelationships(
      std::vector<cold::ColdPredicate> filter);

  EngineOptions options_;
  std::unique_ptr<MonotonicClock> own_clock_;
  MonotonicClock* clock_ = nullptr;
  IdGenerator ids_;
  std::unique_ptr<ObjectStore> own_store_;
  ObjectStore* store_ = nullptr;
  std::unique_ptr<hot::HotStore> hot_;

  std::mutex mu_;  // guards everything below
  std::unique_ptr<sqlite::Database> db_;
  std::unique_ptr<iceberg::Table> things_;
  std::unique_ptr<iceberg::Table> relationships_;
  std::unique_ptr<FlushManager> flusher_;
};

}  // namespace thingsdb::engine
