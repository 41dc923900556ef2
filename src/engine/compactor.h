// Compactor: rewrites one namespace's small cold data files, and the files position deletes
// point into, as fewer files without the deleted rows — one Iceberg "replace" per table that
// also drops the delete files left pointing at nothing live — with the journaled protocol of
// docs/tiering.md ("Compaction, expiry and orphans"); Recover finishes or abandons an
// interrupted compaction. A compaction never changes what a query returns. Runs on the
// connection and table handles it is given (the flush's: the owner runs it under its flush
// mutex), which must outlive it; takes the owner's `exclusive` lock only to publish.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/status.h"
#include "engine/flush_manager.h"
#include "iceberg/table.h"
#include "objectstore/object_store.h"
#include "sqlite/database.h"

namespace thingsdb::engine {

struct CompactOptions {
  // A data file smaller than this (bytes, as its manifest records) is small.
  int64_t target_file_bytes = int64_t{64} << 20;
  // A partition is rewritten when it has at least this many small files (at least 2) ...
  int min_files = 2;
  // ... or when position deletes point into one of its files (then those files, small or
  // not, are rewritten too, without the deleted rows).
  bool rewrite_deletes = true;
};

struct CompactReport {
  std::string compact_id;  // empty when there was nothing to compact
  int64_t partitions = 0;  // (table, type, day, index columns) groups rewritten
  int64_t files_removed = 0;
  int64_t delete_files_removed = 0;
  int64_t files_added = 0;
  int64_t rows = 0;          // live rows rewritten
  int64_t rows_dropped = 0;  // rows of the removed files that position deletes had deleted
  int64_t bytes_removed = 0;
  int64_t bytes_added = 0;
  int64_t ms = 0;
  int64_t ns_snapshot_id = 0;
  std::optional<int64_t> things_snapshot_id;  // the replace snapshots (none: table untouched)
  std::optional<int64_t> relationships_snapshot_id;

  std::string ToJson() const;
};

class Compactor {
 public:
  // `hook` (EngineOptions::flush_hook) fires at "compact_before_iceberg_commit",
  // "compact_between_table_commits" and "compact_after_iceberg_commit"; a non-OK status
  // stops the compaction there as a crash would.
  Compactor(sqlite::Database& db, ObjectStore& store, iceberg::Table& things,
            iceberg::Table& relationships, MonotonicClock& clock, FlushHook hook)
      : db_(db),
        store_(store),
        things_(things),
        relationships_(relationships),
        clock_(clock),
        hook_(std::move(hook)) {}

  // One compaction (the caller has recovered first). Nothing to rewrite: an empty report.
  Result<CompactReport> Compact(const CompactOptions& options);
  // Call with the exclusive lock held. For every journal entry left 'writing': publishes
  // the tables whose replace committed (their files go live in the index cache, the
  // replaced ones leave it, tier_state advances) and drops the staged rows of the others;
  // an entry with no committed table is 'abandoned' (its objects are orphans).
  Status Recover();

  // As FlushManager's: called with the exclusive lock held before publishing.
  void set_on_committed(std::function<Status()> on_committed) {
    on_committed_ = std::move(on_committed);
  }
  void set_exclusive(std::function<std::unique_lock<std::mutex>()> exclusive) {
    exclusive_ = std::move(exclusive);
  }

 private:
  struct TablePlan;

  Result<TablePlan> PlanTable(iceberg::Table& table, cold::TableKind kind,
                              const CompactOptions& options);
  Status WriteTable(const std::string& compact_id, iceberg::Table& table, TablePlan& plan,
                    CompactReport& report);
  // The publishing transaction; `committed_*` are the replace snapshots (none: that table's
  // staged files are dropped). Marks the journal entry 'done' or 'abandoned'.
  Status Publish(const std::string& compact_id, std::optional<int64_t> committed_things,
                 std::optional<int64_t> committed_relationships, int64_t* ns_snapshot_id);
  std::unique_lock<std::mutex> Exclusive() {
    return exclusive_ ? exclusive_() : std::unique_lock<std::mutex>();
  }
  Status Hook(std::string_view point) { return hook_ ? hook_(point) : Status::OK(); }

  sqlite::Database& db_;
  ObjectStore& store_;
  iceberg::Table& things_;
  iceberg::Table& relationships_;
  MonotonicClock& clock_;
  FlushHook hook_;
  std::function<Status()> on_committed_;
  std::function<std::unique_lock<std::mutex>()> exclusive_;
};

// The id of the snapshot of `table` that compaction `compact_id` committed, if any.
std::optional<int64_t> SnapshotOfCompaction(const iceberg::Table& table,
                                            std::string_view compact_id);

}  // namespace thingsdb::engine
