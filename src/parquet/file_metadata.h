// Parquet footer metadata (FileMetaData and everything in it) as plain structs, with the
// Thrift compact encoder and decoder. Decoding skips fields it does not know, so footers
// of other writers parse; bad bytes are Corruption naming the source and byte offset.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "parquet/parquet_types.h"
#include "parquet/thrift_compact.h"

namespace thingsdb::parquet {

// Statistics of a page or column chunk; min/max are PLAIN-encoded values (no length prefix).
struct Statistics {
  std::optional<std::string> min_value;
  std::optional<std::string> max_value;
  std::optional<int64_t> null_count;
  std::optional<int64_t> distinct_count;
  bool is_min_exact = true;
  bool is_max_exact = true;
  bool legacy = false;  // came from the deprecated min/max fields (1, 2)
};

struct LogicalType {
  LogicalKind kind = LogicalKind::kNone;
  bool utc = true;  // TIMESTAMP isAdjustedToUTC
  int bit_width = 0;
  bool is_signed = true;
};

struct SchemaElement {
  std::optional<Type> type;
  int32_t type_length = 0;
  std::optional<Repetition> repetition;
  std::string name;
  int32_t num_children = 0;
  ConvertedType converted_type = ConvertedType::kNone;
  std::optional<int32_t> field_id;
  LogicalType logical;
  bool has_logical = false;
};

struct KeyValue {
  std::string key;
  std::optional<std::string> value;
};

struct ColumnMetaData {
  Type type = Type::kBoolean;
  std::vector<Encoding> encodings;
  std::vector<std::string> path_in_schema;
  Codec codec = Codec::kUncompressed;
  int64_t num_values = 0;
  int64_t total_uncompressed_size = 0;
  int64_t total_compressed_size = 0;
  int64_t data_page_offset = 0;
  std::optional<int64_t> dictionary_page_offset;
  std::optional<Statistics> statistics;
  std::optional<int64_t> bloom_filter_offset;
  std::optional<int32_t> bloom_filter_length;
};

struct ColumnChunk {
  int64_t file_offset = 0;
  ColumnMetaData meta_data;
  std::optional<int64_t> offset_index_offset;
  std::optional<int32_t> offset_index_length;
  std::optional<int64_t> column_index_offset;
  std::optional<int32_t> column_index_length;
};

struct RowGroup {
  std::vector<ColumnChunk> columns;
  int64_t total_byte_size = 0;
  int64_t num_rows = 0;
  std::optional<int64_t> file_offset;
  std::optional<int64_t> total_compressed_size;
  std::optional<int16_t> ordinal;
};

struct FileMetaData {
  int32_t version = 1;
  std::vector<SchemaElement> schema;
  int64_t num_rows = 0;
  std::vector<RowGroup> row_groups;
  std::vector<KeyValue> key_value_metadata;
  std::optional<std::string> created_by;
  bool type_defined_column_orders = false;
};

void EncodeStatistics(const Statistics& stats, ThriftWriter& writer);
Status DecodeStatistics(ThriftReader& reader, Statistics* stats);

// Serializes to the Thrift compact bytes stored before the footer length.
std::string EncodeFileMetaData(const FileMetaData& metadata);
// `source` and `base_offset` locate the bytes for error messages.
Result<FileMetaData> DecodeFileMetaData(std::string_view bytes, std::string_view source,
                                        uint64_t base_offset);

}  // namespace thingsdb::parquet
