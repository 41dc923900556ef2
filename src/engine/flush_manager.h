// FlushManager: moves one namespace's rows older than a cutoff from hot.db to the cold
// Iceberg tables with the journaled protocol of docs/tiering.md ("Flush protocol"), and
// finishes or abandons an interrupted flush (Recover). Uses a connection of its own
// (foreign keys off) and the tables it is given, which must outlive it. One call at a time;
// the owner's other work may run concurrently except while the `exclusive` lock is held
// (recovery, publishing, each batch of deletes).
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cold/cold_reader.h"
#include "cold/cold_schema.h"
#include "cold/flush_writer.h"
#include "core/clock.h"
#include "core/status.h"
#include "iceberg/table.h"
#include "objectstore/object_store.h"
#include "sqlite/database.h"

namespace thingsdb::engine {

struct FlushOptions {
  // Rows with updated_at (relationships: created_at) <= cutoff_ms move; when absent,
  // cutoff = now - min_age_ms (all = true: cutoff = now, every row).
  std::optional<int64_t> cutoff_ms;
  int64_t min_age_ms = 5 * 60 * 1000;
  bool all = false;
};

struct FlushReport {
  std::string flush_id;  // empty when there was nothing to flush
  int64_t cutoff_ms = 0;
  int64_t things = 0;         // thing rows written to the cold tier
  int64_t relationships = 0;  // relationship rows written
  int64_t cold_deletes = 0;   // cold rows removed by position deletes (updated / deleted)
  int64_t files = 0;          // data and delete files written
  int64_t bytes = 0;
  int64_t ms = 0;
  // Where the time went, in microseconds (not in ToJson): the read snapshot, the longest
  // write transaction of Begin (journal, a batch of row keys), the publishing transaction,
  // the engine mutex held to publish (refreshing the engine's tables and the readers', then
  // the transaction), the longest write transaction of the deletes that follow, and the
  // whole finish.
  int64_t read_us = 0;
  int64_t begin_lock_us = 0;
  int64_t publish_us = 0;
  int64_t publish_lock_us = 0;
  int64_t finish_lock_us = 0;
  int64_t finish_us = 0;
  int64_t ns_snapshot_id = 0;
  std::optional<int64_t> things_snapshot_id;
  std::optional<int64_t> relationships_snapshot_id;

  std::string ToJson() const;
};

// Called at the named points of a flush ("rows_read" — while Begin's read snapshot is open —,
// "before_iceberg_commit", "between_table_commits", "after_iceberg_commit", "published" —
// the flush is visible, its hot rows not yet deleted —, "finish_batch" — after each batch of
// those deletes); a non-OK status stops the flush there as a crash would.
using FlushHook = std::function<Status(std::string_view point)>;

class FlushManager {
 public:
  FlushManager(sqlite::Database& db, ObjectStore& store, iceberg::Table& things,
               iceberg::Table& relationships, MonotonicClock& clock, FlushHook hook)
      : db_(db),
        store_(store),
        things_(things),
        relationships_(relationships),
        clock_(clock),
        hook_(std::move(hook)) {}

  // Recover first, then one flush. Nothing to flush: an empty report.
  Result<FlushReport> Flush(const FlushOptions& options);
  // Called, with the exclusive lock held, after a flush's Iceberg commits and before it
  // publishes them in hot.db (and by recovery before it publishes anything): the owner
  // brings its own table handles up to date. A failure stops the flush unpublished (the
  // next flush's recovery finishes it).
  void set_on_committed(std::function<Status()> on_committed) {
    on_committed_ = std::move(on_committed);
  }
  // The owner's lock, held while recovering, publishing and deleting each batch of flushed
  // rows: the steps that change what the owner's own reads see. Default: no lock.
  void set_exclusive(std::function<std::unique_lock<std::mutex>()> exclusive) {
    exclusive_ = std::move(exclusive);
  }
  // Call with the exclusive lock held (Flush takes it itself).
  // For every journal entry left 'deleting': deletes the rest of its flushed hot rows. For
  // every entry left 'writing': finishes the SQLite step when every table it planned to
  // commit carries its flush id, else marks it abandoned (its objects are orphans; a table
  // that did commit is reconciled by the next flush).
  Status Recover();

 private:
  struct Pending;  // one flush in progress

  Result<bool> Begin(int64_t cutoff, Pending& pending, FlushReport& report);
  Result<int64_t> ReadSnapshot(int64_t cutoff, Pending& pending);
  // The hot tier's JSON indexes (path, created_at), read inside ReadSnapshot's transaction.
  Status ReadIndexes(Pending& pending);
  // The things layout of this flush (the table's index columns plus one per new hot index,
  // added to the table's schema) and every row's index_values in its order.
  Status PrepareIndexColumns(Pending& pending);
  Status PlanDeletes(Pending& pending);
  Status WriteFiles(Pending& pending, FlushReport& report);
  Status Commit(Pending& pending);
  // The keys a flush journaled (its flushed_rows).
  Result<int64_t> CountFlushRows(const std::string& flush_id);
  Status Finish(const std::string& flush_id, std::optional<int64_t> things_snapshot,
                std::optional<int64_t> relationships_snapshot, int64_t flushed_rows,
                int64_t* ns_snapshot_id, FlushReport* report);
  // Takes the exclusive lock for each batch when `lock_batches` (else the caller holds it).
  Status FinishDeletes(const std::string& flush_id, FlushReport* report, bool lock_batches);
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

// The cold column of the hot JSON index on `path` created at `created_at` (ms):
// "<path as [a-z0-9_], at most 40>_<8 hex of FNV-1a over path and created_at>". Stable while
// the index exists; an index dropped and added again gets a new column, so a column is
// filled by every flush since it was added and a pushed-down hint on it never meets rows
// that were flushed unindexed into a file that has the column (docs/tiering.md).
std::string ColdIndexName(std::string_view path, int64_t created_at);
// The JSON-index columns of `things`' current schema, in field-id order (json_path empty).
std::vector<cold::JsonIndexColumn> ColdIndexColumns(const iceberg::Table& things);

// The id of the snapshot of `table` that flush `flush_id` committed, if any.
std::optional<int64_t> SnapshotOfFlush(const iceberg::Table& table, std::string_view flush_id);

}  // namespace thingsdb::engine
