// FlushWriter: writes rows of one cold table as Parquet data files, one per partition
// (type, day(created_at)) and per size limit, rows sorted by id, with deterministic names
// from the flush id (a retried flush overwrites its own objects); and position-delete files
// for cold rows that were updated or deleted. Returns the Iceberg DataFiles (partition,
// metrics, bounds) and the index-cache facts; CommitFlush commits both in one snapshot.
// The store must outlive the writer. Not thread-safe. Naming and format: docs/cold.md.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "cold/cold_file_info.h"
#include "cold/cold_row.h"
#include "cold/cold_schema.h"
#include "core/status.h"
#include "iceberg/manifest.h"
#include "iceberg/table.h"
#include "iceberg/table_paths.h"
#include "objectstore/object_store.h"
#include "parquet/column_writer.h"

namespace thingsdb::cold {

// Parquet settings of cold data files: zstd, row groups of at most 64K rows / 64 MB (so a
// point lookup decodes little), pages of at most 4K rows (page-index granularity).
parquet::WriterOptions DefaultColdWriterOptions();

struct FlushOptions {
  std::string flush_id;  // [A-Za-z0-9_-]{1,64}; names every object this flush writes
  parquet::WriterOptions writer = DefaultColdWriterOptions();
  int64_t max_rows_per_file = 1'000'000;
  int64_t max_file_raw_bytes = int64_t{256} << 20;  // uncompressed row bytes per file
};

struct WrittenFiles {
  std::vector<iceberg::DataFile> files;  // data or position-delete files, in name order
  std::vector<ColdFileInfo> infos;       // data files only, parallel to `files`
};

// A cold row to delete: where it lives and the partition of the file it lives in (the old
// row's type and created_at).
struct PositionDelete {
  RowLocation location;
  std::string type;
  int64_t created_at = 0;  // ms
};

class FlushWriter {
 public:
  // InvalidArgument for a bad flush id or layout.
  static Result<FlushWriter> Make(ObjectStore& store, iceberg::TablePaths paths, TableLayout layout,
                                  FlushOptions options);

  // Writes `rows` (any order; ids unique) as
  // `data/type=<t>/created_at_day=<d>/<flush>-<n>.parquet`.
  Result<WrittenFiles> WriteThings(const std::vector<ColdThing>& rows) const;
  Result<WrittenFiles> WriteRelationships(const std::vector<ColdRelationship>& rows) const;
  // Writes one position-delete file per partition, `<flush>-deletes-<n>.parquet` beside the
  // data, rows sorted by (file_path, pos), duplicates dropped.
  Result<WrittenFiles> WritePositionDeletes(const std::vector<PositionDelete>& deletes) const;

  const iceberg::TablePaths& paths() const { return paths_; }
  const TableLayout& layout() const { return layout_; }

 private:
  FlushWriter(ObjectStore& store, iceberg::TablePaths paths, TableLayout layout,
              FlushOptions options)
      : store_(&store),
        paths_(std::move(paths)),
        layout_(std::move(layout)),
        options_(std::move(options)) {}

  ObjectStore* store_;
  iceberg::TablePaths paths_;
  TableLayout layout_;
  FlushOptions options_;
};

// Commits `data` and `deletes` of one flush as one snapshot (append, or overwrite when there
// are deletes), with the flush id as commit token and `thingsdb.flush-id` in the summary: a
// retry after a crash returns the snapshot that already committed instead of adding rows twice.
// InvalidArgument when both are empty (skip the table instead).
Result<iceberg::Snapshot> CommitFlush(iceberg::Table& table, const std::string& flush_id,
                                      const WrittenFiles& data, const WrittenFiles& deletes,
                                      std::map<std::string, std::string> summary = {},
                                      int64_t timestamp_ms = 0);

// "type=<t>/created_at_day=<yyyy-mm-dd>": the partition folder (values %-escaped as
// Iceberg's Java writers do).
std::string PartitionFolder(std::string_view type, int32_t day);

}  // namespace thingsdb::cold
