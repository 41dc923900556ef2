// ColumnWriter: buffers the pages of one column chunk of the current row group (encoded and
// compressed as they fill) and emits the chunk with its metadata, page index entries and
// bloom filter. Memory is bounded by the row group's compressed size. Not thread-safe.
// Byte layout and encoding choices: docs/parquet.md.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/status.h"
#include "parquet/column_batch.h"
#include "parquet/file_metadata.h"
#include "parquet/page_header.h"
#include "parquet/page_index.h"
#include "parquet/schema.h"
#include "parquet/statistics.h"

namespace thingsdb::parquet {

struct WriterOptions {
  Codec codec = Codec::kZstd;
  int compression_level = 0;               // 0: the codec's default
  int data_page_version = 1;               // 1 or 2
  size_t page_size_bytes = 1 << 20;        // unencoded bytes per data page (soft)
  size_t page_row_limit = 20000;           // rows per data page (page index granularity)
  size_t dictionary_size_limit = 1 << 20;  // PLAIN dictionary bytes before falling back
  int64_t row_group_bytes = 128 << 20;     // buffered compressed bytes per row group (soft)
  int64_t row_group_row_limit = 1 << 20;
  bool write_statistics = true;
  bool write_page_index = true;
  size_t statistics_truncate_length = 64;
  double bloom_filter_fpp = 0.01;
  size_t bloom_filter_max_bytes = 1 << 20;
  std::vector<KeyValue> key_value_metadata;
  std::string created_by = "thingsdb version 0.1.0";
};

// One column chunk, ready to write at a known file offset.
struct FinishedChunk {
  std::string bytes;    // dictionary page + data pages
  ColumnMetaData meta;  // offsets relative to the chunk start
  ColumnIndex column_index;
  OffsetIndex offset_index;                 // offsets relative to the chunk start
  std::optional<std::string> bloom_filter;  // header + bitset
};

class ColumnWriter {
 public:
  ColumnWriter(const ColumnSpec& spec, const WriterOptions& options);
  ColumnWriter(const ColumnWriter&) = delete;
  ColumnWriter& operator=(const ColumnWriter&) = delete;

  // Appends rows [begin, end) of `batch` (type already checked).
  Status Append(const ColumnBatch& batch, size_t begin, size_t end);
  // Compressed bytes buffered so far plus the open page's raw size.
  int64_t EstimatedSize() const;
  // Ends the row group's chunk and resets for the next one.
  Result<FinishedChunk> Finish();

 private:
  struct Page {
    std::string bytes;  // header + body
    int64_t first_row, num_rows, uncompressed_size;
    StatsAccumulator stats;
  };
  void AddValue(const ColumnBatch& batch, size_t row);
  void AddToDictionary(const ColumnBatch& batch, size_t row);
  void AppendPlain(const ColumnBatch& batch, size_t row);
  Status FlushPage();
  Encoding EncodeValues(std::string* out);
  Result<Page> BuildPage(std::string_view levels, std::string_view values, Encoding encoding);
  Status BuildPageV1(std::string_view levels, std::string_view values, Encoding encoding,
                     PageHeader* header, std::string* compressed);
  Status BuildPageV2(std::string_view levels, std::string_view values, Encoding encoding,
                     PageHeader* header, std::string* compressed);
  Status EmitDictionaryPage(std::string* out, int64_t* uncompressed);
  void CollectBloomHash(const ColumnBatch& batch, size_t row);
  std::optional<std::string> BuildBloomFilter();
  ColumnIndex BuildColumnIndex() const;
  void ResetChunk();

  ColumnSpec spec_;
  const WriterOptions& options_;
  // The open page.
  std::vector<uint32_t> def_levels_;
  std::vector<uint32_t> indices_;      // dictionary mode
  std::string plain_;                  // PLAIN values
  std::vector<uint8_t> bools_;         // BOOLEAN values
  std::vector<int64_t> delta_values_;  // DELTA_BINARY_PACKED values
  size_t page_values_ = 0, page_nulls_ = 0, page_raw_bytes_ = 0;
  StatsAccumulator page_stats_;
  // The chunk.
  std::vector<Page> pages_;
  int64_t chunk_rows_ = 0, buffered_bytes_ = 0;
  StatsAccumulator chunk_stats_;
  bool dictionary_active_;
  bool dictionary_pages_ = false;  // some page of this chunk is dictionary-encoded
  std::string dict_plain_;
  uint32_t dict_size_ = 0;
  std::unordered_map<int64_t, uint32_t> int_dict_;
  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, uint32_t, StringHash, std::equal_to<>> str_dict_;
  std::vector<uint64_t> bloom_hashes_;
  std::vector<Encoding> used_encodings_;
};

}  // namespace thingsdb::parquet
