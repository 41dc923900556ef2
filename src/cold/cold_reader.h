// ColdReader: reads one cold table at a snapshot (current, by id, or as of a time). Plans
// with the Iceberg scan (predicates on id, type, timestamps and JSON-index columns prune by
// partition and column bounds), then per file reads the Parquet footer through ranged Gets,
// skips row groups by statistics and the id bloom filter and pages by the page index,
// decodes only the columns asked for, drops rows named by position deletes and rows that do
// not match. Every row comes with its (file path, position). Reads the table's loaded
// metadata (Table::Refresh to see newer commits). The table must outlive the reader; not
// thread-safe (use one reader per thread). Decoded manifests, footers and delete files come
// from process-wide caches (iceberg::ManifestCache, ColdFileCache) that readers on any thread
// share; SetCaches chooses others or none.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cold/cold_row.h"
#include "cold/cold_schema.h"
#include "cold/file_cache.h"
#include "core/status.h"
#include "iceberg/table.h"
#include "parquet/column_batch.h"
#include "parquet/file_reader.h"
#include "parquet/predicate.h"

namespace thingsdb::cold {

// `column op values`: strings for id/type/from_id/to_id/string indexes, parquet::Value::Int
// milliseconds for created_at/updated_at, numbers for double indexes. kIn takes several
// values, kIsNull none.
struct ColdPredicate {
  std::string column;
  parquet::CompareOp op = parquet::CompareOp::kEq;
  std::vector<parquet::Value> values;
  // A hint: files that lack the column (written before it was added) are not pruned by it
  // and their rows pass it, instead of reading the column as null.
  bool skip_if_column_missing = false;
};

struct ScanRequest {
  std::optional<int64_t> snapshot_id;  // else as_of_timestamp_ms, else current
  std::optional<int64_t> as_of_timestamp_ms;
  std::vector<ColdPredicate> filter;  // a conjunction; every returned row matches
  std::vector<std::string> columns;   // to decode; empty = every column
};

// What a scan touched (cumulative over the reader's scans; Reset to start over).
struct ScanCounters {
  int64_t files_planned = 0;         // data files the Iceberg plan returned
  int64_t files_pruned_by_plan = 0;  // data files the plan pruned by partition and bounds
  int64_t files_skipped = 0;         // planned, but every row group pruned by footer stats/bloom
  int64_t files_read = 0;            // planned files with at least one row group decoded
  int64_t row_groups_read = 0;
  int64_t row_groups_skipped = 0;  // by statistics or bloom filter
  int64_t pages_read = 0;
  int64_t pages_skipped = 0;  // by the page index
  int64_t delete_files_read = 0;
  int64_t rows_deleted = 0;  // dropped by position deletes
  int64_t rows_returned = 0;
  int64_t object_requests = 0;  // ranged Gets and Heads on data and delete files
  int64_t bytes_read = 0;
  // Decoded manifest lists and manifests found in the manifest cache / read from the store.
  int64_t manifest_cache_hits = 0;
  int64_t manifest_cache_misses = 0;
  // Data file footers found decoded in the file cache / read from the store.
  int64_t footer_cache_hits = 0;
  int64_t footer_cache_misses = 0;
  int64_t delete_cache_hits = 0;  // position-delete files found decoded (not read)
  int64_t things_from_cache = 0;  // LookupThing answers found in the file cache (no scan)

  void Reset() { *this = ScanCounters(); }
};

// Rows of one row group that passed deletes and the filter. Columns are in request order
// (a column missing from an older file reads as all null); timestamps are microseconds.
struct ColdBatch {
  const iceberg::DataFile* file = nullptr;  // location, partition, metrics
  std::vector<std::string> column_names;
  std::vector<parquet::ColumnBatch> columns;  // dense over the row group's decoded rows
  std::vector<size_t> rows;                   // selected row indexes into `columns`
  std::vector<int64_t> positions;             // file row position of each selected row

