// FileReader: reads a Parquet file from a RandomAccessSource — the footer first, then only
// the column chunks asked for, one row group at a time. Prunes row groups by statistics and
// bloom filters, and pages by the page index, for Predicates. Never reads past a length the
// footer gave; bad bytes are Corruption naming the source and byte offset.
// `*source` must outlive the reader. Not thread-safe (a DecodedFooter may be shared by readers
// on several threads: it is immutable).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "parquet/bloom_filter.h"
#include "parquet/column_batch.h"
#include "parquet/column_reader.h"
#include "parquet/file_metadata.h"
#include "parquet/page_index.h"
#include "parquet/predicate.h"
#include "parquet/random_access_source.h"
#include "parquet/schema.h"

namespace thingsdb::parquet {

struct ReaderOptions {
  uint64_t max_footer_bytes = 64 << 20;
  DecodeLimits limits;
  bool use_statistics = true;
  bool use_bloom_filters = true;
  bool use_page_index = true;
};

// The rows of one row group for the projected columns.
struct RowGroupBatch {
  int row_group = 0;
  std::vector<int> columns;          // schema index of each batch
  std::vector<ColumnBatch> batches;  // one per projected column, all num_rows long
  int64_t num_rows = 0;
  // Row positions within the row group of each output row when predicates selected rows;
  // empty when every row of the group is present.
  std::vector<int64_t> row_numbers;
};

// A file's footer, decoded and its schema built: what Open reads before any column chunk.
// Immutable; readers of the same file (same bytes) may share one, which saves the footer's
// three reads and its decoding (src/cold caches them).
struct DecodedFooter {
  uint64_t file_size = 0;
  uint64_t footer_start = 0;  // the data ends here
  uint32_t footer_length = 0;
  FileMetaData metadata;
  Schema schema;

  // A rough count of the heap bytes this takes (for cache budgets).
  size_t EstimatedBytes() const;
};

// What the reader touched, for tests and benchmarks.
struct ReadCounters {
  int64_t row_groups_pruned_by_statistics = 0;
  int64_t row_groups_pruned_by_bloom = 0;
  int64_t pages_read = 0;
  int64_t pages_skipped = 0;
  int64_t bytes_read = 0;
};

class FileReader {
 public:
  static Result<std::unique_ptr<FileReader>> Open(RandomAccessSource* source,
                                                  const ReaderOptions& options = {});
  // A reader over a file whose footer another reader decoded (footer() of a reader of the
  // same bytes): reads nothing now. The footer is checked against `options` again
  // (max_footer_bytes, row counts, chunk bounds).
  static Result<std::unique_ptr<FileReader>> Open(RandomAccessSource* source,
                                                  std::shared_ptr<const DecodedFooter> footer,
                                                  const ReaderOptions& options = {});
  FileReader(const FileReader&) = delete;
  FileReader& operator=(const FileReader&) = delete;

  const FileMetaData& metadata() const { return footer_->metadata; }
  const Schema& schema() const { return footer_->schema; }
  const std::shared_ptr<const DecodedFooter>& footer() const { return footer_; }
  int num_row_groups() const { return static_cast<int>(footer_->metadata.row_groups.size()); }
  const std::string& source_name() const { return name_; }
  const ReadCounters& counters() const { return counters_; }

  // Row groups that may hold a row matching every predicate.
  Result<std::vector<int>> PruneRowGroups(const std::vector<Predicate>& predicates);
  // Reads the given columns (schema indexes) of a row group. With predicates, returns exactly
  // the rows matching all of them (row_numbers says which): the page index limits the pages
  // of the predicate columns, and the matching rows limit the pages of the other columns.
  Result<RowGroupBatch> ReadRowGroup(int row_group, const std::vector<int>& columns,
                                     const std::vector<Predicate>& predicates = {});

  Result<std::optional<BloomFilter>> ReadBloomFilter(int row_group, int column);
  Result<std::optional<ColumnIndex>> ReadColumnIndex(int row_group, int column);
  Result<std::optional<OffsetIndex>> ReadOffsetIndex(int row_group, int column);

 private:
  FileReader(RandomAccessSource* source, const ReaderOptions& options)
      : source_(source), options_(options), name_(source->Describe()) {}
  Status ReadFooter();
  Status ValidateMetadata();
  Result<std::string> ReadRange(uint64_t offset, uint64_t length, std::string_view what);
  Result<bool> RowGroupMayMatch(int row_group, const Predicate& predicate, int column);
  Result<std::optional<RowRanges>> PageRanges(int row_group,
                                              const std::vector<Predicate>& predicates);
  Status ReadChunk(int row_group, int column, ColumnBatch* out);
  Status ReadColumn(int row_group, int column, const std::optional<RowRanges>& ranges,
                    ColumnBatch* out);
  // The distinct columns predicates name, read over candidate rows.
  struct PredicateRows {
    std::vector<int> columns;
    std::vector<ColumnBatch> batches;
    std::vector<size_t> slot_of;  // predicate index -> index in columns
  };
  Status ReadPredicateColumns(int row_group, const std::vector<Predicate>& predicates,
                              const RowRanges& candidates, PredicateRows* rows);
  Result<RowGroupBatch> ReadMatchingRows(int row_group, const std::vector<int>& columns,
                                         const std::vector<Predicate>& predicates);
  Status ReadChunkPages(int row_group, int column, const RowRanges& ranges, ColumnBatch* out);
  Status ReadSelectedPages(int row_group, int column, const OffsetIndex& index,
                           const RowRanges& ranges, ColumnBatch* decoded,
                           std::vector<int64_t>* row_of);
  Result<int> ColumnOf(const Predicate& predicate) const;

  RandomAccessSource* source_;
  ReaderOptions options_;
  std::string name_;
  std::shared_ptr<const DecodedFooter> footer_;  // set by Open
  ReadCounters counters_;
};

}  // namespace thingsdb::parquet
