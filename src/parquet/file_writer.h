// FileWriter: writes a Parquet file of a flat schema to an OutputSink, one row group at a
// time (cut by buffered bytes or rows), then page indexes and the footer on Close. Output is
// byte-for-byte deterministic for the same input and options. `*sink` must outlive the
// writer. Not thread-safe. Format choices: docs/parquet.md.
#pragma once

#include <memory>
#include <vector>

#include "core/status.h"
#include "parquet/column_batch.h"
#include "parquet/column_writer.h"
#include "parquet/file_metadata.h"
#include "parquet/output_sink.h"
#include "parquet/schema.h"

namespace thingsdb::parquet {

class FileWriter {
 public:
  static Result<std::unique_ptr<FileWriter>> Open(const Schema& schema,
                                                  const WriterOptions& options, OutputSink* sink);
  FileWriter(const FileWriter&) = delete;
  FileWriter& operator=(const FileWriter&) = delete;

  // Appends rows: one batch per schema column, all of the same length and physical type.
  Status WriteBatch(const std::vector<ColumnBatch>& columns);
  // Writes the open row group now (a no-op when it is empty).
  Status FlushRowGroup();
  // Flushes, writes page indexes and the footer, and closes the sink. Call once.
  Status Close();

  const FileMetaData& metadata() const { return metadata_; }

 private:
  FileWriter(const Schema& schema, const WriterOptions& options, OutputSink* sink);
  Status CheckBatch(const std::vector<ColumnBatch>& columns) const;
  int64_t BufferedBytes() const;
  Status WriteBloomFilters(const std::vector<std::string>& blooms, RowGroup* group);
  Status WritePageIndexes();

  Schema schema_;
  WriterOptions options_;
  OutputSink* sink_;
  std::vector<std::unique_ptr<ColumnWriter>> writers_;
  FileMetaData metadata_;
  int64_t open_rows_ = 0;
  bool closed_ = false;
  // Per row group, per column: serialized page indexes waiting for Close.
  std::vector<std::vector<std::string>> column_indexes_, offset_indexes_;
};

// Writes `columns` as one file into a string (tests, small files).
Result<std::string> WriteToString(const Schema& schema, const WriterOptions& options,
                                  const std::vector<ColumnBatch>& columns);

}  // namespace thingsdb::parquet