  // Index of `name` in column_names, or -1.
  int ColumnIndex(std::string_view name) const;
};

struct LocatedThing {
  ColdThing thing;
  RowLocation location;

  bool operator==(const LocatedThing&) const = default;
};

struct LocatedRelationship {
  ColdRelationship relationship;
  RowLocation location;

  bool operator==(const LocatedRelationship&) const = default;
};

class ColdReader {
 public:
  // `layout` names the JSON-index columns the typed reads fill in.
  ColdReader(const iceberg::Table& table, TableLayout layout)
      : table_(table), layout_(std::move(layout)) {}
  ColdReader(const ColdReader&) = delete;
  ColdReader& operator=(const ColdReader&) = delete;

  // Calls `sink` for every non-empty batch, file by file in plan order; stops at the first
  // error (the sink's or the scan's). InvalidArgument for an unknown column or bad predicate;
  // NotFound for an unknown snapshot.
  Status Scan(const ScanRequest& request, const std::function<Status(const ColdBatch&)>& sink);

  // Typed reads; columns not requested keep their defaults.
  Result<std::vector<LocatedThing>> ReadThings(const ScanRequest& request);
  Result<std::vector<LocatedRelationship>> ReadRelationships(const ScanRequest& request);
  // The live thing with `id` at the snapshot request selects (its filter/columns ignored).
  Result<std::optional<LocatedThing>> LookupThing(std::string_view id, const ScanRequest& at = {});

  // The caches this reader uses (defaults: ManifestCache::Global(), ColdFileCache::Global());
  // null reads and decodes every manifest / footer / delete file from the store.
  void SetCaches(iceberg::ManifestCache* manifests, ColdFileCache* files) {
    manifest_cache_ = manifests;
    file_cache_ = files;
  }

  const ScanCounters& counters() const { return counters_; }
  ScanCounters& counters() { return counters_; }

 private:
  // One data file's pruned predicates, decoded columns and deleted positions.
  struct FileScan {
    std::vector<parquet::Predicate> predicates;  // those on columns the file has
    std::vector<int> decode;                     // file schema indexes to decode
    std::vector<int> column_slots;               // per requested column: slot in decode, or -1
    std::vector<int> predicate_slots;            // per predicate: slot in decode
    std::vector<int64_t> deleted;                // sorted row positions
  };

  Status ScanFile(const iceberg::FileScanTask& task, const std::vector<std::string>& columns,
                  const std::vector<parquet::Predicate>& predicates,
                  const std::function<Status(const ColdBatch&)>& sink);
  Status ScanOpenFile(const iceberg::FileScanTask& task, parquet::FileReader& reader,
                      const std::vector<std::string>& columns,
                      const std::vector<parquet::Predicate>& predicates,
                      const std::function<Status(const ColdBatch&)>& sink);
  Status ScanRowGroup(const iceberg::FileScanTask& task, parquet::FileReader& reader,
                      const FileScan& scan, int group, int64_t group_start,
                      const std::vector<std::string>& columns,
                      const std::function<Status(const ColdBatch&)>& sink);
  Result<std::vector<int64_t>> DeletedPositions(const iceberg::FileScanTask& task);
  Result<std::shared_ptr<const ColdFileCache::DeleteEntries>> LoadDeleteFile(
      const iceberg::ScanFile& file);

  const iceberg::Table& table_;
  TableLayout layout_;
  ScanCounters counters_;
  iceberg::ManifestCache* manifest_cache_ = &iceberg::ManifestCache::Global();
  ColdFileCache* file_cache_ = &ColdFileCache::Global();
  // Per predicate of the current scan: skip_if_column_missing.
  std::vector<bool> skip_if_missing_;
  // Position-delete files used during the current scan, by location.
  std::map<std::string, std::shared_ptr<const ColdFileCache::DeleteEntries>> delete_cache_;
};

}  // namespace thingsdb::cold
